//! Vault and folder names (docs/SPEC.md § Contexts): the one plaintext
//! `{"name": …}` bv, the web vault and the extension all seal and open.
#![allow(clippy::unwrap_used)]

use blindvault::context::Context;
use blindvault::keys::SymmetricKey;
use blindvault::names::{open_folder_name, open_vault_name, seal_folder_name, seal_vault_name};
use blindvault::Error;

#[test]
fn names_round_trip_and_stay_in_their_place() {
    let key = SymmetricKey::generate().unwrap();
    for name in ["Personal", "Team \"Ops\" / prod", "Käse 🧀", " padded "] {
        let v = seal_vault_name(&key, "v1", name).unwrap();
        assert_eq!(open_vault_name(&key, "v1", &v).unwrap(), name);
        let f = seal_folder_name(&key, "v1", "f1", name).unwrap();
        assert_eq!(open_folder_name(&key, "v1", "f1", &f).unwrap(), name);
        // Another vault, another folder, or a folder envelope as a vault name.
        assert!(open_vault_name(&key, "v2", &v).is_err());
        assert!(open_folder_name(&key, "v1", "f2", &f).is_err());
        assert!(open_vault_name(&key, "v1", &f).is_err());
    }
    let other = SymmetricKey::generate().unwrap();
    let v = seal_vault_name(&key, "v1", "x").unwrap();
    assert!(open_vault_name(&other, "v1", &v).is_err());
}

#[test]
fn what_is_sealed_is_the_plaintext_every_client_wrote_before() {
    let key = SymmetricKey::generate().unwrap();
    let ctx = Context::vault_meta("v1").unwrap();
    // Written by a client that built the JSON itself, with a member this
    // client does not know (a later client may add one): still opens.
    for (plain, name) in [
        (r#"{"name":"Family"}"#, "Family"),
        (r#"{"name":"Family","color":"red"}"#, "Family"),
        (r#"{"name":"F\u00e4mily"}"#, "Fämily"),
    ] {
        let env = key.seal(plain.as_bytes(), &ctx).unwrap();
        assert_eq!(open_vault_name(&key, "v1", &env).unwrap(), name);
    }
    let sealed = seal_vault_name(&key, "v1", "Family").unwrap();
    assert_eq!(
        key.open(&sealed, &ctx).unwrap().expose_secret(),
        br#"{"name":"Family"}"#
    );
    // Anything else is refused, not shown.
    for plain in [
        r#""Family""#,
        r#"{"name":7}"#,
        r#"{}"#,
        "not json",
        r#"{"name":"a","name":"b"}"#,
    ] {
        let env = key.seal(plain.as_bytes(), &ctx).unwrap();
        assert!(
            matches!(
                open_vault_name(&key, "v1", &env),
                Err(Error::InvalidPayload(_))
            ),
            "{plain}"
        );
    }
}

#[test]
fn an_empty_name_is_refused_before_anything_is_sealed() {
    let key = SymmetricKey::generate().unwrap();
    for name in ["", "   ", "\t\n"] {
        assert!(matches!(
            seal_vault_name(&key, "v1", name),
            Err(Error::InvalidPayload(_))
        ));
        assert!(matches!(
            seal_folder_name(&key, "v1", "f1", name),
            Err(Error::InvalidPayload(_))
        ));
    }
}
