//! The Blindvault export document (docs/SPEC.md § Web vault, Export file):
//!
//! ```text
//! {"format": "blindvault-export", "version": 1, "exported_at": <unix seconds>,
//!  "vaults": [{"name": <string>,
//!              "folders": [{"id": <string>, "name": <string>}],
//!              "items": [{"overview": {...}, "details": {...}, "trashed": <bool>}]}]}
//! ```
//!
//! [`ExportDocument::new`] builds one from opened items (leaving attachment
//! references out: the files and their keys are not exported);
//! [`ExportDocument::from_json`] checks one strictly: every member above must
//! be there with its type, `format` must be ours and `version` 1, and
//! members it does not know are ignored. [`ExportDocument::seal`] and
//! [`ExportDocument::open`] put the JSON in a password envelope and take it
//! out (§ Password envelopes).
//!
//! The serde_json values holding item payloads are not zeroized on drop
//! (serde_json has no such mode); the JSON text this module writes is.

use super::{not_json, ImportRecord, Payload, TransferError};
use crate::password_envelope::{open_with_password, seal_with_password};
use crate::secret::SecretBytes;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// `format` of an export document.
pub const FORMAT: &str = "blindvault-export";
/// The one `version` this client writes and reads.
pub const VERSION: u64 = 1;

/// A whole export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportDocument {
    pub exported_at: u64,
    pub vaults: Vec<ExportVault>,
}

/// One vault: its name, folders and items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportVault {
    pub name: String,
    pub folders: Vec<ExportFolder>,
    pub items: Vec<ExportItem>,
}

/// A folder; items name its id in their overview's `folder` member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportFolder {
    pub id: String,
    pub name: String,
}

/// One item's payloads (§ Payloads, unchanged) and trash state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportItem {
    pub overview: Payload,
    pub details: Payload,
    pub trashed: bool,
}

/// The items of one exported vault, ready to import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VaultRecords {
    pub name: String,
    pub records: Vec<ImportRecord>,
}

impl ExportDocument {
    /// A document of these vaults. Each item's `details.attachments` is
    /// removed; the second value is how many items had one.
    pub fn new(exported_at: u64, mut vaults: Vec<ExportVault>) -> (Self, usize) {
        let mut with_attachments = 0;
        for item in vaults.iter_mut().flat_map(|v| v.items.iter_mut()) {
            if item.details.remove("attachments").is_some() {
                with_attachments += 1;
            }
        }
        (
            Self {
                exported_at,
                vaults,
            },
            with_attachments,
        )
    }

    /// How many items, trashed ones included.
    pub fn item_count(&self) -> usize {
        self.vaults.iter().map(|v| v.items.len()).sum()
    }

    /// The document's UTF-8 JSON (the plaintext of the export envelope).
    pub fn to_json(&self) -> Result<SecretBytes, TransferError> {
        #[derive(Serialize)]
        struct Doc<'a> {
            format: &'static str,
            version: u64,
            exported_at: u64,
            vaults: &'a [ExportVault],
        }
        let doc = Doc {
            format: FORMAT,
            version: VERSION,
            exported_at: self.exported_at,
            vaults: &self.vaults,
        };
        // Serializing maps with string keys cannot fail; said anyway.
        serde_json::to_vec(&doc)
            .map(SecretBytes::new)
            .map_err(|_| TransferError::NotExport("cannot be written as JSON".into()))
    }

    /// Reads and checks a document's JSON.
    pub fn from_json(plain: &[u8]) -> Result<Self, TransferError> {
        let doc: Value = serde_json::from_slice(plain).map_err(|e| not_json(&e))?;
        let doc = object(&doc, "the document")?;
        if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(bad("\"format\" is not \"blindvault-export\""));
        }
        match doc.get("version").and_then(Value::as_u64) {
            Some(VERSION) => {}
            Some(v) => return Err(TransferError::UnsupportedExportVersion(v)),
            None => return Err(bad("\"version\" is not a non-negative integer")),
        }
        let exported_at = doc
            .get("exported_at")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad("\"exported_at\" is not a non-negative integer"))?;
        let vaults = array(doc.get("vaults"), "\"vaults\"")?
            .iter()
            .enumerate()
            .map(|(i, v)| vault_from(v, i))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            exported_at,
            vaults,
        })
    }

    /// Reads and checks the `vaults` array alone (what a client hands in to
    /// [`ExportDocument::new`] from another language).
    pub fn vaults_from_json(json: &[u8]) -> Result<Vec<ExportVault>, TransferError> {
        let v: Value = serde_json::from_slice(json).map_err(|e| not_json(&e))?;
        array(Some(&v), "the vaults")?
            .iter()
            .enumerate()
            .map(|(i, v)| vault_from(v, i))
            .collect()
    }

    /// The document sealed under the export password (§ Password envelopes).
    pub fn seal(&self, password: &str) -> Result<String, TransferError> {
        let plain = self.to_json()?;
        Ok(seal_with_password(plain.expose_secret(), password)?)
    }

    /// Opens an export file. A wrong password or a changed file is
    /// [`TransferError::Envelope`]; a file that opens but is not a valid
    /// document is any other error.
    pub fn open(jwe: &str, password: &str) -> Result<Self, TransferError> {
        let plain = open_with_password(jwe.trim(), password)?;
        Self::from_json(plain.expose_secret())
    }

    /// The items to import, per vault: `overview.folder` (an id of this
    /// document) becomes the folder's name, an id that names no folder puts
    /// the item at the top level (§ Folders), and `details.attachments` is
    /// dropped (the files are not in an export).
    pub fn into_records(self) -> Vec<VaultRecords> {
        self.vaults
            .into_iter()
            .map(|v| {
                let names: HashMap<String, String> =
                    v.folders.into_iter().map(|f| (f.id, f.name)).collect();
                let records = v
                    .items
                    .into_iter()
                    .map(|mut it| {
                        let folder = match it.overview.remove("folder") {
                            Some(Value::String(id)) => names.get(&id).cloned(),
                            _ => None,
                        };
                        it.details.remove("attachments");
                        ImportRecord {
                            folder: folder.filter(|f| !f.is_empty()),
                            overview: it.overview,
                            details: it.details,
                            trashed: it.trashed,
                        }
                    })
                    .collect();
                VaultRecords {
                    name: v.name,
                    records,
                }
            })
            .collect()
    }
}

fn bad(what: &str) -> TransferError {
    TransferError::NotExport(what.to_owned())
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, TransferError> {
    v.as_object()
        .ok_or_else(|| bad(&format!("{what} is not a JSON object")))
}

fn array<'a>(v: Option<&'a Value>, what: &str) -> Result<&'a [Value], TransferError> {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| bad(&format!("{what} is not an array")))
}

fn string(m: &Map<String, Value>, key: &str, at: &str) -> Result<String, TransferError> {
    m.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| bad(&format!("{at}.{key} is not a string")))
}

fn vault_from(v: &Value, i: usize) -> Result<ExportVault, TransferError> {
    let at = format!("vaults[{i}]");
    let m = object(v, &at)?;
    let name = string(m, "name", &at)?;
    let mut folders = Vec::new();
    let mut ids = HashSet::new();
    for (j, f) in array(m.get("folders"), &format!("{at}.folders"))?
        .iter()
        .enumerate()
    {
        let fat = format!("{at}.folders[{j}]");
        let f = object(f, &fat)?;
        let folder = ExportFolder {
            id: string(f, "id", &fat)?,
            name: string(f, "name", &fat)?,
        };
        if !ids.insert(folder.id.clone()) {
            return Err(bad(&format!("{fat}.id is used twice")));
        }
        folders.push(folder);
    }
    let items = array(m.get("items"), &format!("{at}.items"))?
        .iter()
        .enumerate()
        .map(|(j, it)| {
            let iat = format!("{at}.items[{j}]");
            let it = object(it, &iat)?;
            let payload = |key: &str| {
                it.get(key)
                    .and_then(Value::as_object)
                    .cloned()
                    .ok_or_else(|| bad(&format!("{iat}.{key} is not a JSON object")))
            };
            Ok(ExportItem {
                overview: payload("overview")?,
                details: payload("details")?,
                trashed: it
                    .get("trashed")
                    .and_then(Value::as_bool)
                    .ok_or_else(|| bad(&format!("{iat}.trashed is not true or false")))?,
            })
        })
        .collect::<Result<_, TransferError>>()?;
    Ok(ExportVault {
        name,
        folders,
        items,
    })
}
