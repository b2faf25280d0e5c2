//! Bitwarden's unencrypted JSON export into import records
//! (src/transfer/bitwarden.rs, docs/SPEC.md § Import files).
#![cfg(feature = "transfer")]

use blindvault::transfer::{bitwarden, TransferError};
use serde_json::{json, Value};

/// Shaped like a current Bitwarden web-vault "Export vault" (.json), every
/// item type, with the bookkeeping members Bitwarden writes.
const EXPORT: &str = r#"{
  "encrypted": false,
  "folders": [
    {"id": "3f0e1b8a-5c2d-4e7f-9a1b-0c2d3e4f5a6b", "name": "Work"},
    {"id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "name": "Work/Cloud"}
  ],
  "items": [
    {
      "passwordHistory": [{"lastUsedDate": "2024-03-01T10:00:00.000Z", "password": "old-gh-pw"}],
      "revisionDate": "2024-05-02T09:12:44.120Z",
      "creationDate": "2023-01-10T08:00:00.000Z",
      "deletedDate": null,
      "id": "b1c2d3e4-0000-4000-8000-000000000001",
      "organizationId": null,
      "folderId": "3f0e1b8a-5c2d-4e7f-9a1b-0c2d3e4f5a6b",
      "type": 1,
      "reprompt": 0,
      "name": "GitHub",
      "notes": "recovery codes in the safe",
      "favorite": true,
      "fields": [
        {"name": "recovery email", "value": "me@example.org", "type": 0, "linkedId": null},
        {"name": "PIN", "value": "8831", "type": 1, "linkedId": null},
        {"name": "Username", "value": null, "type": 3, "linkedId": 100}
      ],
      "login": {
        "fido2Credentials": [],
        "uris": [{"match": null, "uri": "https://github.com/login"}, {"match": 1, "uri": "https://gist.github.com"}],
        "username": "octocat",
        "password": "gh-Correct-Horse-1",
        "totp": "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP"
      },
      "collectionIds": null
    },
    {
      "id": "b1c2d3e4-0000-4000-8000-000000000002",
      "folderId": null,
      "type": 2,
      "reprompt": 0,
      "name": "Wi-Fi",
      "notes": "SSID: home\nkey: hunter2",
      "favorite": false,
      "secureNote": {"type": 0},
      "collectionIds": null
    },
    {
      "id": "b1c2d3e4-0000-4000-8000-000000000003",
      "folderId": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
      "type": 3,
      "name": "Visa",
      "notes": null,
      "card": {"cardholderName": "Ann Smith", "brand": "Visa", "number": "4111111111111111",
               "expMonth": "7", "expYear": "2029", "code": "123"},
      "collectionIds": null
    },
    {
      "id": "b1c2d3e4-0000-4000-8000-000000000004",
      "folderId": null,
      "type": 4,
      "name": "Me",
      "identity": {"title": "Ms", "firstName": "Ann", "middleName": null, "lastName": "Smith",
                   "ssn": "078-05-1120", "passportNumber": "X1234567", "licenseNumber": null,
                   "email": "ann@example.org"},
      "collectionIds": null
    },
    {
      "id": "b1c2d3e4-0000-4000-8000-000000000005",
      "folderId": null,
      "type": 5,
      "name": "deploy key",
      "sshKey": {"privateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----",
                 "publicKey": "ssh-ed25519 AAAAC3Nza deploy", "keyFingerprint": "SHA256:abc"},
      "collectionIds": null
    }
  ]
}"#;

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn maps_every_item_type_with_folders_and_custom_fields() {
    let p = bitwarden::parse(EXPORT).unwrap();
    assert_eq!(p.records.len(), 5, "nothing is skipped");
    let [login, note, card, identity, ssh] = &p.records[..] else {
        unreachable!()
    };

    assert_eq!(login.folder.as_deref(), Some("Work"));
    assert!(!login.trashed);
    assert_eq!(
        login.overview,
        obj(
            json!({"kind": "login", "name": "GitHub", "url": "https://github.com/login", "username": "octocat"})
        )
    );
    assert_eq!(
        login.details,
        obj(json!({
            "password": "gh-Correct-Horse-1",
            "totp": "otpauth://totp/GitHub:octocat?secret=JBSWY3DPEHPK3PXP",
            "notes": "recovery codes in the safe",
            "custom": [
                {"label": "recovery email", "value": "me@example.org", "secret": false},
                {"label": "PIN", "value": "8831", "secret": true},
                {"label": "Username", "value": "", "secret": false},
                {"label": "URL 2", "value": "https://gist.github.com", "secret": false}
            ]
        }))
    );

    assert_eq!(note.folder, None, "folderId null is the top level");
    assert_eq!(note.overview, obj(json!({"kind": "note", "name": "Wi-Fi"})));
    assert_eq!(
        note.details,
        obj(json!({"notes": "SSID: home\nkey: hunter2"}))
    );

    // A card: a note whose custom fields hold the card, number and code secret.
    assert_eq!(card.folder.as_deref(), Some("Work/Cloud"));
    assert_eq!(card.overview, obj(json!({"kind": "note", "name": "Visa"})));
    let custom = card.details["custom"].as_array().unwrap();
    let field = |label: &str| {
        custom
            .iter()
            .find(|c| c["label"] == label)
            .unwrap_or_else(|| panic!("{label}"))
            .clone()
    };
    let labels: Vec<&str> = custom
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "cardholderName",
            "brand",
            "number",
            "expMonth",
            "expYear",
            "code"
        ],
        "in Bitwarden's order"
    );
    assert_eq!(
        field("number"),
        json!({"label": "number", "value": "4111111111111111", "secret": true})
    );
    assert_eq!(field("code")["secret"], true);
    assert_eq!(field("brand")["secret"], false);
    assert!(!card.details.contains_key("notes"), "notes null is absent");

    let custom = identity.details["custom"].as_array().unwrap();
    let labels: Vec<&str> = custom
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert!(!labels.contains(&"middleName"), "null members are dropped");
    assert!(labels.contains(&"email"));
    let ssn = custom.iter().find(|c| c["label"] == "ssn").unwrap();
    assert_eq!(ssn["secret"], true);

    assert_eq!(
        ssh.overview,
        obj(json!({"kind": "ssh", "name": "deploy key"}))
    );
    assert_eq!(
        ssh.details["privateKey"],
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----"
    );
    assert_eq!(ssh.details["publicKey"], "ssh-ed25519 AAAAC3Nza deploy");

    // What was converted or left out is said, without a secret value.
    assert_eq!(p.notes.len(), 3, "{:?}", p.notes);
    assert!(p.notes.iter().any(|n| n.contains("\"Visa\" is a card")));
    assert!(p.notes.iter().any(|n| n.contains("\"Me\" is an identity")));
    assert!(p
        .notes
        .iter()
        .any(|n| n.contains("password history of 1 item")));
    for n in &p.notes {
        assert!(!n.contains("4111") && !n.contains("old-gh-pw") && !n.contains("078-05"));
    }
}

#[test]
fn unknown_types_and_odd_items_are_reported_not_fatal() {
    let p = bitwarden::parse(
        r#"{"items": [
            {"type": 9, "name": "future"},
            "not an item",
            {"type": 1, "login": {"uris": null, "username": 7}},
            {"type": 2, "name": "", "notes": "x", "folderId": "missing"}
        ]}"#,
    )
    .unwrap();
    assert_eq!(p.records.len(), 2);
    assert_eq!(
        p.records[0].overview,
        obj(json!({"kind": "login", "name": "item 3", "username": "7"}))
    );
    assert!(p.records[0].details.is_empty());
    assert_eq!(p.records[1].overview["name"], "item 4");
    assert_eq!(
        p.records[1].folder, None,
        "an unknown folder id is the top level"
    );
    assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
    assert!(p.notes[0].contains("\"future\""));
    assert!(p.notes[1].starts_with("Item 2"));
}

#[test]
fn a_passkey_is_reported() {
    let p = bitwarden::parse(
        r#"{"items": [{"type": 1, "name": "site", "login": {"fido2Credentials": [{"credentialId": "x"}]}}]}"#,
    )
    .unwrap();
    assert_eq!(p.records.len(), 1);
    assert!(p.notes[0].contains("passkey"), "{:?}", p.notes);
}

#[test]
fn a_bom_is_allowed() {
    let p = bitwarden::parse("\u{feff}{\"items\": [{\"type\": 2, \"name\": \"n\"}]}").unwrap();
    assert_eq!(p.records.len(), 1);
}

#[test]
fn refuses_encrypted_exports() {
    // Account-restricted and password-protected encrypted exports.
    let account = r#"{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.abc|def|ghi",
        "folders": [{"id": "f", "name": "2.xx|yy|zz"}],
        "items": [{"type": 1, "name": "2.aa|bb|cc", "login": {"password": "2.dd|ee|ff"}}]}"#;
    let password = r#"{"encrypted": true, "passwordProtected": true, "salt": "c2FsdA==",
        "kdfType": 0, "kdfIterations": 600000, "encKeyValidation_DO_NOT_EDIT": "2.x|y|z", "data": "2.a|b|c"}"#;
    for text in [account, password] {
        assert_eq!(
            bitwarden::parse(text),
            Err(TransferError::EncryptedBitwarden)
        );
    }
}

#[test]
fn refuses_what_is_not_a_bitwarden_export() {
    assert_eq!(bitwarden::parse(""), Err(TransferError::Empty));
    assert_eq!(bitwarden::parse("  \n"), Err(TransferError::Empty));
    assert!(matches!(
        bitwarden::parse("not json"),
        Err(TransferError::NotJson { line: 1, .. })
    ));
    assert!(matches!(
        bitwarden::parse("{\"items\": [\n"),
        Err(TransferError::NotJson { line: 2, .. })
    ));
    assert!(matches!(
        bitwarden::parse("[1, 2]"),
        Err(TransferError::NotBitwarden(_))
    ));
    assert!(matches!(
        bitwarden::parse(r#"{"nope": 1}"#),
        Err(TransferError::NotBitwarden(_))
    ));
    assert!(matches!(
        bitwarden::parse(r#"{"items": {}}"#),
        Err(TransferError::NotBitwarden(_))
    ));
    // A CSV file handed to the JSON reader.
    assert!(matches!(
        bitwarden::parse("name,url\nx,https://x\n"),
        Err(TransferError::NotJson { .. })
    ));
}

#[test]
fn error_messages_quote_no_value() {
    let e = bitwarden::parse("{\"items\": [{\"password\": \"Secret-Value-9\" 1}]}").unwrap_err();
    assert!(!e.to_string().contains("Secret-Value-9"), "{e}");
}
