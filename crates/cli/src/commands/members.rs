//! `vault share`, `vault members`, `vault remove-member`, `vault pending`
//! and `vault accept`: membership decided by the vault's signed member log
//! (SPEC § Member log, § Shares a person accepts), never by the server's list.
//!
//! ```text
//! share:   lookup(email) ─▶ identity verified, pinned or confirmed by the person
//!          ─▶ signed add entry ─▶ HPKE-auth copy bound to it ─▶ PUT member
//! role:    server list == roster? ─▶ signed role entry ─▶ PUT member
//! remove:  server list == roster? ─▶ new key ─▶ signed remove entry
//!          ─▶ copies for the roster after it, item keys re-wrapped, names
//!          re-sealed ─▶ one POST /rotate, applied all or nothing
//! accept:  sharer's identity confirmed ─▶ vault list + own wrap
//! ```

use super::vaults::{self, PendingVault, Synced};
use super::Ctx;
use crate::cli::Role;
use crate::client::Client;
use crate::exit::{CliError, CliResult};
use crate::keys::{now, OpenVault};
use crate::pins::{self, PinState, Pins};
use blindvault::account::UnlockedAccount;
use blindvault::identity::Identity;
use blindvault::keys::SymmetricKey;
use blindvault::member_log::{self, Proposal, Role as LogRole, Roster};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::io::IsTerminal;

fn core(e: blindvault::Error) -> CliError {
    crate::exit::core(&e)
}

#[derive(Deserialize)]
struct Lookup {
    account_id: String,
    #[serde(default)]
    identity: Option<String>,
}

#[derive(Deserialize)]
struct ServerMember {
    account_id: String,
    role: String,
}

#[derive(Deserialize)]
struct Members {
    members: Vec<ServerMember>,
}

fn log_role(r: Role) -> LogRole {
    match r {
        Role::Read => LogRole::Read,
        Role::Write => LogRole::Write,
        Role::Admin => LogRole::Admin,
    }
}

/// The vault's verified roster, or the reason a legacy vault cannot be shared.
fn roster_of<'a>(v: &'a OpenVault, name: &str) -> CliResult<&'a Roster> {
    v.roster.as_ref().ok_or_else(|| {
        CliError::usage(format!(
            "vault {name:?} was made without a member log (by an older client), so who holds its key cannot be verified: create a new vault to share"
        ))
    })
}

/// Refuses before anything is sealed when the server's member list is not
/// the roster (a row it added, dropped or changed).
fn check_server_list(client: &Client, roster: &Roster) -> CliResult<()> {
    let listed: Members = client.get(&format!("/vaults/{}/members", roster.vault_id()))?;
    let mut rows = Vec::new();
    for m in &listed.members {
        let role = LogRole::parse(&m.role).ok_or_else(|| {
            CliError::integrity("the server listed a member with an unknown role")
        })?;
        rows.push((m.account_id.as_str(), role));
    }
    roster.check_server_list(rows).map_err(|_| {
        CliError::integrity(format!(
            "the server's member list for vault {} differs from its signed member log (a member added, dropped or changed by the server): nothing was sent",
            roster.vault_id()
        ))
    })
}

/// First contact: the person must confirm a fingerprint never pinned here,
/// with `--fingerprint` or at a terminal prompt; a changed pin is refused.
fn confirm(pins: &Pins, who: &Identity, given: Option<&str>, what: &str) -> CliResult<()> {
    let fp = who.fingerprint();
    match pins.state(who) {
        PinState::Changed => return Err(pins::changed(who)),
        PinState::Matches => {
            eprintln!(
                "{}'s identity fingerprint: {fp} (matches the pin)",
                who.email()
            );
            return Ok(());
        }
        PinState::New => {}
    }
    if let Some(g) = given {
        let norm = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        return if norm(g) == norm(&fp) {
            Ok(())
        } else {
            Err(CliError::integrity(format!(
                "{}'s identity fingerprint is {fp}, not the one given: nothing was sent",
                who.email()
            )))
        };
    }
    eprintln!(
        "{}'s identity fingerprint: {fp} (new on this machine: compare it with what they read out from `bv status`)",
        who.email()
    );
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "first contact with {}: compare the fingerprint above with theirs, then run again with --fingerprint \"{fp}\" to {what}",
            who.email()
        )));
    }
    eprint!("Does it match? Type yes to {what}: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::other(format!("cannot read the answer: {e}")))?;
    if line.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::other("not confirmed: nothing was sent"))
    }
}

fn signer(account: &UnlockedAccount) -> CliResult<(&blindvault::identity::SigningKey, &str)> {
    let (sk, me) = account.signer().map_err(core)?;
    Ok((sk, me.account_id()))
}

pub fn share(
    ctx: &Ctx,
    name: &str,
    email: &str,
    role: Role,
    fingerprint: Option<&str>,
) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let vault = &synced.vaults[synced.vault(name)?];
    let roster = roster_of(vault, name)?;
    let email_lc = blindvault::identity::normalize_email(email)
        .map_err(|_| CliError::usage(format!("{email:?} is not an email address")))?;
    let (sk, me) = signer(account)?;
    let mut pins = Pins::load()?;
    if let Some((id, m)) = roster
        .members()
        .find(|(_, m)| m.identity.email() == email_lc)
    {
        // Already a member: a role change, nothing re-sealed.
        check_server_list(&client, roster)?;
        let entry = roster
            .sign(
                me,
                sk,
                Proposal::Role {
                    member: id,
                    role: log_role(role),
                },
                now(),
            )
            .map_err(|e| CliError::usage(format!("cannot change {email}'s role: {e}")))?;
        let answer: Value = client.put(
            &format!("/vaults/{}/members/{id}", vault.id),
            &json!({"base_revision": vault.revision, "role": role.as_str(), "log_entry": entry}),
        )?;
        let _ = m;
        ctx.out.show(
            || format!("{email} is now {} in {name:?}.", role.as_str()),
            || json!({"vault_id": vault.id, "account_id": id, "role": role.as_str(), "revision": answer.get("revision")}),
        );
        return Ok(());
    }
    let found: Lookup = client.post("/accounts/lookup", &json!({ "email": email_lc }))?;
    let text = found.identity.ok_or_else(|| {
        CliError::other(format!(
            "{email} has no identity yet: they need to log in once with a current client before a vault can be shared with them"
        ))
    })?;
    let who = Identity::parse(&text).map_err(|e| CliError::from_server_data("identity", &e))?;
    if who.account_id() != found.account_id || who.email() != email_lc {
        return Err(CliError::integrity(format!(
            "the server answered the lookup of {email} with another account's identity: nothing was sent"
        )));
    }
    confirm(&pins, &who, fingerprint, "share the vault")?;
    let entry = roster
        .sign(
            me,
            sk,
            Proposal::Add {
                identity: &who,
                role: log_role(role),
            },
            now(),
        )
        .map_err(|e| CliError::usage(format!("cannot share {name:?}: {e}")))?;
    let mut after = roster.clone();
    after.apply(&entry).map_err(core)?;
    let member = after
        .member(who.account_id())
        .ok_or_else(|| CliError::other("internal: member missing"))?;
    let copy = after
        .seal_copy(account, &vault.key, member, &member_log::hash_of(&entry))
        .map_err(core)?;
    let answer: Value = client.put(
        &format!("/vaults/{}/members/{}", vault.id, who.account_id()),
        &json!({"base_revision": vault.revision, "role": role.as_str(), "wrapped_vault_key": copy, "log_entry": entry}),
    )?;
    pins.pin(&who)?;
    pins.save()?;
    ctx.out.show(
        || {
            format!(
                "Shared {name:?} with {email} as {}. They accept it with `bv vault accept`.",
                role.as_str()
            )
        },
        || {
            json!({"vault_id": vault.id, "account_id": who.account_id(), "role": role.as_str(),
                  "fingerprint": who.fingerprint(), "revision": answer.get("revision")})
        },
    );
    Ok(())
}

pub fn members(ctx: &Ctx, name: &str) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let vault = &synced.vaults[synced.vault(name)?];
    let roster = roster_of(vault, name)?;
    let mut pins = Pins::load()?;
    let rows: Vec<(String, &str, String, &str)> = roster
        .members()
        .map(|(id, m)| {
            let state = if id == account.account_id() {
                "you"
            } else {
                match pins.state(&m.identity) {
                    // The log vouches for it: signed by the admin who added them.
                    PinState::New => "pinned now (from the signed log)",
                    PinState::Matches => "ok",
                    PinState::Changed => "KEY CHANGED",
                }
            };
            (
                m.identity.email().to_owned(),
                m.role.as_str(),
                m.identity.fingerprint(),
                state,
            )
        })
        .collect();
    ctx.out.show(
        || {
            rows.iter()
                .map(|(e, r, fp, st)| format!("{e}\t{r}\t{fp}\t{st}"))
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(rows
                .iter()
                .map(|(e, r, fp, st)| json!({"email": e, "role": r, "fingerprint": fp, "key": st}))
                .collect::<Vec<_>>())
        },
    );
    let changed: Vec<&str> = rows
        .iter()
        .filter(|r| r.3 == "KEY CHANGED")
        .map(|r| r.0.as_str())
        .collect();
    if !changed.is_empty() {
        return Err(CliError::integrity(format!(
            "the signed log names a different identity than the one pinned on this machine for: {}",
            changed.join(", ")
        )));
    }
    for (id, m) in roster.members() {
        if id != account.account_id() {
            pins.pin(&m.identity)?;
        }
    }
    pins.save()?;
    check_server_list(&client, roster)?;
    synced.finish()
}

/// Every recipient of a new key must match this machine's pins.
fn check_pins(pins: &mut Pins, roster: &Roster, me: &str) -> CliResult<()> {
    for (id, m) in roster.members() {
        if id != me {
            pins.pin(&m.identity)?;
        }
    }
    Ok(())
}

pub fn remove_member(ctx: &Ctx, name: &str, email: &str) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let vi = synced.vault(name)?;
    let vault = &synced.vaults[vi];
    let roster = roster_of(vault, name)?;
    let email_lc = email.trim().to_ascii_lowercase();
    let Some((gone, _)) = roster
        .members()
        .find(|(_, m)| m.identity.email() == email_lc)
    else {
        return Err(CliError::other(format!(
            "{email} is not a member of {name:?}"
        )));
    };
    let gone = gone.clone();
    check_server_list(&client, roster)?;
    let (sk, me) = signer(account)?;
    let new_key = SymmetricKey::generate().map_err(core)?;
    let entry = roster
        .sign(
            me,
            sk,
            Proposal::Remove {
                member: &gone,
                new_key: &new_key,
            },
            now(),
        )
        .map_err(|e| CliError::usage(format!("cannot remove {email}: {e}")))?;
    let mut after = roster.clone();
    after.apply(&entry).map_err(core)?;
    let mut pins = Pins::load()?;
    check_pins(&mut pins, &after, me)?;
    let copies = after
        .seal_copies(account, &new_key, &member_log::hash_of(&entry))
        .map_err(core)?;
    let body = rotation_body(&synced, vi, &new_key, copies, &entry)?;
    let answer: Value = client.post(&format!("/vaults/{}/rotate", vault.id), &body)?;
    pins.save()?;
    let revision = answer.get("revision").and_then(Value::as_i64).unwrap_or(0);
    let revoked: Vec<String> = answer
        .get("revoked_tokens")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ctx.out.show(
        || {
            let mut s = format!("Removed {email} from {name:?} and rotated its key (revision {revision}).");
            if !revoked.is_empty() {
                s.push_str(&format!(
                    " Revoked {} service token(s) that held the old key: {}.",
                    revoked.len(),
                    revoked.join(", ")
                ));
            }
            s
        },
        || json!({"vault_id": vault.id, "removed": gone, "revision": revision, "revoked_tokens": revoked}),
    );
    Ok(())
}

/// The rotation request: the core's re-keyed name, items (trashed too) and
/// folders under `new_key` (`blindvault::rotation::rekey`), the new key's
/// copies and the signed entry that commits to it. Service tokens cannot be
/// re-wrapped (no member holds their key), so the server revokes their grants.
fn rotation_body(
    synced: &Synced,
    vi: usize,
    new_key: &SymmetricKey,
    copies: std::collections::BTreeMap<String, String>,
    entry: &str,
) -> CliResult<Value> {
    use blindvault::rotation::{rekey, Row};
    let old = &synced.vaults[vi];
    let row = |id, revision, envelope| Row {
        id,
        revision,
        envelope,
    };
    let items: Vec<Row<'_>> = (synced.items.iter())
        .filter(|i| i.vault_id == old.id)
        .map(|v| row(&v.id, v.revision, &v.envelope))
        .collect();
    let folders: Vec<Row<'_>> = (synced.folders.iter())
        .filter(|f| f.vault_id == old.id)
        .map(|f| row(&f.id, f.revision, &f.envelope))
        .collect();
    let parts = rekey(&old.id, &old.name, &old.key, new_key, &items, &folders)
        .map_err(|r| CliError::from_server_data(&format!("{} {}", r.what, r.id), &r.error))?;
    let mut body: Map<String, Value> =
        serde_json::from_str(&parts).map_err(|_| CliError::other("internal: rotation body"))?;
    body.insert("base_revision".into(), json!(old.revision));
    body.insert("members".into(), json!(copies));
    body.insert("tokens".into(), json!({}));
    body.insert("log_entry".into(), json!(entry));
    Ok(Value::Object(body))
}

pub fn pending(ctx: &Ctx) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let pins = Pins::load()?;
    let row = |p: &PendingVault| {
        (
            p.vault.name.clone(),
            p.vault.id.clone(),
            p.added_by.email().to_owned(),
            p.added_by.fingerprint(),
            pins.state(&p.added_by).label(),
        )
    };
    let rows: Vec<_> = synced.pending.iter().map(row).collect();
    ctx.out.show(
        || {
            if rows.is_empty() {
                return "No vault is waiting for you to accept it.".into();
            }
            rows.iter()
                .map(|(n, id, by, fp, st)| format!("{n}\t{id}\tshared by {by}\t{fp}\t{st}"))
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(rows
                .iter()
                .map(|(n, id, by, fp, st)| json!({"name": n, "id": id, "shared_by": by, "fingerprint": fp, "key": st}))
                .collect::<Vec<_>>())
        },
    );
    synced.finish()
}

pub fn accept(ctx: &Ctx, name: &str, fingerprint: Option<&str>) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let account = keyring.account()?;
    let synced = vaults::sync(&client, &keyring)?;
    let hits: Vec<&PendingVault> = synced
        .pending
        .iter()
        .filter(|p| p.vault.name == name || p.vault.id == name)
        .collect();
    let p = match hits.as_slice() {
        [one] => *one,
        [] => {
            return Err(CliError::other(format!(
                "no pending vault named {name:?} (see `bv vault pending`)"
            )))
        }
        _ => {
            return Err(CliError::usage(format!(
                "{} pending vaults are named {name:?}: use the id",
                hits.len()
            )))
        }
    };
    let mut pins = Pins::load()?;
    eprintln!(
        "{:?} was shared with you by {}.",
        p.vault.name,
        p.added_by.email()
    );
    confirm(&pins, &p.added_by, fingerprint, "accept the vault")?;
    let state = synced
        .list
        .as_ref()
        .ok_or_else(|| CliError::other("internal: no vault list"))?;
    let anchor = p.vault.roster.as_ref().map(|r| r.anchor());
    if let Some(next) = state
        .list
        .with(&p.vault.id, anchor.as_ref())
        .map_err(core)?
    {
        vaults::save_list(&client, account, state, &next)?;
    }
    let own = account
        .wrap_vault_key(&p.vault.key, &p.vault.id)
        .map_err(core)?;
    client.request_unit(
        "PUT",
        &format!("/vaults/{}/key", p.vault.id),
        &json!({"wrapped_vault_key": own}),
    )?;
    pins.pin(&p.added_by)?;
    pins.save()?;
    ctx.out.show(
        || {
            format!(
                "Accepted {:?} (shared by {}).",
                p.vault.name,
                p.added_by.email()
            )
        },
        || json!({"vault_id": p.vault.id, "name": p.vault.name, "shared_by": p.added_by.email()}),
    );
    Ok(())
}
