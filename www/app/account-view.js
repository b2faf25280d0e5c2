// The Account panel: the person's key fingerprint, changing the master
// password, and export/import with a preview and a count before anything
// is written.
import { $, run, toast, showPanel, showError, cell } from './ui.js';
import { app, call, hooks, vaultName } from './app-state.js';
import { KINDS } from './item-kinds.js';

const MIN_LENGTH = 12;
let pendingImport = null; // previewed items, until imported or cancelled

export function forgetImport() {
  pendingImport = null;
  $('import-rows').replaceChildren();
  $('import-notes').replaceChildren();
  $('import-notes').hidden = true;
  $('import-preview').hidden = true;
}

function showAccount() {
  hooks.closeEditor();
  $('my-fingerprint').textContent = app.session ? app.session.fingerprint : '';
  forgetImport();
  syncImportFormat();
  showPanel('account');
  $('pw-current').focus();
}

function syncImportFormat() {
  $('import-password-row').hidden = $('import-format').value !== 'blindvault';
}

function saveText(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/jose' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `notes`: the core's sentences on what was converted or left out. */
function renderPreview(items, notes) {
  const body = $('import-rows');
  body.replaceChildren();
  for (const it of items) {
    const tr = document.createElement('tr');
    tr.append(cell((KINDS[it.overview.kind] || { label: it.overview.kind }).label), cell(it.overview.name || ''),
      cell(it.folder || ''));
    body.append(tr);
  }
  const list = $('import-notes');
  list.replaceChildren(...notes.map((n) => {
    const li = document.createElement('li');
    li.textContent = n;
    return li;
  }));
  list.hidden = notes.length === 0;
  $('import-count').textContent = items.length === 1 ? '1 item to import' : `${items.length} items to import`;
  $('import-vault').textContent = vaultName(app.currentVault);
  $('import-preview').hidden = false;
  $('import-confirm').focus();
}

export function setupAccount() {
  $('account-button').addEventListener('click', showAccount);
  $('account-close').addEventListener('click', () => {
    forgetImport();
    showPanel('detail-empty');
  });

  $('password-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const current = $('pw-current').value;
    const next = $('pw-next').value;
    if (next.length < MIN_LENGTH) return showError('password_short');
    if (next !== $('pw-next2').value) return showError('password_mismatch');
    const ok = await run('Deriving keys from both passwords…', (progress) =>
      call('changePassword', { current, next }, progress), $('password-form'));
    if (!ok) return;
    for (const id of ['pw-current', 'pw-next', 'pw-next2']) $(id).value = '';
    toast('Master password changed. Other sessions were logged out.');
  });

  $('export-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const password = $('export-password').value;
    if (password.length < MIN_LENGTH) return showError('password_short');
    if (password !== $('export-password2').value) return showError('export_mismatch');
    const res = await run('Encrypting the export (this takes a moment)…', () =>
      call('exportAll', { password }), $('export-form'));
    if (!res) return;
    $('export-password').value = '';
    $('export-password2').value = '';
    const day = new Date().toISOString().slice(0, 10);
    saveText(res.envelope, `blindvault-export-${day}.jwe`);
    toast(`Exported ${res.count} items.`);
  });

  $('import-format').addEventListener('change', syncImportFormat);

  $('import-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    forgetImport();
    const file = $('import-file').files[0];
    if (!file) return showError('import_no_file');
    const format = $('import-format').value;
    // The worker reads every format with the core (pkg/, loaded on first use).
    const read = await run('Reading the file…', async () => {
      const text = await file.text();
      if (format === 'blindvault') return call('openExport', { text, password: $('import-password').value });
      return call('parseImport', { format, text });
    }, $('import-form'));
    if (!read) return;
    const { items, notes } = read;
    if (items.length === 0) return showError('import_empty');
    pendingImport = items;
    renderPreview(items, notes);
  });

  $('import-confirm').addEventListener('click', async () => {
    if (!pendingImport || !app.currentVault) return;
    const items = pendingImport;
    const res = await run('Importing…', (progress) =>
      call('importItems', { vaultId: app.currentVault, items }, progress), $('import-preview'));
    if (!res) return;
    forgetImport();
    $('import-file').value = '';
    $('import-password').value = '';
    hooks.applyListing(res.listing);
    showPanel('account');
    toast(`Imported ${res.count} items.`);
  });

  $('import-cancel').addEventListener('click', forgetImport);
}
