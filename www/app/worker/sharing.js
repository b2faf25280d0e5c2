// Sharing a vault through its member log (SPEC § Member log): every add,
// role change and removal is an entry we sign, checked here against the
// roster this device verified, with each member's identity checked against
// this browser's pins. The server's own member list is only compared, never
// trusted: a row it added, dropped or changed stops the change before
// anything is signed or sealed. Also: the vault's audit log, checked here
// by the core against its hash chain and the head this browser verified.
import { state, AppError, bv, ApiError, authed, opened, vault } from './state.js';
import { sync, listing } from './sync.js';
import { fetchLog, adoptRoster, unixNow, pinStates, pin } from './access.js';
import { b64uDecode } from '../bytes.js';
import { extras } from './extras.js';
import { auditHead, saveAuditHead } from './anchors.js';

const ATTEMPTS = 3;

// 409s that are a decision, not a race another try could win.
const FINAL_409 = new Set(['last_owner', 'log_entry_required', 'identity_mismatch']);

/**
 * Someone else changed the vault between our read and our write: its
 * revision moved (409), or the log grew so our entry no longer extends it
 * (the server refuses it as invalid_log_entry). Sync and try again.
 */
function raced(e) {
  if (!(e instanceof ApiError)) return false;
  return (e.status === 409 && !FINAL_409.has(e.code)) || (e.status === 400 && e.code === 'invalid_log_entry');
}

/** A server refusal as the code the page shows. */
function mapped(e) {
  if (!(e instanceof ApiError)) return e;
  if (e.status === 403) return new AppError('forbidden');
  if (e.status === 404) return new AppError(e.code === 'unknown_account' ? 'no_such_user' : 'no_such_vault');
  if (e.status === 409 && e.code === 'last_owner') return new AppError('last_owner');
  if (e.status === 409 && e.code === 'rotation_incomplete') return new AppError('rotation_incomplete');
  // The server contradicts the log or the identity it published itself.
  if (e.code === 'log_entry_required' || e.code === 'identity_mismatch' || e.code === 'invalid_log_entry') {
    return new AppError('integrity');
  }
  if (e.status === 409) return new AppError('vault_stale');
  return e;
}

/** Runs `fn` up to ATTEMPTS times while it loses races; other failures end it at once. */
async function attempts(fn) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (e) {
      if (!raced(e) || attempt === ATTEMPTS) throw mapped(e);
    }
  }
}

/** A core signing call; the core refuses what the roster does not allow. */
function signed(fn) {
  try {
    return fn();
  } catch (e) {
    if (String(e && e.message).includes('at least one owner')) throw new AppError('last_owner');
    throw new AppError('forbidden');
  }
}

/** Trimmed and ASCII-lower-cased, as the server and the core store emails. */
const normalEmail = (email) => String(email).trim().replace(/[A-Z]/g, (c) => c.toLowerCase());

function loggedVault(vaultId) {
  const v = vault(vaultId);
  if (v.legacy) throw new AppError('legacy_vault');
  return v;
}

/** The vault's revision as the server has it now (every member change bumps it). */
async function freshRevision(vaultId) {
  const res = await authed('GET', '/vaults');
  const row = (res.vaults || []).find((x) => x.id === vaultId);
  if (!row) throw new AppError('no_such_vault');
  vault(vaultId).revision = row.revision;
  return row.revision;
}

/**
 * The verified roster as the server's log has it now. If the log moved
 * since the last sync (someone shared, removed or rotated), sync: the vault
 * key, our copy and the roster are then checked together again, against
 * this device's anchor.
 */
async function currentRoster(vaultId) {
  loggedVault(vaultId);
  const held = state.rosters.get(vaultId);
  const entries = await fetchLog(vaultId);
  const a = held.anchor();
  const same = entries.length === a.len && entries.length > 0 && bv.logEntryHash(entries[entries.length - 1]) === a.head;
  if (same) return held;
  await sync();
  const now = state.rosters.get(vaultId);
  if (!now) throw new AppError(state.vaults.has(vaultId) ? 'legacy_vault' : 'no_such_vault');
  return now;
}

/** The server's member rows, refused unless they are exactly the roster (ids and roles). */
async function checkedRows(vaultId, roster) {
  const res = await authed('GET', `/vaults/${vaultId}/members`);
  const rows = res && Array.isArray(res.members) ? res.members : null;
  if (!rows) throw new AppError('integrity');
  try {
    roster.checkServerList(rows.map((r) => String(r.account_id)), rows.map((r) => String(r.role)));
  } catch {
    throw new AppError('roster_mismatch');
  }
  return rows;
}

/**
 * Every member's identity: the one the log names must be the one the
 * server lists now and must not differ from this browser's pin. Returns the
 * members whose identity this browser has not pinned yet (to pin once the
 * change has gone through). `except` is a member being removed, who gets
 * nothing: an impostor a pin exposes must stay removable.
 */
async function checkedIdentities(roster, rows, except) {
  const members = roster.members().filter((m) => m.accountId !== except);
  const listed = new Map(rows.map((r) => [r.account_id, r.identity]));
  const me = state.me.accountId;
  if (members.some((m) => m.accountId !== me && listed.get(m.accountId) !== m.identity)) {
    throw new AppError('key_changed');
  }
  const pins = await pinStates(members);
  if (pins.includes('changed')) throw new AppError('key_changed');
  return members.filter((_, i) => pins[i] === 'new');
}

// ---------- members ----------

function fingerprintOf(publicKeyB64u) {
  try {
    return bv.fingerprint(b64uDecode(publicKeyB64u));
  } catch {
    throw new AppError('integrity');
  }
}

/** A vault made before member logs: the server's list, as before (read-only here). */
async function legacyMembers(vaultId) {
  const res = await authed('GET', `/vaults/${vaultId}/members`);
  return {
    legacy: true,
    mismatch: false,
    members: res.members.map((m) => ({
      accountId: m.account_id, email: m.email, role: m.role, fingerprint: fingerprintOf(m.public_key),
      pin: 'legacy', me: m.account_id === state.me.accountId,
    })),
  };
}

/**
 * The members as the verified log has them (email, role, identity
 * fingerprint, pin state), and whether the server's own list differs.
 */
export async function members({ vaultId }) {
  try {
    if (vault(vaultId).legacy) return await legacyMembers(vaultId);
    const roster = await currentRoster(vaultId);
    const list = roster.members();
    const pins = await pinStates(list).catch(() => list.map(() => 'unknown'));
    let mismatch = false;
    try {
      await checkedRows(vaultId, roster);
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'roster_mismatch')) throw e;
      mismatch = true;
    }
    return {
      legacy: false,
      mismatch,
      members: list.map((m, i) => ({
        accountId: m.accountId, email: m.email, role: m.role, fingerprint: m.fingerprint, pin: pins[i],
        addedBy: m.addedBy.email, me: m.accountId === state.me.accountId,
      })),
    };
  } catch (e) {
    throw mapped(e);
  }
}

/**
 * Step one of sharing: who is this email? The identity the server hands
 * back must be self-signed and name exactly the account and email asked
 * for; the person then compares its fingerprint. One that differs from
 * this browser's pin stops here.
 */
export async function lookup({ email, vaultId }) {
  if (vaultId) loggedVault(vaultId);
  let res;
  try {
    res = await authed('POST', '/accounts/lookup', { email });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new AppError('no_such_user');
    throw e;
  }
  if (res.identity == null) throw new AppError('no_identity');
  const info = opened(() => bv.parseIdentity(res.identity));
  if (info.accountId !== res.account_id || info.email !== normalEmail(email)
    || info.x25519 !== res.public_key) {
    throw new AppError('integrity');
  }
  const [pinState] = await pinStates([info]);
  if (pinState === 'changed') throw new AppError('key_changed');
  return { accountId: info.accountId, email: info.email, identity: info.identity, fingerprint: info.fingerprint, pin: pinState };
}

/**
 * Shares the vault: an `add` entry for the identity the person was shown
 * (passed back unchanged and checked again), and our copy of the vault key
 * sealed in HPKE auth mode to that identity's key, bound to the entry. A new
 * identity needs the person's explicit confirmation that the fingerprints
 * match; it is pinned once the share has gone through.
 */
export async function shareVault({ vaultId, identity, role, confirmedNew }) {
  const info = opened(() => bv.parseIdentity(identity));
  if (info.accountId === state.me.accountId) throw new AppError('share_self');
  const [pinState] = await pinStates([info]);
  if (pinState === 'changed') throw new AppError('key_changed');
  if (pinState === 'new' && confirmedNew !== true) throw new AppError('confirm_identity');
  await attempts(async () => {
    const base = await freshRevision(vaultId);
    const roster = await currentRoster(vaultId);
    if (roster.members().some((m) => m.accountId === info.accountId)) throw new AppError('share_member');
    const entry = signed(() => roster.signAdd(state.account, info.identity, role, unixNow()));
    const after = roster.with(entry);
    const copy = after.sealCopy(state.account, vault(vaultId).key, info.accountId, bv.logEntryHash(entry));
    const res = await authed('PUT', `/vaults/${vaultId}/members/${info.accountId}`, {
      base_revision: base, role, wrapped_vault_key: copy, log_entry: entry,
    });
    vault(vaultId).revision = res.revision;
    await adoptRoster(vaultId, after);
  });
  await pin([info]);
  return members({ vaultId });
}

/** Changes a member's role: a signed `role` entry; every copy of the key stays. */
export async function setRole({ vaultId, accountId, role }) {
  const fresh = await attempts(async () => {
    const base = await freshRevision(vaultId);
    const roster = await currentRoster(vaultId);
    const unpinned = await checkedIdentities(roster, await checkedRows(vaultId, roster));
    const entry = signed(() => roster.signRole(state.account, accountId, role, unixNow()));
    const after = roster.with(entry);
    const res = await authed('PUT', `/vaults/${vaultId}/members/${accountId}`, {
      base_revision: base, role, log_entry: entry,
    });
    vault(vaultId).revision = res.revision;
    await adoptRoster(vaultId, after);
    return unpinned;
  });
  await pin(fresh);
  return members({ vaultId });
}

/**
 * The vault's name, items and folders under `fresh`, as the rotation sends
 * them: the core re-wraps every item key (overview, details and attachments
 * stay byte for byte) and re-seals every folder and the name.
 */
function rotated(vaultId, fresh) {
  const old = vault(vaultId);
  const items = [...state.items.values()].filter((it) => it.vault_id === vaultId);
  const folders = [...state.folders.values()].filter((f) => f.vaultId === vaultId);
  return JSON.parse(bv.rotationParts(old.key, fresh, vaultId, old.name,
    items.map((it) => it.id), items.map((it) => it.revision), items.map((it) => it.envelope),
    folders.map((f) => f.id), folders.map((f) => f.revision), folders.map((f) => f.envelope)));
}

/**
 * Removes a member and rotates the vault key in ONE request (SPEC § Key
 * rotation): our signed `remove` entry commits to the new key, which is
 * sealed to every member left in the roster after it (never to a row only
 * the server lists), with every item key, folder and the name re-wrapped.
 * Service-token grants are not re-wrapped (`tokens: {}`): the server
 * revokes them in the same transaction. An item written meanwhile makes the
 * server refuse the whole rotation (409, nothing applied): sync and rebuild.
 */
export async function removeMember({ vaultId, accountId }) {
  const done = await attempts(async () => {
    // Every item is re-wrapped, so every envelope is needed.
    await sync({ envelopes: true });
    loggedVault(vaultId);
    const roster = state.rosters.get(vaultId);
    const revision = await freshRevision(vaultId);
    const unpinned = await checkedIdentities(roster, await checkedRows(vaultId, roster), accountId);
    const fresh = bv.VaultKey.generate();
    try {
      const entry = signed(() => roster.signRemove(state.account, accountId, fresh, unixNow()));
      const after = roster.with(entry);
      const body = {
        base_revision: revision,
        ...rotated(vaultId, fresh),
        members: after.sealCopies(state.account, fresh, bv.logEntryHash(entry)),
        tokens: {},
        log_entry: entry,
      };
      const res = await authed('POST', `/vaults/${vaultId}/rotate`, body);
      await adoptRoster(vaultId, after);
      return { unpinned, revoked: Array.isArray(res.revoked_tokens) ? res.revoked_tokens.length : 0 };
    } finally {
      fresh.free();
    }
  });
  await pin(done.unpinned);
  await sync();
  return { members: await members({ vaultId }), listing: listing(), revokedTokens: done.revoked };
}

// ---------- audit ----------

const AUDIT_PAGE = 1000;

/**
 * Reads the whole chain and has the core verify it (SPEC § Audit log;
 * verifyAuditChain, in the lazily loaded pkg/) against the head this
 * browser verified before: a server that rewrote an entry and recomputed
 * every later hash makes a chain that is self-consistent, but no longer
 * holds that head. The first bad entry is named by its position, and only
 * a chain that verifies moves the head on.
 */
export async function audit({ vaultId }) {
  const entries = [];
  let after = 0;
  for (;;) {
    const res = await authed('GET', `/vaults/${vaultId}/audit?after=${after}&limit=${AUDIT_PAGE}`).catch((e) => { throw mapped(e); });
    if (!res || !Array.isArray(res.entries)) throw new AppError('integrity');
    entries.push(...res.entries);
    const last = res.entries.length > 0 ? res.entries[res.entries.length - 1].seq : after;
    // A full page that does not move forward would loop for ever; the
    // verifier names the entry that is out of order.
    if (res.entries.length < AUDIT_PAGE || !(last > after)) break;
    after = last;
  }
  const [core, remembered] = await Promise.all([extras(), auditHead(vaultId)]);
  let verdict;
  try {
    verdict = core.verifyAuditChain(vaultId, entries, remembered);
  } catch {
    // Not audit entries at all (a field missing or of the wrong type).
    throw new AppError('integrity');
  }
  if (verdict.ok && verdict.head) await saveAuditHead(vaultId, verdict.head);
  return {
    ok: verdict.ok,
    brokenAt: verdict.ok ? null : verdict.position,
    problem: verdict.ok ? null : verdict.problem,
    entries: entries.map((e) => ({
      seq: e.seq, time: e.time, actor: e.actor, action: e.action, object: e.object, outcome: e.outcome,
    })),
  };
}
