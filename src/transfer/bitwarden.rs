//! Bitwarden's unencrypted JSON export (docs/SPEC.md § Import files):
//!
//! ```text
//! {"encrypted": false, "folders": [{"id", "name"}],
//!  "items": [{"type", "name", "notes", "folderId", "fields": [{"name", "value", "type"}],
//!             "login": {"username", "password", "totp", "uris": [{"uri"}]},
//!             "card": {...}, "identity": {...}, "sshKey": {"privateKey", "publicKey"}}]}
//! ```
//!
//! Type 1 (login) becomes a login, 2 (secure note) a note, 5 (SSH key) an
//! ssh item. Cards (3) and identities (4) have no kind of their own: they
//! become notes whose custom fields hold every card or identity member, so
//! nothing is lost, and a note says so. Other types are left out, with a note.

use super::{
    custom_field, not_json, payload, text_of, with_custom, ImportRecord, Parsed, TransferError,
};
use serde_json::{Map, Value};
use std::collections::HashMap;

const LOGIN: u64 = 1;
const SECURE_NOTE: u64 = 2;
const CARD: u64 = 3;
const IDENTITY: u64 = 4;
const SSH_KEY: u64 = 5;

/// Bitwarden custom field type 1 is "hidden" (0 text, 2 boolean, 3 linked).
const FIELD_HIDDEN: u64 = 1;

/// Card and identity members in the order Bitwarden shows them, and those
/// kept as secret custom fields.
const CARD_ORDER: &[&str] = &[
    "cardholderName",
    "brand",
    "number",
    "expMonth",
    "expYear",
    "code",
];
const CARD_SECRETS: &[&str] = &["number", "code"];
const IDENTITY_ORDER: &[&str] = &[
    "title",
    "firstName",
    "middleName",
    "lastName",
    "username",
    "company",
    "ssn",
    "passportNumber",
    "licenseNumber",
    "email",
    "phone",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "postalCode",
    "country",
];
const IDENTITY_SECRETS: &[&str] = &["ssn", "passportNumber", "licenseNumber"];

/// Parses the text of a Bitwarden JSON export.
pub fn parse(text: &str) -> Result<Parsed, TransferError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(TransferError::Empty);
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| not_json(&e))?;
    let doc = doc
        .as_object()
        .ok_or(TransferError::NotBitwarden("not a JSON object"))?;
    // Both kinds of encrypted export (account key or password protected)
    // say so; their items are ciphertext we cannot read.
    if doc.get("encrypted").and_then(Value::as_bool) == Some(true) {
        return Err(TransferError::EncryptedBitwarden);
    }
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .ok_or(TransferError::NotBitwarden("no \"items\" array"))?;
    let folders: HashMap<&str, &str> = doc
        .get("folders")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter_map(|f| Some((f.get("id")?.as_str()?, f.get("name")?.as_str()?)))
                .collect()
        })
        .unwrap_or_default();

    let mut out = Parsed::default();
    let mut with_history = 0usize;
    for (n, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            out.notes
                .push(format!("Item {}: not an object, not imported.", n + 1));
            continue;
        };
        let name = text_of(item.get("name"))
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("item {}", n + 1));
        if item
            .get("passwordHistory")
            .and_then(Value::as_array)
            .is_some_and(|h| !h.is_empty())
        {
            with_history += 1;
        }
        let Some((overview, details)) = convert(item, &name, &mut out.notes) else {
            continue;
        };
        let folder = item
            .get("folderId")
            .and_then(Value::as_str)
            .and_then(|id| folders.get(id))
            .filter(|f| !f.is_empty())
            .map(|f| (*f).to_owned());
        out.records.push(ImportRecord {
            folder,
            overview,
            details,
            trashed: false,
        });
    }
    if with_history > 0 {
        out.notes.push(format!(
            "The password history of {with_history} item(s) (their previous passwords) was not imported."
        ));
    }
    Ok(out)
}

/// The overview and details of one item, or `None` (with a note) when its
/// type is not one we can keep.
fn convert(
    item: &Map<String, Value>,
    name: &str,
    notes: &mut Vec<String>,
) -> Option<(Map<String, Value>, Map<String, Value>)> {
    let notes_text = text_of(item.get("notes"));
    let mut custom = fields(item.get("fields"));
    let kind = |k: &str| Some(k.to_owned());
    let (overview, details) = match item.get("type").and_then(Value::as_u64) {
        Some(LOGIN) => {
            let empty = Map::new();
            let login = item
                .get("login")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            let uris: Vec<String> = login
                .get("uris")
                .and_then(Value::as_array)
                .map(|us| {
                    us.iter()
                        .filter_map(|u| text_of(u.get("uri")))
                        .filter(|u| !u.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            for (i, u) in uris.iter().enumerate().skip(1) {
                custom.push(custom_field(format!("URL {}", i + 1), u.clone(), false));
            }
            if login
                .get("fido2Credentials")
                .and_then(Value::as_array)
                .is_some_and(|c| !c.is_empty())
            {
                notes.push(format!("{name:?}: its passkey was not imported (a passkey's private key cannot be moved)."));
            }
            (
                payload(vec![
                    ("kind", kind("login")),
                    ("name", Some(name.to_owned())),
                    ("url", uris.first().cloned()),
                    ("username", text_of(login.get("username"))),
                ]),
                payload(vec![
                    ("password", text_of(login.get("password"))),
                    ("totp", text_of(login.get("totp"))),
                    ("notes", notes_text),
                ]),
            )
        }
        Some(SECURE_NOTE) => note(name, notes_text),
        Some(SSH_KEY) => {
            let key = item.get("sshKey");
            (
                payload(vec![("kind", kind("ssh")), ("name", Some(name.to_owned()))]),
                payload(vec![
                    ("privateKey", text_of(key.and_then(|k| k.get("privateKey")))),
                    ("publicKey", text_of(key.and_then(|k| k.get("publicKey")))),
                    ("notes", notes_text),
                ]),
            )
        }
        Some(t @ (CARD | IDENTITY)) => {
            let (member, order, secrets, what) = if t == CARD {
                ("card", CARD_ORDER, CARD_SECRETS, "a card")
            } else {
                ("identity", IDENTITY_ORDER, IDENTITY_SECRETS, "an identity")
            };
            let mut kept: Vec<_> = members(item.get(member), order, secrets);
            kept.append(&mut custom);
            custom = kept;
            notes.push(format!(
                "{name:?} is {what}: imported as a note, its {member} details as custom fields."
            ));
            note(name, notes_text)
        }
        _ => {
            notes.push(format!(
                "{name:?}: an item type this client does not know, not imported."
            ));
            return None;
        }
    };
    Some((overview, with_custom(details, custom)))
}

fn note(name: &str, notes: Option<String>) -> (Map<String, Value>, Map<String, Value>) {
    (
        payload(vec![
            ("kind", Some("note".to_owned())),
            ("name", Some(name.to_owned())),
        ]),
        payload(vec![("notes", notes)]),
    )
}

/// Bitwarden's custom fields, in order; one with neither a name nor a value
/// is dropped (a linked field keeps its name).
fn fields(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter_map(|f| {
                    let label = text_of(f.get("name")).unwrap_or_default();
                    let value = text_of(f.get("value")).unwrap_or_default();
                    if label.is_empty() && value.is_empty() {
                        return None;
                    }
                    let secret = f.get("type").and_then(Value::as_u64) == Some(FIELD_HIDDEN);
                    Some(custom_field(label, value, secret))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every non-empty text member of a card or identity, as custom fields: the
/// members Bitwarden shows, in its order, then any others.
fn members(v: Option<&Value>, order: &[&str], secrets: &[&str]) -> Vec<Value> {
    let Some(m) = v.and_then(Value::as_object) else {
        return Vec::new();
    };
    let known = order.iter().filter_map(|k| m.get_key_value(*k));
    let rest = m.iter().filter(|(k, _)| !order.contains(&k.as_str()));
    known
        .chain(rest)
        .filter_map(|(k, v)| {
            let value = text_of(Some(v)).filter(|s| !s.is_empty())?;
            Some(custom_field(
                k.clone(),
                value,
                secrets.contains(&k.as_str()),
            ))
        })
        .collect()
}
