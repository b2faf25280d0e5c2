//! Registration, unlock, password change, and that no key type prints its bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::account::{self, UnlockedAccount};
use blindvault::encoding::b64u_decode;
use blindvault::item;
use blindvault::kdf::{KdfParams, MasterKey};
use blindvault::keys::SymmetricKey;
use blindvault::secret::{SecretKey32, SecretString};
use blindvault::Error;

fn pw(s: &str) -> SecretString {
    SecretString::new(s.to_owned())
}

/// Everything in one test: each full KDF run costs 600 000 iterations.
#[test]
fn register_unlock_change_password() {
    let (reg, acct) = account::register(&pw("old password"), "acct-1").unwrap();
    assert_eq!(reg.kdf.iterations, 600_000);
    assert_eq!(reg.account_id, "acct-1");
    assert_eq!(b64u_decode(&reg.auth_key, "x").unwrap().len(), 32);
    acct.check_public_key(&reg.public_key).unwrap();

    // A vault and an item made before the password change.
    let vault_key = SymmetricKey::generate().unwrap();
    let wrapped_vault = acct.wrap_vault_key(&vault_key, "vault-1").unwrap();
    let blob = item::seal_new(&vault_key, "vault-1", "item-1", b"{\"name\":\"n\"}", b"{}").unwrap();

    // Unlock with the password: the same account key and key pair.
    let again = account::unlock(
        &pw("old password"),
        &reg.kdf,
        &reg.wrapped_account_key,
        &reg.wrapped_private_key,
        "acct-1",
    )
    .unwrap();
    assert_eq!(again.account_key().kid(), acct.account_key().kid());
    assert_eq!(
        again.key_pair().public_key_bytes(),
        acct.key_pair().public_key_bytes()
    );

    // The login path derives once and uses the same master key for both halves.
    let master = MasterKey::derive(&pw("old password"), &reg.kdf).unwrap();
    assert_eq!(master.auth_key().encode_for_server(), reg.auth_key);
    account::unlock_with_master_key(
        &master,
        &reg.wrapped_account_key,
        &reg.wrapped_private_key,
        "acct-1",
    )
    .unwrap();

    // Wrong password: the wrap key's kid differs.
    let wrong = MasterKey::derive(&pw("old passwore"), &reg.kdf).unwrap();
    assert_ne!(wrong.auth_key().encode_for_server(), reg.auth_key);
    assert_eq!(
        account::unlock_with_master_key(
            &wrong,
            &reg.wrapped_account_key,
            &reg.wrapped_private_key,
            "acct-1"
        )
        .unwrap_err(),
        Error::KeyMismatch
    );
    // Right password, other account id: the wrapped key names its account.
    assert_eq!(
        account::unlock_with_master_key(
            &master,
            &reg.wrapped_account_key,
            &reg.wrapped_private_key,
            "acct-2"
        )
        .unwrap_err(),
        Error::ContextMismatch
    );

    // Change the password: new salt, new auth key, the same account key.
    let change = account::change_password(&again, &pw("new password")).unwrap();
    assert_ne!(change.kdf.salt, reg.kdf.salt);
    assert_ne!(change.auth_key, reg.auth_key);
    assert_ne!(change.wrapped_account_key, reg.wrapped_account_key);
    let after = account::unlock(
        &pw("new password"),
        &change.kdf,
        &change.wrapped_account_key,
        &reg.wrapped_private_key,
        "acct-1",
    )
    .unwrap();
    assert_eq!(after.account_key().kid(), acct.account_key().kid());
    // Everything below the account key opens unchanged.
    let vk = after.unwrap_vault_key(&wrapped_vault, "vault-1").unwrap();
    assert!(item::open_overview(&vk, "vault-1", "item-1", &blob).is_ok());
    // The old password no longer opens the new wrapping.
    assert_eq!(
        account::unlock_with_master_key(
            &master,
            &change.wrapped_account_key,
            &reg.wrapped_private_key,
            "acct-1"
        )
        .unwrap_err(),
        Error::KeyMismatch
    );
    // The published public key is checked against ours.
    let (other_reg, _) =
        account::register_with_master_key(&master, reg.kdf.clone(), "acct-3").unwrap();
    assert_eq!(
        after.check_public_key(&other_reg.public_key).unwrap_err(),
        Error::InvalidPublicKey
    );
}

#[test]
fn parameters_are_refused_before_any_derivation() {
    let kdf = KdfParams {
        alg: "pbkdf2-sha256".into(),
        iterations: 2_000_000_000,
        salt: "AAECAwQFBgcICQoLDA0ODw".into(),
    };
    let err = account::unlock(&pw("x"), &kdf, "a", "b", "acct").unwrap_err();
    assert_eq!(
        err,
        Error::KdfIterationsTooHigh {
            iterations: 2_000_000_000,
            maximum: 10_000_000
        }
    );
    let low = KdfParams {
        iterations: 100_000,
        ..kdf
    };
    assert!(matches!(
        account::unlock(&pw("x"), &low, "a", "b", "acct").unwrap_err(),
        Error::KdfIterationsTooLow { .. }
    ));
}

#[test]
fn browser_path_registers_and_changes_password_without_pbkdf2_here() {
    let kdf = KdfParams::generate().unwrap();
    let master = MasterKey::from_pbkdf2_output(&[5u8; 32], &kdf).unwrap();
    let (reg, acct) = account::register_with_master_key(&master, kdf.clone(), "acct").unwrap();
    let back = account::unlock_with_master_key(
        &master,
        &reg.wrapped_account_key,
        &reg.wrapped_private_key,
        "acct",
    )
    .unwrap();
    assert_eq!(back.account_key().kid(), acct.account_key().kid());
    let kdf2 = KdfParams::generate().unwrap();
    let master2 = MasterKey::from_pbkdf2_output(&[6u8; 32], &kdf2).unwrap();
    let ch = account::change_password_with_master_key(&acct, &master2, kdf2.clone()).unwrap();
    assert_eq!(ch.kdf, kdf2);
    let after = account::unlock_with_master_key(
        &master2,
        &ch.wrapped_account_key,
        &reg.wrapped_private_key,
        "acct",
    )
    .unwrap();
    assert_eq!(after.account_key().kid(), acct.account_key().kid());
    assert!(account::register_with_master_key(&master, kdf, "a/b").is_err());
}

fn assert_hidden(what: &str, dbg: &str, secret: &[u8]) {
    let hex_lower = hex::encode(secret);
    let hex_upper = hex_lower.to_uppercase();
    let decimal = format!("{secret:?}"); // "[171, 171, ...]"
    let decimal_bare = decimal.trim_matches(|c| c == '[' || c == ']');
    let b64 = blindvault::encoding::b64u_encode(secret);
    for needle in [
        &hex_lower[..16],
        &hex_upper[..16],
        &decimal_bare[..12],
        &b64[..12],
    ] {
        assert!(
            !dbg.contains(needle),
            "{what} Debug shows {needle:?}: {dbg}"
        );
    }
    assert!(
        !dbg.contains("171, 171") && !dbg.to_lowercase().contains("abab"),
        "{what}: {dbg}"
    );
}

#[test]
fn debug_never_shows_key_bytes() {
    let raw = [0xABu8; 32];
    let sym = SymmetricKey::from_secret(SecretKey32::from_bytes(raw));
    assert_hidden("SymmetricKey", &format!("{sym:?} {sym:#?}"), &raw);

    let kdf = KdfParams::generate().unwrap();
    let master = MasterKey::from_pbkdf2_output(&raw, &kdf).unwrap();
    assert_hidden("MasterKey", &format!("{master:?} {master:#?}"), &raw);
    let wrap = master.wrap_key();
    assert_hidden("WrapKey", &format!("{wrap:?}"), &raw);
    let auth = master.auth_key();
    let auth_bytes = b64u_decode(&auth.encode_for_server(), "x").unwrap();
    assert_hidden("AuthKey", &format!("{auth:?} {auth:#?}"), &auth_bytes);

    let (reg, acct): (_, UnlockedAccount) =
        account::register_with_master_key(&master, kdf, "acct").unwrap();
    let dbg = format!("{acct:?} {acct:#?}");
    assert!(dbg.contains("acct"));
    // The account key inside: recover its bytes by unwrapping, then look for them.
    let account_key_bytes = {
        let w = master.wrap_key();
        let k = w
            .unwrap(
                &reg.wrapped_account_key,
                &blindvault::context::Context::account_key("acct").unwrap(),
            )
            .unwrap();
        // Re-wrap under a known key and open raw to obtain the 32 bytes.
        let known = SymmetricKey::from_secret(SecretKey32::from_bytes([1; 32]));
        let ctx = blindvault::context::Context::item_key("v", "i").unwrap();
        let jwe = known.wrap(&k, &ctx).unwrap();
        known.open(&jwe, &ctx).unwrap().expose_secret().to_vec()
    };
    assert_hidden("UnlockedAccount", &dbg, &account_key_bytes);
    assert_hidden("UnlockedAccount", &dbg, &auth_bytes);
    // Registration and PasswordChange carry the auth key for the server, but
    // their Debug does not show it.
    let reg_dbg = format!("{reg:?}");
    assert!(reg_dbg.contains("REDACTED") && reg_dbg.contains(&reg.wrapped_account_key));
    assert_hidden("Registration", &reg_dbg, &auth_bytes);
    let kdf2 = KdfParams::generate().unwrap();
    let m2 = MasterKey::from_pbkdf2_output(&[0xCD; 32], &kdf2).unwrap();
    let ch = account::change_password_with_master_key(&acct, &m2, kdf2).unwrap();
    let ch_auth = b64u_decode(&ch.auth_key, "x").unwrap();
    assert_hidden("PasswordChange", &format!("{ch:?}"), &ch_auth);
}
