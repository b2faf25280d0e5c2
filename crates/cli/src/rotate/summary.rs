//! The outcome of each item and the run's summary: printed on stdout (text
//! or `--json`) and sent by `--notify`. It holds paths, roles, hosts and
//! reasons; never a password.

use serde::Serialize;
use std::fmt::Write as _;

#[derive(Clone, Copy, Serialize, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Rotated,
    /// `--dry-run`: everything checked, nothing changed.
    Checked,
    Skipped,
    Failed,
}

#[derive(Serialize, Debug)]
pub struct Outcome {
    pub path: String,
    pub id: String,
    /// `user@host:port`, when the item names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// A revision-checked write met a newer version (HTTP 409).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub conflict: bool,
    /// The item failed to open (the server's data failed verification).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub integrity: bool,
}

#[derive(Serialize, Debug)]
pub struct Summary {
    pub engine: &'static str,
    pub path: String,
    pub dry_run: bool,
    pub rotated: usize,
    pub checked: usize,
    pub skipped: usize,
    pub failed: usize,
    pub items: Vec<Outcome>,
}

impl Summary {
    pub fn new(engine: &'static str, path: &str, dry_run: bool, items: Vec<Outcome>) -> Self {
        let count = |s: Status| items.iter().filter(|o| o.status == s).count();
        Self {
            engine,
            path: path.to_owned(),
            dry_run,
            rotated: count(Status::Rotated),
            checked: count(Status::Checked),
            skipped: count(Status::Skipped),
            failed: count(Status::Failed),
            items,
        }
    }

    /// One headline, e.g. `bv rotate postgres infra: 3 rotated, 0 skipped, 1 failed`.
    pub fn headline(&self) -> String {
        let dry = if self.dry_run { " --dry-run" } else { "" };
        let done = if self.dry_run {
            format!("{} ready to rotate", self.checked)
        } else {
            format!("{} rotated", self.rotated)
        };
        format!(
            "bv rotate {}{dry} {}: {done}, {} skipped, {} failed",
            self.engine, self.path, self.skipped, self.failed
        )
    }

    /// The headline and one line per item.
    pub fn text(&self) -> String {
        let mut s = self.headline();
        for o in &self.items {
            let status = match o.status {
                Status::Rotated => "rotated",
                Status::Checked => "ok",
                Status::Skipped => "skipped",
                Status::Failed => "FAILED",
            };
            let _ = write!(s, "\n  {status:<8} {}", o.path);
            if let Some(t) = &o.target {
                let _ = write!(s, " ({t})");
            }
            if !o.reason.is_empty() {
                let _ = write!(s, ": {}", o.reason);
            }
        }
        s
    }
}
