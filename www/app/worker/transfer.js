// Export to and import from the password-protected file of SPEC § Web vault,
// "Export file". Details of every item are opened here, sealed at once under
// the export password, and only the envelope string leaves the worker.
import { state, AppError, bv, envelopeToBlob, decodeJson, opened } from './state.js';
import { sync, listing } from './sync.js';
import { createItem } from './items.js';
import { createFolder } from './folders.js';
import { utf8, fromUtf8 } from '../bytes.js';
import { extras } from './extras.js';

export async function exportAll({ password }) {
  await sync({ envelopes: true });
  const out = { format: 'blindvault-export', version: 1, exported_at: Math.floor(Date.now() / 1000), vaults: [] };
  for (const [vaultId, v] of state.vaults) {
    const folders = [...state.folders.values()].filter((f) => f.vaultId === vaultId).map((f) => ({ id: f.id, name: f.name }));
    const items = [];
    for (const it of state.items.values()) {
      if (it.vault_id !== vaultId) continue;
      const blob = envelopeToBlob(it.envelope);
      items.push({
        overview: decodeJson(opened(() => bv.openOverview(v.key, vaultId, it.id, blob))),
        details: decodeJson(opened(() => bv.openDetails(v.key, vaultId, it.id, blob))),
        trashed: it.trashed_at != null,
      });
    }
    out.vaults.push({ name: v.name, folders, items });
  }
  const { sealWithPassword } = await extras();
  const plain = utf8(JSON.stringify(out));
  try {
    return { envelope: sealWithPassword(plain, password), count: out.vaults.reduce((n, v) => n + v.items.length, 0) };
  } finally {
    plain.fill(0);
  }
}

/** Opens an export file; returns its items flattened for the page's preview. */
export async function openExport({ text, password }) {
  const { openWithPassword } = await extras();
  let plain;
  try {
    plain = openWithPassword(text.trim(), password);
  } catch {
    // A wrong password and a tampered file are deliberately the same error.
    throw new AppError('export_password');
  }
  let doc;
  try {
    doc = JSON.parse(fromUtf8(plain));
  } catch {
    throw new AppError('import_format');
  } finally {
    plain.fill(0);
  }
  if (!doc || doc.format !== 'blindvault-export' || doc.version !== 1 || !Array.isArray(doc.vaults)) {
    throw new AppError('import_format');
  }
  const items = [];
  for (const v of doc.vaults) {
    const folders = new Map((v.folders || []).map((f) => [f.id, String(f.name)]));
    for (const it of v.items || []) {
      if (!it || typeof it.overview !== 'object' || typeof it.details !== 'object') continue;
      const overview = { ...it.overview };
      const folderName = overview.folder ? folders.get(overview.folder) : undefined;
      delete overview.folder;
      // The files themselves are not in an export (SPEC § Export file).
      const details = { ...it.details };
      delete details.attachments;
      items.push({ overview, details, folderName, trashed: !!it.trashed });
    }
  }
  return items;
}

/**
 * Creates the previewed items in one vault, with their folders made (or
 * reused by name) first. Returns how many were written.
 */
export async function importItems({ vaultId, items }, progress) {
  const byName = new Map([...state.folders.values()].filter((f) => f.vaultId === vaultId).map((f) => [f.name, f.id]));
  let done = 0;
  for (const it of items) {
    const overview = { ...it.overview };
    if (it.folderName) {
      if (!byName.has(it.folderName)) {
        const { id } = await createFolder({ vaultId, name: it.folderName });
        byName.set(it.folderName, id);
      }
      overview.folder = byName.get(it.folderName);
    }
    await createItem({ vaultId, overview, details: it.details || {} });
    done += 1;
    if (done % 10 === 0) progress(`import:${done}`);
  }
  return { count: done, listing: listing() };
}
