// Folders: a name sealed under the vault key for bv1/folder/<vault>/<folder>.
// Items name their folder by id in the overview (`folder`); an id that no
// longer exists files the item at the vault's top level.
import { state, AppError, ApiError, authed, vault } from './state.js';
import { listing } from './sync.js';
import { randomId } from '../bytes.js';

function seal(vaultId, folderId, name) {
  return vault(vaultId).key.sealFolderName(name, vaultId, folderId);
}

function keep(view, name) {
  state.folders.set(view.id, { vaultId: view.vault_id, id: view.id, revision: view.revision, name, envelope: view.envelope });
}

async function stale(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) throw new AppError('folder_stale');
    if (e instanceof ApiError && e.status === 403) throw new AppError('forbidden');
    throw e;
  }
}

export async function createFolder({ vaultId, name }) {
  const id = randomId();
  const view = await stale(() => authed('POST', `/vaults/${vaultId}/folders`, { id, envelope: seal(vaultId, id, name) }));
  keep(view, name);
  return { id, listing: listing() };
}

export async function renameFolder({ folderId, name }) {
  const f = state.folders.get(folderId);
  if (!f) throw new AppError('no_such_folder');
  const view = await stale(() => authed('PUT', `/vaults/${f.vaultId}/folders/${folderId}`, {
    base_revision: f.revision, envelope: seal(f.vaultId, folderId, name),
  }));
  keep(view, name);
  return listing();
}

export async function deleteFolder({ folderId }) {
  const f = state.folders.get(folderId);
  if (!f) throw new AppError('no_such_folder');
  await stale(() => authed('DELETE', `/vaults/${f.vaultId}/folders/${folderId}?base_revision=${f.revision}`));
  state.folders.delete(folderId);
  return listing();
}
