//! Vault members (the access-rights structure) and key rotation.
//!
//! Invite: the client fetches the invitee's public key (`/accounts/lookup`),
//! HPKE-wraps the vault key to it and PUTs the member. Remove: the client then
//! rotates the vault key and sends, in one call, the re-wrapped vault key for
//! every remaining member and token and the re-wrapped item blobs; the server
//! applies all of it in one transaction or none of it.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit::{self, vault_chain, Event};
use crate::auth::{authorize, Principal};
use crate::db::next_seq;
use crate::db::write_conn::WriteConn;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientAddr};
use crate::roles::Role;
use crate::routes::folders::write_folder;
use crate::routes::items::{write_envelope, BaseRevision};
use crate::routes::vaults::{bump_vault, recheck};
use crate::validate::{self, MAX_ITEM_ENVELOPE, MAX_SMALL_ENVELOPE};
use blindvault::member_log::Op;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vaults/{vault}/members", get(list))
        .route(
            "/vaults/{vault}/members/{account}",
            put(upsert).delete(remove),
        )
        .route("/vaults/{vault}/rotate", post(rotate))
        .route("/vaults/{vault}/log", get(log))
        .route("/vaults/{vault}/key", put(own_key))
}

/// The vault's member log, oldest first (every member and token may read it:
/// it is what they verify the roster and the vault key against).
async fn log(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
) -> ApiResult<Json<Value>> {
    validate::id("vault", &vault)?;
    authorize(
        &st,
        &who,
        &vault,
        Role::Read,
        "member.log",
        &format!("vault:{vault}"),
        &client,
    )
    .await?;
    let entries = crate::member_log::entries(&st.db.pool, &vault).await?;
    Ok(Json(json!({ "entries": entries })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnKey {
    /// The caller's own copy of the vault key, re-wrapped under its account
    /// key after it accepted the vault (SPEC § Vault key copies).
    pub wrapped_vault_key: String,
}

/// Replaces the caller's own copy of the vault key; no other row changes.
async fn own_key(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
    ApiJson(req): ApiJson<OwnKey>,
) -> ApiResult<Json<Value>> {
    validate::id("vault", &vault)?;
    validate::envelope(
        "wrapped_vault_key",
        &req.wrapped_vault_key,
        MAX_SMALL_ENVELOPE,
    )?;
    let Principal::Account { id: me, .. } = &who else {
        return Err(ApiError::forbidden(
            "service tokens cannot use this endpoint",
        ));
    };
    let object = format!("member:{vault}/{me}");
    authorize(
        &st,
        &who,
        &vault,
        Role::Read,
        "member.key",
        &object,
        &client,
    )
    .await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Read).await?;
    sqlx::query("UPDATE members SET wrapped_vault_key = $1, seq = $2 WHERE vault_id = $3 AND account_id = $4")
        .bind(&req.wrapped_vault_key)
        .bind(seq)
        .bind(&vault)
        .bind(me)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&vault),
            actor: &who.actor(),
            action: "member.key",
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "vault_id": vault })))
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub account_id: String,
    pub email: String,
    pub role: Role,
    pub public_key: String,
    /// The member's identity statement (null for accounts made before identities).
    pub identity: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
) -> ApiResult<Json<Value>> {
    validate::id("vault", &vault)?;
    authorize(
        &st,
        &who,
        &vault,
        Role::Read,
        "member.list",
        &format!("vault:{vault}"),
        &client,
    )
    .await?;
    let rows = sqlx::query(
        "SELECT m.account_id, a.email, m.role, a.public_key, a.identity FROM members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.vault_id = $1 ORDER BY m.account_id",
    )
    .bind(&vault)
    .fetch_all(&st.db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        out.push(MemberView {
            account_id: r.try_get("account_id")?,
            email: r.try_get("email")?,
            role: Role::parse(&r.try_get::<String, _>("role")?).unwrap_or(Role::Read),
            public_key: r.try_get("public_key")?,
            identity: r.try_get("identity")?,
        });
    }
    Ok(Json(json!({ "members": out })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpsertMember {
    /// The vault's revision this change is based on.
    pub base_revision: i64,
    pub role: Role,
    /// The vault key wrapped for this member (HPKE to their public key).
    /// Required for a new member; a role change keeps the member's copy.
    #[serde(default)]
    pub wrapped_vault_key: Option<String>,
    /// For a vault with a member log: the signed `add` or `role` entry for
    /// this member and role, by the caller.
    #[serde(default)]
    pub log_entry: Option<String>,
}

/// Adds a member or changes a role/wrapped key. Admins manage read/write/admin
/// members; only owners grant, change or take away the owner role.
async fn upsert(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path((vault, account)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpsertMember>,
) -> ApiResult<Json<Value>> {
    validate::id("vault", &vault)?;
    validate::id("account", &account)?;
    if let Some(w) = &req.wrapped_vault_key {
        validate::envelope("wrapped_vault_key", w, MAX_SMALL_ENVELOPE)?;
    }
    let object = format!("member:{vault}/{account}");
    let my_role = authorize(
        &st,
        &who,
        &vault,
        Role::Admin,
        "member.put",
        &object,
        &client,
    )
    .await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Admin).await?;
    let exists = sqlx::query("SELECT 1 AS one FROM accounts WHERE id = $1")
        .bind(&account)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        // Reached only by an admin of this vault (and audited as member.put),
        // so it is not the stranger's enumeration that lookup's decoys close.
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_account",
            "there is no account with that id",
        ));
    }
    let current: Option<String> =
        sqlx::query("SELECT role FROM members WHERE vault_id = $1 AND account_id = $2")
            .bind(&vault)
            .bind(&account)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("role"))
            .transpose()?;
    let touches_owner = req.role == Role::Owner || current.as_deref() == Some("owner");
    if touches_owner && my_role != Role::Owner {
        drop(tx);
        audit::append_alone(
            &st.db,
            Event {
                chain: vault_chain(&vault),
                actor: &who.actor(),
                action: "member.put",
                object: &object,
                client: &client,
                outcome: "denied",
            },
        )
        .await?;
        return Err(ApiError::forbidden(
            "only an owner can grant or change the owner role",
        ));
    }
    if current.as_deref() == Some("owner")
        && req.role != Role::Owner
        && owners(&mut tx, &vault).await? <= 1
    {
        return Err(ApiError::conflict(
            "last_owner",
            "a vault needs at least one owner",
        ));
    }
    let revision = bump_vault(&mut tx, &vault, req.base_revision, seq).await?;
    logged_member_change(
        &mut tx,
        &who,
        &vault,
        &account,
        req.role,
        req.log_entry.as_deref(),
    )
    .await?;
    let wrapped = match (&req.wrapped_vault_key, current.is_some()) {
        (Some(w), _) => w.clone(),
        (None, true) => sqlx::query(
            "SELECT wrapped_vault_key FROM members WHERE vault_id = $1 AND account_id = $2",
        )
        .bind(&vault)
        .bind(&account)
        .fetch_one(&mut *tx)
        .await?
        .try_get("wrapped_vault_key")?,
        (None, false) => {
            return Err(ApiError::bad_request(
                "invalid_envelope",
                "a new member needs wrapped_vault_key",
            ))
        }
    };
    sqlx::query("DELETE FROM members WHERE vault_id = $1 AND account_id = $2")
        .bind(&vault)
        .bind(&account)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO members (vault_id, account_id, role, wrapped_vault_key, seq) VALUES ($1, $2, $3, $4, $5)")
        .bind(&vault)
        .bind(&account)
        .bind(req.role.as_str())
        .bind(&wrapped)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    let action = format!("member.put.{}", req.role.as_str());
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&vault),
            actor: &who.actor(),
            action: &action,
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "vault_id": vault, "account_id": account, "role": req.role, "revision": revision }),
    ))
}

/// For a vault with a member log, the change must come with the caller's
/// signed `add` or `role` entry for exactly this member and role (an `add`
/// naming the identity the account published); it is verified and stored
/// here. A vault without a log takes no entry.
async fn logged_member_change(
    tx: &mut crate::db::Tx,
    who: &Principal,
    vault: &str,
    account: &str,
    role: Role,
    entry: Option<&str>,
) -> ApiResult<()> {
    let roster = crate::member_log::roster(tx, vault).await?;
    let (mut roster, entry) = match (roster, entry) {
        (None, None) => return Ok(()),
        (None, Some(_)) => return Err(no_log()),
        (Some(_), None) => return Err(crate::member_log::entry_required()),
        (Some(r), Some(e)) => (r, e),
    };
    let info = crate::member_log::append(tx, &mut roster, entry).await?;
    let by_caller = matches!(who, Principal::Account { id, .. } if id == info.by.account_id());
    let fits = by_caller
        && info.member.as_deref() == Some(account)
        && matches!(info.op, Op::Add | Op::Role)
        && roster.member(account).map(|m| m.role.as_str()) == Some(role.as_str());
    if !fits {
        return Err(ApiError::bad_request(
            "invalid_log_entry",
            "the entry must be the caller's add or role entry for this member and role",
        ));
    }
    if info.op == Op::Add {
        let published = crate::member_log::stored_identity(tx, account).await?;
        let named = roster
            .member(account)
            .map(|m| &m.identity)
            .ok_or_else(ApiError::internal)?;
        crate::member_log::require_published(published.as_deref(), named)?;
    }
    Ok(())
}

fn no_log() -> ApiError {
    ApiError::bad_request(
        "no_member_log",
        "this vault has no member log; log_entry is not accepted",
    )
}

async fn owners(tx: &mut crate::db::Tx, vault: &str) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM members WHERE vault_id = $1 AND role = 'owner'")
        .bind(vault)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")
}

/// Removes a member (admins; owners for owners; anyone may leave). The client
/// should rotate the vault key next.
async fn remove(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path((vault, account)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<BaseRevision>,
) -> ApiResult<Json<Value>> {
    validate::id("vault", &vault)?;
    validate::id("account", &account)?;
    let object = format!("member:{vault}/{account}");
    let leaving = matches!(&who, Principal::Account { id, .. } if *id == account);
    let min = if leaving { Role::Read } else { Role::Admin };
    let my_role = authorize(&st, &who, &vault, min, "member.remove", &object, &client).await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, min).await?;
    let current: Option<String> =
        sqlx::query("SELECT role FROM members WHERE vault_id = $1 AND account_id = $2")
            .bind(&vault)
            .bind(&account)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("role"))
            .transpose()?;
    let Some(current) = current else {
        return Err(ApiError::not_found("member"));
    };
    // Removal from a vault with a member log is a signed entry and a key
    // rotation in one request (POST /vaults/{v}/rotate with a remove entry).
    if crate::member_log::roster(&mut tx, &vault).await?.is_some() {
        return Err(crate::member_log::entry_required());
    }
    if current == "owner" {
        if my_role != Role::Owner {
            return Err(ApiError::forbidden("only an owner can remove an owner"));
        }
        if owners(&mut tx, &vault).await? <= 1 {
            return Err(ApiError::conflict(
                "last_owner",
                "a vault needs at least one owner",
            ));
        }
    }
    let revision = bump_vault(&mut tx, &vault, q.base_revision, seq).await?;
    sqlx::query("DELETE FROM members WHERE vault_id = $1 AND account_id = $2")
        .bind(&vault)
        .bind(&account)
        .execute(&mut *tx)
        .await?;
    let tseq = next_seq(&mut tx).await?;
    sqlx::query("INSERT INTO tombstones (seq, kind, vault_id, object_id, account_id) VALUES ($1, 'vault', $2, $2, $3)")
        .bind(tseq)
        .bind(&vault)
        .bind(&account)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&vault),
            actor: &who.actor(),
            action: "member.remove",
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "vault_id": vault, "revision": revision })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rewrapped {
    pub base_revision: i64,
    pub envelope: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// The vault revision the client saw when it built the new keys.
    pub base_revision: i64,
    /// account_id → vault key wrapped for that member: exactly the current members.
    pub members: BTreeMap<String, String>,
    /// token_id → vault key wrapped for that service token: exactly the current grants.
    #[serde(default)]
    pub tokens: BTreeMap<String, String>,
    /// item_id → re-wrapped item blob: exactly every item, trashed ones too.
    #[serde(default)]
    pub items: BTreeMap<String, Rewrapped>,
    /// folder_id → folder envelope under the new key: exactly every folder.
    #[serde(default)]
    pub folders: BTreeMap<String, Rewrapped>,
    /// The vault name under the new key.
    pub name: String,
    /// For a vault with a member log: the caller's signed `remove` entry
    /// (the member leaves in this same transaction, and `members` lists
    /// everyone else) or `rotate` entry, committing to the new key.
    #[serde(default)]
    pub log_entry: Option<String>,
}

/// Refuses a rotation that does not re-wrap exactly the vault's current rows
/// of one kind (`sql` selects their ids into `col`): a key left wrapped under
/// the old vault key would stay readable by the member just removed.
async fn require_exactly<V>(
    tx: &mut crate::db::Tx,
    vault: &str,
    what: &str,
    (sql, col): (&str, &str),
    given: &BTreeMap<String, V>,
) -> ApiResult<()> {
    let have: BTreeSet<String> = sqlx::query(sql)
        .bind(vault)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get(col))
        .collect::<Result<_, sqlx::Error>>()?;
    if given.keys().eq(have.iter()) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "rotation_incomplete",
            format!("{what} must list exactly the vault's current {what}; sync and retry"),
        ))
    }
}

async fn rotate(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: Principal,
    Path(vault): Path<String>,
    ApiJson(req): ApiJson<RotateRequest>,
) -> ApiResult<Json<Value>> {
    validate::id("vault", &vault)?;
    validate::envelope("name", &req.name, MAX_SMALL_ENVELOPE)?;
    for (k, v) in req.members.iter().chain(req.tokens.iter()) {
        validate::id("members/tokens key", k)?;
        validate::envelope("wrapped_vault_key", v, MAX_SMALL_ENVELOPE)?;
    }
    for (k, v) in &req.items {
        validate::id("items key", k)?;
        validate::envelope("items envelope", &v.envelope, MAX_ITEM_ENVELOPE)?;
    }
    for (k, v) in &req.folders {
        validate::id("folders key", k)?;
        validate::envelope("folders envelope", &v.envelope, MAX_SMALL_ENVELOPE)?;
    }
    let object = format!("vault:{vault}");
    authorize(
        &st,
        &who,
        &vault,
        Role::Admin,
        "vault.rotate",
        &object,
        &client,
    )
    .await?;
    let (mut tx, seq) = st.db.write_tx().await?;
    recheck(&mut tx, &who, &vault, Role::Admin).await?;
    let revision = bump_vault(&mut tx, &vault, req.base_revision, seq).await?;
    let removed = logged_rotation(&mut tx, &who, &vault, req.log_entry.as_deref()).await?;
    let mut revoked: Vec<String> = Vec::new();
    if let Some(gone) = &removed {
        revoked = remove_with_tokens(&mut tx, &vault, gone, &req.tokens).await?;
        let tseq = next_seq(&mut tx).await?;
        sqlx::query("INSERT INTO tombstones (seq, kind, vault_id, object_id, account_id) VALUES ($1, 'vault', $2, $2, $3)")
            .bind(tseq)
            .bind(&vault)
            .bind(gone)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            Event {
                chain: vault_chain(&vault),
                actor: &who.actor(),
                action: "member.remove",
                object: &format!("member:{vault}/{gone}"),
                client: &client,
                outcome: "ok",
            },
        )
        .await?;
    }
    let members = (
        "SELECT account_id FROM members WHERE vault_id = $1",
        "account_id",
    );
    require_exactly(&mut tx, &vault, "members", members, &req.members).await?;
    let tokens = (
        "SELECT token_id FROM token_grants WHERE vault_id = $1",
        "token_id",
    );
    require_exactly(&mut tx, &vault, "tokens", tokens, &req.tokens).await?;
    let items = ("SELECT id FROM items WHERE vault_id = $1", "id");
    require_exactly(&mut tx, &vault, "items", items, &req.items).await?;
    let folders = ("SELECT id FROM folders WHERE vault_id = $1", "id");
    require_exactly(&mut tx, &vault, "folders", folders, &req.folders).await?;
    sqlx::query("UPDATE vaults SET name = $1 WHERE id = $2")
        .bind(&req.name)
        .bind(&vault)
        .execute(&mut *tx)
        .await?;
    for (account, wrapped) in &req.members {
        sqlx::query("UPDATE members SET wrapped_vault_key = $1, seq = $2 WHERE vault_id = $3 AND account_id = $4")
            .bind(wrapped)
            .bind(seq)
            .bind(&vault)
            .bind(account)
            .execute(&mut *tx)
            .await?;
    }
    for (token, wrapped) in &req.tokens {
        sqlx::query(
            "UPDATE token_grants SET wrapped_vault_key = $1 WHERE vault_id = $2 AND token_id = $3",
        )
        .bind(wrapped)
        .bind(&vault)
        .bind(token)
        .execute(&mut *tx)
        .await?;
    }
    // Any stale item or folder aborts the whole rotation (the transaction is
    // dropped, so nothing above is kept).
    let mut w = WriteConn::Any(&mut tx);
    for (id, it) in &req.items {
        write_envelope(&mut w, &vault, id, it.base_revision, &it.envelope, seq).await?;
    }
    for (id, f) in &req.folders {
        write_folder(&mut w, &vault, id, f.base_revision, &f.envelope, seq).await?;
    }
    // The snapshot is sealed under the old vault key; the client uploads a
    // fresh one (base_revision 0) after the rotation.
    crate::routes::overview_snapshot::delete_snapshot(&mut tx, &vault).await?;
    audit::append(
        &mut tx,
        Event {
            chain: vault_chain(&vault),
            actor: &who.actor(),
            action: "vault.rotate",
            object: &object,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "vault_id": vault, "revision": revision, "removed": removed, "revoked_tokens": revoked }),
    ))
}

/// For a vault with a member log: verifies and stores the caller's `remove`
/// or `rotate` entry; returns the removed member.
async fn logged_rotation(
    tx: &mut crate::db::Tx,
    who: &Principal,
    vault: &str,
    entry: Option<&str>,
) -> ApiResult<Option<String>> {
    let (mut roster, entry) = match (crate::member_log::roster(tx, vault).await?, entry) {
        (None, None) => return Ok(None),
        (None, Some(_)) => return Err(no_log()),
        (Some(_), None) => return Err(crate::member_log::entry_required()),
        (Some(r), Some(e)) => (r, e),
    };
    let info = crate::member_log::append(tx, &mut roster, entry).await?;
    let by_caller = matches!(who, Principal::Account { id, .. } if id == info.by.account_id());
    if !by_caller || !matches!(info.op, Op::Remove | Op::Rotate) {
        return Err(ApiError::bad_request(
            "invalid_log_entry",
            "a rotation takes the caller's remove or rotate entry",
        ));
    }
    Ok(if info.op == Op::Remove {
        info.member
    } else {
        None
    })
}

/// Removes `gone` and settles the vault's service tokens in the same
/// transaction: a token keeps its grant only if the rotation re-wraps the new
/// key for it (`tokens`) and it was not made by the removed member; every other
/// grant on this vault is revoked. Returns the revoked token ids.
async fn remove_with_tokens(
    tx: &mut crate::db::Tx,
    vault: &str,
    gone: &str,
    rewrapped: &BTreeMap<String, String>,
) -> ApiResult<Vec<String>> {
    sqlx::query("DELETE FROM members WHERE vault_id = $1 AND account_id = $2")
        .bind(vault)
        .bind(gone)
        .execute(&mut **tx)
        .await?;
    let grants = sqlx::query(
        "SELECT g.token_id, t.created_by FROM token_grants g JOIN service_tokens t ON t.id = g.token_id \
         WHERE g.vault_id = $1 ORDER BY g.token_id",
    )
    .bind(vault)
    .fetch_all(&mut **tx)
    .await?;
    let mut revoked = Vec::new();
    for g in grants {
        let id: String = g.try_get("token_id")?;
        let by: String = g.try_get("created_by")?;
        if by == gone && rewrapped.contains_key(&id) {
            return Err(ApiError::conflict(
                "rotation_incomplete",
                "a token made by the removed member cannot keep its grant",
            ));
        }
        if by == gone || !rewrapped.contains_key(&id) {
            sqlx::query("DELETE FROM token_grants WHERE vault_id = $1 AND token_id = $2")
                .bind(vault)
                .bind(&id)
                .execute(&mut **tx)
                .await?;
            revoked.push(id);
        }
    }
    Ok(revoked)
}
