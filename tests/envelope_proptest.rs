//! Property tests: sealing and opening round-trip for arbitrary bytes and ids,
//! and opening never panics on arbitrary input.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::context::Context;
use blindvault::envelope::inspect;
use blindvault::keys::SymmetricKey;
use proptest::prelude::*;

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,64}"
}

proptest! {
    #[test]
    fn round_trip(pt in proptest::collection::vec(any::<u8>(), 0..2048), v in id(), i in id()) {
        let k = SymmetricKey::generate().unwrap();
        let ctx = Context::item_overview(&v, &i).unwrap();
        let jwe = k.seal(&pt, &ctx).unwrap();
        let opened = k.open(&jwe, &ctx).unwrap();
        prop_assert_eq!(opened.expose_secret(), &pt[..]);
        let details = Context::item_details(&v, &i).unwrap();
        prop_assert!(k.open(&jwe, &details).is_err());
    }

    #[test]
    fn wrap_round_trip(v in id(), m in id()) {
        let k = SymmetricKey::generate().unwrap();
        let vault = SymmetricKey::generate().unwrap();
        let ctx = Context::vault_key(&v, &m).unwrap();
        let w = k.wrap(&vault, &ctx).unwrap();
        let back = k.unwrap(&w, &ctx).unwrap();
        prop_assert_eq!(back.kid(), vault.kid());
    }

    #[test]
    fn open_never_panics_on_arbitrary_strings(s in ".{0,400}") {
        let k = SymmetricKey::generate().unwrap();
        let ctx = Context::vault_meta("v").unwrap();
        prop_assert!(k.open(&s, &ctx).is_err());
        let _ = inspect(&s);
    }

    #[test]
    fn open_never_panics_on_jwe_shaped_strings(
        parts in proptest::collection::vec("[A-Za-z0-9_=+/-]{0,40}", 0..8)
    ) {
        let s = parts.join(".");
        let k = SymmetricKey::generate().unwrap();
        let ctx = Context::vault_meta("v").unwrap();
        prop_assert!(k.open(&s, &ctx).is_err());
    }

    #[test]
    fn open_never_panics_on_mutated_headers(
        json in r#"\{("[a-z]{1,4}":("[A-Za-z0-9/]{0,12}"|[0-9]{1,3}|null|\[\]|\{\}),?){0,6}\}"#
    ) {
        use base64::Engine;
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.as_bytes());
        let s = format!("{h}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA");
        let k = SymmetricKey::generate().unwrap();
        let ctx = Context::vault_meta("v").unwrap();
        prop_assert!(k.open(&s, &ctx).is_err());
    }
}
