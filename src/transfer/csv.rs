//! CSV files with a header row (RFC 4180, read by the `csv` crate: quoted
//! fields with commas, `""` and line breaks, CRLF or LF, a UTF-8 BOM).
//!
//! Columns are matched by name, case-insensitively, which covers Bitwarden
//! (`folder,favorite,type,name,notes,fields,reprompt,login_uri,
//! login_username,login_password,login_totp`), Chrome (`name,url,username,
//! password,note`), Firefox (`url,username,password,httpRealm,...`) and
//! most other managers. docs/SPEC.md § Import files has the table. A column
//! we do not know becomes a custom field of each row that has a value in it;
//! a few bookkeeping columns (timestamps, ids, flags) are left out, with a
//! note.

use super::{custom_field, payload, ImportRecord, Parsed, TransferError};
use serde_json::Value;

/// Each of our members and the header names that fill it, in priority order
/// (the first column of the header that has any of the names wins).
const NAME: &[&str] = &["name", "title"];
const URL: &[&str] = &["url", "login_uri", "uri", "website"];
const USERNAME: &[&str] = &["username", "login_username", "user", "login"];
const PASSWORD: &[&str] = &["password", "login_password"];
const TOTP: &[&str] = &["totp", "login_totp", "otpauth"];
const NOTES: &[&str] = &["notes", "note", "extra"];
const FOLDER: &[&str] = &["folder", "group", "grouping"];
const TYPE: &[&str] = &["type"];
/// Bitwarden's custom fields, one `name: value` per line.
const FIELDS: &[&str] = &["fields"];
/// The exporting manager's bookkeeping, meaningless here: Bitwarden's
/// favourite and re-prompt flags, Firefox's guid and timestamps.
const BOOKKEEPING: &[&str] = &[
    "favorite",
    "reprompt",
    "guid",
    "timecreated",
    "timelastused",
    "timepasswordchanged",
];

/// Where each known member is in this file's header.
struct Columns {
    name: Option<usize>,
    url: Option<usize>,
    username: Option<usize>,
    password: Option<usize>,
    totp: Option<usize>,
    notes: Option<usize>,
    folder: Option<usize>,
    kind: Option<usize>,
    fields: Option<usize>,
}

/// Parses the text of a CSV export.
pub fn parse(text: &str) -> Result<Parsed, TransferError> {
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(TransferError::Empty);
    }
    if let Some(line) = unclosed_quote(text) {
        return Err(TransferError::NotCsv(format!(
            "the quoted field that starts on line {line} is never closed"
        )));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header: Vec<String> = match rows.next() {
        Some(Ok(h)) => h.iter().map(|s| s.trim().to_owned()).collect(),
        Some(Err(e)) => return Err(csv_error(&e)),
        None => return Err(TransferError::Empty),
    };
    let lower: Vec<String> = header.iter().map(|h| h.to_lowercase()).collect();
    let col = |names: &[&str]| lower.iter().position(|h| names.contains(&h.as_str()));
    let c = Columns {
        name: col(NAME),
        url: col(URL),
        username: col(USERNAME),
        password: col(PASSWORD),
        totp: col(TOTP),
        notes: col(NOTES),
        folder: col(FOLDER),
        kind: col(TYPE),
        fields: col(FIELDS),
    };
    if c.name.is_none() && c.url.is_none() {
        return Err(TransferError::CsvHeader);
    }
    let known = [
        c.name, c.url, c.username, c.password, c.totp, c.notes, c.folder, c.kind, c.fields,
    ];
    let bookkeeping: Vec<usize> = (0..lower.len())
        .filter(|i| !known.contains(&Some(*i)) && BOOKKEEPING.contains(&lower[*i].as_str()))
        .collect();
    let mut bookkeeping_used = false;

    let mut out = Parsed::default();
    for row in rows {
        let row = row.map_err(|e| csv_error(&e))?;
        let line = row.position().map_or(0, |p| p.line());
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // Exactly as written: a password may begin or end with a space.
        let raw = |c: Option<usize>| c.and_then(|i| row.get(i)).map(str::to_owned);
        let trimmed = |c: Option<usize>| raw(c).map(|s| s.trim().to_owned());
        let url = trimmed(c.url).filter(|s| !s.is_empty());
        let name = trimmed(c.name)
            .filter(|s| !s.is_empty())
            .or_else(|| url.as_deref().map(host_of))
            .unwrap_or_else(|| format!("row {line}"));

        let mut custom = Vec::new();
        if let Some(f) = raw(c.fields) {
            custom.extend(bitwarden_fields(&f));
        }
        for (i, value) in row.iter().enumerate() {
            if known.contains(&Some(i)) || value.is_empty() {
                continue;
            }
            if bookkeeping.contains(&i) {
                bookkeeping_used |= !value.trim().is_empty() && value.trim() != "0";
                continue;
            }
            let label = header
                .get(i)
                .filter(|h| !h.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("column {}", i + 1));
            custom.push(custom_field(label, value.to_owned(), false));
        }

        let login = [c.url, c.username, c.password, c.totp]
            .iter()
            .any(|&c| raw(c).is_some_and(|s| !s.trim().is_empty()));
        let kind = trimmed(c.kind).map(|k| k.to_lowercase());
        let as_login = match kind.as_deref() {
            None | Some("") => login,
            Some("login") => true,
            Some("note") => false,
            Some(other) => {
                out.notes.push(format!(
                    "Row {line} ({name:?}): type {other:?} is not one this client knows, imported as a {}.",
                    if login { "login" } else { "note" }
                ));
                login
            }
        };
        if !as_login && kind.as_deref() == Some("note") && login {
            out.notes.push(format!(
                "Row {line} ({name:?}): a note with login columns, kept as custom fields."
            ));
            for (label, c) in [
                ("url", c.url),
                ("username", c.username),
                ("password", c.password),
                ("totp", c.totp),
            ] {
                if let Some(v) = raw(c).filter(|s| !s.trim().is_empty()) {
                    let secret = matches!(label, "password" | "totp");
                    custom.push(custom_field(label.to_owned(), v, secret));
                }
            }
        }
        let (overview, details) = if as_login {
            (
                payload(vec![
                    ("kind", Some("login".to_owned())),
                    ("name", Some(name)),
                    ("url", url),
                    ("username", trimmed(c.username)),
                ]),
                payload(vec![
                    ("password", raw(c.password)),
                    ("totp", trimmed(c.totp)),
                    ("notes", raw(c.notes)),
                ]),
            )
        } else {
            (
                payload(vec![
                    ("kind", Some("note".to_owned())),
                    ("name", Some(name)),
                ]),
                payload(vec![("notes", raw(c.notes))]),
            )
        };
        out.records.push(ImportRecord {
            folder: trimmed(c.folder).filter(|s| !s.is_empty()),
            overview,
            details: super::with_custom(details, custom),
            trashed: false,
        });
    }
    if bookkeeping_used {
        let names: Vec<&str> = bookkeeping.iter().map(|&i| header[i].as_str()).collect();
        out.notes.push(format!(
            "The columns {} are the exporting manager's bookkeeping and were not imported.",
            names.join(", ")
        ));
    }
    Ok(out)
}

/// The reader's error, by position only (its text never quotes a field).
fn csv_error(e: &::csv::Error) -> TransferError {
    let at = e
        .position()
        .map(|p| format!(" (line {})", p.line()))
        .unwrap_or_default();
    match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => TransferError::NotCsv(format!("not UTF-8 text{at}")),
        _ => TransferError::NotCsv(format!("unreadable{at}")),
    }
}

/// The line of a quoted field that runs to the end of the file, which the
/// `csv` crate would accept (as one field holding the rest of the file): a
/// damaged file, not an item. The same states as csv-core's reader: a quote
/// opens a field only at its start, `""` inside is one quote, and after the
/// closing quote the field goes on unquoted.
fn unclosed_quote(text: &str) -> Option<usize> {
    let mut line = 1;
    let mut opened_on = 0;
    let mut quoted = false;
    let mut at_field_start = true;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\n' {
            line += 1;
        }
        if quoted {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    quoted = false;
                }
            }
            continue;
        }
        match ch {
            '"' if at_field_start => {
                quoted = true;
                opened_on = line;
                at_field_start = false;
            }
            ',' | '\n' | '\r' => at_field_start = true,
            _ => at_field_start = false,
        }
    }
    quoted.then_some(opened_on)
}

/// A URL's host (and port), to name a row that has no name column.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(rest)
        .rsplit('@')
        .next()
        .unwrap_or(rest);
    if host.is_empty() {
        url.to_owned()
    } else {
        host.to_owned()
    }
}

/// Bitwarden's `fields` column: one `name: value` per line. A line without
/// `": "` is kept whole, labelled `fields`.
fn bitwarden_fields(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once(": ") {
            Some((k, v)) if !k.trim().is_empty() => {
                custom_field(k.trim().to_owned(), v.to_owned(), false)
            }
            _ => custom_field("fields".to_owned(), l.to_owned(), false),
        })
        .collect()
}
