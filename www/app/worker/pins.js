// Members' public keys pinned on first use (SPEC § Fingerprints), in this
// browser profile's IndexedDB, as bv keeps them in pins.json per machine.
// A server that later lists another key for a pinned account is lying about
// who would receive a vault key: the caller stops before sealing anything.
// Public keys are not secret; what matters is that the server cannot write
// here, which it cannot (the pins never leave the browser).
import { state, AppError, lazily } from './state.js';

const STORE = 'pins';

const database = lazily(() => new Promise((resolve, reject) => {
  const req = indexedDB.open('blindvault-pins', 1);
  req.onupgradeneeded = () => req.result.createObjectStore(STORE);
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
}));

/**
 * Runs `fn(store)`, which returns a list of requests, in one transaction;
 * resolves to their results once it has committed.
 */
async function inStore(mode, fn) {
  let db;
  try {
    db = await database();
  } catch {
    throw new AppError('pins_unavailable');
  }
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const reqs = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(reqs.map((r) => r.result));
    tx.onerror = () => reject(new AppError('pins_unavailable'));
    tx.onabort = () => reject(new AppError('pins_unavailable'));
  });
}

/**
 * Checks every other member's public key (base64url, as the server lists it)
 * against its pin, and pins the ones seen for the first time. Throws
 * `key_changed` on any mismatch, before anything is pinned or sealed. Our
 * own entry is skipped: our vault key copy is wrapped with our account key,
 * never sealed to the key the server lists for us.
 */
export async function checkOrPin(members) {
  const me = state.me.accountId;
  const others = members.filter((m) => m.accountId !== me);
  if (others.length === 0) return;
  const pinned = await inStore('readonly', (s) => others.map((m) => s.get([me, m.accountId])));
  if (others.some((m, i) => pinned[i] !== undefined && pinned[i] !== m.publicKey)) {
    throw new AppError('key_changed');
  }
  const fresh = others.filter((_, i) => pinned[i] === undefined);
  if (fresh.length === 0) return;
  await inStore('readwrite', (s) => fresh.map((m) => s.put(m.publicKey, [me, m.accountId])));
}
