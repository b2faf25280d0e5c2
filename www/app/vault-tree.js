// The sidebar: vaults with their folders as a tree, and the forms that
// create a vault and create, rename or delete a folder. Selecting a vault
// lists all of its items; selecting a folder lists the items filed in it.
import { $, run, showError, toast } from './ui.js';
import { app, call, hooks, foldersOf } from './app-state.js';

function node(text, current, onClick, cls) {
  const li = document.createElement('li');
  if (cls) li.className = cls;
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-current', String(current));
  b.addEventListener('click', onClick);
  li.append(b);
  return li;
}

function select(vaultId, folderId) {
  if (vaultId !== app.currentVault) hooks.closeEditor();
  app.currentVault = vaultId;
  app.currentFolder = folderId;
  renderTree();
  hooks.renderItems();
}

export function renderTree() {
  const ul = $('vault-list');
  ul.replaceChildren();
  for (const v of app.data.vaults) {
    const li = node(v.name, v.id === app.currentVault && !app.currentFolder, () => select(v.id, null), 'tree-vault');
    li.firstChild.dataset.vault = v.id;
    const folders = foldersOf(v.id);
    if (folders.length) {
      const sub = document.createElement('ul');
      sub.setAttribute('aria-label', `Folders of ${v.name}`);
      for (const f of folders) {
        const fl = node(f.name, f.id === app.currentFolder, () => select(v.id, f.id), 'tree-folder');
        fl.firstChild.dataset.folder = f.id;
        sub.append(fl);
      }
      li.append(sub);
    }
    ul.append(li);
  }
  const folder = app.data.folders.find((f) => f.id === app.currentFolder);
  $('folder-form').hidden = !folder;
  if (folder && document.activeElement !== $('folder-rename')) $('folder-rename').value = folder.name;
  const role = (app.data.vaults.find((v) => v.id === app.currentVault) || {}).role;
  const admin = role === 'admin' || role === 'owner';
  $('audit-button').hidden = !admin;
  $('vault-tools').hidden = !app.currentVault;
}

export function setupTree() {
  $('new-vault-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('new-vault-name').value.trim();
    if (!name) return;
    const listing = await run('Creating vault…', () => call('createVault', { name }), $('new-vault-form'));
    if (!listing) return;
    $('new-vault-name').value = '';
    hooks.applyListing(listing);
  });

  $('new-folder-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('new-folder-name').value.trim();
    if (!name) return showError('folder_name_required');
    const res = await run('Creating folder…', () =>
      call('createFolder', { vaultId: app.currentVault, name }), $('new-folder-form'));
    if (!res) return;
    $('new-folder-name').value = '';
    app.currentFolder = res.id;
    hooks.applyListing(res.listing);
    toast('Folder created.');
  });

  $('folder-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = $('folder-rename').value.trim();
    if (!name) return showError('folder_name_required');
    const listing = await run('Renaming folder…', () =>
      call('renameFolder', { folderId: app.currentFolder, name }), $('folder-form'));
    if (!listing) return;
    hooks.applyListing(listing);
    toast('Folder renamed.');
  });

  $('folder-delete').addEventListener('click', async () => {
    const folderId = app.currentFolder;
    const listing = await run('Deleting folder…', () => call('deleteFolder', { folderId }), $('folder-form'));
    if (!listing) return;
    app.currentFolder = null;
    hooks.applyListing(listing);
    toast('Folder deleted. Its items are now at the top of the vault.');
  });
}
