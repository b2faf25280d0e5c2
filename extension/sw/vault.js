// Vault state of the service worker: the only place keys exist. Account and
// vault keys are handles into the WASM module's memory; the session token and
// opened overviews are plain JS values of this worker. Details (passwords)
// are opened one item at a time, when they are filled, copied or compared.
//
// Worker restart (docs/SPEC.md § Browser extension, "Session copy"): at
// unlock a fresh 256-bit secret S re-wraps the account key with the core's
// own password-change path (PBKDF2 + the account-key envelope) and seals the
// token to the account's public key (HPKE). The wrapped copy goes to
// chrome.storage.session; S goes to the offscreen document's memory only.
import init, * as bv from '../pkg/blindvault.js';
import { api, ApiError } from './api.js';
import { b64uEncode, b64uDecode, randomId, utf8, fromUtf8 } from '../lib/bytes.js';
import * as offscreen from './offscreen.js';

export const ready = init({ module_or_path: chrome.runtime.getURL('pkg/blindvault_bg.wasm') });
ready.catch(() => {}); // reported per call

const SESSION_KEY = 'bvSession';
const TOKEN_INFO = utf8('blindvault/extension-session/token/v1');

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
  /** vault id -> { key: VaultKey, name, seq } */
  vaults: new Map(),
  /** item id -> server ItemView */
  items: new Map(),
  /** item id -> { envelope, overview } */
  overviews: new Map(),
};
let restoring = null;

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

/** Prelogin, KDF (WebCrypto PBKDF2 via the core), login, unlock, sync. */
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
    const a = res.account;
    try {
      account = bv.unlock(master, a.wrapped_account_key, a.wrapped_private_key, a.account_id);
    } catch {
      throw new VaultError('integrity');
    }
  } finally {
    master.free();
  }
  Object.assign(state, { server, email, token: res.token, account });
  progress('sync');
  await sync();
  try {
    await writeSessionCopy(res.account.wrapped_private_key);
  } catch {
    // Still unlocked; a worker restart will then ask to unlock again.
    await chrome.storage.session.remove(SESSION_KEY);
  }
  return status();
}

async function writeSessionCopy(wrappedPrivateKey) {
  const secret = b64uEncode(crypto.getRandomValues(new Uint8Array(32)));
  const params = bv.newKdfParams();
  const sessionMaster = await bv.deriveMasterKey(secret, params);
  let change;
  try {
    change = state.account.changePassword(sessionMaster, params);
  } finally {
    sessionMaster.free();
  }
  const accountId = state.account.accountId;
  const token = bv.hpkeSeal(state.account.publicKey, TOKEN_INFO, utf8(accountId), utf8(state.token));
  await offscreen.holdSecret(secret);
  await chrome.storage.session.set({
    [SESSION_KEY]: {
      v: 1,
      server: state.server,
      email: state.email,
      accountId,
      kdf: change.kdf,
      wrappedAccountKey: change.wrapped_account_key,
      wrappedPrivateKey,
      token,
    },
  });
}

/**
 * After a worker restart: reopen the session copy with S from the offscreen
 * document. Any failure (no S, tampered copy, expired token) drops the copy:
 * the person unlocks again, nothing half-open stays.
 */
export function restore() {
  if (state.account || restoring) return restoring || Promise.resolve(isUnlocked());
  restoring = (async () => {
    const { [SESSION_KEY]: s } = await chrome.storage.session.get(SESSION_KEY);
    if (!s || s.v !== 1) return false;
    try {
      await ready;
      const secret = await offscreen.takeSecret();
      if (!secret) throw new VaultError('no_secret');
      const master = await bv.deriveMasterKey(secret, s.kdf);
      let account;
      try {
        account = bv.unlock(master, s.wrappedAccountKey, s.wrappedPrivateKey, s.accountId);
      } finally {
        master.free();
      }
      const token = fromUtf8(account.hpkeOpen(s.token, TOKEN_INFO, utf8(s.accountId)));
      Object.assign(state, { server: s.server, email: s.email, token, account });
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

/** Drops every key, the token, the session copy, S and a copied secret. */
export async function lock() {
  for (const v of state.vaults.values()) v.key.free();
  if (state.account) state.account.free();
  Object.assign(state, { token: null, account: null });
  state.vaults.clear();
  state.items.clear();
  state.overviews.clear();
  await chrome.storage.session.remove(SESSION_KEY);
  try {
    await offscreen.forgetSecret();
  } catch {
    // no offscreen document: nothing held there
  }
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

export async function sync() {
  const res = await authed('GET', '/sync');
  for (const v of state.vaults.values()) v.key.free();
  state.vaults.clear();
  state.items.clear();
  state.overviews.clear();
  for (const v of res.vaults) {
    let key;
    try {
      key = state.account.unwrapVaultKey(v.wrapped_vault_key, v.id);
    } catch {
      continue; // never shown (SPEC § Web vault, client rules)
    }
    try {
      const { name } = openJson(() => key.openVaultMeta(v.name, v.id));
      state.vaults.set(v.id, { key, name, seq: v.seq, role: v.role });
    } catch {
      key.free();
    }
  }
  for (const it of res.items) {
    if (it.trashed_at != null || !state.vaults.has(it.vault_id)) continue;
    state.items.set(it.id, it);
    try {
      const v = state.vaults.get(it.vault_id);
      const overview = openJson(() => bv.openOverview(v.key, it.vault_id, it.id, envelopeToBlob(it.envelope)));
      state.overviews.set(it.id, { envelope: it.envelope, overview });
    } catch {
      // failed integrity: not listed, never filled
    }
  }
}

export function status() {
  return { unlocked: isUnlocked(), email: state.email, server: state.server };
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
