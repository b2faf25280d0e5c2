//! The prologue and epilogue every write inside a vault shares: check the
//! role (a denial is audited), then, inside the write transaction, re-check
//! it (it may have changed meanwhile), do the change, and append the audit
//! entry that commits with it.

use crate::app::AppState;
use crate::audit::{self, vault_chain, Event};
use crate::auth::{authorize, Principal};
use crate::db::group_commit::JobFuture;
use crate::db::write_conn::WriteConn;
use crate::error::ApiResult;
use crate::roles::Role;
use crate::routes::vaults::recheck_in;

/// What is being written: the audit entry's action and object.
pub struct Target {
    pub vault: String,
    pub object: String,
    pub action: &'static str,
    pub min: Role,
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
    authorize(st, who, &t.vault, t.min, t.action, &t.object, &client).await?;
    let who = who.clone();
    st.db
        .write(move |mut w, seq| {
            Box::pin(async move {
                recheck_in(&mut w, &who, &t.vault, t.min).await?;
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
        .await
}
