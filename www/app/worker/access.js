// Which vaults the person holds, decided by members and this device, never
// by the server alone (SPEC § Member log, § Vault list, § Shares a person
// accepts). For each vault the server lists, its member log is verified
// (against this device's anchor) and our key copy is opened against it; our
// sealed vault list says which vaults we accepted. A vault someone shared
// with us that we have not accepted is *pending*: its name may be shown, its
// items are not, until the person accepts it.
import { state, bv, ApiError, AppError, authed, opened, decodeJson } from './state.js';
import { listVersion, saveListVersion, saveLogAnchors } from './anchors.js';
import { pinStates, pin } from './pins.js';

const ROLES = ['read', 'write', 'admin', 'owner'];
const LIST_ATTEMPTS = 3;

export const unixNow = () => Math.floor(Date.now() / 1000);

// ---------- the vault list ----------

/**
 * `{list, revision, broken}`: our sealed vault list, or an empty one when
 * the account has none yet. A list that fails to open, is older than one
 * this device saw, or vanished after this device saw one is `broken`: the
 * sync reports an integrity failure, treats every share as not accepted,
 * and no list is written over it.
 */
export async function loadVaultList() {
  const seen = await listVersion();
  let res;
  try {
    res = await authed('GET', '/accounts/me/vault-list');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { list: new bv.VaultList(), revision: 0, broken: seen > 0 };
    throw e;
  }
  try {
    if (!Number.isSafeInteger(res.revision) || typeof res.envelope !== 'string') throw new Error('shape');
    const list = bv.VaultList.open(state.account, res.envelope, seen);
    if (list.version > seen) saveListVersion(list.version);
    return { list, revision: res.revision, broken: false };
  } catch {
    return { list: new bv.VaultList(), revision: 0, broken: true };
  }
}

/**
 * Writes `change(list)` (a next list, or undefined for no change) over the
 * list we hold; on a stale revision (another device wrote meanwhile) it
 * reloads and applies the change again.
 */
export async function saveList(change) {
  if (!state.list) state.list = await loadVaultList();
  for (let attempt = 1; ; attempt += 1) {
    const cur = state.list;
    if (cur.broken) throw new AppError('integrity');
    const next = change(cur.list);
    if (!next) return;
    try {
      const res = await authed('PUT', '/accounts/me/vault-list', {
        base_revision: cur.revision, envelope: next.seal(state.account),
      });
      state.list = { list: next, revision: res.revision, broken: false };
      await saveListVersion(next.version);
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409) || attempt === LIST_ATTEMPTS) throw e;
      state.list = await loadVaultList();
    }
  }
}

/** Adds these vaults to our list (the first one ever added becomes the default). */
export function addToList(vaultIds) {
  return saveList((list) => {
    let next;
    for (const id of vaultIds) next = (next || list).with(id) || next;
    return next;
  });
}

// ---------- one vault ----------

/** The vault's member log, oldest first; [] for a vault made before member logs. */
export async function fetchLog(vaultId) {
  const res = await authed('GET', `/vaults/${vaultId}/log`);
  const entries = res && res.entries;
  if (!Array.isArray(entries) || !entries.every((e) => typeof e === 'string')) throw new AppError('integrity');
  return entries;
}

/** The log as `{entries}` or `{error}`: a promise that never rejects, safe to start early. */
export const logOf = (vaultId) => fetchLog(vaultId).then((entries) => ({ entries }), (error) => ({ error }));

function openName(key, v) {
  try {
    const name = decodeJson(key.openVaultMeta(v.name, v.id)).name;
    if (typeof name !== 'string') throw new AppError('integrity');
    return name;
  } catch {
    key.free();
    throw new AppError('integrity');
  }
}

/**
 * A vault made before member logs: our own wrap, or a base-mode HPKE copy
 * sealed to our public key by anyone at all (nothing says who). Such a copy
 * is pending until the person accepts it, exactly like a logged share.
 */
function openLegacy(v) {
  const sealed = v.wrapped_vault_key.startsWith('bv1-hpke.');
  const key = opened(() => (sealed
    ? state.account.openSharedVaultKey(v.wrapped_vault_key, v.id)
    : state.account.unwrapVaultKey(v.wrapped_vault_key, v.id)));
  const listed = state.list.list.contains(v.id);
  if (!ROLES.includes(v.role)) {
    key.free();
    throw new AppError('integrity');
  }
  return {
    key, name: openName(key, v), role: v.role, legacy: true, roster: null,
    pending: sealed && !listed, rewrap: sealed && listed, addToList: false, addedBy: null,
  };
}

/**
 * What a vault the server lists is to us. Throws (the caller counts the
 * vault as failed) on a log that does not verify or does not extend this
 * device's anchor, a log that vanished after this device saw one (a
 * downgrade to the legacy path), or a key copy that does not match the log.
 */
export function openListed(v, entries, anchor) {
  if (typeof v.wrapped_vault_key !== 'string' || typeof v.name !== 'string') throw new AppError('integrity');
  if (entries.length === 0) {
    if (anchor) throw new AppError('integrity');
    return openLegacy(v);
  }
  const roster = opened(() => bv.Roster.verify(v.id, entries, anchor));
  const access = opened(() => roster.access(state.account, v.wrapped_vault_key, state.list.list));
  const { pending, rewrap, addToList: unlisted, addedBy } = access;
  const key = access.takeKey();
  const mine = roster.members().find((m) => m.accountId === state.me.accountId);
  return {
    key, name: openName(key, v), role: mine.role, legacy: false, roster,
    pending, rewrap, addToList: unlisted, addedBy,
  };
}

/** Who shared each pending vault, against this browser's pins ('unknown' if pins cannot be read). */
export async function pinPending() {
  const shared = [...state.pending.values()].filter((p) => p.addedBy);
  if (shared.length === 0) return;
  let states;
  try {
    states = await pinStates(shared.map((p) => p.addedBy));
  } catch {
    states = shared.map(() => 'unknown');
  }
  shared.forEach((p, i) => { p.pin = states[i]; });
}

/**
 * After a sync, in the background (errors ignored, the next sync retries):
 * accepted vaults whose copy is sealed get our own wrap, and vaults of ours
 * missing from the list (a list write that failed) are added to it.
 */
export function settleAccess({ rewrap, unlisted }) {
  for (const id of rewrap) {
    const v = state.vaults.get(id);
    try {
      const own = state.account.wrapVaultKey(v.key, id);
      authed('PUT', `/vaults/${id}/key`, { wrapped_vault_key: own }).catch(() => {});
    } catch {
      // a key handle freed by a newer sync: that sync decides again
    }
  }
  if (unlisted.length) addToList(unlisted).catch(() => {});
}

/** Keeps the roster after an entry this client wrote and the server stored. */
export function adoptRoster(vaultId, roster) {
  state.rosters.set(vaultId, roster);
  return saveLogAnchors([[vaultId, roster.anchor()]]);
}

// ---------- pending vaults ----------

/** The pending vaults as the page shows them (declined ones hidden for this session). */
export function pendingList() {
  return [...state.pending.values()]
    .filter((p) => !state.declined.has(p.id))
    .map((p) => ({
      vaultId: p.id,
      name: p.name,
      role: p.role,
      sharedBy: p.addedBy ? { email: p.addedBy.email, fingerprint: p.addedBy.fingerprint } : null,
      pin: p.addedBy ? p.pin : 'unsigned',
    }));
}

function pendingVault(vaultId) {
  const p = state.pending.get(vaultId);
  if (!p) throw new AppError('no_such_vault');
  return p;
}

/**
 * Accepts a pending vault: it joins our list, our own wrap replaces the
 * sealed copy, and the sharer's identity is pinned. The pin is checked
 * first, so a sharer whose identity differs from the pin changes nothing.
 */
export async function accept(vaultId) {
  const p = pendingVault(vaultId);
  if (p.addedBy) {
    const [now] = await pinStates([p.addedBy]);
    if (now === 'changed') throw new AppError('key_changed');
  }
  const own = state.account.wrapVaultKey(p.key, vaultId);
  await addToList([vaultId]);
  await authed('PUT', `/vaults/${vaultId}/key`, { wrapped_vault_key: own });
  if (p.addedBy) await pin([p.addedBy]);
}

export function decline(vaultId) {
  pendingVault(vaultId);
  state.declined.add(vaultId);
}
