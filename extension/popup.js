// The toolbar popup. It holds no key: login, unlock and every decryption run
// in the service worker (the KDF too, off this page's thread); this page gets
// progress stages, overviews for the list, the pending shares, and "copied"
// answers.
import { pendingEntry } from './lib/pending-entry.js';

const $ = (id) => document.getElementById(id);
const STAGES = { prelogin: [1, 'Asking the server…'], kdf: [2, 'Deriving your key (PBKDF2, 600 000 rounds)…'], login: [3, 'Logging in…'], sync: [4, 'Opening your vaults…'] };
const ERRORS = {
  wrong_login: 'Wrong email or master password.',
  kdf_refused: 'The server sent key-derivation settings that are too weak or too costly; not unlocked.',
  bad_server: 'Enter the server URL with http:// or https://.',
  bad_email: 'Enter the email of your account.',
  no_password: 'Enter your master password.',
  network: 'The server cannot be reached. Check the server URL.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
  integrity: 'The server sent data that failed its integrity check; not unlocked.',
  identity_refused: 'The server sent an identity for your account that is not yours (it failed its integrity check); not unlocked.',
  key_changed: 'The server now shows a different identity for the person who shared this vault than the one this extension pinned. Nothing was accepted. Compare fingerprints with them.',
  no_such_vault: 'That vault is no longer offered to you.',
  session_expired: 'Your session expired. Unlock again.',
  locked: 'Blindvault locked. Unlock again.',
  clipboard: 'Could not copy to the clipboard.',
  empty_field: 'That field is empty.',
  bad_idle: 'Idle time must be a whole number of minutes from 1 to 480.',
  server: 'The server refused the request.',
};
const message = (code) => ERRORS[code] || 'Something went wrong; nothing was changed.';

// One port to the worker; a worker restart drops it, so reconnect on demand.
let port = null;
let next = 1;
const waiting = new Map();
function connect() {
  port = chrome.runtime.connect({ name: 'popup' });
  port.onMessage.addListener((m) => {
    const w = waiting.get(m.id);
    if (!w) return;
    if (m.progress) return w.onProgress && w.onProgress(m.progress);
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(Object.assign(new Error(m.error), { code: m.error }));
  });
  port.onDisconnect.addListener(() => {
    port = null;
    for (const w of waiting.values()) w.reject(Object.assign(new Error('restarted'), { code: 'restarted' }));
    waiting.clear();
  });
}
function call(op, args, onProgress) {
  if (!port) connect();
  const id = next++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject, onProgress });
    port.postMessage({ id, op, args });
  });
}
/** A call that survives one worker restart in the middle (the port drops, the state does not). */
async function callRetry(op, args) {
  try {
    return await call(op, args);
  } catch (e) {
    if (e.code !== 'restarted') throw e;
    return call(op, args);
  }
}

const params = new URLSearchParams(location.search);
let tabId = params.has('tab') ? Number(params.get('tab')) : null;
let items = [];

function showError(code) {
  $('error').textContent = code ? message(code) : '';
}

async function activeTab() {
  if (tabId !== null) return tabId;
  const [t] = await chrome.tabs.query({ active: true, currentWindow: true });
  return t ? t.id : null;
}

async function showLogin(st) {
  $('vault-screen').hidden = true;
  $('login-screen').hidden = false;
  const s = st.settings || {};
  if (!$('server').value) $('server').value = s.server || '';
  if (!$('email').value) $('email').value = s.email || '';
  ($('server').value ? ($('email').value ? $('password') : $('email')) : $('server')).focus();
}

async function showVault() {
  $('login-screen').hidden = true;
  $('vault-screen').hidden = false;
  const r = await callRetry('list', { tabId: await activeTab() });
  items = r.items;
  $('site').textContent = r.origin ? `Current site: ${r.origin}` : '';
  $('my-fingerprint').textContent = r.fingerprint || '';
  // Vaults or items that failed their checks are left out of the list and never filled.
  $('integrity').hidden = r.failed === 0;
  $('integrity').textContent = r.failed === 0 ? ''
    : `${r.failed} ${r.failed === 1 ? 'vault or item' : 'vaults or items'} failed the integrity check (the server sent data that does not match what your vaults' members signed); not shown and never filled.`;
  $('pending-list').replaceChildren(...r.pending.map((p) => pendingEntry(p, { device: 'this extension', accept, decline })));
  $('pending-section').hidden = r.pending.length === 0;
  render();
  $('search').focus();
}

function render() {
  const q = $('search').value.trim().toLowerCase();
  const shown = items
    .filter((it) => !q || [it.name, it.username, it.url].some((v) => v.toLowerCase().includes(q)))
    // Logins for the current site first, then by name.
    .sort((a, b) => (b.here - a.here) || a.name.localeCompare(b.name));
  const ul = $('items');
  ul.replaceChildren();
  for (const it of shown) {
    const li = document.createElement('li');
    li.dataset.item = it.id;
    if (it.here) li.className = 'here';
    const name = document.createElement('div');
    name.className = 'name';
    name.textContent = it.name;
    const sub = document.createElement('div');
    sub.className = 'sub';
    sub.textContent = [it.username, it.url].filter(Boolean).join(' · ');
    const acts = document.createElement('div');
    acts.className = 'acts';
    for (const [field, label] of [['username', 'Copy username'], ['password', 'Copy password']]) {
      if (it.kind !== 'login' && field === 'username' && !it.username) continue;
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.setAttribute('aria-label', `${label} of ${it.name}`);
      b.addEventListener('click', () => copy(it.id, field));
      acts.append(b);
    }
    li.append(name, sub, acts);
    ul.append(li);
  }
  if (shown.length === 0) ul.textContent = q ? 'Nothing matches.' : 'No items yet.';
}

/** An op that changes what the vault shows (refresh, accept, decline), then the list again. */
async function act(op, args, done) {
  showError('');
  $('status').textContent = '';
  try {
    await callRetry(op, args);
    await showVault();
    $('status').textContent = done;
  } catch (e) {
    if (e.code === 'locked') return start();
    showError(e.code);
  }
}
const accept = (p) => act('accept', { vaultId: p.vaultId }, `You accepted ${p.name}; its logins can be filled now.`);
const decline = (p) => act('decline', { vaultId: p.vaultId }, `${p.name} is hidden until Blindvault locks.`);

async function copy(itemId, field) {
  showError('');
  try {
    await callRetry('copy', { itemId, field });
    $('status').textContent = 'Copied. The clipboard will be cleared in 30 seconds.';
  } catch (e) {
    if (e.code === 'locked') return start();
    showError(e.code);
  }
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  showError('');
  const args = { server: $('server').value, email: $('email').value.trim(), password: $('password').value };
  $('unlock').disabled = true;
  $('progress').hidden = false;
  try {
    await call('login', args, (stage) => {
      const [n, text] = STAGES[stage] || [0, ''];
      $('progress-bar').value = n;
      $('progress-text').textContent = text;
    });
    $('password').value = '';
    await showVault();
  } catch (err) {
    // Typed input stays; only the message changes.
    showError(err.code === 'restarted' ? 'network' : err.code);
    $('password').focus();
  } finally {
    $('unlock').disabled = false;
    $('progress').hidden = true;
  }
});

$('search').addEventListener('input', render);
$('refresh').addEventListener('click', () => act('sync', {}, 'Refreshed from the server.'));
$('lock').addEventListener('click', async () => {
  await callRetry('lock');
  $('status').textContent = 'Locked.';
  start();
});
$('logout').addEventListener('click', async () => {
  await callRetry('logout');
  start();
});
$('save-settings').addEventListener('click', async () => {
  showError('');
  try {
    await callRetry('settings', { idleMinutes: $('idle').value, lockOnClose: $('close-lock').checked });
    $('status').textContent = 'Settings saved.';
  } catch (e) {
    showError(e.code);
  }
});

async function start() {
  try {
    const st = await callRetry('status');
    $('idle').value = st.settings.idleMinutes;
    $('close-lock').checked = st.settings.lockOnClose;
    if (st.unlocked) await showVault();
    else await showLogin(st);
  } catch (e) {
    showError(e.code);
    await showLogin({});
  }
}
start();
