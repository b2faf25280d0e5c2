//! Moving items in and out of Blindvault: other managers' export files and
//! our own export document (docs/SPEC.md § Web vault, "Import files" and
//! "Export file").
//!
//! Everything here is plaintext in, plaintext out, and vault-independent: a
//! parsed file is a list of [`ImportRecord`]s (folder name, overview and
//! details payloads of § Payloads, trashed flag) that a client then writes
//! with new ids into the vault it chooses, plus human-readable notes about
//! what was converted or left out. The web vault (through `pkg/`, feature
//! `js-extras`) and `bv` both call these functions, so an import file means
//! the same thing in both.
//!
//! - [`bitwarden::parse`]: Bitwarden's unencrypted JSON export.
//! - [`csv::parse`]: a CSV file with a header row (Bitwarden, Chrome,
//!   Firefox and similar column names).
//! - [`export_file`]: the `blindvault-export` document, built, checked and
//!   (optionally) sealed in a password envelope (§ Password envelopes).
//!
//! No function here panics on any input; errors say what was wrong and never
//! quote a value from the file (it may be a password).

pub mod bitwarden;
pub mod csv;
pub mod export_file;

pub use export_file::{ExportDocument, ExportFolder, ExportItem, ExportVault};

use serde::Serialize;
use serde_json::{Map, Value};

/// A JSON object: an item's overview or details payload.
pub type Payload = Map<String, Value>;

/// One item to create, in whatever vault the importer chooses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportRecord {
    /// The folder's name (§ Folders: flat, `a/b` is one folder), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// The overview payload, without a `folder` member (ids are per vault).
    pub overview: Payload,
    /// The details payload, without `attachments` (files are not moved).
    pub details: Payload,
    /// The item was in the trash.
    pub trashed: bool,
}

/// A parsed import file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Parsed {
    pub records: Vec<ImportRecord>,
    /// One sentence per thing converted or not imported, naming the item
    /// (by name or position) and what happened. Never holds a secret value.
    pub notes: Vec<String>,
}

/// Why a file was refused. The messages name positions and member names,
/// never a value from the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    #[error("the file is empty")]
    Empty,
    #[error("not JSON (line {line}, column {column})")]
    NotJson { line: usize, column: usize },
    #[error("this Bitwarden export is encrypted: export it again as unencrypted JSON (and delete that file after the import)")]
    EncryptedBitwarden,
    #[error("not a Bitwarden JSON export: {0}")]
    NotBitwarden(&'static str),
    #[error("not a CSV file: {0}")]
    NotCsv(String),
    #[error("the CSV file's first row must be a header with a name (or title) or a url column")]
    CsvHeader,
    #[error("not a Blindvault export: {0}")]
    NotExport(String),
    #[error("this export is version {0}; this client reads version 1 only")]
    UnsupportedExportVersion(u64),
    /// Sealing or opening the password envelope failed (a wrong password and
    /// a tampered file are the same error, § Password envelopes).
    #[error(transparent)]
    Envelope(#[from] crate::Error),
}

/// The JSON syntax error's position, without serde_json's text.
fn not_json(e: &serde_json::Error) -> TransferError {
    TransferError::NotJson {
        line: e.line(),
        column: e.column(),
    }
}

/// A text value as a payload string: strings as they are, numbers and
/// booleans written out, anything else (null, arrays, objects) absent.
fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A payload from `(member, value)` pairs, leaving out absent and empty values
/// (§ Payloads: absent fields are omitted, never `null` or `""`).
fn payload(pairs: Vec<(&str, Option<String>)>) -> Payload {
    pairs
        .into_iter()
        .filter_map(|(k, v)| v.filter(|s| !s.is_empty()).map(|s| (k.to_owned(), s)))
        .map(|(k, s)| (k, Value::String(s)))
        .collect()
}

/// One `custom` entry of § Payloads.
fn custom_field(label: String, value: String, secret: bool) -> Value {
    let mut m = Map::new();
    m.insert("label".into(), Value::String(label));
    m.insert("value".into(), Value::String(value));
    m.insert("secret".into(), Value::Bool(secret));
    Value::Object(m)
}

/// Adds `custom` to the details when there is any.
fn with_custom(mut details: Payload, custom: Vec<Value>) -> Payload {
    if !custom.is_empty() {
        details.insert("custom".into(), Value::Array(custom));
    }
    details
}
