//! Rotating one database item (SPEC § Command-line client, Rotation):
//!
//! ```text
//! pending left by an earlier run? ─ pending logs in ─▶ commit it (done)
//!                                 └ current logs in ─▶ clear it, go on
//! current logs in? ─no─▶ failed
//! 1 generate ─ 2 store as pending ─ 3 ALTER (current connection)
//!   ─ 4 log in with the new one ─ 5 commit (password = new, no pending)
//! ```
//! The invariant: the vault holds the database's password at every
//! instant. Before 2 the database is unchanged; from 2 to 5 the vault holds
//! both passwords; after 5 the new one (the old one is in the item's
//! history). A run that dies anywhere leaves a state the next run resolves.

use super::engine::{probe, Conn, Engine, Probe, Target};
use super::faults::{self, Step};
use super::pending::Details;
use super::summary::{Outcome, Status};
use crate::client::Client;
use crate::exit::{CliError, Kind};
use crate::keys::OpenVault;
use blindvault::encoding::b64u_encode;
use blindvault::item;
use blindvault::secret::SecretString;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::runtime::Runtime;

pub struct Job<'a> {
    pub client: &'a Client,
    pub rt: &'a Runtime,
    pub engine: Engine,
    pub dry_run: bool,
}

/// The item as the vault holds it now (advanced by each write).
struct Stored<'a> {
    vault: &'a OpenVault,
    id: String,
    blob: String,
    revision: i64,
}

#[derive(Deserialize)]
struct Written {
    revision: i64,
}

impl Stored<'_> {
    /// A revision-checked write of new details (same item key, same overview).
    fn write(&mut self, client: &Client, details: &[u8]) -> Result<(), CliError> {
        let v = self.vault;
        let blob = item::update(&v.key, &v.id, &self.id, &self.blob, None, Some(details))
            .map_err(|e| crate::exit::core(&e))?;
        let body =
            json!({"base_revision": self.revision, "envelope": b64u_encode(blob.as_bytes())});
        let w: Written = client.put(&format!("/vaults/{}/items/{}", v.id, self.id), &body)?;
        self.blob = blob;
        self.revision = w.revision;
        Ok(())
    }
}

/// What to log in to, from the overview; `Err` is why the item is skipped.
pub fn target_of(engine: Engine, overview: &Map<String, Value>) -> Result<Target, String> {
    let s = |k: &str| {
        overview
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let username = s("username").ok_or("the item has no username")?;
    let host = s("host").ok_or("the item has no host")?;
    let port = match s("port") {
        None => engine.default_port(),
        Some(p) => p
            .parse()
            .map_err(|_| format!("the item's port {p:?} is not a number"))?,
    };
    if port == engine.foreign_port() {
        return Err(format!(
            "port {port} is not {}'s: rotate it with the other engine",
            engine.name()
        ));
    }
    Ok(Target {
        engine,
        host: host.to_owned(),
        port,
        database: s("database").map(str::to_owned),
        username: username.to_owned(),
    })
}

/// One database item of the selection, as synced.
pub struct Selected<'a> {
    pub vault: &'a OpenVault,
    pub id: String,
    pub revision: i64,
    /// The item blob JSON, or why its transport form did not decode.
    pub blob: Result<String, String>,
    pub path: String,
    pub overview: Map<String, Value>,
}

pub fn rotate(job: &Job, sel: Selected) -> Outcome {
    let Selected {
        vault,
        id,
        revision,
        blob,
        path,
        overview,
    } = sel;
    let mut out = Outcome {
        path,
        id: id.clone(),
        target: None,
        status: Status::Failed,
        reason: String::new(),
        conflict: false,
        integrity: false,
    };
    let target = match target_of(job.engine, &overview) {
        Ok(t) => t,
        Err(reason) => return out.end(Status::Skipped, reason),
    };
    out.target = Some(target.label());
    if vault.role == "read" {
        return out.end(Status::Skipped, "read-only access to the vault".to_owned());
    }
    let blob = match blob {
        Ok(b) => b,
        Err(e) => return out.integrity(e),
    };
    let details = item::open_details(&vault.key, &vault.id, &id, &blob)
        .ok()
        .and_then(|d| Details::parse(d.expose_secret()));
    let Some(details) = details else {
        return out.integrity("the item's details failed to open".to_owned());
    };
    let mut stored = Stored {
        vault,
        id,
        blob,
        revision,
    };
    let state = State {
        job,
        target: &target,
        stored: &mut stored,
        out,
    };
    state.run(&details)
}

struct State<'a, 'b> {
    job: &'a Job<'a>,
    target: &'a Target,
    stored: &'a mut Stored<'b>,
    out: Outcome,
}

impl State<'_, '_> {
    fn probe(&self, password: &SecretString) -> Probe {
        probe(self.job.rt, self.target, password)
    }

    fn vault_failed(mut self, what: &str, e: &CliError) -> Outcome {
        self.out.conflict = e.kind == Kind::Conflict;
        self.out.end(Status::Failed, format!("{what}: {e}"))
    }

    fn run(self, details: &Details) -> Outcome {
        let dry = self.job.dry_run;
        let resumed = details.pending().is_some();
        // An earlier run stopped between steps 2 and 5: whichever password
        // logs in is the database's, and is committed.
        if let Some(pending) = details.pending() {
            match self.probe(&pending) {
                Probe::Works(conn) => {
                    conn.close(self.job.rt);
                    if dry {
                        return self.out.end(
                            Status::Checked,
                            "an interrupted rotation's new password logs in; a run commits it"
                                .to_owned(),
                        );
                    }
                    return match self.stored.write(self.job.client, &details.committed(&pending)) {
                        Ok(()) => self.out.end(
                            Status::Rotated,
                            "completed a rotation interrupted after the database changed"
                                .to_owned(),
                        ),
                        Err(e) => self.vault_failed(
                            "cannot commit the interrupted rotation's password (it stays pending)",
                            &e,
                        ),
                    };
                }
                Probe::Rejected => {} // not set: the current one must be
                Probe::Unreachable(e) | Probe::Unverifiable(e) => {
                    return self.out.end(
                        Status::Failed,
                        format!("{e}; the pending password of an interrupted rotation stays for the next run"),
                    )
                }
            }
        }
        let Some(current) = details.password() else {
            return self
                .out
                .end(Status::Skipped, "the item has no password".to_owned());
        };
        let mut conn = match self.probe(&current) {
            Probe::Works(c) => c,
            Probe::Rejected if resumed => {
                return self.out.end(
                    Status::Failed,
                    "neither the item's password nor its pending one logs in".to_owned(),
                )
            }
            Probe::Rejected => {
                return self.out.end(
                    Status::Failed,
                    "the item's password does not log in".to_owned(),
                )
            }
            Probe::Unreachable(e) | Probe::Unverifiable(e) => {
                return self.out.end(Status::Failed, e)
            }
        };
        if dry {
            conn.close(self.job.rt);
            let why = if resumed {
                "logs in; a run clears a stale pending password, then rotates"
            } else {
                "logs in; a run rotates it"
            };
            return self.out.end(Status::Checked, why.to_owned());
        }
        if resumed {
            if let Err(e) = self
                .stored
                .write(self.job.client, &details.committed(&current))
            {
                conn.close(self.job.rt);
                return self.vault_failed("cannot clear the stale pending password", &e);
            }
        }
        let rt = self.job.rt;
        let outcome = self.rotate_with(&mut conn, details, &current);
        conn.close(rt);
        outcome
    }

    /// Steps 1 to 5 over `conn`, logged in with `current`.
    fn rotate_with(
        mut self,
        conn: &mut Conn,
        details: &Details,
        current: &SecretString,
    ) -> Outcome {
        let (client, rt) = (self.job.client, self.job.rt);
        let new = match super::new_password() {
            Ok(p) => p,
            Err(e) => return self.out.end(Status::Failed, e.message),
        };
        faults::after(Step::Generated);
        if let Err(e) = self.stored.write(client, &details.with_pending(&new)) {
            return self.vault_failed("cannot store the new password as pending", &e);
        }
        faults::after(Step::PendingStored);
        if let Err(e) = conn.set_password(rt, self.target, &new) {
            if e.maybe_applied {
                return self.out.end(
                    Status::Failed,
                    format!("{}; the new password stays pending in the vault and the next run finds out which one is set", e.message),
                );
            }
            let undo = self.stored.write(client, &details.committed(current));
            let tail = match undo {
                Ok(()) => "; nothing changed",
                Err(_) => "; the unused pending password is cleared by the next run",
            };
            return self.out.end(Status::Failed, format!("{}{tail}", e.message));
        }
        faults::after(Step::Altered);
        match self.probe(&new) {
            Probe::Works(c) => c.close(rt),
            other => {
                let why = match other {
                    Probe::Unreachable(e) | Probe::Unverifiable(e) => e,
                    _ => "the new password does not log in".to_owned(),
                };
                return self.roll_back(conn, details, current, &why);
            }
        }
        faults::after(Step::Verified);
        match self.stored.write(client, &details.committed(&new)) {
            Ok(()) => {
                faults::after(Step::Committed);
                let reason = if details.pending().is_some() {
                    "cleared a stale pending password first".to_owned()
                } else {
                    String::new()
                };
                self.out.end(Status::Rotated, reason)
            }
            Err(e) => {
                // The vault holds the new password as pending; put the
                // database back so that `password` (what apps read) works.
                self.out.conflict = e.kind == Kind::Conflict;
                let why = format!("cannot commit the new password: {e}");
                self.roll_back(conn, details, current, &why)
            }
        }
    }

    /// After the ALTER: sets `current` again and, if the vault is there,
    /// clears the pending one. Either way the vault holds what is set.
    fn roll_back(
        self,
        conn: &mut Conn,
        details: &Details,
        current: &SecretString,
        why: &str,
    ) -> Outcome {
        let (client, rt) = (self.job.client, self.job.rt);
        if let Err(e) = conn.set_password(rt, self.target, current) {
            return self.out.end(
                Status::Failed,
                format!("{why}; putting the old password back failed too ({}): the new one stays pending in the vault and the next run resolves it", e.message),
            );
        }
        let tail = match self.stored.write(client, &details.committed(current)) {
            Ok(()) => "the old password was put back",
            Err(_) => {
                "the old password was put back; the unused pending one is cleared by the next run"
            }
        };
        self.out.end(Status::Failed, format!("{why}; {tail}"))
    }
}

impl Outcome {
    fn end(mut self, status: Status, reason: String) -> Self {
        self.status = status;
        self.reason = reason;
        self
    }

    fn integrity(mut self, what: String) -> Self {
        self.integrity = true;
        self.end(
            Status::Failed,
            format!("the server sent data that failed its integrity check ({what})"),
        )
    }
}
