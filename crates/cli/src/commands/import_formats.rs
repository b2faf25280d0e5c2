//! Other managers' export files, mapped to § Web vault payloads.
//!
//! - Bitwarden's unencrypted JSON export: `{"encrypted": false, "folders":
//!   [{id, name}], "items": [{type, name, notes, folderId, login: {username,
//!   password, totp, uris: [{uri}]}, fields: [{name, value, type}]}]}`.
//!   Type 1 (login) and 2 (secure note) are imported; cards (3) and
//!   identities (4) have no bv kind and are skipped and reported.
//! - CSV with a header row, read by the `csv` crate. Columns are matched by
//!   name, covering Bitwarden (`folder,type,name,notes,login_uri,
//!   login_username,login_password,login_totp`) and browser exports
//!   (`name,url,username,password,note`).

use super::import::Record;
use crate::exit::{CliError, CliResult};
use crate::payload::object;
use serde_json::{json, Map, Value};

type Parsed = (Vec<Record>, Vec<String>);

/// The login members an import can fill.
struct Login {
    url: Option<String>,
    username: Option<String>,
    password: Option<String>,
    totp: Option<String>,
    notes: Option<String>,
}

fn login(vault: &str, folder: String, name: String, l: Login) -> Record {
    Record {
        vault: vault.to_owned(),
        folder,
        overview: object(&[
            ("kind", Some("login".into())),
            ("name", Some(name)),
            ("url", l.url),
            ("username", l.username),
        ]),
        details: object(&[
            ("password", l.password),
            ("totp", l.totp),
            ("notes", l.notes),
        ]),
        trashed: false,
    }
}

fn note(vault: &str, folder: String, name: String, notes: Option<String>) -> Record {
    Record {
        vault: vault.to_owned(),
        folder,
        overview: object(&[("kind", Some("note".into())), ("name", Some(name))]),
        details: object(&[("notes", notes)]),
        trashed: false,
    }
}

fn nonempty(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub fn bitwarden_json(text: &str, vault: &str) -> CliResult<Parsed> {
    let bad = |what: &str| CliError::other(format!("not a Bitwarden JSON export: {what}"));
    let doc: Map<String, Value> = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
    if doc.get("encrypted").and_then(Value::as_bool) == Some(true) {
        return Err(CliError::usage(
            "this Bitwarden export is encrypted: export it as unencrypted JSON and delete the file after the import",
        ));
    }
    let folders: Map<String, Value> = doc
        .get("folders")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter_map(|f| Some((f.get("id")?.as_str()?.to_owned(), f.get("name")?.clone())))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let items = doc
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no items"))?;
    for (n, i) in items.iter().enumerate() {
        let name = nonempty(i.get("name")).unwrap_or_else(|| format!("item {}", n + 1));
        let folder = i
            .get("folderId")
            .and_then(Value::as_str)
            .and_then(|id| folders.get(id))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let notes = nonempty(i.get("notes"));
        let mut rec = match i.get("type").and_then(Value::as_u64) {
            Some(1) => {
                let l = i.get("login").cloned().unwrap_or(json!({}));
                let url = l
                    .get("uris")
                    .and_then(Value::as_array)
                    .and_then(|u| u.first())
                    .and_then(|u| nonempty(u.get("uri")));
                login(
                    vault,
                    folder,
                    name,
                    Login {
                        url,
                        username: nonempty(l.get("username")),
                        password: nonempty(l.get("password")),
                        totp: nonempty(l.get("totp")),
                        notes,
                    },
                )
            }
            Some(2) => note(vault, folder, name, notes),
            Some(3) => {
                skipped.push(format!("{name:?} (a card)"));
                continue;
            }
            Some(4) => {
                skipped.push(format!("{name:?} (an identity)"));
                continue;
            }
            _ => {
                skipped.push(format!("{name:?} (unknown type)"));
                continue;
            }
        };
        // Bitwarden field type 0 is text, 1 hidden, 2 boolean, 3 linked.
        let custom: Vec<Value> = i
            .get("fields")
            .and_then(Value::as_array)
            .map(|fs| {
                fs.iter()
                    .filter_map(|f| {
                        let label = nonempty(f.get("name"))?;
                        let value = f.get("value").and_then(Value::as_str).unwrap_or("");
                        let secret = f.get("type").and_then(Value::as_u64) == Some(1);
                        Some(json!({"label": label, "value": value, "secret": secret}))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !custom.is_empty() {
            rec.details.insert("custom".into(), Value::Array(custom));
        }
        out.push(rec);
    }
    Ok((out, skipped))
}

pub fn csv(text: &str, vault: &str) -> CliResult<Parsed> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::other(format!("not a CSV file with a header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let c_name = col(&["name", "title"]);
    let c_url = col(&["login_uri", "url", "uri", "website"]);
    let c_user = col(&["login_username", "username", "user", "login"]);
    let c_pass = col(&["login_password", "password"]);
    let c_totp = col(&["login_totp", "totp", "otpauth"]);
    let c_notes = col(&["notes", "note", "extra"]);
    let c_folder = col(&["folder", "grouping", "group"]);
    let c_type = col(&["type"]);
    if c_name.is_none() && c_url.is_none() {
        return Err(CliError::other(
            "the CSV header has neither a name nor a url column",
        ));
    }
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let row = row.map_err(|e| CliError::other(format!("CSV row {}: {e}", n + 2)))?;
        let get = |c: Option<usize>| {
            c.and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let name = get(c_name)
            .or_else(|| get(c_url))
            .unwrap_or_else(|| format!("row {}", n + 2));
        let folder = get(c_folder).unwrap_or_default();
        match get(c_type).as_deref() {
            None | Some("login") => out.push(login(
                vault,
                folder,
                name,
                Login {
                    url: get(c_url),
                    username: get(c_user),
                    password: get(c_pass),
                    totp: get(c_totp),
                    notes: get(c_notes),
                },
            )),
            Some("note") => out.push(note(vault, folder, name, get(c_notes))),
            Some(other) => skipped.push(format!("{name:?} (type {other:?})")),
        }
    }
    Ok((out, skipped))
}
