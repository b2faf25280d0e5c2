//! `bv rotate postgres|mysql PATH [--dry-run] [--notify URL|mailto:ADDRESS]`:
//! every `database` item under PATH (VAULT or VAULT/FOLDER/..., recursive,
//! or one item's path) is rotated; see `crate::rotate`.
//!
//! Exit code: 0 when nothing failed; 4 when an item or vault failed its
//! integrity check; 5 when a revision-checked write met a newer version
//! (409); 1 for any other failure. The summary is printed (and sent)
//! whatever the outcome.

use super::folders;
use super::vaults::{self, split_prefix};
use super::Ctx;
use crate::cli::RotateArgs;
use crate::exit::{CliError, CliResult, Kind};
use crate::notify::Notify;
use crate::rotate::engine::Engine;
use crate::rotate::item::{Job, Selected};
use crate::rotate::summary::Summary;
use serde_json::Value;

pub fn run(ctx: &Ctx, engine: Engine, args: &RotateArgs) -> CliResult<()> {
    let notify = args.notify.as_deref().map(Notify::parse).transpose()?;
    let (vault_name, folder_parts) = split_prefix(&args.path)?;
    let prefix = folder_parts.join("/");
    let (client, keyring) = ctx.open()?;
    let mut synced = vaults::sync(&client, &keyring)?;
    let vi = synced.vault(vault_name)?;
    let folders = folders::open_all(&mut synced, vi);
    let items = synced.open_items(vi);
    let vault = &synced.vaults[vi];
    let mut selected = Vec::new();
    for i in items {
        if i.overview.get("kind").and_then(Value::as_str) != Some("database") {
            continue;
        }
        let folder = folders::of_item(&i.overview, &folders);
        let name = i.overview.get("name").and_then(Value::as_str).unwrap_or("");
        let rel = if folder.is_empty() {
            name.to_owned()
        } else {
            format!("{folder}/{name}")
        };
        // PATH names a folder (recursively) or one item.
        if !(folders::is_under(folder, &prefix) || rel == prefix) {
            continue;
        }
        selected.push(Selected {
            vault,
            id: i.view.id.clone(),
            revision: i.view.revision,
            blob: vaults::blob_of(&i.view),
            path: format!("{}/{rel}", vault.name),
            overview: i.overview,
        });
    }
    if selected.is_empty() && synced.failures.is_empty() {
        return Err(CliError::other(format!(
            "no database item under {:?}",
            args.path
        )));
    }
    selected.sort_by(|a, b| a.path.cmp(&b.path));
    // Several items rotate at once (`rotate::run_all`); each worker thread
    // blocks on this runtime, which drives all their connections.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::other(format!("cannot start the async runtime: {e}")))?;
    let job = Job {
        client: &client,
        rt: &rt,
        engine,
        dry_run: args.dry_run,
    };
    let outcomes = crate::rotate::run_all(&job, selected);
    drop(rt);
    let summary = Summary::new(engine.name(), &args.path, args.dry_run, outcomes);
    ctx.out.show(
        || summary.text(),
        || serde_json::to_value(&summary).unwrap_or(Value::Null),
    );
    let sent = notify.as_ref().map(|n| n.send(&summary)).transpose();
    // Integrity first (what failed to open is not shown), then conflicts.
    synced.finish()?;
    let failed = |f: fn(&crate::rotate::summary::Outcome) -> bool| {
        summary
            .items
            .iter()
            .filter(|o| o.status == crate::rotate::summary::Status::Failed && f(o))
            .count()
    };
    if failed(|o| o.integrity) > 0 {
        return Err(CliError::integrity(
            "some items failed their integrity check and were not rotated (see the summary)",
        ));
    }
    if failed(|o| o.conflict) > 0 {
        return Err(CliError::new(
            Kind::Conflict,
            "some items changed in the vault during the rotation (conflict): run again",
        ));
    }
    if summary.failed > 0 {
        return Err(CliError::other(format!(
            "{} of {} rotations failed (see the summary)",
            summary.failed,
            summary.items.len()
        )));
    }
    sent.map(|_| ())
}
