//! The overview and details JSON of each item kind, exactly as the web vault
//! writes them (SPEC § Web vault, Payloads; `www/app/item-kinds.js`):
//!
//! | kind     | overview                                    | details |
//! |----------|---------------------------------------------|---------|
//! | login    | kind, name, url, username                   | password, totp, notes, custom |
//! | database | kind, name, host, port, database, username  | password, notes, custom |
//! | note     | kind, name                                  | notes, custom |
//! | ssh      | kind, name, username, host                  | publicKey, privateKey, passphrase, certificate, notes, custom |
//!
//! Absent fields are omitted, never `null`; every value is a string except
//! `custom`, an array of `{label, value, secret}`. Members we do not know are
//! ignored when reading (a newer client may add some).

use serde_json::{Map, Value};

/// Which overview/details members a kind has, and which details are secret.
pub fn kind_fields(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match kind {
        "login" => (
            &["kind", "name", "url", "username"][..],
            &["password", "totp", "notes"][..],
        ),
        "database" => (
            &["kind", "name", "host", "port", "database", "username"][..],
            &["password", "notes"][..],
        ),
        "note" => (&["kind", "name"][..], &["notes"][..]),
        "ssh" => (
            &["kind", "name", "username", "host"][..],
            &[
                "publicKey",
                "privateKey",
                "passphrase",
                "certificate",
                "notes",
            ][..],
        ),
        _ => return None,
    })
}

/// Fields shown only on request (`--reveal` or `--field`), as the web vault
/// masks them. A secure note's text is its secret.
pub fn is_secret(kind: &str, field: &str) -> bool {
    matches!(field, "password" | "totp" | "privateKey" | "passphrase")
        || (kind == "note" && field == "notes")
}

/// One field of an opened item, in display order.
pub struct Field {
    pub name: String,
    pub value: String,
    pub secret: bool,
}

/// Overview fields, then details fields, then custom fields, of an opened
/// item. Only string members are shown; unknown members are skipped.
pub fn fields(overview: &Map<String, Value>, details: Option<&Map<String, Value>>) -> Vec<Field> {
    let kind = overview.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut out = Vec::new();
    let (ov_names, det_names): (&[&str], &[&str]) =
        kind_fields(kind).unwrap_or((&["kind", "name"], &[]));
    for name in ov_names {
        if let Some(v) = overview.get(*name).and_then(Value::as_str) {
            out.push(Field {
                name: (*name).to_owned(),
                value: v.to_owned(),
                secret: false,
            });
        }
    }
    let Some(details) = details else {
        return out;
    };
    for name in det_names {
        if let Some(v) = details.get(*name).and_then(Value::as_str) {
            out.push(Field {
                name: (*name).to_owned(),
                value: v.to_owned(),
                secret: is_secret(kind, name),
            });
        }
    }
    if let Some(custom) = details.get("custom").and_then(Value::as_array) {
        for c in custom {
            let label = c.get("label").and_then(Value::as_str);
            let value = c.get("value").and_then(Value::as_str);
            if let (Some(label), Some(value)) = (label, value) {
                out.push(Field {
                    name: label.to_owned(),
                    value: value.to_owned(),
                    secret: c.get("secret").and_then(Value::as_bool).unwrap_or(false),
                });
            }
        }
    }
    out
}

/// The line under an item's name in a list, as `subtitle()` in item-kinds.js.
pub fn subtitle(overview: &Map<String, Value>) -> String {
    let s = |k: &str| overview.get(k).and_then(Value::as_str).unwrap_or("");
    match s("kind") {
        "login" if !s("username").is_empty() => s("username").to_owned(),
        "login" => s("url").to_owned(),
        "database" | "ssh" => [s("username"), s("host")]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("@"),
        _ => String::new(),
    }
}

/// Builds a payload object from `(member, value)` pairs, leaving out absent ones.
pub fn object(pairs: &[(&str, Option<String>)]) -> Map<String, Value> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), Value::String(v))))
        .collect()
}
