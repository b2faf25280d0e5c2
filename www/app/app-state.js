// What the page holds while a vault is open: decrypted overviews (never
// details, except the one item in the editor) and where the person is.
// Keys are never here; `app.worker` is the crypto worker's client, replaced
// by a fresh one at every lock.
export const app = {
  worker: null,
  /** { email, fingerprint } while logged in */
  session: null,
  /** the worker's listing: { vaults, folders, items, failed, pending, defaultVault } */
  data: { vaults: [], folders: [], items: [], failed: 0, pending: [], defaultVault: null },
  currentVault: null,
  /** a folder id of currentVault, or null for the whole vault */
  currentFolder: null,
  /** the open item: { id, kind, vaultId, revision, trashed, original } */
  editing: null,
};

/**
 * Late-bound functions modules call on each other (set up by main.js), so
 * the feature modules do not import one another in a cycle.
 */
export const hooks = {
  applyListing: () => {},
  lock: async () => {},
  openItem: async () => {},
  closeEditor: () => {},
  renderItems: () => {},
};

export const call = (op, args, onProgress) => app.worker.call(op, args, onProgress);

export function vaultName(id) {
  const v = app.data.vaults.find((x) => x.id === id);
  return v ? v.name : '';
}

export function foldersOf(vaultId) {
  return app.data.folders
    .filter((f) => f.vaultId === vaultId)
    .sort((a, b) => a.name.localeCompare(b.name));
}
