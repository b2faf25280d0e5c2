//! An item's earlier versions (`GET …/items/{i}/history`, the last 20).
//!
//! Each old blob is opened with the item key unwrapped from the *current*
//! blob: a vault-key rotation re-wraps the item key but never the history
//! rows, while the item key itself (and so every old part) stays the same.
//! The contexts still bind every old part to this item and its home vault,
//! so the server cannot slip another item's ciphertext into the history.

use super::item::{Found, Payload};
use super::vaults;
use crate::exit::{CliError, CliResult};
use crate::payload::{self, Field};
use blindvault::context::Context;
use blindvault::encoding::b64u_decode;
use blindvault::item;
use serde::Deserialize;

#[derive(Deserialize)]
struct Entry {
    revision: i64,
    envelope: String,
    created_at: i64,
}

#[derive(Deserialize)]
struct Answer {
    history: Vec<Entry>,
}

/// The parts of an item blob (SPEC § Items); checked by the envelope open.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlobParts {
    #[allow(dead_code)]
    v: u8,
    #[allow(dead_code)]
    key: String,
    home: String,
    overview: String,
    details: String,
}

pub struct Version {
    pub revision: i64,
    pub created_at: i64,
    pub fields: Vec<Field>,
}

pub fn open_all(found: &Found) -> CliResult<Vec<Version>> {
    let view = &found.item.view;
    let vault = &found.synced.vaults[found.vi];
    let answer: Answer = found
        .client
        .get(&format!("/vaults/{}/items/{}/history", vault.id, view.id))?;
    let current = vaults::blob_of(view).map_err(CliError::integrity)?;
    let item_key = item::unwrap_item_key(&vault.key, &vault.id, &view.id, &current)
        .map_err(|e| CliError::from_server_data(&format!("item {}", view.id), &e))?;
    let mut out = Vec::new();
    for e in answer.history {
        let bad = |what: String| {
            CliError::integrity(format!(
                "the server sent data that failed its integrity check (item {} revision {}: {what})",
                view.id, e.revision
            ))
        };
        let bytes = b64u_decode(&e.envelope, "history envelope")
            .map_err(|_| bad("not base64url".into()))?;
        let parts: BlobParts =
            serde_json::from_slice(&bytes).map_err(|_| bad("not an item blob".into()))?;
        let open = |part: &str, ctx: blindvault::Result<Context>| -> CliResult<Payload> {
            let ctx = ctx.map_err(|e| bad(e.to_string()))?;
            let pt = item_key.open(part, &ctx).map_err(|e| bad(e.to_string()))?;
            serde_json::from_slice(pt.expose_secret()).map_err(|_| bad("not a JSON object".into()))
        };
        let overview = open(
            &parts.overview,
            Context::item_overview(&parts.home, &view.id),
        )?;
        let details = open(&parts.details, Context::item_details(&parts.home, &view.id))?;
        out.push(Version {
            revision: e.revision,
            created_at: e.created_at,
            fields: payload::fields(&overview, Some(&details)),
        });
    }
    Ok(out)
}
