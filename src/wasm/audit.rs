//! The audit log's hash chain for JavaScript: one call over
//! `crate::audit_chain::verify` (SPEC § Audit log). Only in `pkg/`
//! (`js-extras`): the web vault loads it when an audit log is opened, and the
//! entries and heads are public data, so a second module instance is enough.

use crate::audit_chain::{self, Entry, Head};
use wasm_bindgen::prelude::*;

use super::convert::{from_js, to_js};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** An audit entry as GET /vaults/{vault}/audit serves it. */
export interface AuditEntry {
  seq: number; chain: string; time: number; actor: string; action: string;
  object: string; client: string; outcome: string; prev_hash: string; hash: string;
}
/** The last entry a device verified: what it remembers of a chain. */
export interface AuditHead { seq: number; hash: string }
export type AuditProblem = "other_chain" | "out_of_order" | "prev_hash_mismatch" |
  "hash_mismatch" | "head_changed" | "head_missing";
/** `head` to remember (null: empty chain), or the first entry that breaks it (1-based `position`). */
export type AuditVerdict = { ok: true; head: AuditHead | null } |
  { ok: false; position: number; seq: number; problem: AuditProblem; reason: string };
"#;

#[derive(serde::Serialize)]
#[serde(untagged)]
enum Verdict {
    Ok {
        ok: bool,
        head: Option<Head>,
    },
    Broken {
        ok: bool,
        position: usize,
        seq: i64,
        problem: &'static str,
        reason: &'static str,
    },
}

/// Verifies a vault's whole audit chain (oldest first) against the head
/// this device verified before, if any.
#[wasm_bindgen(js_name = verifyAuditChain, unchecked_return_type = "AuditVerdict")]
pub fn verify_audit_chain(
    vault_id: &str,
    #[wasm_bindgen(unchecked_param_type = "AuditEntry[]")] entries: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AuditHead | null | undefined")] remembered: JsValue,
) -> Result<JsValue, JsError> {
    let entries: Vec<Entry> = from_js(entries, "audit entries")?;
    let remembered: Option<Head> = if remembered.is_undefined() || remembered.is_null() {
        None
    } else {
        Some(from_js(remembered, "audit head")?)
    };
    let chain = audit_chain::vault_chain(vault_id);
    to_js(
        &match audit_chain::verify(&chain, &entries, remembered.as_ref()) {
            Ok(head) => Verdict::Ok { ok: true, head },
            Err(b) => Verdict::Broken {
                ok: false,
                position: b.position,
                seq: b.seq,
                problem: b.problem.code(),
                reason: b.problem.reason(),
            },
        },
    )
}
