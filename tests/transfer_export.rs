//! The Blindvault export document (src/transfer/export_file.rs,
//! docs/SPEC.md § Web vault, Export file): round trip, sealing, and what a
//! reader refuses.
#![cfg(feature = "transfer")]

use blindvault::transfer::export_file::{VaultRecords, FORMAT, VERSION};
use blindvault::transfer::{ExportDocument, ExportFolder, ExportItem, ExportVault, TransferError};
use serde_json::{json, Value};

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn vaults() -> Vec<ExportVault> {
    vec![
        ExportVault {
            name: "Personal".into(),
            folders: vec![ExportFolder {
                id: "fld-1".into(),
                name: "Banking".into(),
            }],
            items: vec![
                ExportItem {
                    overview: obj(
                        json!({"kind": "login", "name": "Bank", "url": "https://bank.test",
                                         "username": "ann", "folder": "fld-1"}),
                    ),
                    details: obj(
                        json!({"password": "pw-1", "attachments": [{"id": "a1", "meta": "e.y.j"}],
                                        "custom": [{"label": "PIN", "value": "1", "secret": true}]}),
                    ),
                    trashed: false,
                },
                ExportItem {
                    overview: obj(json!({"kind": "note", "name": "Old", "folder": "gone"})),
                    details: obj(json!({"notes": "n", "futureMember": 3})),
                    trashed: true,
                },
            ],
        },
        ExportVault {
            name: "Team".into(),
            folders: vec![],
            items: vec![ExportItem {
                overview: obj(
                    json!({"kind": "database", "name": "db", "host": "h", "port": "5432"}),
                ),
                details: obj(json!({"password": "db-pw"})),
                trashed: false,
            }],
        },
    ]
}

#[test]
fn round_trip_through_json() {
    let (doc, with_attachments) = ExportDocument::new(1_717_000_000, vaults());
    assert_eq!(with_attachments, 1);
    assert_eq!(doc.item_count(), 3);
    assert!(!doc.vaults[0].items[0].details.contains_key("attachments"));

    let plain = doc.to_json().unwrap();
    let v: Value = serde_json::from_slice(plain.expose_secret()).unwrap();
    assert_eq!(v["format"], FORMAT);
    assert_eq!(v["version"], VERSION);
    assert_eq!(v["exported_at"], 1_717_000_000u64);
    assert_eq!(
        v["vaults"][0]["folders"],
        json!([{"id": "fld-1", "name": "Banking"}])
    );
    assert_eq!(v["vaults"][0]["items"][1]["trashed"], true);

    let back = ExportDocument::from_json(plain.expose_secret()).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn records_resolve_folders_and_drop_attachments() {
    // As another writer might have left them: attachments still listed.
    let mut vs = vaults();
    let doc = ExportDocument {
        exported_at: 0,
        vaults: std::mem::take(&mut vs),
    };
    let recs = doc.into_records();
    let [personal, team] = &recs[..] else {
        unreachable!()
    };
    let VaultRecords { name, records } = personal;
    assert_eq!(name, "Personal");
    assert_eq!(records[0].folder.as_deref(), Some("Banking"));
    assert!(!records[0].overview.contains_key("folder"));
    assert!(!records[0].details.contains_key("attachments"));
    assert_eq!(records[0].details["password"], "pw-1");
    assert_eq!(
        records[1].folder, None,
        "a folder id not in the file is the top level"
    );
    assert!(records[1].trashed);
    assert_eq!(
        records[1].details["futureMember"], 3,
        "unknown members are kept"
    );
    assert_eq!(team.records[0].overview["host"], "h");
}

#[test]
fn sealed_with_the_export_password() {
    let (doc, _) = ExportDocument::new(5, vaults());
    let jwe = doc.seal("a long export passphrase").unwrap();
    assert_eq!(jwe.split('.').count(), 5);
    assert!(!jwe.contains("pw-1"));
    assert_eq!(
        ExportDocument::open(&format!("{jwe}\n"), "a long export passphrase").unwrap(),
        doc
    );
    assert_eq!(
        ExportDocument::open(&jwe, "another passphrase"),
        Err(TransferError::Envelope(
            blindvault::Error::WrongPasswordOrTampered
        ))
    );
}

fn doc_with(f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v = json!({
        "format": "blindvault-export", "version": 1, "exported_at": 1,
        "vaults": [{"name": "V", "folders": [{"id": "f", "name": "F"}],
                    "items": [{"overview": {"kind": "note", "name": "n"}, "details": {}, "trashed": false}]}],
        "newerMember": {"ignored": true}
    });
    f(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn refused(f: impl FnOnce(&mut Value)) -> TransferError {
    ExportDocument::from_json(&doc_with(f)).unwrap_err()
}

#[test]
fn unknown_members_are_ignored() {
    let doc = ExportDocument::from_json(&doc_with(|v| {
        v["vaults"][0]["color"] = json!("red");
        v["vaults"][0]["items"][0]["pinned"] = json!(true);
    }))
    .unwrap();
    assert_eq!(doc.item_count(), 1);
}

#[test]
fn refuses_an_unknown_version() {
    assert_eq!(
        refused(|v| v["version"] = json!(2)),
        TransferError::UnsupportedExportVersion(2)
    );
    let e = refused(|v| v["version"] = json!(2));
    assert!(e.to_string().contains("version 2"), "{e}");
    for bad in [json!("1"), json!(1.5), json!(-1), json!(null)] {
        assert!(
            matches!(
                refused(|v| v["version"] = bad.clone()),
                TransferError::NotExport(_)
            ),
            "version {bad}"
        );
    }
    assert!(matches!(
        refused(|v| {
            v.as_object_mut().unwrap().remove("version");
        }),
        TransferError::NotExport(_)
    ));
}

type Edit = Box<dyn FnOnce(&mut Value)>;

#[test]
fn refuses_another_format_and_wrong_types() {
    let cases: Vec<(&str, Edit)> = vec![
        ("format", Box::new(|v| v["format"] = json!("bitwarden"))),
        (
            "format",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("format");
            }),
        ),
        (
            "exported_at",
            Box::new(|v| v["exported_at"] = json!("yesterday")),
        ),
        ("vaults", Box::new(|v| v["vaults"] = json!({}))),
        ("vaults[0]", Box::new(|v| v["vaults"][0] = json!("V"))),
        (
            "vaults[0].name",
            Box::new(|v| v["vaults"][0]["name"] = json!(7)),
        ),
        (
            "vaults[0].folders",
            Box::new(|v| {
                v["vaults"][0].as_object_mut().unwrap().remove("folders");
            }),
        ),
        (
            "vaults[0].folders[0].id",
            Box::new(|v| v["vaults"][0]["folders"][0]["id"] = json!(1)),
        ),
        (
            "used twice",
            Box::new(|v| {
                v["vaults"][0]["folders"] =
                    json!([{"id": "f", "name": "A"}, {"id": "f", "name": "B"}]);
            }),
        ),
        (
            "vaults[0].items",
            Box::new(|v| v["vaults"][0]["items"] = json!(null)),
        ),
        (
            "vaults[0].items[0].overview",
            Box::new(|v| {
                v["vaults"][0]["items"][0]["overview"] = json!("{}");
            }),
        ),
        (
            "vaults[0].items[0].details",
            Box::new(|v| {
                v["vaults"][0]["items"][0]["details"] = json!([]);
            }),
        ),
        (
            "vaults[0].items[0].trashed",
            Box::new(|v| {
                v["vaults"][0]["items"][0]["trashed"] = json!(0);
            }),
        ),
    ];
    for (what, f) in cases {
        match refused(f) {
            TransferError::NotExport(m) => assert!(m.contains(what), "{what}: {m}"),
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn refuses_what_is_not_json() {
    assert!(matches!(
        ExportDocument::from_json(b"\xff\xfe"),
        Err(TransferError::NotJson { .. })
    ));
    assert!(matches!(
        ExportDocument::from_json(b"[]"),
        Err(TransferError::NotExport(_))
    ));
    assert!(matches!(
        ExportDocument::from_json(b""),
        Err(TransferError::NotJson { .. })
    ));
}

#[test]
fn vaults_from_json_checks_the_same_way() {
    let vs = ExportDocument::vaults_from_json(
        br#"[{"name": "V", "folders": [], "items": [{"overview": {}, "details": {}, "trashed": false}]}]"#,
    )
    .unwrap();
    assert_eq!(vs[0].items.len(), 1);
    assert!(matches!(
        ExportDocument::vaults_from_json(br#"[{"name": "V", "folders": [], "items": [{}]}]"#),
        Err(TransferError::NotExport(_))
    ));
}
