// What the crypto worker holds for one session, and the helpers every op
// module shares. All of it dies with the worker (terminate() is the lock).
import * as bv from '/pkg-vault/blindvault_vault.js';
import { api, ApiError } from '../api-client.js';
import { b64uEncode, b64uDecode, utf8, fromUtf8 } from '../bytes.js';

export const state = {
  token: null,
  account: null,
  /** The account's login facts (email, kdf), kept to re-check the password. */
  me: null,
  /** vault id -> { key: VaultKey, name, role, revision, seq, legacy }: the vaults shown */
  vaults: new Map(),
  /** vault id -> Roster, the verified member log of each shown vault that has one */
  rosters: new Map(),
  /**
   * vault id -> { id, key, name, role, legacy, addedBy, pin }: shared with us,
   * not accepted yet (access.js); never listed, its items never opened
   */
  pending: new Map(),
  /** pending vault ids the person declined this session (hidden until the next login) */
  declined: new Set(),
  /** { list: VaultList, revision, broken }: our sealed vault list (access.js) */
  list: null,
  /** item id -> server ItemView (vault_id, id, envelope, revision, trashed_at, ...) */
  items: new Map(),
  /** folder id -> { vaultId, id, revision, name } (names opened at sync) */
  folders: new Map(),
  /** attachment rows from sync: attachment id -> { vault_id, item_id, id, size } */
  attachments: new Map(),
  /**
   * item id -> { vaultId, envelope, overview }: opened overviews, so a write
   * re-opens only what changed. Keyed on the exact envelope string and
   * cleared at every sync (a vault key may have changed).
   */
  overviews: new Map(),
};

/**
 * `load()` run once and shared by every caller; a failure is forgotten, so
 * the next call tries again (a network error, a storage hiccup).
 */
export function lazily(load) {
  let pending = null;
  return () => {
    if (!pending) {
      pending = load();
      pending.catch(() => { pending = null; });
    }
    return pending;
  };
}

/** Error the page shows with a fixed, specific message (see messages.js). */
export class AppError extends Error {
  constructor(code, detail) {
    super(code);
    this.code = code;
    this.detail = detail;
  }
}

// The server stores opaque base64url strings; the core's item blob is JSON,
// so it travels base64url-encoded (UTF-8 bytes of the JSON). SPEC § Web vault.
export const blobToEnvelope = (blob) => b64uEncode(utf8(blob));
export const envelopeToBlob = (env) => {
  try {
    return fromUtf8(b64uDecode(env));
  } catch {
    throw new AppError('integrity');
  }
};

export const decodeJson = (bytes) => {
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch {
    throw new AppError('integrity');
  }
};

/** Wraps a core call whose failure can only mean bad server data. */
export function opened(fn) {
  try {
    return fn();
  } catch {
    throw new AppError('integrity');
  }
}

/** An authenticated /api/v1 request with the session's token. */
export function authed(method, path, body) {
  return api(method, path, { token: state.token, body });
}

export function vault(id) {
  const v = state.vaults.get(id);
  if (!v) throw new AppError('no_such_vault');
  return v;
}

export function item(id) {
  const it = state.items.get(id);
  if (!it) throw new AppError('no_such_item');
  return it;
}

export { bv, api, ApiError };
