// What this extension verified before (SPEC § Browser extension, "Where
// keys live"), per server and account, in
// chrome.storage.local where the server cannot write:
//   "bvLog <server> <account> <vault>"   -> {len, head} of the vault's member log
//   "bvList <server> <account>"          -> the highest vault-list version seen
//   "bvPin <server> <account> <member>"  -> the member's pinned identity statement
// All of it is public (a count, a hash, identity statements); nothing in it
// opens anything. One key per entry, so no id the server chooses can clash
// with another entry or with an object's own properties.
const isAnchor = (a) => a && Number.isSafeInteger(a.len) && a.len >= 0 && typeof a.head === 'string';

// Raising an anchor or the list version reads, then writes: one at a time,
// so two syncs of this worker (its only writer) never lower either.
let queue = Promise.resolve();
function serially(fn) {
  const run = queue.then(fn);
  queue = run.catch(() => {});
  return run;
}

/** The vault-access store (www/app/vault-access.js) of one account on one server. */
export function trustStore(server, accountId) {
  const logKey = (vaultId) => `bvLog ${server} ${accountId} ${vaultId}`;
  const listKey = `bvList ${server} ${accountId}`;
  const pinKey = (member) => `bvPin ${server} ${accountId} ${member}`;
  const get = async (keys) => {
    const got = await chrome.storage.local.get(keys);
    return keys.map((k) => got[k]);
  };
  return {
    /** vault id -> anchor; storage that cannot be read yields none (each log is still verified in full). */
    async logAnchors(vaultIds) {
      try {
        const got = await get(vaultIds.map(logKey));
        return new Map(vaultIds.map((id, i) => [id, got[i]]).filter(([, a]) => isAnchor(a)));
      } catch {
        return new Map();
      }
    },
    /** Stores verified anchors; one never replaces a longer one. Never rejects. */
    saveLogAnchors(pairs) {
      if (pairs.length === 0) return Promise.resolve();
      return serially(async () => {
        const cur = await get(pairs.map(([id]) => logKey(id)));
        const out = {};
        pairs.forEach(([id, a], i) => {
          if (!isAnchor(cur[i]) || cur[i].len <= a.len) out[logKey(id)] = { len: a.len, head: a.head };
        });
        await chrome.storage.local.set(out);
      }).catch(() => {});
    },
    async listVersion() {
      try {
        const [v] = await get([listKey]);
        return Number.isSafeInteger(v) && v > 0 ? v : 0;
      } catch {
        return 0;
      }
    },
    /** Raises the stored vault-list version (never lowers it). Never rejects. */
    saveListVersion(version) {
      return serially(async () => {
        const [v] = await get([listKey]);
        if (!(Number.isSafeInteger(v) && v >= version)) await chrome.storage.local.set({ [listKey]: version });
      }).catch(() => {});
    },
    pins: (accountIds) => get(accountIds.map(pinKey)),
    savePins: (pairs) => chrome.storage.local.set(Object.fromEntries(pairs.map(([id, identity]) => [pinKey(id), identity]))),
  };
}
