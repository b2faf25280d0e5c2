// The web vault's entry point: wires the screens together. It never sees a
// key: every cryptographic step and every authenticated request happens in
// the crypto worker (worker-client.js). What the page holds is what it shows
// (decrypted overviews, and one item's details while that item is open), and
// locking clears it along with the worker.
//
//   auth-screens.js   log in, create account, unlock
//   lock.js           lock, log out, idle lock
//   vault-tree.js     vaults and folders
//   item-list.js      the virtualised, searchable list
//   item-editor.js    one item: fields, folder, save, 409, trash
//   totp-view.js, attachments-view.js, history-view.js   parts of the open item
//   members-view.js, audit-view.js   sharing and the audit log of a vault
//   pending-view.js   vaults shared with the person, waiting to be accepted (entries: pending-entry.js)
//   account-view.js   fingerprint, master password, export and import
import { $, run, showError } from './ui.js';
import { app, hooks } from './app-state.js';
import { setupAuth } from './auth-screens.js';
import { setupLock, startWorker, lock, idle } from './lock.js';
import { renderTree, setupTree } from './vault-tree.js';
import { renderItems, indexListing, setupList } from './item-list.js';
import { setupEditor, openItem, closeEditor, editingAt } from './item-editor.js';
import { setupTotp } from './totp-view.js';
import { setupAttachments } from './attachments-view.js';
import { setupHistory } from './history-view.js';
import { setupMembers } from './members-view.js';
import { renderPending } from './pending-view.js';
import { setupAudit } from './audit-view.js';
import { setupAccount, forgetImport } from './account-view.js';

function showScreen(name) {
  for (const s of ['auth-screen', 'lock-screen', 'vault-screen']) $(s).hidden = s !== name;
  $('session-bar').hidden = name !== 'vault-screen';
}

function applyListing(listing) {
  app.data = listing;
  if (!app.data.vaults.some((v) => v.id === app.currentVault)) {
    // The default comes from the person's own sealed vault list, never from
    // the server's order; the oldest vault only when the list names none.
    const first = app.data.vaults[0] ? app.data.vaults[0].id : null;
    app.currentVault = listing.defaultVault || first;
    app.currentFolder = null;
  }
  if (!app.data.folders.some((f) => f.id === app.currentFolder && f.vaultId === app.currentVault)) app.currentFolder = null;
  // The open item is gone (vault access removed, or purged elsewhere): close it.
  if (app.editing && app.editing.id && !app.data.items.some((i) => i.id === app.editing.id)) closeEditor();
  if (listing.failed > 0) showError('integrity');
  renderPending(listing.pending);
  indexListing();
  renderTree();
  renderItems();
}

function enterVault(who, listing) {
  app.session = { email: who.email, accountId: who.accountId, fingerprint: who.fingerprint };
  $('session-email').textContent = who.email;
  idle.setMinutes(Number($('idle-minutes').value));
  idle.start();
  showScreen('vault-screen');
  applyListing(listing);
  $('search').focus();
}

Object.assign(hooks, {
  applyListing, lock, openItem, closeEditor, renderItems, enterVault, showScreen, editingAt, forgetImport,
});

startWorker();
setupAuth();
setupLock();
setupTree();
setupList();
setupEditor();
setupTotp();
setupAttachments();
setupHistory();
setupMembers();
setupAudit();
setupAccount();
$('banner-close').addEventListener('click', () => {
  $('banner').hidden = true;
  $('banner-text').textContent = '';
});
$('refresh').addEventListener('click', async () => {
  const listing = await run('Refreshing…', () => app.worker.call('sync'));
  if (listing) applyListing(listing);
});

showScreen('auth-screen');
document.documentElement.dataset.ready = 'true';
