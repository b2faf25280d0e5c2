// The item editor: build the form for one item (details opened only now),
// save with the revision it was based on, show both versions on a 409, move
// between folders, trash and restore.
import { $, run, showError, clearError, toast, showPanel } from './ui.js';
import { app, call, hooks, foldersOf } from './app-state.js';
import { KINDS } from './item-kinds.js';
import { copySecret } from './clipboard.js';
import { fieldInput, customFieldRow } from './item-fields.js';
import { describe, fillList } from './conflict-view.js';
import { message } from './messages.js';
import { startTotp, stopTotp } from './totp-view.js';
import { showAttachments } from './attachments-view.js';

let customCount = 0;
let conflict = null; // { mine, theirs }

async function generateInto(input, plainType) {
  const length = Math.min(128, Math.max(8, Number($('gen-length').value) || 24));
  const symbols = $('gen-symbols').checked;
  const pw = await run('Generating…', () =>
    call('generatePassword', { length, lowercase: true, uppercase: true, digits: true, symbols }));
  if (pw === undefined) return;
  input.value = pw;
  if (input.type === 'password') input.type = plainType;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

export const fieldActions = {
  async copy(value) {
    try {
      await copySecret(value, toast);
    } catch {
      showError('clipboard');
    }
  },
  generate: (input, plainType) => generateInto(input, plainType),
};

function addCustomField(field = { label: '', value: '', secret: false }, isNew = true) {
  const { row, first } = customFieldRow(++customCount, field, isNew, fieldActions);
  $('custom-fields').append(row);
  return first;
}

function fillFolderSelect(vaultId, folderId) {
  const sel = $('item-folder');
  sel.replaceChildren();
  const none = document.createElement('option');
  none.value = '';
  none.textContent = '(No folder: top of the vault)';
  sel.append(none);
  for (const f of foldersOf(vaultId)) {
    const o = document.createElement('option');
    o.value = f.id;
    o.textContent = f.name;
    sel.append(o);
  }
  sel.value = foldersOf(vaultId).some((f) => f.id === folderId) ? folderId : '';
}

export function buildEditor(kind, overview, details, meta, attachments = []) {
  const k = KINDS[kind];
  if (!k) return showError('unexpected');
  // What was opened, so fields this client does not know (written by a newer
  // one) survive an edit: SPEC.md § Web vault, "MUST ignore ... it does not know".
  app.editing = { kind, ...meta, original: { overview: { ...overview }, details: { ...details } } };
  $('item-form').dataset.revision = String(meta.revision);
  conflict = null;
  $('item-title').textContent = meta.id ? `${k.label}: ${overview.name || ''}` : `New ${k.label.toLowerCase()}`;
  const box = $('item-fields');
  box.replaceChildren();
  for (const f of k.fields) {
    const src = f.part === 'overview' ? overview : details;
    box.append(...fieldInput(f, src[f.key], !meta.id, fieldActions));
  }
  fillFolderSelect(meta.vaultId, overview.folder);
  $('custom-fields').replaceChildren();
  customCount = 0;
  for (const c of details.custom || []) addCustomField(c, !meta.id);
  $('trash-item').hidden = !meta.id || meta.trashed;
  $('restore-item').hidden = !meta.trashed;
  $('history-item').hidden = !meta.id;
  showPanel('item-form');
  if (kind === 'login') startTotp($('f-totp'));
  else stopTotp();
  showAttachments(meta.id, attachments);
  hooks.renderItems();
}

function collect() {
  const k = KINDS[app.editing.kind];
  const overview = { ...app.editing.original.overview, kind: app.editing.kind };
  const details = { ...app.editing.original.details };
  for (const f of k.fields) {
    const v = $(`f-${f.key}`).value;
    const part = f.part === 'overview' ? overview : details;
    if (v === '') delete part[f.key];
    else part[f.key] = v;
  }
  const folder = $('item-folder').value;
  if (folder) overview.folder = folder;
  else delete overview.folder;
  details.custom = [...$('custom-fields').querySelectorAll('[data-custom]')]
    .map((row) => ({
      label: row.querySelector('.cf-label').value,
      value: row.querySelector('.cf-value').value,
      secret: row.querySelector('.cf-secret').checked,
    }))
    .filter((c) => c.label !== '' || c.value !== '');
  return { overview, details };
}

export function closeEditor() {
  app.editing = null;
  conflict = null;
  stopTotp();
  $('item-fields').replaceChildren();
  $('custom-fields').replaceChildren();
  $('attachment-list').replaceChildren();
  showPanel('detail-empty');
}

export async function openItem(id) {
  const it = await run('Decrypting item…', () => call('openItem', { itemId: id }));
  if (!it) return;
  buildEditor(it.overview.kind, it.overview, it.details, {
    id: it.id, vaultId: it.vaultId, revision: it.revision, trashed: it.trashed,
  }, it.attachments);
  $('f-name').focus();
}

/** A write elsewhere (attachment, history) moved the open item to `revision`. */
export function editingAt(revision) {
  if (!app.editing) return;
  app.editing.revision = revision;
  $('item-form').dataset.revision = String(revision);
}

async function saveUpdate(overview, details, baseRevision) {
  const res = await run('Encrypting and saving…', () =>
    call('updateItem', { itemId: app.editing.id, baseRevision, overview, details }), $('item-form'));
  if (!res) return;
  if (res.conflict) {
    app.data = res.listing;
    hooks.renderItems();
    showConflict({ overview, details }, res.conflict);
    return;
  }
  hooks.applyListing(res.listing);
  const it = res.listing.items.find((i) => i.id === app.editing.id);
  // The saved revision on the form: a stable "this save landed" signal.
  if (it) editingAt(it.revision);
  app.editing.original = { overview: { ...overview }, details: { ...details } };
  $('item-title').textContent = `${KINDS[app.editing.kind].label}: ${overview.name}`;
  toast('Saved.');
}

function showConflict(mine, theirs) {
  conflict = { mine, theirs };
  const kind = app.editing.kind;
  const a = describe(kind, mine);
  const b = describe(theirs.overview.kind || kind, theirs);
  fillList($('conflict-mine'), a, b);
  fillList($('conflict-theirs'), b, a);
  showPanel('conflict');
  showError('stale');
  $('keep-mine').focus();
}

/**
 * After a refused trash/restore (someone else changed the item), reload the
 * list so the person sees the current state; the banner stays up.
 */
async function refreshAfterStale() {
  if ($('banner-text').textContent !== message('stale')) return;
  const listing = await call('sync').catch(() => null);
  if (!listing) return;
  closeEditor();
  hooks.applyListing(listing, { keepBanner: true });
}

export function setupEditor() {
  $('add-field').addEventListener('click', () => addCustomField().focus());

  $('new-item').addEventListener('click', () => {
    if (!app.currentVault) return;
    $('show-trash').checked = false;
    const overview = app.currentFolder ? { folder: app.currentFolder } : {};
    buildEditor($('new-kind').value, overview, {}, { id: null, vaultId: app.currentVault, revision: 0, trashed: false });
    $('f-name').focus();
  });

  $('cancel-item').addEventListener('click', () => {
    closeEditor();
    hooks.renderItems();
  });

  $('item-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!app.editing) return;
    const { overview, details } = collect();
    if (!overview.name) return showError('name_required');
    if (!app.editing.id) {
      const res = await run('Encrypting and saving…', () =>
        call('createItem', { vaultId: app.editing.vaultId, overview, details }), $('item-form'));
      if (!res) return;
      hooks.applyListing(res.listing);
      const it = res.listing.items.find((i) => i.id === res.id);
      buildEditor(app.editing.kind, overview, details, {
        ...app.editing, id: res.id, revision: it ? it.revision : 1,
      });
      toast('Saved.');
      return;
    }
    await saveUpdate(overview, details, app.editing.revision);
  });

  $('keep-mine').addEventListener('click', async () => {
    if (!conflict) return;
    const { mine, theirs } = conflict;
    showPanel('item-form');
    // The person chose: write over the version they have now seen.
    editingAt(theirs.revision);
    await saveUpdate(mine.overview, mine.details, theirs.revision);
  });

  $('use-theirs').addEventListener('click', () => {
    if (!conflict) return;
    const { theirs } = conflict;
    clearError();
    openItem(theirs.id);
  });

  $('trash-item').addEventListener('click', async () => {
    if (!app.editing || !app.editing.id) return;
    const listing = await run('Moving to trash…', () =>
      call('trashItem', { itemId: app.editing.id, baseRevision: app.editing.revision }));
    if (!listing) return refreshAfterStale();
    closeEditor();
    hooks.applyListing(listing);
    toast('Moved to trash.');
  });

  $('restore-item').addEventListener('click', async () => {
    if (!app.editing || !app.editing.id) return;
    const listing = await run('Restoring…', () =>
      call('restoreItem', { itemId: app.editing.id, baseRevision: app.editing.revision }));
    if (!listing) return refreshAfterStale();
    closeEditor();
    hooks.applyListing(listing);
    toast('Restored.');
  });

  $('show-trash').addEventListener('change', () => {
    closeEditor();
    hooks.renderItems();
  });
}
