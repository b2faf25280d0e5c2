//! The server's side of the member log (docs/SPEC.md § Member log): every
//! entry is checked by the core's verifier, against the entries already
//! stored, inside the write transaction that applies it, so a user cannot
//! forge one through an honest server either. Entries are public data
//! (signatures, ids, identity statements); no key is involved.

use blindvault::identity::Identity;
use blindvault::member_log::{Anchor, EntryInfo, Roster, MAX_ENTRY_LEN};
use sqlx::Row;

use crate::db::Tx;
use crate::error::{ApiError, ApiResult};

/// The stored log of a vault, oldest first.
pub async fn entries<'e, E>(exec: E, vault: &str) -> Result<Vec<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("SELECT entry FROM member_log WHERE vault_id = $1 ORDER BY n")
        .bind(vault)
        .fetch_all(exec)
        .await?
        .iter()
        .map(|r| r.try_get("entry"))
        .collect()
}

/// The roster of the stored log, or `None` for a vault made before member
/// logs. Stored entries were verified when they were written, so only the
/// rules are replayed (an anchor at the stored head skips their signatures).
pub async fn roster(tx: &mut Tx, vault: &str) -> ApiResult<Option<Roster>> {
    let stored = entries(&mut **tx, vault).await?;
    if stored.is_empty() {
        return Ok(None);
    }
    let texts: Vec<&str> = stored.iter().map(String::as_str).collect();
    let anchor = Anchor {
        len: texts.len() as u64,
        head: blindvault::member_log::hash_of(texts.last().copied().unwrap_or_default()),
    };
    Roster::verify(vault, &texts, Some(&anchor))
        .map(Some)
        .map_err(|e| {
            tracing::error!(vault, error = %e, "stored member log does not verify");
            ApiError::internal()
        })
}

/// Checks `entry` (signature included) against `roster` and stores it.
pub async fn append(tx: &mut Tx, roster: &mut Roster, entry: &str) -> ApiResult<EntryInfo> {
    if entry.len() > MAX_ENTRY_LEN {
        return Err(ApiError::bad_request(
            "field_too_large",
            format!("log_entry exceeds {MAX_ENTRY_LEN} bytes"),
        ));
    }
    let n = roster.len();
    let info = roster.apply(entry).map_err(refused)?;
    sqlx::query("INSERT INTO member_log (vault_id, n, entry, hash) VALUES ($1, $2, $3, $4)")
        .bind(roster.vault_id())
        .bind(i64::try_from(n).unwrap_or(i64::MAX))
        .bind(entry)
        .bind(roster.head())
        .execute(&mut **tx)
        .await?;
    Ok(info)
}

/// A refused entry is the client's fault: 400 with the verifier's reason
/// (an index and a fixed text, nothing from the request).
pub fn refused(e: blindvault::Error) -> ApiError {
    ApiError::bad_request("invalid_log_entry", e.to_string())
}

/// The identity statement the server holds for an account, if any.
pub async fn stored_identity(tx: &mut Tx, account: &str) -> ApiResult<Option<String>> {
    Ok(sqlx::query("SELECT identity FROM accounts WHERE id = $1")
        .bind(account)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get::<Option<String>, _>("identity"))
        .transpose()?
        .flatten())
}

/// An entry may only name an identity that is exactly the one its account
/// published: a client cannot add someone under a key they never had.
pub fn require_published(published: Option<&str>, named: &Identity) -> ApiResult<()> {
    if published == Some(named.as_str()) {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "identity_mismatch",
            "the entry's identity is not the one this account published",
        ))
    }
}

/// 409 for the legacy calls a vault with a member log no longer takes.
pub fn entry_required() -> ApiError {
    ApiError::conflict(
        "log_entry_required",
        "this vault has a member log: the change needs a signed log_entry",
    )
}
