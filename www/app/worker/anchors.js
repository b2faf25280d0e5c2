// What this device verified before (SPEC § Member log, § Vault list,
// § Audit log), in the browser profile's IndexedDB where the server cannot
// write:
//   logs:  [own account id, vault id]          -> {len, head} of the vault's member log
//   logs:  [own account id, vault id, 'audit'] -> {seq, hash} of the vault's audit chain
//   lists: [own account id, 'vault-list']      -> the highest vault-list version seen
// The next sync refuses a log that does not extend its anchor (a truncated
// or rewritten log) and a vault list older than the version seen, so a
// server cannot roll either back to an earlier, valid state; the audit view
// refuses a chain in which the remembered entry changed or vanished. All
// are public data (counts and hashes); two stores, so no vault id can ever
// collide with the list's key, and the audit heads' keys have three parts,
// so they never meet a member-log anchor's (and need no new store, which
// would mean a database version upgrade blocked by other open tabs).
import { state } from './state.js';
import { database, inStore } from './idb.js';

const LOGS = 'logs';
const LISTS = 'lists';
const open = database('blindvault-anchors', [LOGS, LISTS]);
const ERR = 'anchors_unavailable';

const isAnchor = (a) => a && Number.isSafeInteger(a.len) && a.len >= 0 && typeof a.head === 'string';

/**
 * vault id -> anchor for these vaults. Storage that cannot be read (a
 * profile without IndexedDB) yields no anchors: every log is still verified
 * entry by entry, only the rollback check has nothing to compare with, and
 * the server cannot cause that failure.
 */
export async function logAnchors(vaultIds) {
  const me = state.me.accountId;
  try {
    const got = await inStore(open, LOGS, 'readonly', (s) => vaultIds.map((id) => s.get([me, id])), ERR);
    return new Map(vaultIds.map((id, i) => [id, got[i]]).filter(([, a]) => isAnchor(a)));
  } catch {
    return new Map();
  }
}

/**
 * Stores verified anchors; one never replaces a longer one (another tab may
 * have verified more meanwhile). Resolves when committed; never rejects.
 */
export async function saveLogAnchors(pairs) {
  if (pairs.length === 0) return;
  const me = state.me.accountId;
  await inStore(open, LOGS, 'readwrite', (s) => pairs.map(([id, anchor]) => {
    const req = s.get([me, id]);
    req.onsuccess = () => {
      const cur = req.result;
      if (!isAnchor(cur) || cur.len <= anchor.len) s.put({ len: anchor.len, head: anchor.head }, [me, id]);
    };
    return req;
  }), ERR).catch(() => {});
}

/** The highest vault-list version this device saw for us (0: none, or unreadable storage). */
export async function listVersion() {
  try {
    const [v] = await inStore(open, LISTS, 'readonly', (s) => [s.get([state.me.accountId, 'vault-list'])], ERR);
    return Number.isSafeInteger(v) && v > 0 ? v : 0;
  } catch {
    return 0;
  }
}

/** Raises the stored vault-list version to `version` (never lowers it). */
export async function saveListVersion(version) {
  const key = [state.me.accountId, 'vault-list'];
  await inStore(open, LISTS, 'readwrite', (s) => {
    const req = s.get(key);
    req.onsuccess = () => {
      if (!(Number.isSafeInteger(req.result) && req.result >= version)) s.put(version, key);
    };
    return [req];
  }, ERR).catch(() => {});
}

const isAuditHead = (h) => h && Number.isSafeInteger(h.seq) && typeof h.hash === 'string';

/**
 * The audit head ({seq, hash}) this device verified last for a vault, or
 * null: none yet, or storage that cannot be read (the chain is still
 * verified entry by entry, as for logAnchors).
 */
export async function auditHead(vaultId) {
  try {
    const [h] = await inStore(open, LOGS, 'readonly', (s) => [s.get([state.me.accountId, vaultId, 'audit'])], ERR);
    return isAuditHead(h) ? { seq: h.seq, hash: h.hash } : null;
  } catch {
    return null;
  }
}

/**
 * Stores a verified audit head; one never replaces a later one (another
 * tab may have verified more meanwhile). Resolves when committed; never rejects.
 */
export async function saveAuditHead(vaultId, head) {
  const key = [state.me.accountId, vaultId, 'audit'];
  await inStore(open, LOGS, 'readwrite', (s) => {
    const req = s.get(key);
    req.onsuccess = () => {
      if (!(isAuditHead(req.result) && req.result.seq > head.seq)) s.put({ seq: head.seq, hash: head.hash }, key);
    };
    return [req];
  }, ERR).catch(() => {});
}
