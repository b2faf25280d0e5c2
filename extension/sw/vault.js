// Vault state of the service worker: the only place keys exist. Account and
// vault keys are handles into the WASM module's memory; the session token and
// opened overviews are plain JS values of this worker. Details (passwords)
// are opened one item at a time, when they are filled, copied or compared.
// A worker restart reopens the session copy (session.js).
//
// Which vaults are used is decided as the web vault decides it, by the same
// module (lib/vault-access.js, copied from www/app/ at build time): each
// vault's member log verified against this extension's anchor (trust.js),
// our key copy opened against it, our sealed vault list for what we
// accepted. A vault that fails is never listed or filled; a pending one
// (shared with us, not accepted) is offered in the popup, and nothing of it
// is used until the person accepts it.
import init, * as bv from '../pkg/blindvault.js';
import { api, ApiError } from './api.js';
import { b64uEncode, b64uDecode, randomId, utf8, fromUtf8 } from '../lib/bytes.js';
import { vaultAccess } from '../lib/vault-access.js';
import { trustStore } from './trust.js';
import { writeSessionCopy, readSessionCopy, dropSessionCopy } from './session.js';

export const ready = init({ module_or_path: chrome.runtime.getURL('pkg/blindvault_bg.wasm') });
ready.catch(() => {}); // reported per call

/** Pending vaults declined until the lock, kept across a worker restart. */
const DECLINED_KEY = 'bvDeclined';

export class VaultError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

const state = {
  server: null,
  email: null,
  token: null,
  account: null,
  /** { identity, wrapped_signing_key }: our identity, as opened at login */
  identity: null,
  /** this extension's anchors, list version and pins for this server and account */
  trust: null,
  /** vault id -> { key: VaultKey, name, seq, role }: the accepted vaults, the only ones used */
  vaults: new Map(),
  /** vault id -> { id, key, name, role, addedBy, pin }: shared with us, not accepted yet */
  pending: new Map(),
  /** pending vault ids the person declined (hidden until the lock) */
  declined: new Set(),
  /** { list: VaultList, revision, broken }: our sealed vault list */
  list: null,
  /** how many vaults and items failed their checks at the last sync (never listed or filled) */
  failed: 0,
  /** item id -> server ItemView */
  items: new Map(),
  /** item id -> { envelope, overview } */
  overviews: new Map(),
};
let restoring = null;

const access = vaultAccess({
  bv,
  authed: (method, path, body) => authed(method, path, body),
  fail: (code) => new VaultError(code),
  // No answer, session over (authed has locked already), throttled: the whole sync ends.
  fatal: (e) => (e instanceof ApiError && (e.status === 0 || e.status === 429))
    || (e instanceof VaultError && e.code === 'session_expired'),
  state,
  get store() {
    return state.trust;
  },
});

export const isUnlocked = () => state.account !== null;

const blobToEnvelope = (blob) => b64uEncode(utf8(blob));
function envelopeToBlob(env) {
  try {
    return fromUtf8(b64uDecode(env));
  } catch {
    throw new VaultError('integrity');
  }
}
function openJson(fn) {
  try {
    return JSON.parse(fromUtf8(fn()));
  } catch {
    throw new VaultError('integrity');
  }
}

/** The session's facts once the account is open (at login, or from the session copy). */
function open({ server, email, token, account, identity }) {
  Object.assign(state, { server, email, token, account, identity, trust: trustStore(server, account.accountId) });
}

/**
 * Prelogin, KDF (WebCrypto PBKDF2 via the core), login, then the web
 * vault's checks (vault-access.js): the account prelogin named, with its
 * own public key and its own identity (issued and published now if it has
 * none). Then sync.
 */
export async function login(server, email, password, progress) {
  await ready;
  await lock();
  progress('prelogin');
  const pre = await api(server, 'POST', '/accounts/prelogin', { body: { email } });
  progress('kdf');
  let master;
  try {
    master = await bv.deriveMasterKey(password, pre.kdf);
  } catch {
    throw new VaultError('kdf_refused');
  }
  let res;
  let account;
  try {
    progress('login');
    try {
      res = await api(server, 'POST', '/accounts/login', {
        body: { account_id: pre.account_id, auth_key: master.authKey() },
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw new VaultError('wrong_login');
      throw e;
    }
    account = access.unlockAccount(master, pre, res.account);
  } catch (e) {
    // A refused account: its token is of no use, so it goes too.
    if (res) await api(server, 'POST', '/accounts/logout', { token: res.token }).catch(() => {});
    throw e;
  } finally {
    master.free();
  }
  open({ server, email, token: res.token, account, identity: null });
  try {
    state.identity = await access.ensureIdentity(account, res.account);
  } catch (e) {
    await logout();
    throw e;
  }
  progress('sync');
  await sync();
  try {
    await writeSessionCopy(bv, state, res.account.wrapped_private_key);
  } catch {
    // Still unlocked; a worker restart will then ask to unlock again.
    await dropSessionCopy();
  }
  return status();
}

/**
 * After a worker restart: reopen the session copy. Any failure (no S,
 * tampered copy, expired token) drops the copy: the person unlocks again,
 * nothing half-open stays.
 */
export function restore() {
  if (state.account || restoring) return restoring || Promise.resolve(isUnlocked());
  restoring = (async () => {
    try {
      await ready;
      const session = await readSessionCopy(bv);
      if (!session) return false;
      open(session);
      const { [DECLINED_KEY]: declined } = await chrome.storage.session.get(DECLINED_KEY);
      for (const id of Array.isArray(declined) ? declined : []) state.declined.add(id);
      await sync();
      return true;
    } catch {
      await lock();
      return false;
    }
  })().finally(() => {
    restoring = null;
  });
  return restoring;
}

/** Keys of the last sync, freed before the next one decides again (and at lock). */
function forgetVaults() {
  for (const v of state.vaults.values()) v.key.free();
  access.forgetPending();
  state.vaults.clear();
  state.items.clear();
  state.overviews.clear();
}

/** Drops every key, the token, the session copy, S and a copied secret. */
export async function lock() {
  forgetVaults();
  if (state.account) state.account.free();
  Object.assign(state, { token: null, account: null, identity: null, trust: null, list: null, failed: 0 });
  state.declined.clear();
  await chrome.storage.session.remove(DECLINED_KEY);
  await dropSessionCopy();
}

export async function logout() {
  const { server, token } = state;
  await lock();
  if (server && token) {
    try {
      await api(server, 'POST', '/accounts/logout', { token });
    } catch {
      // the token dies at the server's expiry anyway
    }
  }
}

async function authed(method, path, body) {
  try {
    return await api(state.server, method, path, { body, token: state.token });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      await lock();
      throw new VaultError('session_expired');
    }
    throw e;
  }
}

/**
 * Full sync. Only the accepted vaults (vault-access.js decides) get their
 * items opened; what failed is counted for the popup to report.
 */
export async function sync() {
  const listed = access.loadVaultList();
  listed.catch(() => {}); // awaited in gather(); not an unhandled rejection meanwhile
  const res = await authed('GET', '/sync');
  const gathered = await access.gather(res.vaults, listed);
  forgetVaults();
  const decided = access.decide(res.vaults, gathered);
  let { failed } = decided;
  for (const { v, got } of decided.accepted) {
    if (got.roster) got.roster.free(); // its anchor is saved; this worker signs no entry
    state.vaults.set(v.id, { key: got.key, name: got.name, seq: v.seq, role: got.role });
  }
  for (const it of res.items) {
    if (it.trashed_at != null || !state.vaults.has(it.vault_id)) continue;
    state.items.set(it.id, it);
    try {
      const v = state.vaults.get(it.vault_id);
      const overview = openJson(() => bv.openOverview(v.key, it.vault_id, it.id, envelopeToBlob(it.envelope)));
      state.overviews.set(it.id, { envelope: it.envelope, overview });
    } catch {
      failed += 1; // failed integrity: not listed, never filled
    }
  }
  state.failed = failed;
  await access.pinPending();
  access.settleAccess(decided.later);
}

export function status() {
  return {
    unlocked: isUnlocked(),
    email: state.email,
    server: state.server,
    fingerprint: state.account ? state.account.identityFingerprint : null,
  };
}

/** The shared vaults waiting for the person, and how many vaults or items failed their checks. */
export function pending() {
  return { pending: access.pendingList(), failed: state.failed };
}

/** Accepts a pending vault (its sharer's pin checked first), then syncs so its logins are used. */
export async function accept(vaultId) {
  await access.accept(vaultId);
  await sync();
}

/** Hides a pending vault until the lock. */
export async function decline(vaultId) {
  access.decline(vaultId);
  await chrome.storage.session.set({ [DECLINED_KEY]: [...state.declined] });
}

/** Logins and other items (overview only) for the popup's list. */
export function listing() {
  return [...state.overviews].map(([id, { overview }]) => ({
    id,
    vaultId: state.items.get(id).vault_id,
    kind: overview.kind,
    name: typeof overview.name === 'string' ? overview.name : '',
    username: typeof overview.username === 'string' ? overview.username : '',
    url: typeof overview.url === 'string' ? overview.url : '',
  }));
}

export function vaults() {
  return [...state.vaults]
    .filter(([, v]) => v.role !== 'read') // § Roles: read-only members cannot write items
    .sort(([, a], [, b]) => a.seq - b.seq)
    .map(([id, v]) => ({ id, name: v.name }));
}

export function details(itemId) {
  const it = state.items.get(itemId);
  const v = it && state.vaults.get(it.vault_id);
  if (!v) throw new VaultError('no_such_item');
  return openJson(() => bv.openDetails(v.key, it.vault_id, it.id, envelopeToBlob(it.envelope)));
}

export function overview(itemId) {
  const o = state.overviews.get(itemId);
  if (!o) throw new VaultError('no_such_item');
  return o.overview;
}

/** A new login, sealed by the core before it leaves the worker. */
export async function createLogin(vaultId, { name, url, username, password }) {
  const v = state.vaults.get(vaultId);
  if (!v) throw new VaultError('no_such_vault');
  const id = randomId();
  const ov = { kind: 'login', name, url };
  if (username) ov.username = username;
  const blob = bv.sealItem(v.key, vaultId, id, utf8(JSON.stringify(ov)), utf8(JSON.stringify({ password })));
  const view = await authed('POST', `/vaults/${vaultId}/items`, { id, envelope: blobToEnvelope(blob) });
  state.items.set(id, view);
  state.overviews.set(id, { envelope: view.envelope, overview: ov });
  return id;
}

/** New password for an existing login; other details are kept. A stale revision is reported, never retried. */
export async function updatePassword(itemId, password) {
  const cur = state.items.get(itemId);
  const v = cur && state.vaults.get(cur.vault_id);
  if (!v) throw new VaultError('no_such_item');
  const ov = overview(itemId);
  const det = { ...details(itemId), password };
  const blob = bv.updateItem(
    v.key, cur.vault_id, itemId, envelopeToBlob(cur.envelope),
    utf8(JSON.stringify(ov)), utf8(JSON.stringify(det)),
  );
  let view;
  try {
    view = await authed('PUT', `/vaults/${cur.vault_id}/items/${itemId}`, {
      base_revision: cur.revision,
      envelope: blobToEnvelope(blob),
    });
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) throw new VaultError('stale');
    throw e;
  }
  state.items.set(itemId, view);
  state.overviews.set(itemId, { envelope: view.envelope, overview: ov });
}

export async function generatePassword() {
  await ready;
  return bv.generatePassword({ length: 20 }).secret;
}
