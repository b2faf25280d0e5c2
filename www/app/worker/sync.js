// Sync: vault keys opened against each vault's member log (access.js),
// vault and folder names and item overviews opened; details stay sealed
// until an item is opened (SPEC § Web vault).
import { state, bv, ApiError, AppError, authed, envelopeToBlob, decodeJson, opened, vault, item } from './state.js';
import { fromUtf8, randomId } from '../bytes.js';
import { byName } from '../item-kinds.js';
import { loadVaultList, addToList, logOf, gather, decide, forgetPending, pinPending, settleAccess, pendingList, unixNow } from './access.js';
import { saveLogAnchors } from './anchors.js';

/**
 * A new vault always has a member log: entry 0, signed by us, commits to
 * its key. It joins our vault list (the first one, "Personal", becomes the
 * default); if that write fails the next sync adds it, since our own wrap
 * of a vault missing from the list is ours.
 */
export async function createVault(name) {
  const id = randomId();
  const key = bv.VaultKey.generate();
  const entry = bv.logGenesis(state.account, id, key, unixNow());
  const view = await authed('POST', '/vaults', {
    id,
    name: key.sealVaultName(name, id),
    wrapped_vault_key: state.account.wrapVaultKey(key, id),
    log_entry: entry,
  });
  const none = new bv.VaultList();
  let roster;
  try {
    roster = bv.Roster.verify(id, [entry], undefined, none);
  } finally {
    none.free();
  }
  state.vaults.set(id, { key, name, role: 'owner', revision: view.revision, seq: view.seq, legacy: false });
  state.rosters.set(id, roster);
  await saveLogAnchors([[id, roster.anchor()]]);
  await addToList([id], new Map([[id, roster.anchor()]])).catch(() => {});
  return id;
}

function forgetVaults() {
  for (const v of state.vaults.values()) v.key.free();
  forgetPending();
  state.vaults.clear();
  state.rosters.clear();
  state.items.clear();
  state.folders.clear();
  state.attachments.clear();
  state.overviews.clear();
}

/**
 * Full sync; returns the page's listing. By default items arrive without
 * their envelopes (`GET /sync?envelopes=false`): the list comes from the
 * vaults' overview snapshots, and an envelope is fetched when something needs
 * it (openItem, an edit, an attachment). Only items the snapshots do not
 * cover are fetched with their envelopes now, so that their overviews can be
 * opened. `{ envelopes: true }` gets every envelope at once, for the ops that
 * touch every item (export, key rotation). The vault list, every vault's
 * member log and the snapshots are fetched side by side with the sync.
 */
export async function sync({ envelopes = false } = {}) {
  const early = prefetch(!envelopes);
  const listed = loadVaultList();
  listed.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  const res = await authed('GET', envelopes ? '/sync' : '/sync?envelopes=false');
  const pre = await early;
  const gathered = await gather(res.vaults, listed, pre.logs);
  forgetVaults();
  // access.js decides every listed vault: verified log, key copy, vault list.
  const decided = decide(res.vaults, gathered);
  for (const { v, got } of decided.accepted) {
    state.vaults.set(v.id, { key: got.key, name: got.name, role: got.role, revision: v.revision, seq: v.seq, legacy: got.legacy });
    if (got.roster) state.rosters.set(v.id, got.roster);
  }
  let { failed } = decided;
  for (const f of res.folders || []) {
    const v = state.vaults.get(f.vault_id);
    if (!v) continue;
    try {
      const name = v.key.openFolderName(f.envelope, f.vault_id, f.id);
      state.folders.set(f.id, { vaultId: f.vault_id, id: f.id, revision: f.revision, name, envelope: f.envelope });
    } catch {
      failed += 1;
    }
  }
  // Only the vaults shown: a pending vault's items stay unopened until it is accepted.
  for (const a of res.attachments || []) if (state.vaults.has(a.vault_id)) state.attachments.set(a.id, a);
  for (const it of res.items) if (state.vaults.has(it.vault_id)) state.items.set(it.id, it);
  const snaps = await Promise.all([...state.vaults].map(([id, v]) => useSnapshot(id, v, pre.snapshots.get(id))));
  await Promise.all([fetchUncovered(), pinPending()]);
  const out = listing(failed);
  // Refresh missing or stale snapshots after the list is ready, in the background.
  for (const s of snaps) if (s && s.stale) writeSnapshot(s.vaultId, s.revision).catch(() => {});
  settleAccess(decided.later);
  return out;
}

// Up to this many uncovered items are fetched one GET each; more (a first
// login, or a snapshot far behind) take one full sync instead.
const FETCH_ONE_BY_ONE = 32;

/** Envelopes for the items of a known vault with neither envelope nor opened overview. */
async function fetchUncovered() {
  const missing = [...state.items.values()].filter((it) => it.envelope === undefined
    && state.vaults.has(it.vault_id) && !cachedOverview(it));
  if (missing.length === 0) return;
  if (missing.length > FETCH_ONE_BY_ONE) {
    const full = await authed('GET', '/sync');
    for (const it of full.items) {
      const cur = state.items.get(it.id);
      if (cur && cur.envelope === undefined) keepNewer(it);
    }
    return;
  }
  // One that cannot be fetched stays without an envelope; listing() counts it
  // as failed and the page says so.
  await Promise.all(missing.map((it) => fetchItem(it.vault_id, it.id).catch(() => {})));
}

async function fetchItem(vaultId, itemId) {
  return keepNewer(await authed('GET', `/vaults/${vaultId}/items/${itemId}`));
}

/** Stores a fetched item view unless the one we hold is newer. */
function keepNewer(view) {
  const cur = state.items.get(view.id);
  if (cur && cur.revision > view.revision && cur.envelope !== undefined) return cur;
  state.items.set(view.id, view);
  return view;
}

/** The item's server view with its envelope, fetched when the sync left it out. */
export async function withEnvelope(itemId) {
  const view = item(itemId);
  if (view.envelope !== undefined) return view;
  try {
    return await fetchItem(view.vault_id, itemId);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw new AppError('no_such_item');
    throw e;
  }
}

/** The opened overview for this item at this revision, if any. */
function cachedOverview(it) {
  const hit = state.overviews.get(it.id);
  return hit && hit.vaultId === it.vault_id && hit.revision === it.revision ? hit : null;
}

// ---------- overview snapshots (SPEC § Overview snapshot) ----------

const fetchSnapshot = (vaultId) => authed('GET', `/vaults/${vaultId}/overview-snapshot`);

/**
 * For every vault the server lists now: the pending GET of its member log
 * and (with `snapshots`) of its overview snapshot. Never rejects: a failed
 * list means each vault fetches its own later, and each GET's own error is
 * handled where it is used.
 */
async function prefetch(snapshots) {
  const out = { logs: new Map(), snapshots: new Map() };
  try {
    const { vaults } = await authed('GET', '/vaults');
    for (const v of vaults) {
      out.logs.set(v.id, logOf(v.id));
      if (!snapshots || typeof bv.openOverviewSnapshot !== 'function') continue;
      const p = fetchSnapshot(v.id);
      p.catch(() => {}); // handled in useSnapshot; not an unhandled rejection meanwhile
      out.snapshots.set(v.id, p);
    }
  } catch {
    // fall back to one GET per vault after the sync
  }
  return out;
}

/**
 * Opens a vault's overview snapshot, if the core and the server have them,
 * and pre-fills the overview cache for every item whose id AND revision
 * match an entry (the snapshot is a cache that may lag the items, so only
 * exact matches are trusted; the rest is opened item by item). It is sealed
 * under the vault key, so the server can hold it back but not forge it; one
 * that fails to open is treated as missing and rewritten.
 */
async function useSnapshot(vaultId, v, fetched) {
  if (typeof bv.openOverviewSnapshot !== 'function') return null;
  let res;
  try {
    res = await (fetched || fetchSnapshot(vaultId));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { vaultId, revision: 0, stale: true };
    return null;
  }
  let entries;
  try {
    entries = await bv.openOverviewSnapshot(v.key, vaultId, res.envelope);
  } catch {
    return { vaultId, revision: res.revision, stale: true };
  }
  // rank: the entry's place in the snapshot, which is written sorted by name.
  const byId = new Map(entries.map((e, rank) => [e.id, { e, rank }]));
  let matched = 0;
  let total = 0;
  for (const it of state.items.values()) {
    if (it.vault_id !== vaultId) continue;
    total += 1;
    const hit = byId.get(it.id);
    if (!hit || hit.e.revision !== it.revision) continue;
    matched += 1;
    state.overviews.set(it.id, { vaultId, revision: it.revision, overview: hit.e.overview, rank: hit.rank });
  }
  return { vaultId, revision: res.revision, stale: matched !== total || entries.length !== total };
}

async function writeSnapshot(vaultId, baseRevision) {
  const v = state.vaults.get(vaultId);
  if (!v) return;
  const entries = [];
  for (const it of state.items.values()) {
    if (it.vault_id !== vaultId) continue;
    const hit = cachedOverview(it);
    // An item that failed to open is left out; the snapshot then stays stale.
    if (!hit) return;
    entries.push({ id: it.id, revision: it.revision, overview: hit.overview });
  }
  // In the list's order, so the next unlock hands the page a sorted list
  // (sorting 10 000 names with Intl.Collator costs ~60-100 ms on the page).
  entries.sort((a, b) => byName(a.overview, b.overview));
  const envelope = await bv.sealOverviewSnapshot(v.key, vaultId, entries);
  try {
    await authed('PUT', `/vaults/${vaultId}/overview-snapshot`, { base_revision: baseRevision, envelope });
  } catch (e) {
    // 409: another client wrote one meanwhile; theirs will do. 403: a reader.
    if (!(e instanceof ApiError && (e.status === 409 || e.status === 403))) throw e;
  }
}

/** Decrypted overviews of every item, one core crossing per vault. */
export function listing(failedBefore = 0) {
  let failed = failedBefore;
  const items = [];
  for (const [vaultId, v] of state.vaults) {
    const views = [...state.items.values()].filter((it) => it.vault_id === vaultId);
    const blobs = [];
    const ids = [];
    // Snapshot order first (sorted by name when written), so the page's sort
    // of the list finds it almost sorted; items without a rank follow.
    const cached = [];
    for (const it of views) {
      const hit = cachedOverview(it);
      if (hit) {
        cached.push([hit.rank ?? Number.MAX_SAFE_INTEGER, entry(it, vaultId, hit.overview)]);
        continue;
      }
      try {
        blobs.push(envelopeToBlob(it.envelope));
        ids.push(it.id);
      } catch {
        failed += 1;
      }
    }
    cached.sort((a, b) => a[0] - b[0]);
    for (const [, e] of cached) items.push(e);
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
      state.overviews.set(view.id, { vaultId, revision: view.revision, overview });
      items.push(entry(view, vaultId, overview));
    });
  }
  // Oldest first (the server's change sequence). Which one is selected after
  // login is our sealed list's default, never the server's order: a server
  // cannot make the person save into a vault it picked.
  const vaults = [...state.vaults]
    .sort(([, a], [, b]) => a.seq - b.seq)
    .map(([id, v]) => ({ id, name: v.name, role: v.role, legacy: v.legacy }));
  const folders = [...state.folders.values()]
    .map((f) => ({ id: f.id, vaultId: f.vaultId, name: f.name }));
  const chosen = state.list && state.list.list.defaultVault;
  const defaultVault = chosen && state.vaults.has(chosen) ? chosen : null;
  return { vaults, folders, items, failed, pending: pendingList(), defaultVault };
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

/** Opens one item's overview and details (the person opened it). */
export function decryptView(view) {
  const v = vault(view.vault_id);
  const blob = envelopeToBlob(view.envelope);
  const overview = decodeJson(opened(() => bv.openOverview(v.key, view.vault_id, view.id, blob)));
  const details = decodeJson(opened(() => bv.openDetails(v.key, view.vault_id, view.id, blob)));
  return {
    id: view.id, vaultId: view.vault_id, revision: view.revision, trashed: view.trashed_at != null,
    overview, details,
  };
}

