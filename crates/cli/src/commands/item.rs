//! `item add`, `item get`, `item edit`, `item history`, `item list`, `item rm`.

use super::folders;
use super::vaults::{self, split_path, split_prefix, OpenedItem, Synced};
use super::Ctx;
use crate::cli::{AddArgs, EditArgs, ItemValues, Kind};
use crate::client::Client;
use crate::exit::{CliError, CliResult, Kind as ExitKind};
use crate::keys;
use crate::payload::{self, object};
use blindvault::encoding::b64u_encode;
use blindvault::generator::{generate_password, PasswordOptions};
use blindvault::item;
use serde_json::{json, Map, Value};

/// A JSON object plaintext (overview or details).
pub type Payload = Map<String, Value>;

pub fn add(ctx: &Ctx, args: &AddArgs) -> CliResult<()> {
    let (vault_name, folder_names, item_name) = split_path(&args.path)?;
    check_options(args.kind, &args.values)?;
    let (mut overview, details, generated) = build(args.kind, &args.values, item_name)?;
    let (client, keyring) = ctx.open()?;
    let mut synced = vaults::sync(&client, &keyring)?;
    let vi = synced.vault(vault_name)?;
    let mut folders = folders::open_all(&mut synced, vi);
    let folder_name = folder_names.join("/");
    let existing = synced.open_items(vi);
    if existing
        .iter()
        .any(|i| name_of(i) == item_name && folders::of_item(&i.overview, &folders) == folder_name)
    {
        return Err(CliError::new(
            ExitKind::Conflict,
            format!(
                "an item named {item_name:?} already exists at {}",
                args.path
            ),
        ));
    }
    let vault = &synced.vaults[vi];
    if !folder_name.is_empty() {
        let id = folders::ensure(&client, vault, &mut folders, &folder_name)?;
        overview.insert("folder".into(), Value::String(id));
    }
    let id = match &args.id {
        Some(id) => id.clone(),
        None => keys::random_id()?,
    };
    let created = create_item(&client, vault, &id, &overview, &details)?;
    ctx.out.show(
        || {
            let mut s = format!("Added {} ({}).", args.path, created.id);
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

/// Seals and creates one item (SPEC § Web vault, transport).
pub fn create_item(
    client: &Client,
    vault: &keys::OpenVault,
    id: &str,
    overview: &Payload,
    details: &Payload,
) -> CliResult<vaults::ItemView> {
    let blob = item::seal_new(
        &vault.key,
        &vault.id,
        id,
        Value::Object(overview.clone()).to_string().as_bytes(),
        Value::Object(details.clone()).to_string().as_bytes(),
    )
    .map_err(|e| crate::exit::core(&e))?;
    let body = json!({ "id": id, "envelope": b64u_encode(blob.as_bytes()) });
    client
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
        })
}

/// Refuses options that the chosen kind does not store (usage, exit 2).
fn check_options(kind: Kind, a: &ItemValues) -> CliResult<()> {
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
        if present && !kinds.contains(&kind) {
            return Err(CliError::usage(format!(
                "{flag} does not apply to a {} item",
                kind.as_str()
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

fn password_of(a: &ItemValues) -> CliResult<Option<String>> {
    if a.generate {
        let g =
            generate_password(&PasswordOptions::default()).map_err(|e| crate::exit::core(&e))?;
        Ok(Some(g.secret.expose_secret().to_owned()))
    } else {
        Ok(a.password.clone())
    }
}

/// Where each flag's value goes: (member, in overview?, value).
fn members(kind: Kind, a: &ItemValues) -> CliResult<Vec<(&'static str, bool, Option<String>)>> {
    let password = password_of(a)?;
    Ok(match kind {
        Kind::Login => vec![
            ("url", true, a.url.clone()),
            ("username", true, a.username.clone()),
            ("password", false, password),
            ("notes", false, a.note.clone()),
        ],
        Kind::Database => vec![
            ("host", true, a.host.clone()),
            ("port", true, a.port.map(|p| p.to_string())),
            ("database", true, a.database.clone()),
            ("username", true, a.username.clone()),
            ("password", false, password),
            ("notes", false, a.note.clone()),
        ],
        Kind::Note => vec![("notes", false, a.note.clone())],
        Kind::Ssh => vec![
            ("username", true, a.username.clone()),
            ("host", true, a.host.clone()),
            ("publicKey", false, read_file(&a.public_key_file)?),
            ("privateKey", false, read_file(&a.private_key_file)?),
            ("passphrase", false, password),
            ("notes", false, a.note.clone()),
        ],
    })
}

fn custom_fields(a: &ItemValues) -> CliResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for f in &a.fields {
        let Some((label, value)) = f.split_once('=') else {
            return Err(CliError::usage("--field takes KEY=VALUE"));
        };
        if label.is_empty() {
            return Err(CliError::usage("--field needs a non-empty KEY"));
        }
        out.push((label.to_owned(), value.to_owned()));
    }
    Ok(out)
}

/// The overview and details objects (SPEC § Web vault, Payloads), and
/// whether the password was generated.
fn build(kind: Kind, a: &ItemValues, name: &str) -> CliResult<(Payload, Payload, bool)> {
    let mut overview = object(&[
        ("kind", Some(kind.as_str().to_owned())),
        ("name", Some(name.to_owned())),
    ]);
    let mut details = Payload::new();
    for (member, in_overview, value) in members(kind, a)? {
        if let Some(v) = value {
            let target = if in_overview {
                &mut overview
            } else {
                &mut details
            };
            target.insert(member.into(), Value::String(v));
        }
    }
    let custom: Vec<Value> = custom_fields(a)?
        .into_iter()
        .map(|(label, value)| json!({"label": label, "value": value, "secret": true}))
        .collect();
    if !custom.is_empty() {
        details.insert("custom".into(), Value::Array(custom));
    }
    Ok((overview, details, a.generate))
}

pub fn name_of(i: &OpenedItem) -> &str {
    i.overview.get("name").and_then(Value::as_str).unwrap_or("")
}

/// An item found by path, with everything needed to write it back.
pub struct Found {
    pub synced: Synced,
    pub vi: usize,
    pub item: OpenedItem,
    pub client: Client,
}

/// The one live item at `VAULT/FOLDER/.../ITEM` (or `VAULT/ITEM-ID`).
pub fn find(ctx: &Ctx, path: &str) -> CliResult<Found> {
    let (vault_name, folder_names, item_name) = split_path(path)?;
    let folder_name = folder_names.join("/");
    let (client, keyring) = ctx.open()?;
    let mut synced = vaults::sync(&client, &keyring)?;
    let vi = synced.vault(vault_name)?;
    let folders = folders::open_all(&mut synced, vi);
    let mut hits: Vec<OpenedItem> = synced
        .open_items(vi)
        .into_iter()
        .filter(|i| {
            (name_of(i) == item_name && folders::of_item(&i.overview, &folders) == folder_name)
                || (i.view.id == item_name && folder_name.is_empty())
        })
        .collect();
    match hits.len() {
        1 => {}
        0 if !synced.failures.is_empty() => {
            return Err(
                synced.integrity_error(&format!("no item at {path:?} among those that opened"))
            )
        }
        0 => return Err(CliError::other(format!("no item at {path:?}"))),
        n => {
            return Err(CliError::usage(format!(
                "{n} items are at {path:?}: use VAULT/ITEM-ID instead"
            )))
        }
    }
    let Some(item) = hits.pop() else {
        return Err(CliError::other("no item"));
    };
    Ok(Found {
        synced,
        vi,
        item,
        client,
    })
}

/// Opens an item's details (on demand, SPEC § Web vault).
pub fn open_details(found: &Found) -> CliResult<Payload> {
    let vault = &found.synced.vaults[found.vi];
    let blob = vaults::blob_of(&found.item.view).map_err(CliError::integrity)?;
    let details = item::open_details(&vault.key, &vault.id, &found.item.view.id, &blob)
        .map_err(|e| CliError::from_server_data(&format!("item {}", found.item.view.id), &e))?;
    serde_json::from_slice(details.expose_secret())
        .map_err(|_| CliError::integrity("the item's details are not a JSON object"))
}

pub fn get(ctx: &Ctx, path: &str, field: Option<&str>, reveal: bool) -> CliResult<()> {
    let found = find(ctx, path)?;
    let details = open_details(&found)?;
    let fields = payload::fields(&found.item.overview, Some(&details));
    if let Some(wanted) = field {
        let Some(f) = fields.iter().find(|f| f.name == wanted) else {
            return Err(CliError::other(format!("the item has no field {wanted:?}")));
        };
        // Exactly the value and one newline, which `$(…)` strips.
        if ctx.out.json {
            crate::output::line(format_args!("{}", json!({ "value": f.value })));
        } else {
            crate::output::line(format_args!("{}", f.value));
        }
        return Ok(());
    }
    let view = &found.item.view;
    let extra = json!({"id": view.id, "vault_id": view.vault_id, "revision": view.revision});
    show_fields(ctx, &fields, reveal, extra);
    Ok(())
}

fn show_fields(ctx: &Ctx, fields: &[payload::Field], reveal: bool, mut extra: Value) {
    let shown = |f: &payload::Field| !f.secret || reveal;
    ctx.out.show(
        || {
            fields
                .iter()
                .map(|f| {
                    let v = if shown(f) {
                        f.value.as_str()
                    } else {
                        "•••••• (--reveal or --field)"
                    };
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
            extra["fields"] = Value::Object(m);
            extra["hidden"] = json!(fields
                .iter()
                .filter(|f| !shown(f))
                .map(|f| f.name.clone())
                .collect::<Vec<_>>());
            extra
        },
    );
}

pub fn edit(ctx: &Ctx, args: &EditArgs) -> CliResult<()> {
    let mut found = find(ctx, &args.path)?;
    let kind_str = found
        .item
        .overview
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = match kind_str {
        "login" => Kind::Login,
        "database" => Kind::Database,
        "note" => Kind::Note,
        "ssh" => Kind::Ssh,
        other => {
            return Err(CliError::other(format!(
                "bv cannot edit an item of kind {other:?}"
            )))
        }
    };
    if let Some(k) = args.kind {
        if k != kind {
            return Err(CliError::usage(format!(
                "the item is a {} item; an item keeps its kind",
                kind.as_str()
            )));
        }
    }
    check_options(kind, &args.values)?;
    let mut details = open_details(&found)?;
    let mut overview = found.item.overview.clone();
    let mut changed = Vec::new();
    for (member, in_overview, value) in members(kind, &args.values)? {
        if let Some(v) = value {
            let target = if in_overview {
                &mut overview
            } else {
                &mut details
            };
            target.insert(member.into(), Value::String(v));
            changed.push(member.to_owned());
        }
    }
    for (label, value) in custom_fields(&args.values)? {
        let custom = details
            .entry("custom")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = custom.as_array_mut() else {
            return Err(CliError::integrity(
                "the item's custom fields are not a list",
            ));
        };
        match list
            .iter_mut()
            .find(|c| c.get("label").and_then(Value::as_str) == Some(label.as_str()))
        {
            Some(c) => c["value"] = Value::String(value),
            None => list.push(json!({"label": label, "value": value, "secret": true})),
        }
        changed.push(label);
    }
    if changed.is_empty() {
        return Err(CliError::usage(
            "nothing to change: give at least one field flag",
        ));
    }
    let base = args.if_revision.unwrap_or(found.item.view.revision);
    let view = write_item(&found, base, &overview, &details).map_err(|e| {
        if e.kind == ExitKind::Conflict {
            CliError::new(
                ExitKind::Conflict,
                format!(
                    "{} changed on the server since revision {base} (stale write refused, nothing was overwritten): run the command again on the current version",
                    args.path
                ),
            )
        } else {
            e
        }
    })?;
    found.item.view = view.clone();
    ctx.out.show(
        || format!("Updated {} ({}): revision {}.", args.path, changed.join(", "), view.revision),
        || json!({"id": view.id, "vault_id": view.vault_id, "revision": view.revision, "changed": changed}),
    );
    Ok(())
}

/// Re-seals an item's parts under its existing item key and writes it with
/// `base_revision` (409 → exit 5 when someone else wrote first).
pub fn write_item(
    found: &Found,
    base_revision: i64,
    overview: &Payload,
    details: &Payload,
) -> CliResult<vaults::ItemView> {
    let vault = &found.synced.vaults[found.vi];
    let blob = vaults::blob_of(&found.item.view).map_err(CliError::integrity)?;
    let new_blob = item::update(
        &vault.key,
        &vault.id,
        &found.item.view.id,
        &blob,
        Some(Value::Object(overview.clone()).to_string().as_bytes()),
        Some(Value::Object(details.clone()).to_string().as_bytes()),
    )
    .map_err(|e| CliError::from_server_data(&format!("item {}", found.item.view.id), &e))?;
    found.client.put(
        &format!("/vaults/{}/items/{}", vault.id, found.item.view.id),
        &json!({"base_revision": base_revision, "envelope": b64u_encode(new_blob.as_bytes())}),
    )
}

pub fn history(ctx: &Ctx, path: &str, field: Option<&str>, reveal: bool) -> CliResult<()> {
    let found = find(ctx, path)?;
    let entries = super::history::open_all(&found)?;
    if let Some(wanted) = field {
        let mut lines = Vec::new();
        for e in &entries {
            if let Some(f) = e.fields.iter().find(|f| f.name == wanted) {
                lines.push(json!({"revision": e.revision, "value": f.value}));
                if !ctx.out.json {
                    crate::output::line(format_args!("{}\t{}", e.revision, f.value));
                }
            }
        }
        if ctx.out.json {
            crate::output::line(format_args!("{}", Value::Array(lines)));
        }
        return Ok(());
    }
    let shown = |f: &payload::Field| !f.secret || reveal;
    ctx.out.show(
        || {
            entries
                .iter()
                .map(|e| {
                    let fields: Vec<String> = e
                        .fields
                        .iter()
                        .map(|f| {
                            let v = if shown(f) {
                                f.value.as_str()
                            } else {
                                "••••••"
                            };
                            format!("  {}: {v}", f.name)
                        })
                        .collect();
                    format!(
                        "revision {} (saved {})\n{}",
                        e.revision,
                        e.created_at,
                        fields.join("\n")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(entries
                .iter()
                .map(|e| {
                    let m: Map<String, Value> = e
                        .fields
                        .iter()
                        .filter(|f| shown(f))
                        .map(|f| (f.name.clone(), Value::String(f.value.clone())))
                        .collect();
                    json!({"revision": e.revision, "created_at": e.created_at, "fields": m})
                })
                .collect::<Vec<_>>())
        },
    );
    Ok(())
}

pub fn list(ctx: &Ctx, path: Option<&str>) -> CliResult<()> {
    let (client, keyring) = ctx.open()?;
    let mut synced = vaults::sync(&client, &keyring)?;
    let (indexes, prefix) = match path {
        Some(p) => {
            let (vault, folder_names) = split_prefix(p)?;
            (vec![synced.vault(vault)?], folder_names.join("/"))
        }
        None => ((0..synced.vaults.len()).collect(), String::new()),
    };
    let mut rows = Vec::new();
    for vi in indexes {
        let folders = folders::open_all(&mut synced, vi);
        let mut items = synced.open_items(vi);
        items.retain(|i| folders::is_under(folders::of_item(&i.overview, &folders), &prefix));
        let vault_name = synced.vaults[vi].name.clone();
        let mut here: Vec<(String, OpenedItem)> = items
            .into_iter()
            .map(|i| {
                let folder = folders::of_item(&i.overview, &folders);
                let full = if folder.is_empty() {
                    format!("{vault_name}/{}", name_of(&i))
                } else {
                    format!("{vault_name}/{folder}/{}", name_of(&i))
                };
                (full, i)
            })
            .collect();
        here.sort_by(|a, b| a.0.cmp(&b.0));
        rows.extend(here);
    }
    ctx.out.show(
        || {
            rows.iter()
                .map(|(p, i)| {
                    let kind = i
                        .overview
                        .get("kind")
                        .and_then(Value::as_str)
                        .unwrap_or("?");
                    format!("{p}\t{kind}\t{}", payload::subtitle(&i.overview))
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        || {
            json!(rows
                .iter()
                .map(|(p, i)| {
                    let fields: Map<String, Value> = payload::fields(&i.overview, None)
                        .into_iter()
                        .map(|f| (f.name, Value::String(f.value)))
                        .collect();
                    json!({"path": p, "vault_id": i.view.vault_id, "id": i.view.id,
                       "revision": i.view.revision, "overview": fields})
                })
                .collect::<Vec<_>>())
        },
    );
    synced.finish()
}

pub fn rm(ctx: &Ctx, path: &str) -> CliResult<()> {
    let found = find(ctx, path)?;
    let view: vaults::ItemView = found.client.post(
        &format!(
            "/vaults/{}/items/{}/trash",
            found.item.view.vault_id, found.item.view.id
        ),
        &json!({ "base_revision": found.item.view.revision }),
    )?;
    ctx.out.show(
        || format!("Moved {path} to the trash."),
        || json!({"id": view.id, "revision": view.revision, "trashed": true}),
    );
    Ok(())
}
