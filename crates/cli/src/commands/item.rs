//! `item add`, `item get`, `item list`, `item rm`.

use super::vaults::{self, split_path, OpenedItem, Synced};
use super::Ctx;
use crate::cli::{AddArgs, Kind};
use crate::exit::{CliError, CliResult, Kind as ExitKind};
use crate::keys;
use crate::payload::{self, object};
use blindvault::encoding::b64u_encode;
use blindvault::generator::{generate_password, PasswordOptions};
use blindvault::item;
use serde_json::{json, Map, Value};

pub fn add(ctx: &Ctx, args: &AddArgs) -> CliResult<()> {
    let (vault_name, item_name) = split_path(&args.path)?;
    check_options(args)?;
    let (overview, details, generated) = build(args, item_name)?;
    let (_session, client) = ctx.session_client()?;
    let account = keys::unlock_session(&client, &ctx.password)?;
    let mut synced = vaults::sync(&client, &account)?;
    let vi = synced.vault(vault_name)?;
    let existing = synced.open_items(vi);
    if existing.iter().any(|i| name_of(i) == item_name) {
        return Err(CliError::new(
            ExitKind::Conflict,
            format!("an item named {item_name:?} already exists in vault {vault_name:?}"),
        ));
    }
    let vault = &synced.vaults[vi];
    let id = match &args.id {
        Some(id) => id.clone(),
        None => keys::random_id()?,
    };
    let blob = item::seal_new(
        &vault.key,
        &vault.id,
        &id,
        Value::Object(overview).to_string().as_bytes(),
        Value::Object(details).to_string().as_bytes(),
    )
    .map_err(|e| crate::exit::core(&e))?;
    // SPEC § Web vault, transport: BASE64URL(UTF-8(item blob JSON)).
    let body = json!({ "id": id, "envelope": b64u_encode(blob.as_bytes()) });
    let created: vaults::ItemView = client
        .post(&format!("/vaults/{}/items", vault.id), &body)
        .map_err(|e| {
            if e.kind == ExitKind::Conflict {
                CliError::new(
                    ExitKind::Conflict,
                    format!("the server already has an item with id {id} ({e})"),
                )
            } else {
                e
            }
        })?;
    ctx.out.show(
        || {
            let mut s = format!("Added {vault_name}/{item_name} ({}).", created.id);
            if generated {
                s.push_str(" Its password was generated: `bv item get PATH --field password`.");
            }
            s
        },
        || json!({"id": created.id, "vault_id": created.vault_id, "revision": created.revision}),
    );
    // Items already in the vault that failed to open are reported too.
    synced.finish()
}

/// Refuses options that the chosen kind does not store (usage, exit 2).
fn check_options(a: &AddArgs) -> CliResult<()> {
    let given = [
        (
            "--username",
            a.username.is_some(),
            &[Kind::Login, Kind::Database, Kind::Ssh][..],
        ),
        (
            "--password",
            a.password.is_some() || a.generate,
            &[Kind::Login, Kind::Database, Kind::Ssh][..],
        ),
        ("--url", a.url.is_some(), &[Kind::Login][..]),
        ("--host", a.host.is_some(), &[Kind::Database, Kind::Ssh][..]),
        ("--port", a.port.is_some(), &[Kind::Database][..]),
        ("--database", a.database.is_some(), &[Kind::Database][..]),
        (
            "--public-key-file",
            a.public_key_file.is_some(),
            &[Kind::Ssh][..],
        ),
        (
            "--private-key-file",
            a.private_key_file.is_some(),
            &[Kind::Ssh][..],
        ),
    ];
    for (flag, present, kinds) in given {
        if present && !kinds.contains(&a.kind) {
            return Err(CliError::usage(format!(
                "{flag} does not apply to a {} item",
                a.kind.as_str()
            )));
        }
    }
    Ok(())
}

fn read_file(path: &Option<std::path::PathBuf>) -> CliResult<Option<String>> {
    path.as_ref()
        .map(|p| {
            std::fs::read_to_string(p)
                .map_err(|e| CliError::other(format!("cannot read {}: {e}", p.display())))
        })
        .transpose()
}

/// The overview and details objects (SPEC § Web vault, Payloads), and
/// whether the password was generated.
/// A JSON object plaintext (overview or details).
type Payload = Map<String, Value>;

fn build(a: &AddArgs, name: &str) -> CliResult<(Payload, Payload, bool)> {
    let password = if a.generate {
        let g =
            generate_password(&PasswordOptions::default()).map_err(|e| crate::exit::core(&e))?;
        Some(g.secret.expose_secret().to_owned())
    } else {
        a.password.clone()
    };
    let kind = a.kind.as_str().to_owned();
    let name = name.to_owned();
    let (overview, mut details) = match a.kind {
        Kind::Login => (
            object(&[
                ("kind", Some(kind)),
                ("name", Some(name)),
                ("url", a.url.clone()),
                ("username", a.username.clone()),
            ]),
            object(&[("password", password), ("notes", a.note.clone())]),
        ),
        Kind::Database => (
            object(&[
                ("kind", Some(kind)),
                ("name", Some(name)),
                ("host", a.host.clone()),
                ("port", a.port.map(|p| p.to_string())),
                ("database", a.database.clone()),
                ("username", a.username.clone()),
            ]),
            object(&[("password", password), ("notes", a.note.clone())]),
        ),
        Kind::Note => (
            object(&[("kind", Some(kind)), ("name", Some(name))]),
            object(&[("notes", a.note.clone())]),
        ),
        Kind::Ssh => (
            object(&[
                ("kind", Some(kind)),
                ("name", Some(name)),
                ("username", a.username.clone()),
                ("host", a.host.clone()),
            ]),
            object(&[
                ("publicKey", read_file(&a.public_key_file)?),
                ("privateKey", read_file(&a.private_key_file)?),
                ("passphrase", password),
                ("notes", a.note.clone()),
            ]),
        ),
    };
    let mut custom = Vec::new();
    for f in &a.fields {
        let Some((label, value)) = f.split_once('=') else {
            return Err(CliError::usage("--field takes KEY=VALUE"));
        };
        if label.is_empty() {
            return Err(CliError::usage("--field needs a non-empty KEY"));
        }
        custom.push(json!({"label": label, "value": value, "secret": true}));
    }
    if !custom.is_empty() {
        details.insert("custom".into(), Value::Array(custom));
    }
    Ok((overview, details, a.generate))
}

fn name_of(i: &OpenedItem) -> &str {
    i.overview.get("name").and_then(Value::as_str).unwrap_or("")
}

/// The one live item at `VAULT/ITEM`, its vault index, and the sync state.
fn find(ctx: &Ctx, path: &str) -> CliResult<(Synced, usize, OpenedItem, crate::client::Client)> {
    let (vault_name, item_name) = split_path(path)?;
    let (_session, client) = ctx.session_client()?;
    let account = keys::unlock_session(&client, &ctx.password)?;
    let mut synced = vaults::sync(&client, &account)?;
    let vi = synced.vault(vault_name)?;
    let mut hits: Vec<OpenedItem> = synced
        .open_items(vi)
        .into_iter()
        .filter(|i| name_of(i) == item_name || i.view.id == item_name)
        .collect();
    match hits.len() {
        1 => {}
        0 if !synced.failures.is_empty() => {
            return Err(synced.integrity_error(&format!(
                "no item named {item_name:?} among those that opened in {vault_name:?}"
            )))
        }
        0 => {
            return Err(CliError::other(format!(
                "no item named {item_name:?} in vault {vault_name:?}"
            )))
        }
        n => {
            return Err(CliError::usage(format!(
                "{n} items are named {item_name:?}: use the item id instead of its name"
            )))
        }
    }
    let Some(found) = hits.pop() else {
        return Err(CliError::other("no item"));
    };
    Ok((synced, vi, found, client))
}

pub fn get(ctx: &Ctx, path: &str, field: Option<&str>, reveal: bool) -> CliResult<()> {
    let (synced, vi, found, _client) = find(ctx, path)?;
    let vault = &synced.vaults[vi];
    let blob = vaults::blob_of(&found.view).map_err(CliError::integrity)?;
    // Details are opened only now, for this one item (SPEC § Web vault).
    let details = item::open_details(&vault.key, &vault.id, &found.view.id, &blob)
        .map_err(|e| CliError::from_server_data(&format!("item {}", found.view.id), &e))?;
    let details: Map<String, Value> = serde_json::from_slice(details.expose_secret())
        .map_err(|_| CliError::integrity("the item's details are not a JSON object"))?;
    let fields = payload::fields(&found.overview, Some(&details));
    if let Some(wanted) = field {
        let Some(f) = fields.iter().find(|f| f.name == wanted) else {
            return Err(CliError::other(format!("the item has no field {wanted:?}")));
        };
        // Exactly the value and one newline, which `$(…)` strips.
        if ctx.out.json {
            println!("{}", json!({ "value": f.value }));
        } else {
            println!("{}", f.value);
        }
        return Ok(());
    }
    let shown = |f: &payload::Field| !f.secret || reveal;
    ctx.out.show(
        || {
            fields
                .iter()
                .map(|f| {
                    let v = if shown(f) { f.value.as_str() } else { "•••••• (--reveal or --field)" };
                    format!("{}: {v}", f.name)
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            let mut m = Map::new();
            for f in fields.iter().filter(|f| shown(f)) {
                m.insert(f.name.clone(), Value::String(f.value.clone()));
            }
            json!({"id": found.view.id, "vault_id": found.view.vault_id,
                   "revision": found.view.revision, "fields": m,
                   "hidden": fields.iter().filter(|f| !shown(f)).map(|f| f.name.clone()).collect::<Vec<_>>()})
        },
    );
    Ok(())
}

pub fn list(ctx: &Ctx, path: Option<&str>) -> CliResult<()> {
    let (_session, client) = ctx.session_client()?;
    let account = keys::unlock_session(&client, &ctx.password)?;
    let mut synced = vaults::sync(&client, &account)?;
    let indexes: Vec<usize> = match path {
        Some(p) => {
            let vault = p.trim_end_matches('/');
            if vault.contains('/') {
                return Err(CliError::usage(
                    "folders are not supported by bv yet: give a VAULT",
                ));
            }
            vec![synced.vault(vault)?]
        }
        None => (0..synced.vaults.len()).collect(),
    };
    let mut rows = Vec::new();
    for vi in indexes {
        let mut items = synced.open_items(vi);
        items.sort_by(|a, b| name_of(a).cmp(name_of(b)));
        for i in items {
            rows.push((synced.vaults[vi].name.clone(), i));
        }
    }
    ctx.out.show(
        || {
            rows.iter()
                .map(|(v, i)| {
                    let kind = i
                        .overview
                        .get("kind")
                        .and_then(Value::as_str)
                        .unwrap_or("?");
                    format!(
                        "{v}/{}\t{kind}\t{}",
                        name_of(i),
                        payload::subtitle(&i.overview)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(rows
                .iter()
                .map(|(v, i)| {
                    let fields: Map<String, Value> = payload::fields(&i.overview, None)
                        .into_iter()
                        .map(|f| (f.name, Value::String(f.value)))
                        .collect();
                    json!({"vault": v, "vault_id": i.view.vault_id, "id": i.view.id,
                       "revision": i.view.revision, "overview": fields})
                })
                .collect::<Vec<_>>())
        },
    );
    synced.finish()
}

pub fn rm(ctx: &Ctx, path: &str) -> CliResult<()> {
    let (_synced, _vi, found, client) = find(ctx, path)?;
    let view: vaults::ItemView = client.post(
        &format!(
            "/vaults/{}/items/{}/trash",
            found.view.vault_id, found.view.id
        ),
        &json!({ "base_revision": found.view.revision }),
    )?;
    ctx.out.show(
        || format!("Moved {path} to the trash."),
        || json!({"id": view.id, "revision": view.revision, "trashed": true}),
    );
    Ok(())
}
