//! Property tests for items: round trips with arbitrary ids and payloads, and
//! blob parsing that never panics on arbitrary input.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use blindvault::item;
use blindvault::keys::SymmetricKey;
use proptest::prelude::*;

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,64}"
}

proptest! {
    #[test]
    fn seal_then_open_both_parts(
        v in id(), i in id(),
        o in proptest::collection::vec(any::<u8>(), 0..512),
        d in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let vk = SymmetricKey::generate().unwrap();
        let blob = item::seal_new(&vk, &v, &i, &o, &d).unwrap();
        let got_o = item::open_overview(&vk, &v, &i, &blob).unwrap();
        let got_d = item::open_details(&vk, &v, &i, &blob).unwrap();
        prop_assert_eq!(got_o.expose_secret(), &o[..]);
        prop_assert_eq!(got_d.expose_secret(), &d[..]);
        let batch = item::open_overviews(&vk, &v, &[(i.as_str(), blob.as_str())]);
        prop_assert_eq!(batch[0].as_ref().unwrap().expose_secret(), &o[..]);
    }

    #[test]
    fn arbitrary_blobs_never_panic(s in ".{0,300}") {
        let vk = SymmetricKey::generate().unwrap();
        prop_assert!(item::open_overview(&vk, "v", "i", &s).is_err());
        prop_assert!(item::open_overviews(&vk, "v", &[("i", s.as_str())])[0].is_err());
    }

    #[test]
    fn blob_shaped_json_never_panics(
        key in "[A-Za-z0-9_.-]{0,80}", home in ".{0,10}", ov in "[A-Za-z0-9_.-]{0,80}", v in 0u32..3
    ) {
        let s = serde_json::json!({"v": v, "key": key, "home": home, "overview": ov, "details": ov}).to_string();
        let vk = SymmetricKey::generate().unwrap();
        prop_assert!(item::open_overview(&vk, "v", "i", &s).is_err());
        prop_assert!(item::open_overviews(&vk, "v", &[("i", s.as_str())])[0].is_err());
    }
}
