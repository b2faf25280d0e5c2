//! The re-keyed part of a rotation (docs/SPEC.md § Key rotation), which bv
//! and the web vault both take from the core: every item opens under the
//! new key with the same content, the old key opens nothing new, and data
//! that does not open under the old key is refused naming its row.
#![allow(clippy::unwrap_used)]

use blindvault::context::Context;
use blindvault::encoding::{b64u_decode, b64u_encode};
use blindvault::item;
use blindvault::keys::SymmetricKey;
use blindvault::rotation::{rekey, Row};
use blindvault::Error;
use serde_json::Value;

fn transport(blob: &str) -> String {
    b64u_encode(blob.as_bytes())
}

fn blob(transport: &str) -> String {
    String::from_utf8(b64u_decode(transport, "t").unwrap()).unwrap()
}

/// (id, revision, envelope) as the server lists them.
type Rows = Vec<(String, i64, String)>;

struct Vault {
    old: SymmetricKey,
    items: Rows,
    folders: Rows,
}

fn vault() -> Vault {
    let old = SymmetricKey::generate().unwrap();
    let items = (0..3)
        .map(|i| {
            let id = format!("item-{i}");
            let b = item::seal_new(
                &old,
                "v1",
                &id,
                format!(r#"{{"name":"n{i}"}}"#).as_bytes(),
                b"{\"password\":\"p\"}",
            )
            .unwrap();
            (id, 10 + i, transport(&b))
        })
        .collect();
    let folders = vec![(
        "f1".to_owned(),
        4,
        old.seal(
            br#"{"name":"ops \"prod\""}"#,
            &Context::folder("v1", "f1").unwrap(),
        )
        .unwrap(),
    )];
    Vault {
        old,
        items,
        folders,
    }
}

fn rows(v: &Rows) -> Vec<Row<'_>> {
    v.iter()
        .map(|(id, revision, envelope)| Row {
            id,
            revision: *revision,
            envelope,
        })
        .collect()
}

#[test]
fn every_item_folder_and_the_name_open_under_the_new_key_only() {
    let v = vault();
    let new = SymmetricKey::generate().unwrap();
    let text = rekey(
        "v1",
        "Team \"A\"",
        &v.old,
        &new,
        &rows(&v.items),
        &rows(&v.folders),
    )
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let name = new
        .open(
            doc["name"].as_str().unwrap(),
            &Context::vault_meta("v1").unwrap(),
        )
        .unwrap();
    assert_eq!(name.expose_secret(), br#"{"name":"Team \"A\""}"#);
    assert_eq!(doc["items"].as_object().unwrap().len(), 3);
    for (id, revision, before) in &v.items {
        let got = &doc["items"][id];
        assert_eq!(got["base_revision"], *revision);
        let after = blob(got["envelope"].as_str().unwrap());
        let ov = |key: &SymmetricKey, b: &str| {
            item::open_overview(key, "v1", id, b).map(|s| s.expose_secret().to_vec())
        };
        assert_eq!(
            ov(&new, &after).unwrap(),
            ov(&v.old, &blob(before)).unwrap()
        );
        assert!(item::open_details(&new, "v1", id, &after).is_ok());
        // The old key no longer opens the re-wrapped item key.
        assert!(ov(&v.old, &after).is_err());
    }
    let f = &doc["folders"]["f1"];
    assert_eq!(f["base_revision"], 4);
    let name = new
        .open(
            f["envelope"].as_str().unwrap(),
            &Context::folder("v1", "f1").unwrap(),
        )
        .unwrap();
    assert_eq!(name.expose_secret(), br#"{"name":"ops \"prod\""}"#);
    // An empty vault is a valid rotation too.
    let empty: Value =
        serde_json::from_str(&rekey("v1", "x", &v.old, &new, &[], &[]).unwrap()).unwrap();
    assert_eq!(empty["items"], serde_json::json!({}));
}

#[test]
fn rows_that_do_not_open_under_the_old_key_are_refused_by_name() {
    let v = vault();
    let new = SymmetricKey::generate().unwrap();
    let other = SymmetricKey::generate().unwrap();
    // An item of another vault key, one swapped in under another id, one
    // that is not base64url, and a folder sealed for another folder.
    let foreign = transport(&item::seal_new(&other, "v1", "item-x", b"{}", b"{}").unwrap());
    let mut cases: Vec<(Rows, Rows, &str)> = vec![
        (vec![("item-x".into(), 1, foreign)], vec![], "item item-x"),
        (
            vec![("item-9".into(), 1, v.items[0].2.clone())],
            vec![],
            "item item-9",
        ),
        (
            vec![("item-0".into(), 1, "not base64!".into())],
            vec![],
            "item item-0",
        ),
        (
            vec![("bad/id".into(), 1, v.items[0].2.clone())],
            vec![],
            "item bad/id",
        ),
    ];
    let moved = v
        .old
        .seal(b"{}", &Context::folder("v1", "f2").unwrap())
        .unwrap();
    cases.push((vec![], vec![("f1".into(), 1, moved)], "folder f1"));
    for (items, folders, what) in cases {
        let r = rekey("v1", "x", &v.old, &new, &rows(&items), &rows(&folders)).unwrap_err();
        assert_eq!(format!("{} {}", r.what, r.id), what);
        assert!(!matches!(r.error, Error::Random), "{r}");
    }
}
