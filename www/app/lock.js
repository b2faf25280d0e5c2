// Lock and log out. Locking drops every key: the worker logs the session out
// (1 s at most) and is terminated; the page forgets everything it decrypted.
import { $, showPanel } from './ui.js';
import { app, hooks } from './app-state.js';
import { CryptoWorker } from './worker-client.js';
import { clearCopiedNow } from './clipboard.js';
import { IdleLock } from './idle-lock.js';
import { selectTab } from './auth-screens.js';
import { stopTotp } from './totp-view.js';

export const idle = new IdleLock(() => lock());

export function startWorker() {
  app.worker = new CryptoWorker();
  app.worker.call('ping').catch(() => {});
}

async function endWorker() {
  const bye = app.worker.call('logout').catch(() => {});
  // Do not let a slow network keep keys alive: terminate after 1 s regardless.
  await Promise.race([bye, new Promise((r) => setTimeout(r, 1000))]);
  app.worker.terminate();
  startWorker();
}

const CLEARED = ['item-list', 'vault-list', 'pending-list', 'item-fields', 'custom-fields', 'conflict-mine', 'conflict-theirs',
  'history-list', 'history-fields', 'member-rows', 'audit-rows', 'import-rows', 'attachment-list', 'item-folder'];
const EMPTIED = ['search', 'pw-current', 'pw-next', 'pw-next2', 'export-password', 'export-password2',
  'import-password', 'import-file', 'attach-file', 'invite-email', 'folder-rename', 'new-folder-name'];

function forgetDecrypted() {
  clearCopiedNow();
  stopTotp();
  $('copy-status').hidden = true;
  app.data = { vaults: [], folders: [], items: [], failed: 0, pending: [], defaultVault: null };
  app.editing = null;
  hooks.forgetImport();
  for (const id of CLEARED) $(id).replaceChildren();
  for (const id of EMPTIED) $(id).value = '';
  $('my-fingerprint').textContent = '';
  $('totp-code').textContent = '';
  $('invite-confirm').hidden = true;
  $('pending-section').hidden = true;
  $('import-preview').hidden = true;
  $('history-version').hidden = true;
  showPanel('detail-empty');
}

export async function lock() {
  if (!app.session) return;
  idle.stop();
  await clearCopiedNow();
  forgetDecrypted();
  await endWorker();
  $('lock-email').textContent = app.session.email;
  hooks.showScreen('lock-screen');
  $('unlock-password').focus();
}

export async function logout() {
  idle.stop();
  await clearCopiedNow();
  forgetDecrypted();
  app.currentVault = null;
  app.currentFolder = null;
  await endWorker();
  app.session = null;
  hooks.showScreen('auth-screen');
  selectTab('login');
  $('login-email').focus();
}

export function setupLock() {
  $('lock-button').addEventListener('click', () => lock());
  $('logout-button').addEventListener('click', () => logout());
  $('idle-minutes').addEventListener('change', () => {
    const m = Number($('idle-minutes').value);
    idle.setMinutes(m);
    try {
      localStorage.setItem('bv.idleMinutes', String(m)); // a preference, not a secret
    } catch {
      // storage disabled: keep the choice for this page only
    }
  });
  try {
    const saved = localStorage.getItem('bv.idleMinutes');
    if (saved && [...$('idle-minutes').options].some((o) => o.value === saved)) $('idle-minutes').value = saved;
  } catch {
    // storage disabled
  }
}
