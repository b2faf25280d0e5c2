// What this device verified before (SPEC § Member log, § Vault list), in
// the browser profile's IndexedDB where the server cannot write:
//   logs:  [own account id, vault id]     -> {len, head} of the vault's member log
//   lists: [own account id, 'vault-list'] -> the highest vault-list version seen
// The next sync refuses a log that does not extend its anchor (a truncated
// or rewritten log) and a vault list older than the version seen, so a
// server cannot roll either back to an earlier, valid state. Both are
// public data (a count and a hash); two stores, so no vault id can ever
// collide with the list's key.
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
