// Export to and import from the password-protected file of SPEC § Web vault,
// "Export file", and reading other managers' files (§ Import files). The
// formats themselves are the core's (src/transfer/, through pkg/'s
// js-extras), the same code bv runs: this file only gathers the opened
// items and writes the records. Details of every item are opened here,
// sealed at once under the export password, and only the envelope string
// leaves the worker.
import { state, AppError, bv, envelopeToBlob, decodeJson, opened } from './state.js';
import { sync, listing } from './sync.js';
import { createItem, setTrashed } from './items.js';
import { createFolder } from './folders.js';
import { extras } from './extras.js';

export async function exportAll({ password }) {
  await sync({ envelopes: true });
  const vaults = [];
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
    vaults.push({ name: v.name, folders, items });
  }
  const { sealExport } = await extras();
  const { envelope, items } = sealExport(vaults, password);
  return { envelope, count: items };
}

/** Opens an export file; returns its items flattened for the page's preview. */
export async function openExport({ text, password }) {
  const { openWithPassword, readExport } = await extras();
  let plain;
  try {
    plain = openWithPassword(text.trim(), password);
  } catch {
    // A wrong password and a tampered file are deliberately the same error.
    throw new AppError('export_password');
  }
  let vaults;
  try {
    vaults = readExport(plain);
  } catch {
    throw new AppError('import_format');
  } finally {
    plain.fill(0);
  }
  return { items: vaults.flatMap((v) => v.records), notes: [] };
}

/** Reads another manager's file (format 'bitwarden' or 'csv') for the preview. */
export async function parseImport({ format, text }) {
  const core = await extras();
  const parse = { bitwarden: core.parseBitwardenJson, csv: core.parseCsvImport }[format];
  if (!parse) throw new AppError('import_format');
  let parsed;
  try {
    parsed = parse(text);
  } catch {
    throw new AppError('import_format');
  }
  return { items: parsed.records, notes: parsed.notes };
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
    delete overview.folder;
    if (it.folder) {
      if (!byName.has(it.folder)) {
        const { id } = await createFolder({ vaultId, name: it.folder });
        byName.set(it.folder, id);
      }
      overview.folder = byName.get(it.folder);
    }
    const { id } = await createItem({ vaultId, overview, details: it.details || {} });
    // A trashed item of a Blindvault export stays in the trash, as bv imports it.
    if (it.trashed === true) await setTrashed({ itemId: id, baseRevision: state.items.get(id).revision }, 'trash');
    done += 1;
    if (done % 10 === 0) progress(`import:${done}`);
  }
  return { count: done, listing: listing() };
}
