// Sharing a vault: members and roles, removal with key rotation, and the
// vault's audit log checked here, in the client, against its hash chain.
import { state, AppError, bv, ApiError, authed, envelopeToBlob, blobToEnvelope, vault } from './state.js';
import { sync, listing } from './sync.js';
import { b64uDecode, utf8 } from '../bytes.js';
import { checkOrPin } from './pins.js';

function fingerprintOf(publicKeyB64u) {
  try {
    return bv.fingerprint(b64uDecode(publicKeyB64u));
  } catch {
    throw new AppError('integrity');
  }
}

async function guarded(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) throw new AppError('forbidden');
    if (e instanceof ApiError && e.status === 404) throw new AppError('no_such_vault');
    if (e instanceof ApiError && e.status === 409 && e.code === 'last_owner') throw new AppError('last_owner');
    if (e instanceof ApiError && e.status === 409 && e.code === 'rotation_incomplete') throw new AppError('rotation_incomplete');
    if (e instanceof ApiError && e.status === 409) throw new AppError('vault_stale');
    throw e;
  }
}

export async function members({ vaultId }) {
  const res = await guarded(() => authed('GET', `/vaults/${vaultId}/members`));
  return res.members.map((m) => ({
    accountId: m.account_id,
    email: m.email,
    role: m.role,
    fingerprint: fingerprintOf(m.public_key),
    me: m.account_id === state.me.accountId,
  }));
}

/** Step one of sharing: who is this email? The person compares the fingerprint. */
export async function lookup({ email }) {
  let res;
  try {
    res = await authed('POST', '/accounts/lookup', { email });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new AppError('no_such_user');
    throw e;
  }
  return { accountId: res.account_id, email, publicKey: res.public_key, fingerprint: fingerprintOf(res.public_key) };
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
 * Seals the vault key to the member's public key (HPKE, SPEC § Sealing to a
 * public key) and sets their role. The public key is the one whose
 * fingerprint the person was shown, passed back unchanged, or for a role
 * change the one the server lists now; either way it must match this
 * browser's pin for that account (pins.js), or nothing is sealed.
 */
export async function setMember({ vaultId, accountId, publicKey, role }) {
  const v = vault(vaultId);
  let pk = publicKey;
  if (!pk) {
    const list = await guarded(() => authed('GET', `/vaults/${vaultId}/members`));
    const m = list.members.find((x) => x.account_id === accountId);
    if (!m) throw new AppError('no_such_user');
    pk = m.public_key;
  }
  await checkOrPin([{ accountId, publicKey: pk }]);
  const wrapped = accountId === state.me.accountId
    ? state.account.wrapVaultKey(v.key, vaultId)
    : v.key.sealTo(b64uDecode(pk), vaultId, accountId);
  const base = await freshRevision(vaultId);
  const res = await guarded(() => authed('PUT', `/vaults/${vaultId}/members/${accountId}`, {
    base_revision: base, role, wrapped_vault_key: wrapped,
  }));
  v.revision = res.revision;
  return members({ vaultId });
}

/**
 * Removes a member, then rotates the vault key so what they may have kept
 * opens nothing written from now on (SPEC § Key rotation). The rotation is
 * one request the server applies whole or not at all; it lists exactly the
 * vault's members, items (trashed too) and folders, so we sync first.
 */
const ROTATE_ATTEMPTS = 3;

export async function removeMember({ vaultId, accountId }) {
  const base = await freshRevision(vaultId);
  await guarded(() => authed('DELETE', `/vaults/${vaultId}/members/${accountId}?base_revision=${base}`));
  // The member is gone and the rotation must follow. An item written between
  // rotate()'s sync and its request makes the server refuse the whole
  // rotation (409, nothing applied): sync again and retry, a few times.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await rotate({ vaultId });
      break;
    } catch (e) {
      const raced = e instanceof AppError && (e.code === 'vault_stale' || e.code === 'rotation_incomplete');
      if (!raced || attempt === ROTATE_ATTEMPTS) throw e;
    }
  }
  return { members: await members({ vaultId }), listing: listing() };
}

export async function rotate({ vaultId }) {
  // Every item is re-wrapped, so every envelope is needed.
  await sync({ envelopes: true });
  const old = vault(vaultId);
  const revision = await freshRevision(vaultId);
  const list = await guarded(() => authed('GET', `/vaults/${vaultId}/members`));
  // Every member's listed key against its pin, before the new key exists.
  await checkOrPin(list.members.map((m) => ({ accountId: m.account_id, publicKey: m.public_key })));
  const fresh = bv.VaultKey.generate();
  try {
    const body = { base_revision: revision, name: '', members: {}, tokens: {}, items: {}, folders: {} };
    body.name = fresh.sealVaultMeta(utf8(JSON.stringify({ name: old.name })), vaultId);
    for (const m of list.members) {
      body.members[m.account_id] = m.account_id === state.me.accountId
        ? state.account.wrapVaultKey(fresh, vaultId)
        : fresh.sealTo(b64uDecode(m.public_key), vaultId, m.account_id);
    }
    for (const it of state.items.values()) {
      if (it.vault_id !== vaultId) continue;
      // The item key is re-wrapped; overview, details and attachments stay byte for byte.
      const blob = bv.rewrapItem(envelopeToBlob(it.envelope), it.id, old.key, vaultId, fresh, vaultId);
      body.items[it.id] = { base_revision: it.revision, envelope: blobToEnvelope(blob) };
    }
    for (const f of state.folders.values()) {
      if (f.vaultId !== vaultId) continue;
      body.folders[f.id] = {
        base_revision: f.revision,
        envelope: fresh.sealFolder(utf8(JSON.stringify({ name: f.name })), vaultId, f.id),
      };
    }
    await guarded(() => authed('POST', `/vaults/${vaultId}/rotate`, body));
  } finally {
    fresh.free();
  }
  await sync();
  return listing();
}

// ---------- audit ----------

const te = new TextEncoder();

/** enc(s) = u32_be(len(s)) || s, SPEC § Audit log. */
function enc(parts) {
  const bytes = parts.map((p) => te.encode(String(p)));
  const out = new Uint8Array(bytes.reduce((n, b) => n + 4 + b.length, 0));
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const b of bytes) {
    dv.setUint32(o, b.length);
    out.set(b, o + 4);
    o += 4 + b.length;
  }
  return out;
}

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Reads the whole chain and recomputes it here: a server that rewrote an
 * entry cannot also make this check pass without recomputing every later
 * hash, and the first mismatch is named by its position.
 */
export async function audit({ vaultId }) {
  const entries = [];
  let after = 0;
  for (;;) {
    const res = await guarded(() => authed('GET', `/vaults/${vaultId}/audit?after=${after}&limit=1000`));
    entries.push(...res.entries);
    if (res.entries.length < 1000) break;
    after = res.entries[res.entries.length - 1].seq;
  }
  let prev = '0'.repeat(64);
  let brokenAt = null;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const digest = await crypto.subtle.digest('SHA-256', enc(['blindvault/v1/audit', e.seq, e.chain, e.time,
      e.actor, e.action, e.object, e.client, e.outcome, e.prev_hash]));
    if (e.prev_hash !== prev || hex(digest) !== e.hash) {
      brokenAt = i + 1;
      break;
    }
    prev = e.hash;
  }
  return {
    ok: brokenAt === null,
    brokenAt,
    entries: entries.map((e) => ({
      seq: e.seq, time: e.time, actor: e.actor, action: e.action, object: e.object, outcome: e.outcome,
    })),
  };
}

