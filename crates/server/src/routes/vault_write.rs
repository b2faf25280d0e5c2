//! The prologue and epilogue every write inside a vault shares: check the
//! role inside the write transaction, do the change, and append the audit
//! entry that commits with it. A denial is answered (and audited) by
//! [`authorize`], called only once the in-transaction check failed: the
//! check that decides is the one inside the transaction, and a permitted
//! write (nearly all of them) costs no separate read before it (one round
//! trip to a database thread less per write, docs/BENCHMARKS.md § Server,
//! 2026-12-03).

use axum::http::StatusCode;

use crate::app::AppState;
use crate::audit::{self, vault_chain, Event};
use crate::auth::{authorize, role_in_tx, Principal};
use crate::db::group_commit::JobFuture;
use crate::db::write_conn::WriteConn;
use crate::error::{ApiError, ApiResult};
use crate::roles::Role;

/// What is being written: the audit entry's action and object.
pub struct Target {
    pub vault: String,
    pub object: String,
    pub action: &'static str,
    pub min: Role,
}

/// The code of the error a job returns when the role check inside the
/// transaction fails; [`vault_write`] replaces it, no client ever sees it.
const ROLE_DENIED: &str = "role_denied_in_write";

fn role_denied() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, ROLE_DENIED, "role check failed")
}

/// Runs `change(conn, seq)` for `who` once it holds at least `t.min` in
/// `t.vault`; its Err (409, 404...) rolls back the change and its audit entry.
pub async fn vault_write<T, F>(
    st: &AppState,
    who: &Principal,
    client: String,
    t: Target,
    change: F,
) -> ApiResult<T>
where
    T: Send + 'static,
    F: for<'c> FnOnce(WriteConn<'c>, i64) -> JobFuture<'c, T> + Send + 'static,
{
    let (vault, action, object, min) = (t.vault.clone(), t.action, t.object.clone(), t.min);
    let audit_client = client.clone();
    let actor = who;
    let who = who.clone();
    let r = st
        .db
        .write(move |mut w, seq| {
            Box::pin(async move {
                match role_in_tx(&mut w, &who, &t.vault).await? {
                    Some(r) if r >= t.min => {}
                    _ => return Err(role_denied()),
                }
                let v = change(w.reborrow(), seq).await?;
                audit::append_to(
                    &mut w,
                    Event {
                        chain: vault_chain(&t.vault),
                        actor: &who.actor(),
                        action: t.action,
                        object: &t.object,
                        client: &client,
                        outcome: "ok",
                    },
                )
                .await?;
                Ok(v)
            })
        })
        .await;
    match r {
        Err(e) if e.code == ROLE_DENIED => {
            // Rolled back; authorize answers 404 or 403 and audits the
            // denial. If the role was granted in between, the write still
            // did not happen: the answer of the old two-check code.
            authorize(st, actor, &vault, min, action, &object, &audit_client).await?;
            Err(ApiError::forbidden("your role in this vault changed"))
        }
        r => r,
    }
}
