// The only place that holds keys. The page sends commands ({id, op, args})
// and gets back plain results; key handles (Account, VaultKey) and the session
// token live in this worker's memory only, so terminating the worker is the
// lock: every key and the token go with it. Nothing is written to storage.
import init, * as bv from '/pkg/blindvault.js';
import { api, ApiError } from './api-client.js';
import { b64uEncode, b64uDecode, randomId, utf8, fromUtf8 } from './bytes.js';

// If the core cannot load (missing or corrupt pkg/), every op says so
// specifically instead of failing later with something vaguer.
const ready = init().then(
  () => true,
  () => Promise.reject(new AppError('worker_failed')),
);
ready.catch(() => {}); // reported per op, not as an unhandled rejection

/** Session state; dropped with the worker. */
const state = {
  token: null,
  account: null,
  /** vault id -> { key: VaultKey, name, role, revision } */
  vaults: new Map(),
  /** item id -> server ItemView (vault_id, id, envelope, revision, trashed_at, ...) */
  items: new Map(),
  /**
   * item id -> { vaultId, envelope, overview }: opened overviews, so a write
   * re-opens only what changed. Keyed on the exact envelope string and
   * cleared at every sync (a vault key may have changed).
   */
  overviews: new Map(),
};

/** Error the page shows with a fixed, specific message (see messages.js). */
class AppError extends Error {
  constructor(code, detail) {
    super(code);
    this.code = code;
    this.detail = detail;
  }
}

// The server stores opaque base64url strings; the core's item blob is JSON,
// so it travels base64url-encoded (UTF-8 bytes of the JSON).
const blobToEnvelope = (blob) => b64uEncode(utf8(blob));
const envelopeToBlob = (env) => {
  try {
    return fromUtf8(b64uDecode(env));
  } catch {
    throw new AppError('integrity');
  }
};

const decodeJson = (bytes) => {
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch {
    throw new AppError('integrity');
  }
};

/** Wraps a core call whose failure can only mean bad server data. */
function opened(fn) {
  try {
    return fn();
  } catch {
    throw new AppError('integrity');
  }
}

/**
 * The core refuses KDF parameters outside its bounds (below the 600 000
 * iteration floor or absurdly costly) before doing any work: a server that
 * answers prelogin with weak parameters gets a specific refusal.
 */
async function derive(password, params) {
  try {
    return await bv.deriveMasterKey(password, params);
  } catch {
    throw new AppError('kdf_refused');
  }
}

async function deriveAndLogin(email, password, progress) {
  const pre = await api('POST', '/accounts/prelogin', { body: { email } });
  progress('kdf');
  const master = await derive(password, pre.kdf);
  try {
    progress('login');
    let res;
    try {
      res = await api('POST', '/accounts/login', {
        body: { account_id: pre.account_id, auth_key: master.authKey() },
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw new AppError('wrong_login');
      if (e instanceof ApiError && e.status === 429) throw new AppError('rate_limited');
      throw e;
    }
    state.token = res.token;
    const a = res.account;
    // A wrong key here means the server returned keys not made by this
    // password: refuse rather than continue with a half-open account.
    state.account = opened(() =>
      bv.unlock(master, a.wrapped_account_key, a.wrapped_private_key, a.account_id),
    );
    return { accountId: a.account_id, email: a.email, fingerprint: state.account.fingerprint };
  } finally {
    master.free();
  }
}

const ops = {
  async ping() {
    await ready;
    return { core: bv.coreVersion() };
  },

  async register({ email, password }, progress) {
    await ready;
    const params = bv.newKdfParams();
    const accountId = randomId();
    progress('kdf');
    const master = await derive(password, params);
    let reg;
    try {
      const out = bv.register(master, params, accountId);
      reg = out.registration;
      out.account.free();
    } finally {
      master.free();
    }
    progress('register');
    try {
      await api('POST', '/accounts', {
        body: {
          account_id: reg.account_id,
          email,
          kdf: reg.kdf,
          wrapped_account_key: reg.wrapped_account_key,
          public_key: reg.public_key,
          wrapped_private_key: reg.wrapped_private_key,
          auth_key: reg.auth_key,
        },
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) throw new AppError('account_exists');
      throw e;
    }
    // Log in through the normal path so registration and login cannot drift.
    return openVaults(await deriveAndLogin(email, password, progress), progress);
  },

  async login({ email, password }, progress) {
    await ready;
    return openVaults(await deriveAndLogin(email, password, progress), progress);
  },

  async logout() {
    if (state.token) {
      try {
        await api('POST', '/accounts/logout', { token: state.token });
      } catch {
        // The page terminates this worker next; the token dies with it.
      }
    }
    state.token = null;
    return true;
  },

  async sync() {
    return sync();
  },

  async createVault({ name }) {
    await createVault(name);
    return listing();
  },

  async openItem({ itemId }) {
    const view = item(itemId);
    return decryptView(view);
  },

  async createItem({ vaultId, overview, details }) {
    const v = vault(vaultId);
    const id = randomId();
    const blob = bv.sealItem(v.key, vaultId, id, utf8(JSON.stringify(overview)), utf8(JSON.stringify(details)));
    const view = await api('POST', `/vaults/${vaultId}/items`, {
      token: state.token,
      body: { id, envelope: blobToEnvelope(blob) },
    });
    state.items.set(id, view);
    return { id, listing: listing() };
  },

  async updateItem({ itemId, baseRevision, overview, details }) {
    const cur = item(itemId);
    const v = vault(cur.vault_id);
    const blob = bv.updateItem(
      v.key, cur.vault_id, itemId, envelopeToBlob(cur.envelope),
      utf8(JSON.stringify(overview)), utf8(JSON.stringify(details)),
    );
    try {
      const view = await api('PUT', `/vaults/${cur.vault_id}/items/${itemId}`, {
        token: state.token,
        body: { base_revision: baseRevision, envelope: blobToEnvelope(blob) },
      });
      state.items.set(itemId, view);
      return { conflict: null, listing: listing() };
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.body && e.body.current) {
        // Never overwrite silently: hand both versions to the person.
        state.items.set(itemId, e.body.current);
        return { conflict: decryptView(e.body.current), listing: listing() };
      }
      throw e;
    }
  },

  async trashItem({ itemId, baseRevision }) {
    return setTrashed(itemId, baseRevision, 'trash');
  },

  async restoreItem({ itemId, baseRevision }) {
    return setTrashed(itemId, baseRevision, 'restore');
  },

  async generatePassword(opts) {
    await ready;
    return bv.generatePassword(opts).secret;
  },
};

async function setTrashed(itemId, baseRevision, action) {
  const cur = item(itemId);
  try {
    const view = await api('POST', `/vaults/${cur.vault_id}/items/${itemId}/${action}`, {
      token: state.token,
      body: { base_revision: baseRevision },
    });
    state.items.set(itemId, view);
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      if (e.body && e.body.current) state.items.set(itemId, e.body.current);
      throw new AppError('stale');
    }
    throw e;
  }
  return listing();
}

/** After login: sync, and make the personal vault on the first login. */
async function openVaults(who, progress) {
  progress('sync');
  let listed = await sync();
  if (state.vaults.size === 0 && listed.failed === 0) {
    await createVault('Personal');
    listed = listing();
  }
  return { who, listing: listed };
}

function vault(id) {
  const v = state.vaults.get(id);
  if (!v) throw new AppError('no_such_vault');
  return v;
}

function item(id) {
  const it = state.items.get(id);
  if (!it) throw new AppError('no_such_item');
  return it;
}

async function createVault(name) {
  const id = randomId();
  const key = bv.VaultKey.generate();
  const view = await api('POST', '/vaults', {
    token: state.token,
    body: {
      id,
      name: key.sealVaultMeta(utf8(JSON.stringify({ name })), id),
      wrapped_vault_key: state.account.wrapVaultKey(key, id),
    },
  });
  state.vaults.set(id, { key, name, role: view.role, revision: view.revision, seq: view.seq });
}

/** Full sync: vault keys are unwrapped, item overviews opened; details stay sealed. */
async function sync() {
  const res = await api('GET', '/sync', { token: state.token });
  for (const v of state.vaults.values()) v.key.free();
  state.vaults.clear();
  state.items.clear();
  state.overviews.clear();
  let failed = 0;
  for (const v of res.vaults) {
    let key;
    try {
      key = state.account.unwrapVaultKey(v.wrapped_vault_key, v.id);
    } catch {
      failed += 1;
      continue;
    }
    let name;
    try {
      name = decodeJson(key.openVaultMeta(v.name, v.id)).name;
    } catch {
      failed += 1;
      key.free();
      continue;
    }
    state.vaults.set(v.id, { key, name, role: v.role, revision: v.revision, seq: v.seq });
  }
  for (const it of res.items) state.items.set(it.id, it);
  return listing(failed);
}

/** Decrypted overviews of every item, one core crossing per vault. */
function listing(failedBefore = 0) {
  let failed = failedBefore;
  const items = [];
  for (const [vaultId, v] of state.vaults) {
    const views = [...state.items.values()].filter((it) => it.vault_id === vaultId);
    const blobs = [];
    const ids = [];
    for (const it of views) {
      const hit = state.overviews.get(it.id);
      if (hit && hit.vaultId === vaultId && hit.envelope === it.envelope) {
        items.push(entry(it, vaultId, hit.overview));
        continue;
      }
      try {
        blobs.push(envelopeToBlob(it.envelope));
        ids.push(it.id);
      } catch {
        failed += 1;
      }
    }
    const results = bv.openOverviews(v.key, vaultId, ids, blobs);
    results.forEach((r, i) => {
      if (r instanceof Error) {
        failed += 1;
        return;
      }
      let overview;
      try {
        overview = JSON.parse(fromUtf8(r));
      } catch {
        failed += 1;
        return;
      }
      const view = state.items.get(ids[i]);
      state.overviews.set(view.id, { vaultId, envelope: view.envelope, overview });
      items.push(entry(view, vaultId, overview));
    });
  }
  // Oldest first (the server's change sequence): the personal vault made at
  // first login leads, so it is the one selected after login.
  const vaults = [...state.vaults]
    .sort(([, a], [, b]) => a.seq - b.seq)
    .map(([id, v]) => ({ id, name: v.name, role: v.role }));
  return { vaults, items, failed };
}

function entry(view, vaultId, overview) {
  return {
    id: view.id,
    vaultId,
    revision: view.revision,
    trashed: view.trashed_at != null,
    updatedAt: view.updated_at,
    overview,
  };
}

function decryptView(view) {
  const v = vault(view.vault_id);
  const blob = envelopeToBlob(view.envelope);
  const overview = decodeJson(opened(() => bv.openOverview(v.key, view.vault_id, view.id, blob)));
  const details = decodeJson(opened(() => bv.openDetails(v.key, view.vault_id, view.id, blob)));
  return { id: view.id, vaultId: view.vault_id, revision: view.revision, trashed: view.trashed_at != null, overview, details };
}

self.onmessage = async (ev) => {
  const { id, op, args } = ev.data;
  const progress = (stage) => self.postMessage({ id, progress: stage });
  try {
    const fn = ops[op];
    if (!fn) throw new AppError('unknown_op');
    const result = await fn(args || {}, progress);
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    // Only codes and server error codes cross back: never a value or key.
    let code = 'unexpected';
    if (e instanceof AppError) code = e.code;
    else if (e instanceof ApiError && e.status === 0) code = 'network';
    else if (e instanceof ApiError && e.status === 401) code = 'session_expired';
    else if (e instanceof ApiError && e.status === 429) code = 'rate_limited';
    else if (e instanceof ApiError) code = 'server';
    const serverCode = e instanceof ApiError ? e.code : undefined;
    self.postMessage({ id, ok: false, error: { code, serverCode } });
  }
};
