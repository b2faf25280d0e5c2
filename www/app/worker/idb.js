// The worker's two small IndexedDB databases (pins.js, anchors.js): public
// data only, kept in this browser profile because the server cannot write
// there. This is the promise plumbing they share.
import { AppError, lazily } from './state.js';

/** A database opened once (and retried after a failure) with these stores. */
export function database(name, stores) {
  return lazily(() => new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      for (const s of stores) if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }));
}

/**
 * Runs `fn(store)`, which returns a list of requests, in one transaction on
 * `storeName`; resolves to their results once it has committed. Any storage
 * failure becomes AppError(`code`).
 */
export async function inStore(open, storeName, mode, fn, code) {
  let db;
  try {
    db = await open();
  } catch {
    throw new AppError(code);
  }
  return new Promise((resolve, reject) => {
    let tx;
    let reqs;
    try {
      tx = db.transaction(storeName, mode);
      reqs = fn(tx.objectStore(storeName));
    } catch {
      reject(new AppError(code));
      return;
    }
    tx.oncomplete = () => resolve(reqs.map((r) => r.result));
    tx.onerror = () => reject(new AppError(code));
    tx.onabort = () => reject(new AppError(code));
  });
}
