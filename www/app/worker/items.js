// Item ops: create, update (409 hands back both versions), trash/restore,
// history. Every one returns the page's fresh listing.
import { state, AppError, bv, ApiError, authed, blobToEnvelope, envelopeToBlob, decodeJson, opened, vault, item } from './state.js';
import { listing, decryptView, withEnvelope } from './sync.js';
import { utf8, randomId } from '../bytes.js';

export function sealNew(vaultId, overview, details, id = randomId()) {
  const v = vault(vaultId);
  const blob = bv.sealItem(v.key, vaultId, id, utf8(JSON.stringify(overview)), utf8(JSON.stringify(details)));
  return { id, envelope: blobToEnvelope(blob) };
}

export async function createItem({ vaultId, overview, details }) {
  const body = sealNew(vaultId, overview, details);
  const view = await authed('POST', `/vaults/${vaultId}/items`, body);
  state.items.set(body.id, view);
  return { id: body.id, listing: listing() };
}

/**
 * `details.attachments` is written only by the attachment ops (keepAttachments
 * false); an edit from the page keeps the stored list, so an upload that
 * landed while the editor was open is not dropped by the next save.
 */
export async function updateItem({ itemId, baseRevision, overview, details: given, keepAttachments = true }) {
  const cur = await withEnvelope(itemId);
  const v = vault(cur.vault_id);
  const details = { ...given };
  if (keepAttachments) {
    const stored = decodeJson(opened(() => bv.openDetails(v.key, cur.vault_id, itemId, envelopeToBlob(cur.envelope))));
    if (stored.attachments) details.attachments = stored.attachments;
    else delete details.attachments;
  }
  const blob = bv.updateItem(
    v.key, cur.vault_id, itemId, envelopeToBlob(cur.envelope),
    utf8(JSON.stringify(overview)), utf8(JSON.stringify(details)),
  );
  try {
    const view = await authed('PUT', `/vaults/${cur.vault_id}/items/${itemId}`, {
      base_revision: baseRevision, envelope: blobToEnvelope(blob),
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
}

export async function setTrashed({ itemId, baseRevision }, action) {
  const cur = item(itemId);
  try {
    const view = await authed('POST', `/vaults/${cur.vault_id}/items/${itemId}/${action}`, {
      base_revision: baseRevision,
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

/**
 * The server keeps an item's 20 previous envelopes. Each is opened like the
 * current one (same vault key, same item id, so a version from another item
 * fails its context); one that fails is listed as failed, never shown.
 */
export async function history({ itemId }) {
  const cur = item(itemId);
  const v = vault(cur.vault_id);
  const res = await authed('GET', `/vaults/${cur.vault_id}/items/${itemId}/history`);
  const entries = res.entries || res.history || res;
  return entries.map((h) => {
    try {
      const blob = envelopeToBlob(h.envelope);
      const overview = decodeJson(opened(() => bv.openOverview(v.key, cur.vault_id, itemId, blob)));
      return { revision: h.revision, createdAt: h.created_at, name: overview.name || '', ok: true };
    } catch {
      return { revision: h.revision, createdAt: h.created_at, ok: false };
    }
  });
}

/** One old version, overview and details, read-only. */
export async function historyVersion({ itemId, revision }) {
  const cur = item(itemId);
  const res = await authed('GET', `/vaults/${cur.vault_id}/items/${itemId}/history`);
  const entries = res.entries || res.history || res;
  const h = entries.find((e) => e.revision === revision);
  if (!h) throw new AppError('no_such_version');
  const opened2 = decryptView({ ...cur, envelope: h.envelope, revision: h.revision });
  return { ...opened2, revision: h.revision, createdAt: h.created_at };
}
