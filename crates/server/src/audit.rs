//! Append-only audit log, hash-chained per chain ("vault:<id>" or "global").
//!
//! The entry, its hash and the chain's verification are the core's
//! (`blindvault::audit_chain`, SPEC § Audit log): the same code every client
//! runs on what this server sends it, so the two cannot drift apart.

use blindvault::audit_chain::{self, entry_hash};
use serde::Serialize;
use sqlx::Row;

use crate::db::write_conn::{Arg, WriteConn};
use crate::db::{now, Db, Tx};

pub use blindvault::audit_chain::{vault_chain, Entry, GENESIS};

pub struct Event<'a> {
    pub chain: String,
    pub actor: &'a str,
    pub action: &'a str,
    pub object: &'a str,
    pub client: &'a str,
    pub outcome: &'a str,
}

/// The OpenAPI schema of an audit [`Entry`] (the core's type has no utoipa
/// derive); a test keeps its fields those of the core's type.
#[derive(utoipa::ToSchema)]
#[schema(as = Entry)]
#[allow(dead_code)] // read only by the OpenAPI generator
pub struct EntryDoc {
    pub seq: i64,
    pub chain: String,
    pub time: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub client: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Appends inside the caller's write transaction, so the entry commits with
/// the change it describes (or not at all).
pub async fn append(tx: &mut Tx, ev: Event<'_>) -> Result<(), sqlx::Error> {
    append_to(&mut WriteConn::Any(tx), ev).await
}

/// [`append`] on any write connection (group commit's included).
pub async fn append_to(w: &mut WriteConn<'_>, ev: Event<'_>) -> Result<(), sqlx::Error> {
    let seq = w.next_seq().await?;
    let prev: Option<String> = w
        .fetch_optional(
            "SELECT hash FROM audit WHERE chain = $1 ORDER BY seq DESC LIMIT 1",
            &[Arg::Text(&ev.chain)],
            |r| r.text(0),
        )
        .await?;
    let mut e = Entry {
        seq,
        chain: ev.chain,
        time: now(),
        actor: ev.actor.to_string(),
        action: ev.action.to_string(),
        object: ev.object.to_string(),
        client: ev.client.to_string(),
        outcome: ev.outcome.to_string(),
        prev_hash: prev.unwrap_or_else(|| GENESIS.to_string()),
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    w.execute(
        "INSERT INTO audit (seq, chain, time, actor, action, object, client, outcome, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            Arg::Int(e.seq),
            Arg::Text(&e.chain),
            Arg::Int(e.time),
            Arg::Text(&e.actor),
            Arg::Text(&e.action),
            Arg::Text(&e.object),
            Arg::Text(&e.client),
            Arg::Text(&e.outcome),
            Arg::Text(&e.prev_hash),
            Arg::Text(&e.hash),
        ],
    )
    .await?;
    Ok(())
}

/// Appends in its own transaction: for denied requests, which change nothing else.
pub async fn append_alone(db: &Db, ev: Event<'_>) -> Result<(), sqlx::Error> {
    let (mut tx, _) = db.write_tx().await?;
    append(&mut tx, ev).await?;
    tx.commit().await
}

pub async fn read_chain(
    db: &Db,
    chain: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, chain, time, actor, action, object, client, outcome, prev_hash, hash FROM audit \
         WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(chain)
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(row_to_entry).collect()
}

fn row_to_entry(r: &sqlx::any::AnyRow) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        seq: r.try_get("seq")?,
        chain: r.try_get("chain")?,
        time: r.try_get("time")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        object: r.try_get("object")?,
        client: r.try_get("client")?,
        outcome: r.try_get("outcome")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct Verification {
    pub ok: bool,
    pub entries: u64,
    /// The first entry whose hash or back-link does not verify.
    pub first_broken_seq: Option<i64>,
    pub reason: Option<String>,
}

/// Recomputes the whole chain from its genesis.
pub async fn verify_chain(db: &Db, chain: &str) -> Result<Verification, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, chain, time, actor, action, object, client, outcome, prev_hash, hash FROM audit \
         WHERE chain = $1 ORDER BY seq",
    )
    .bind(chain)
    .fetch_all(&db.pool)
    .await?;
    let entries = rows
        .iter()
        .map(row_to_entry)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(check_chain(chain, &entries))
}

/// Verifies the entries of `chain` in seq order from the genesis with the
/// core's verifier; stops at the first that breaks.
pub fn check_chain(chain: &str, entries: &[Entry]) -> Verification {
    match audit_chain::verify(chain, entries, None) {
        Ok(_) => Verification {
            ok: true,
            entries: entries.len() as u64,
            first_broken_seq: None,
            reason: None,
        },
        Err(b) => Verification {
            ok: false,
            entries: b.position as u64,
            first_broken_seq: Some(b.seq),
            reason: Some(b.problem.reason().into()),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde::Deserialize;

    /// The shared vectors (tests/vectors/audit_chain.json, made with Python's
    /// hashlib) through this server's verdict: those without a remembered
    /// head, which only a client has.
    #[test]
    fn chain_vectors() {
        #[derive(Deserialize)]
        struct Fail {
            name: String,
            first_broken_seq: i64,
            entries: Vec<Entry>,
            remembered: Option<serde_json::Value>,
        }
        #[derive(Deserialize)]
        struct Vectors {
            chain: String,
            entries: Vec<Entry>,
            fail_cases: Vec<Fail>,
        }
        let v: Vectors =
            serde_json::from_str(include_str!("../../../tests/vectors/audit_chain.json")).unwrap();
        let ok = check_chain(&v.chain, &v.entries);
        assert!(ok.ok && ok.entries == 3 && ok.first_broken_seq.is_none());
        let mut n = 0;
        for f in v.fail_cases.iter().filter(|f| f.remembered.is_none()) {
            let r = check_chain(&v.chain, &f.entries);
            assert!(!r.ok, "{}", f.name);
            assert_eq!(r.first_broken_seq, Some(f.first_broken_seq), "{}", f.name);
            n += 1;
        }
        assert!(n >= 8);
        assert!(check_chain(&v.chain, &[]).ok);
        // Another vault's entries are refused, however well hashed.
        assert_eq!(
            check_chain("vault:other", &v.entries).first_broken_seq,
            Some(3)
        );
    }

    /// The OpenAPI schema names exactly the fields the core's entry serializes.
    #[test]
    fn entry_schema_matches_the_core_type() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(EntryDoc::schema()).unwrap();
        let mut documented: Vec<String> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let e = Entry {
            seq: 1,
            chain: "global".into(),
            time: 0,
            actor: String::new(),
            action: String::new(),
            object: String::new(),
            client: String::new(),
            outcome: "ok".into(),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        };
        let mut served: Vec<String> = serde_json::to_value(&e)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        documented.sort();
        served.sort();
        assert_eq!(documented, served);
    }
}
