//! Accounts: register, prelogin, login/logout, change master password, delete,
//! public-key lookup.
//!
//! The server stores SHA-256(auth_key), not a slow hash: auth_key is 32 bytes
//! from HKDF over the PBKDF2 output (≥ 600 000 iterations), so it has 256 bits
//! of entropy and a fast hash is already preimage-resistant; the password's
//! work factor lives on the client, and a leaked hash lets nobody test a
//! password guess more cheaply than the full KDF (DESIGN.md threat model 3).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::Row;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit::{self, Event};
use crate::auth::AccountAuth;
use crate::db::{now, Db};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ClientAddr};
use crate::validate::{self, b64u, b64u_exact, random_bytes, sha256_hex, MAX_SMALL_ENVELOPE};

/// The client's floor (DESIGN.md, OWASP 2023 PBKDF2-HMAC-SHA256 advice) and a
/// ceiling so a hostile registration cannot make every login stall clients.
pub const MIN_ITERATIONS: u64 = 600_000;
pub const MAX_ITERATIONS: u64 = 10_000_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", post(register))
        .route("/accounts/prelogin", post(prelogin))
        .route("/accounts/login", post(login))
        .route("/accounts/logout", post(logout))
        .route("/accounts/me", get(me).delete(delete_account))
        .route("/accounts/me/password", post(change_password))
        .route("/accounts/lookup", post(lookup))
        .route("/accounts/me/identity", put(put_identity))
        .route(
            "/accounts/me/vault-list",
            get(get_vault_list).put(put_vault_list),
        )
        .route("/accounts/sessions", delete(logout_everywhere))
}

#[derive(Deserialize, Serialize, Clone, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Kdf {
    /// Only "pbkdf2-sha256".
    pub alg: String,
    pub iterations: u64,
    /// 16 bytes, unpadded base64url.
    pub salt: String,
}

impl Kdf {
    fn check(&self) -> ApiResult<()> {
        if self.alg != "pbkdf2-sha256" {
            return Err(ApiError::bad_request(
                "unsupported_kdf",
                "kdf.alg must be \"pbkdf2-sha256\"",
            ));
        }
        if self.iterations < MIN_ITERATIONS {
            return Err(ApiError::bad_request(
                "kdf_too_weak",
                format!("kdf.iterations must be at least {MIN_ITERATIONS}"),
            ));
        }
        if self.iterations > MAX_ITERATIONS {
            return Err(ApiError::bad_request(
                "kdf_too_expensive",
                format!("kdf.iterations must be at most {MAX_ITERATIONS}"),
            ));
        }
        b64u_exact("kdf.salt", &self.salt, 16)?;
        Ok(())
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    pub account_id: String,
    pub email: String,
    pub kdf: Kdf,
    pub wrapped_account_key: String,
    /// X25519 public key, 32 bytes base64url.
    pub public_key: String,
    pub wrapped_private_key: String,
    /// 32 bytes base64url; only its SHA-256 is stored.
    pub auth_key: String,
    /// The account's identity statement (SPEC § Identities); with it,
    /// `wrapped_signing_key`. Both absent: an account without an identity yet.
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub wrapped_signing_key: Option<String>,
}

/// Checks that an identity statement is self-signed and names exactly this
/// account: its id, its (normalized) email and its X25519 public key.
fn check_identity(
    identity: &str,
    wrapped_signing_key: &str,
    account_id: &str,
    email: &str,
    public_key: &str,
) -> ApiResult<()> {
    validate::envelope(
        "wrapped_signing_key",
        wrapped_signing_key,
        MAX_SMALL_ENVELOPE,
    )?;
    let id = blindvault::identity::Identity::parse(identity)
        .map_err(|e| ApiError::bad_request("invalid_identity", e.to_string()))?;
    if id.account_id() != account_id
        || id.email() != email
        || blindvault::encoding::b64u_encode(id.x25519()) != public_key
    {
        return Err(ApiError::bad_request(
            "invalid_identity",
            "the identity must name this account's id, email and public key",
        ));
    }
    Ok(())
}

async fn register(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    validate::id("account_id", &req.account_id)?;
    let email = validate::email(&req.email)?;
    req.kdf.check()?;
    validate::envelope(
        "wrapped_account_key",
        &req.wrapped_account_key,
        MAX_SMALL_ENVELOPE,
    )?;
    validate::envelope(
        "wrapped_private_key",
        &req.wrapped_private_key,
        MAX_SMALL_ENVELOPE,
    )?;
    b64u_exact("public_key", &req.public_key, 32)?;
    let auth = b64u_exact("auth_key", &req.auth_key, 32)?;
    match (&req.identity, &req.wrapped_signing_key) {
        (None, None) => {}
        (Some(i), Some(w)) => check_identity(i, w, &req.account_id, &email, &req.public_key)?,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_identity",
                "identity and wrapped_signing_key go together",
            ))
        }
    }
    let (mut tx, _) = st.db.write_tx().await?;
    // The id is checked first and alone: a taken id is 409 whatever the
    // email, so the answer for a given id never depends on the email.
    let id_taken = sqlx::query("SELECT 1 AS one FROM accounts WHERE id = $1")
        .bind(&req.account_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if id_taken {
        return Err(ApiError::conflict(
            "account_id_taken",
            "this account id is taken; choose another random id",
        ));
    }
    // A taken email gets the same 201 as a new account, and nothing about
    // the existing account changes: answering 409 would tell anyone which
    // emails have accounts. The registrant learns it at login, which fails
    // like a wrong password (prelogin hands out the real account's salt).
    // Both paths commit one audit entry, so they also cost the same fsync.
    let email_taken = sqlx::query("SELECT 1 AS one FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    let outcome = if email_taken { "email_taken" } else { "ok" };
    if !email_taken {
        sqlx::query(
            "INSERT INTO accounts (id, email, kdf_alg, kdf_iterations, kdf_salt, wrapped_account_key, public_key, \
             wrapped_private_key, auth_hash, created_at, identity, wrapped_signing_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&req.account_id)
        .bind(&email)
        .bind(&req.kdf.alg)
        .bind(i64::try_from(req.kdf.iterations).unwrap_or(i64::MAX))
        .bind(&req.kdf.salt)
        .bind(&req.wrapped_account_key)
        .bind(&req.public_key)
        .bind(&req.wrapped_private_key)
        .bind(sha256_hex(&auth))
        .bind(now())
        .bind(&req.identity)
        .bind(&req.wrapped_signing_key)
        .execute(&mut *tx)
        .await?;
    }
    let actor = format!("account:{}", req.account_id);
    audit::append(
        &mut tx,
        Event {
            chain: "global".into(),
            actor: &actor,
            action: "account.register",
            object: &actor,
            client: &client,
            outcome,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "account_id": req.account_id })),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreloginRequest {
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct PreloginResponse {
    pub account_id: String,
    pub kdf: Kdf,
}

pub async fn load_or_create_prelogin_secret(db: &Db) -> Result<[u8; 32], sqlx::Error> {
    let (mut tx, _) = db.write_tx().await?;
    let row = sqlx::query("SELECT v FROM meta WHERE k = 'prelogin_secret'")
        .fetch_optional(&mut *tx)
        .await?;
    let hex_secret = match row {
        Some(r) => r.try_get::<String, _>("v")?,
        None => {
            let mut s = [0u8; 32];
            getrandom::fill(&mut s)
                .map_err(|e| sqlx::Error::Protocol(format!("getrandom: {e}")))?;
            let h = hex::encode(s);
            sqlx::query("INSERT INTO meta (k, v) VALUES ('prelogin_secret', $1)")
                .bind(&h)
                .execute(&mut *tx)
                .await?;
            h
        }
    };
    tx.commit().await?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_secret, &mut out)
        .map_err(|_| sqlx::Error::Protocol("corrupt prelogin secret".into()))?;
    Ok(out)
}

/// HMAC-SHA-256(server secret, label || 0 || email): stable made-up values
/// for emails without an account.
fn made_up_tag(secret: &[u8; 32], label: &str, email: &str) -> ApiResult<[u8; 32]> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| ApiError::internal())?;
    mac.update(label.as_bytes());
    mac.update(&[0]);
    mac.update(email.as_bytes());
    Ok(mac.finalize().into_bytes().into())
}

fn made_up(secret: &[u8; 32], label: &str, email: &str) -> ApiResult<[u8; 16]> {
    let tag = made_up_tag(secret, label, email)?;
    let mut out = [0u8; 16];
    out.copy_from_slice(tag.get(..16).ok_or_else(ApiError::internal)?);
    Ok(out)
}

/// Unknown emails get an answer of identical shape that is stable for that
/// email: account_id and salt are HMAC(server secret, label || 0 || email),
/// iterations the floor (what clients register with by default).
async fn prelogin(
    State(st): State<AppState>,
    ApiJson(req): ApiJson<PreloginRequest>,
) -> ApiResult<Json<PreloginResponse>> {
    let email = validate::email(&req.email)?;
    let row =
        sqlx::query("SELECT id, kdf_alg, kdf_iterations, kdf_salt FROM accounts WHERE email = $1")
            .bind(&email)
            .fetch_optional(&st.db.pool)
            .await?;
    let resp = match row {
        Some(r) => PreloginResponse {
            account_id: r.try_get("id")?,
            kdf: Kdf {
                alg: r.try_get("kdf_alg")?,
                iterations: u64::try_from(r.try_get::<i64, _>("kdf_iterations")?)
                    .unwrap_or(MIN_ITERATIONS),
                salt: r.try_get("kdf_salt")?,
            },
        },
        None => PreloginResponse {
            account_id: b64u(&made_up(&st.prelogin_secret, "account-id", &email)?),
            kdf: Kdf {
                alg: "pbkdf2-sha256".into(),
                iterations: MIN_ITERATIONS,
                salt: b64u(&made_up(&st.prelogin_secret, "salt", &email)?),
            },
        },
    };
    Ok(Json(resp))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub account_id: String,
    pub auth_key: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccountKeys {
    pub account_id: String,
    pub email: String,
    pub kdf: Kdf,
    pub wrapped_account_key: String,
    pub public_key: String,
    pub wrapped_private_key: String,
    /// The identity statement and the wrapped Ed25519 signing key (null for
    /// an account made before identities; its client uploads them).
    pub identity: Option<String>,
    pub wrapped_signing_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token; 32 random bytes base64url. Only its SHA-256 is stored.
    pub token: String,
    pub expires_at: i64,
    pub account: AccountKeys,
}

async fn account_row(db: &Db, id: &str) -> ApiResult<Option<(AccountKeys, String)>> {
    let row = sqlx::query(
        "SELECT id, email, kdf_alg, kdf_iterations, kdf_salt, wrapped_account_key, public_key, wrapped_private_key, \
         auth_hash, identity, wrapped_signing_key FROM accounts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some((
        AccountKeys {
            account_id: r.try_get("id")?,
            email: r.try_get("email")?,
            kdf: Kdf {
                alg: r.try_get("kdf_alg")?,
                iterations: u64::try_from(r.try_get::<i64, _>("kdf_iterations")?)
                    .unwrap_or(MIN_ITERATIONS),
                salt: r.try_get("kdf_salt")?,
            },
            wrapped_account_key: r.try_get("wrapped_account_key")?,
            public_key: r.try_get("public_key")?,
            wrapped_private_key: r.try_get("wrapped_private_key")?,
            identity: r.try_get("identity")?,
            wrapped_signing_key: r.try_get("wrapped_signing_key")?,
        },
        r.try_get("auth_hash")?,
    )))
}

/// Constant-time check of a presented auth key against the stored hash.
fn auth_matches(presented: &[u8], stored_hex: &str) -> bool {
    bool::from(
        sha256_hex(presented)
            .as_bytes()
            .ct_eq(stored_hex.as_bytes()),
    )
}

async fn login(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    validate::id("account_id", &req.account_id)?;
    let auth = b64u_exact("auth_key", &req.auth_key, 32)?;
    st.limiter
        .check(&req.account_id, &client)
        .map_err(ApiError::too_many)?;
    let found = account_row(&st.db, &req.account_id).await?;
    // An unknown account still costs one hash and one comparison.
    let stored = found
        .as_ref()
        .map(|(_, h)| h.as_str())
        .unwrap_or(audit::GENESIS);
    let ok = auth_matches(&auth, stored) && found.is_some();
    let actor = format!("account:{}", req.account_id);
    let Some((keys, _)) = found.filter(|_| ok) else {
        st.limiter.record_failure(&req.account_id, &client);
        audit::append_alone(
            &st.db,
            Event {
                chain: "global".into(),
                actor: &actor,
                action: "account.login",
                object: &actor,
                client: &client,
                outcome: "denied",
            },
        )
        .await?;
        return Err(ApiError::unauthorized());
    };
    st.limiter.record_success(&req.account_id, &client);
    let token = b64u(&random_bytes::<32>()?);
    let expires_at = now() + st.settings.session_ttl_secs;
    let (mut tx, _) = st.db.write_tx().await?;
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now())
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(sha256_hex(token.as_bytes()))
        .bind(&req.account_id)
        .bind(now())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        Event {
            chain: "global".into(),
            actor: &actor,
            action: "account.login",
            object: &actor,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        account: keys,
    }))
}

async fn logout(State(st): State<AppState>, who: AccountAuth) -> ApiResult<StatusCode> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&who.token_hash)
        .execute(&st.db.pool)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn logout_everywhere(State(st): State<AppState>, who: AccountAuth) -> ApiResult<StatusCode> {
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(&who.id)
        .execute(&st.db.pool)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(State(st): State<AppState>, who: AccountAuth) -> ApiResult<Json<AccountKeys>> {
    let (keys, _) = account_row(&st.db, &who.id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(keys))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current auth key, proving the caller knows the current password.
    pub auth_key: String,
    pub new_kdf: Kdf,
    pub new_wrapped_account_key: String,
    pub new_auth_key: String,
}

/// One transaction swaps KDF parameters, wrapped account key and auth hash,
/// conditioned on the old auth hash; then every other session is revoked.
async fn change_password(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: AccountAuth,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    let old = b64u_exact("auth_key", &req.auth_key, 32)?;
    req.new_kdf.check()?;
    validate::envelope(
        "new_wrapped_account_key",
        &req.new_wrapped_account_key,
        MAX_SMALL_ENVELOPE,
    )?;
    let new = b64u_exact("new_auth_key", &req.new_auth_key, 32)?;
    st.limiter
        .check(&who.id, &client)
        .map_err(ApiError::too_many)?;
    let (_, stored) = account_row(&st.db, &who.id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let actor = format!("account:{}", who.id);
    if !auth_matches(&old, &stored) {
        st.limiter.record_failure(&who.id, &client);
        audit::append_alone(
            &st.db,
            Event {
                chain: "global".into(),
                actor: &actor,
                action: "account.password",
                object: &actor,
                client: &client,
                outcome: "denied",
            },
        )
        .await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_auth_key",
            "the current auth key is wrong",
        ));
    }
    let (mut tx, _) = st.db.write_tx().await?;
    let changed = sqlx::query(
        "UPDATE accounts SET kdf_alg = $1, kdf_iterations = $2, kdf_salt = $3, wrapped_account_key = $4, auth_hash = $5 \
         WHERE id = $6 AND auth_hash = $7",
    )
    .bind(&req.new_kdf.alg)
    .bind(i64::try_from(req.new_kdf.iterations).unwrap_or(i64::MAX))
    .bind(&req.new_kdf.salt)
    .bind(&req.new_wrapped_account_key)
    .bind(sha256_hex(&new))
    .bind(&who.id)
    .bind(&stored)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed != 1 {
        return Err(ApiError::conflict(
            "concurrent_change",
            "the password was changed concurrently; log in again",
        ));
    }
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(&who.id)
        .bind(&who.token_hash)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        Event {
            chain: "global".into(),
            actor: &actor,
            action: "account.password",
            object: &actor,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    pub auth_key: String,
}

/// Deletes the account, its sessions and memberships, and every vault where it
/// is the only member. Refused (409) while it is the last owner of a vault
/// others still use: transfer ownership first, nobody's data vanishes.
async fn delete_account(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: AccountAuth,
    ApiJson(req): ApiJson<DeleteAccountRequest>,
) -> ApiResult<StatusCode> {
    let key = b64u_exact("auth_key", &req.auth_key, 32)?;
    let (_, stored) = account_row(&st.db, &who.id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    if !auth_matches(&key, &stored) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "wrong_auth_key",
            "the current auth key is wrong",
        ));
    }
    let (mut tx, seq) = st.db.write_tx().await?;
    let vaults = sqlx::query("SELECT vault_id, role FROM members WHERE account_id = $1")
        .bind(&who.id)
        .fetch_all(&mut *tx)
        .await?;
    let mut sole: Vec<String> = Vec::new();
    let mut shared: Vec<String> = Vec::new();
    for v in &vaults {
        let vid: String = v.try_get("vault_id")?;
        let others: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM members WHERE vault_id = $1 AND account_id <> $2",
        )
        .bind(&vid)
        .bind(&who.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let other_owners: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM members WHERE vault_id = $1 AND account_id <> $2 AND role = 'owner'")
                .bind(&vid)
                .bind(&who.id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
        if others == 0 {
            sole.push(vid);
            continue;
        }
        // A member log lists the account until an admin signs its removal.
        if crate::member_log::roster(&mut tx, &vid).await?.is_some() {
            return Err(ApiError::conflict(
                "shared_vaults",
                "the account is a member of a shared vault: ask an admin to remove it first",
            ));
        }
        shared.push(vid);
        if v.try_get::<String, _>("role")? == "owner" && other_owners == 0 {
            return Err(ApiError::conflict(
                "last_owner",
                "the account is the last owner of a shared vault",
            ));
        }
    }
    let mut files = Vec::new();
    for vid in &sole {
        files.extend(crate::routes::vaults::delete_vault_rows(&mut tx, vid).await?);
    }
    let actor = format!("account:{}", who.id);
    // Shared vaults lose a member: bump their revision (clients see the
    // change and should rotate the vault key, as after any removal) and
    // record it in each vault's own chain.
    for vid in &shared {
        sqlx::query("UPDATE vaults SET revision = revision + 1, seq = $1 WHERE id = $2")
            .bind(seq)
            .bind(vid)
            .execute(&mut *tx)
            .await?;
        let object = format!("member:{vid}/{}", who.id);
        audit::append(
            &mut tx,
            Event {
                chain: crate::audit::vault_chain(vid),
                actor: &actor,
                action: "member.remove.account_deleted",
                object: &object,
                client: &client,
                outcome: "ok",
            },
        )
        .await?;
    }
    for (sql, _) in [
        ("DELETE FROM members WHERE account_id = $1", 0),
        ("DELETE FROM sessions WHERE account_id = $1", 0),
        ("DELETE FROM shares WHERE owner = $1", 0),
        ("DELETE FROM share_requests WHERE owner = $1", 0),
        ("DELETE FROM vault_lists WHERE account_id = $1", 0),
        ("DELETE FROM accounts WHERE id = $1", 0),
    ] {
        sqlx::query(sql).bind(&who.id).execute(&mut *tx).await?;
    }
    audit::append(
        &mut tx,
        Event {
            chain: "global".into(),
            actor: &actor,
            action: "account.delete",
            object: &actor,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    crate::routes::attachments::remove_files(&st.settings.data_dir, files).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct LookupResponse {
    pub account_id: String,
    pub public_key: String,
    /// The account's identity statement (null for an account without one yet).
    pub identity: Option<String>,
}

/// The invitee's public key, for HPKE-wrapping a vault key. Logged-in callers
/// only; the client pins the key's fingerprint on first use. Each caller has
/// `lookups_per_account` per 15 minutes (429 beyond), and every lookup is an
/// audit entry naming the account found, never the email.
///
/// An email without an account gets a decoy of identical shape, stable per
/// email: prelogin's made-up account id and an identity from
/// [`blindvault::identity::decoy`], so the answer never tells the caller
/// whether the email exists (SPEC § Account lookup). The decoy is computed
/// on every call, so both answers cost the same.
async fn lookup(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: AccountAuth,
    ApiJson(req): ApiJson<LookupRequest>,
) -> ApiResult<Json<LookupResponse>> {
    let actor = format!("account:{}", who.id);
    st.lookup_limiter
        .hit(&actor)
        .map_err(|secs| ApiError::rate_limited(secs, "too many account lookups; retry later"))?;
    let email = validate::email(&req.email)?;
    let decoy = decoy_lookup(&st.prelogin_secret, &email)?;
    let row = sqlx::query("SELECT id, public_key, identity FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&st.db.pool)
        .await?;
    let found = match &row {
        Some(r) => Some(format!("account:{}", r.try_get::<String, _>("id")?)),
        None => None,
    };
    audit::append_alone(
        &st.db,
        Event {
            chain: "global".into(),
            actor: &actor,
            action: "account.lookup",
            object: found.as_deref().unwrap_or("lookup"),
            client: &client,
            outcome: if found.is_some() { "ok" } else { "not_found" },
        },
    )
    .await?;
    let Some(row) = row else {
        return Ok(Json(decoy));
    };
    Ok(Json(LookupResponse {
        account_id: row.try_get("id")?,
        public_key: row.try_get("public_key")?,
        identity: row.try_get("identity")?,
    }))
}

fn decoy_lookup(secret: &[u8; 32], email: &str) -> ApiResult<LookupResponse> {
    let account_id = b64u(&made_up(secret, "account-id", email)?);
    let seed = zeroize::Zeroizing::new(made_up_tag(secret, "lookup-decoy", email)?);
    let identity =
        blindvault::identity::decoy(&seed, &account_id, email).map_err(|_| ApiError::internal())?;
    Ok(LookupResponse {
        public_key: b64u(identity.x25519()),
        identity: Some(identity.as_str().to_owned()),
        account_id,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityUpload {
    pub identity: String,
    pub wrapped_signing_key: String,
}

/// Publishes the identity of an account made before identities. Once only:
/// an identity is what others pin, so it is never replaced (409).
async fn put_identity(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    who: AccountAuth,
    ApiJson(req): ApiJson<IdentityUpload>,
) -> ApiResult<StatusCode> {
    let (keys, _) = account_row(&st.db, &who.id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    check_identity(
        &req.identity,
        &req.wrapped_signing_key,
        &who.id,
        &keys.email,
        &keys.public_key,
    )?;
    let (mut tx, _) = st.db.write_tx().await?;
    let n = sqlx::query(
        "UPDATE accounts SET identity = $1, wrapped_signing_key = $2 WHERE id = $3 AND identity IS NULL",
    )
    .bind(&req.identity)
    .bind(&req.wrapped_signing_key)
    .bind(&who.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(ApiError::conflict(
            "identity_exists",
            "this account already has an identity",
        ));
    }
    let actor = format!("account:{}", who.id);
    audit::append(
        &mut tx,
        Event {
            chain: "global".into(),
            actor: &actor,
            action: "account.identity",
            object: &actor,
            client: &client,
            outcome: "ok",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VaultListBody {
    /// `revision` in answers; `base_revision` (0 for none yet) in a PUT.
    #[serde(default)]
    pub revision: Option<i64>,
    #[serde(default)]
    pub base_revision: Option<i64>,
    /// The list sealed under the account key (SPEC § Vault list).
    pub envelope: String,
}

async fn get_vault_list(State(st): State<AppState>, who: AccountAuth) -> ApiResult<Json<Value>> {
    let row = sqlx::query("SELECT revision, envelope FROM vault_lists WHERE account_id = $1")
        .bind(&who.id)
        .fetch_optional(&st.db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("vault list"))?;
    Ok(Json(json!({
        "revision": row.try_get::<i64, _>("revision")?,
        "envelope": row.try_get::<String, _>("envelope")?,
    })))
}

/// Replaces the list if the stored revision is `base_revision` (0: none yet).
async fn put_vault_list(
    State(st): State<AppState>,
    who: AccountAuth,
    ApiJson(req): ApiJson<VaultListBody>,
) -> ApiResult<Json<Value>> {
    validate::envelope("envelope", &req.envelope, MAX_SMALL_ENVELOPE * 4)?;
    let base = req
        .base_revision
        .ok_or_else(|| ApiError::bad_request("invalid_request", "base_revision is required"))?;
    let (mut tx, _) = st.db.write_tx().await?;
    let n = if base == 0 {
        let exists = sqlx::query("SELECT 1 AS one FROM vault_lists WHERE account_id = $1")
            .bind(&who.id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if exists {
            0
        } else {
            sqlx::query("INSERT INTO vault_lists (account_id, revision, envelope, updated_at) VALUES ($1, 1, $2, $3)")
                .bind(&who.id)
                .bind(&req.envelope)
                .bind(now())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }
    } else {
        sqlx::query("UPDATE vault_lists SET revision = revision + 1, envelope = $1, updated_at = $2 WHERE account_id = $3 AND revision = $4")
            .bind(&req.envelope)
            .bind(now())
            .bind(&who.id)
            .bind(base)
            .execute(&mut *tx)
            .await?
            .rows_affected()
    };
    if n != 1 {
        let current: Option<i64> =
            sqlx::query("SELECT revision FROM vault_lists WHERE account_id = $1")
                .bind(&who.id)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("revision"))
                .transpose()?;
        return Err(ApiError::stale(json!({ "revision": current.unwrap_or(0) })));
    }
    tx.commit().await?;
    Ok(Json(json!({ "revision": base + 1 })))
}
