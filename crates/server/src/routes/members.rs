//! Vault members (the access-rights structure) and key rotation.
//!
//! Invite: the client fetches the invitee's public key (`/accounts/lookup`),
//! HPKE-wraps the vault key to it and PUTs the member. Remove: the client then
//! rotates the vault key and sends, in one call, the re-wrapped vault key for
//! every remaining member and token and the re-wrapped item blobs; the server
//! applies all of it in one transaction or none of it.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
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

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/vaults/{vault}/members", get(list))
        .route(
            "/vaults/{vault}/members/{account}",
            put(upsert).delete(remove),
        )
        .route("/vaults/{vault}/rotate", post(rotate))
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub account_id: String,
    pub email: String,
    pub role: Role,
    pub public_key: String,
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
        "SELECT m.account_id, a.email, m.role, a.public_key FROM members m JOIN accounts a ON a.id = m.account_id \
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
    pub wrapped_vault_key: String,
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
    validate::envelope(
        "wrapped_vault_key",
        &req.wrapped_vault_key,
        MAX_SMALL_ENVELOPE,
    )?;
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
        return Err(ApiError::not_found("account"));
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
    sqlx::query("DELETE FROM members WHERE vault_id = $1 AND account_id = $2")
        .bind(&vault)
        .bind(&account)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO members (vault_id, account_id, role, wrapped_vault_key, seq) VALUES ($1, $2, $3, $4, $5)")
        .bind(&vault)
        .bind(&account)
        .bind(req.role.as_str())
        .bind(&req.wrapped_vault_key)
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
    Ok(Json(json!({ "vault_id": vault, "revision": revision })))
}
