// The web vault's page logic. It never sees a key: every cryptographic step
// and every authenticated request happens in the crypto worker. What the page
// holds is what it shows (decrypted overviews, and one item's details while
// that item is open), and locking clears it along with the worker.
import { CryptoWorker } from './worker-client.js';
import { message } from './messages.js';
import { KINDS, searchText, subtitle } from './item-kinds.js';
import { estimate } from './strength.js';
import { copySecret, clearCopiedNow } from './clipboard.js';
import { IdleLock } from './idle-lock.js';
import { fieldInput, customFieldRow } from './item-fields.js';
import { describe, fillList } from './conflict-view.js';

const $ = (id) => document.getElementById(id);
const MIN_MASTER_LENGTH = 12;
const PROGRESS_TEXT = {
  kdf: 'Deriving your key from the master password…',
  register: 'Creating your account…',
  login: 'Logging in…',
  sync: 'Decrypting your vault…',
};

let worker = new CryptoWorker();
worker.call('ping').catch(() => {});
let session = null; // { email }
let data = { vaults: [], items: [], failed: 0 };
let currentVault = null;
let editing = null; // { id, kind, vaultId, revision, trashed }
let conflict = null; // { mine, theirs }
let customCount = 0;
const idle = new IdleLock(() => lock());

// ---------- small UI helpers ----------

function showScreen(name) {
  for (const s of ['auth-screen', 'lock-screen', 'vault-screen']) $(s).hidden = s !== name;
  $('session-bar').hidden = name !== 'vault-screen';
}

function showError(code) {
  $('banner-text').textContent = message(code);
  $('banner').hidden = false;
}

function clearError() {
  $('banner').hidden = true;
  $('banner-text').textContent = '';
}

let busyCount = 0;
function busy(text) {
  busyCount += 1;
  $('busy-text').textContent = text;
  $('busy').hidden = false;
  return () => {
    busyCount -= 1;
    if (busyCount <= 0) {
      busyCount = 0;
      $('busy').hidden = true;
    }
  };
}

function setDisabled(form, disabled) {
  for (const el of form.querySelectorAll('button, input, select, textarea')) el.disabled = disabled;
}

/** Runs an action with the busy bar, mapping failures to the banner. */
async function run(text, fn, form) {
  clearError();
  const done = busy(text);
  if (form) setDisabled(form, true);
  try {
    return await fn((stage) => {
      $('busy-text').textContent = PROGRESS_TEXT[stage] || text;
    });
  } catch (e) {
    const code = e.code || 'unexpected';
    if (code === 'locked') return undefined;
    if (code === 'session_expired' && session) {
      await lock();
      showError(code);
      return undefined;
    }
    showError(code);
    return undefined;
  } finally {
    if (form) setDisabled(form, false);
    done();
  }
}

let toastTimer = null;
function toast(text) {
  $('copy-status').textContent = text;
  $('copy-status').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $('copy-status').hidden = true; }, 4000);
}

// ---------- auth ----------

function selectTab(which) {
  const reg = which === 'register';
  $('tab-login').setAttribute('aria-selected', String(!reg));
  $('tab-register').setAttribute('aria-selected', String(reg));
  $('tab-login').tabIndex = reg ? -1 : 0;
  $('tab-register').tabIndex = reg ? 0 : -1;
  $('login-form').hidden = reg;
  $('register-form').hidden = !reg;
  $('auth-title').textContent = reg ? 'Create account' : 'Log in';
  clearError();
}

$('tab-login').addEventListener('click', () => selectTab('login'));
$('tab-register').addEventListener('click', () => selectTab('register'));
// WAI-ARIA tabs pattern: arrow keys move between the two tabs.
for (const id of ['tab-login', 'tab-register']) {
  $(id).addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    const next = id === 'tab-login' ? 'register' : 'login';
    selectTab(next);
    $(`tab-${next}`).focus();
  });
}

let strengthSeq = 0;
$('register-password').addEventListener('input', async () => {
  const pw = $('register-password').value;
  const mine = ++strengthSeq;
  if (!pw) {
    $('strength-meter').value = 0;
    $('strength-text').textContent = 'Type a password to see how strong it is.';
    return;
  }
  const r = await estimate(pw, [$('register-email').value]);
  if (mine !== strengthSeq) return;
  if (!r) {
    $('strength-text').textContent = 'The strength meter could not be loaded.';
    return;
  }
  $('strength-meter').value = r.score;
  $('strength-text').textContent = r.text;
});

$('register-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const email = $('register-email').value.trim();
  const pw = $('register-password').value;
  if (pw.length < MIN_MASTER_LENGTH) return showError('password_short');
  if (pw !== $('register-password2').value) return showError('password_mismatch');
  const form = $('register-form');
  const listing = await run(PROGRESS_TEXT.kdf, async (progress) => {
    return worker.call('register', { email, password: pw }, progress);
  }, form);
  if (!listing) return;
  $('register-password').value = '';
  $('register-password2').value = '';
  enterVault(listing.who, listing.listing);
});

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const email = $('login-email').value.trim();
  const pw = $('login-password').value;
  const res = await run(PROGRESS_TEXT.kdf, async (progress) => {
    return worker.call('login', { email, password: pw }, progress);
  }, $('login-form'));
  if (!res) return;
  $('login-password').value = '';
  enterVault(res.who, res.listing);
});

$('unlock-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const pw = $('unlock-password').value;
  const res = await run(PROGRESS_TEXT.kdf, async (progress) => {
    return worker.call('login', { email: session.email, password: pw }, progress);
  }, $('unlock-form'));
  if (!res) return;
  $('unlock-password').value = '';
  enterVault(res.who, res.listing);
});

$('switch-account').addEventListener('click', () => {
  session = null;
  currentVault = null;
  showScreen('auth-screen');
  selectTab('login');
  $('login-email').focus();
});

// ---------- lock / logout ----------

/** Drops every key: ends the session, then terminates the worker. */
async function endWorker() {
  const bye = worker.call('logout').catch(() => {});
  // Do not let a slow network keep keys alive: terminate after 1 s regardless.
  await Promise.race([bye, new Promise((r) => setTimeout(r, 1000))]);
  worker.terminate();
  worker = new CryptoWorker();
  worker.call('ping').catch(() => {});
}

function forgetDecrypted() {
  clearCopiedNow();
  $('copy-status').hidden = true;
  data = { vaults: [], items: [], failed: 0 };
  editing = null;
  conflict = null;
  $('item-list').replaceChildren();
  $('vault-list').replaceChildren();
  $('item-fields').replaceChildren();
  $('custom-fields').replaceChildren();
  $('conflict-mine').replaceChildren();
  $('conflict-theirs').replaceChildren();
  $('item-form').hidden = true;
  $('conflict').hidden = true;
  $('search').value = '';
}

async function lock() {
  if (!session) return;
  idle.stop();
  await clearCopiedNow();
  forgetDecrypted();
  await endWorker();
  $('lock-email').textContent = session.email;
  showScreen('lock-screen');
  $('unlock-password').focus();
}

$('lock-button').addEventListener('click', () => lock());
$('logout-button').addEventListener('click', async () => {
  idle.stop();
  await clearCopiedNow();
  forgetDecrypted();
  currentVault = null;
  await endWorker();
  session = null;
  showScreen('auth-screen');
  selectTab('login');
  $('login-email').focus();
});

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

$('banner-close').addEventListener('click', clearError);

// ---------- vault ----------

function enterVault(who, listing) {
  session = { email: who.email };
  $('session-email').textContent = who.email;
  idle.setMinutes(Number($('idle-minutes').value));
  idle.start();
  showScreen('vault-screen');
  applyListing(listing);
  $('search').focus();
}

function applyListing(listing) {
  data = listing;
  if (!data.vaults.some((v) => v.id === currentVault)) currentVault = data.vaults[0] ? data.vaults[0].id : null;
  if (listing.failed > 0) showError('integrity');
  renderVaults();
  renderItems();
}

function renderVaults() {
  const ul = $('vault-list');
  ul.replaceChildren();
  for (const v of data.vaults) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = v.name;
    b.setAttribute('aria-current', String(v.id === currentVault));
    b.addEventListener('click', () => {
      currentVault = v.id;
      renderVaults();
      renderItems();
    });
    li.append(b);
    ul.append(li);
  }
}

function renderItems() {
  const q = $('search').value.trim().toLowerCase();
  const trash = $('show-trash').checked;
  const items = data.items
    .filter((it) => it.vaultId === currentVault && it.trashed === trash)
    .filter((it) => !q || searchText(it.overview).includes(q))
    .sort((a, b) => String(a.overview.name).localeCompare(String(b.overview.name)));
  const ul = $('item-list');
  ul.replaceChildren();
  for (const it of items) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'item';
    b.dataset.id = it.id;
    b.setAttribute('aria-current', String(!!editing && editing.id === it.id));
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = (KINDS[it.overview.kind] || { label: 'Item' }).label;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = it.overview.name || '(no name)';
    const sub = document.createElement('span');
    sub.className = 'sub';
    sub.textContent = subtitle(it.overview);
    b.append(kind, name, sub);
    b.addEventListener('click', () => openItem(it.id));
    li.append(b);
    ul.append(li);
  }
  $('list-empty').hidden = items.length > 0;
}

$('search').addEventListener('input', renderItems);
// Pull what others changed; an open editor is left alone (its save would get
// a 409 if the item changed, which then shows both versions).
$('refresh').addEventListener('click', async () => {
  const listing = await run('Refreshing…', () => worker.call('sync'));
  if (listing) applyListing(listing);
});
$('show-trash').addEventListener('change', () => {
  closeEditor();
  renderItems();
});

$('new-vault-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const name = $('new-vault-name').value.trim();
  if (!name) return;
  const listing = await run('Creating vault…', () => worker.call('createVault', { name }), $('new-vault-form'));
  if (!listing) return;
  $('new-vault-name').value = '';
  applyListing(listing);
});

// ---------- the item editor ----------

async function generateInto(input, plainType) {
  const length = Math.min(128, Math.max(8, Number($('gen-length').value) || 24));
  const symbols = $('gen-symbols').checked;
  const pw = await run('Generating…', () =>
    worker.call('generatePassword', { length, lowercase: true, uppercase: true, digits: true, symbols }));
  if (pw === undefined) return;
  input.value = pw;
  if (input.type === 'password') input.type = plainType;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

const fieldActions = {
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

$('add-field').addEventListener('click', () => addCustomField().focus());

function buildEditor(kind, overview, details, meta) {
  const k = KINDS[kind];
  if (!k) return showError('unexpected');
  // What was opened, so fields this client does not know (written by a newer
  // one) survive an edit: SPEC.md § Web vault, "MUST ignore ... it does not know".
  editing = { kind, ...meta, original: { overview: { ...overview }, details: { ...details } } };
  $('item-form').dataset.revision = String(meta.revision);
  conflict = null;
  $('conflict').hidden = true;
  $('item-title').textContent = meta.id ? `${k.label}: ${overview.name || ''}` : `New ${k.label.toLowerCase()}`;
  const box = $('item-fields');
  box.replaceChildren();
  for (const f of k.fields) {
    const src = f.part === 'overview' ? overview : details;
    box.append(...fieldInput(f, src[f.key], !meta.id, fieldActions));
  }
  $('custom-fields').replaceChildren();
  customCount = 0;
  for (const c of details.custom || []) addCustomField(c, !meta.id);
  $('trash-item').hidden = !meta.id || meta.trashed;
  $('restore-item').hidden = !meta.trashed;
  $('item-form').hidden = false;
  $('detail-empty').hidden = true;
  renderItems();
}

function collect() {
  const k = KINDS[editing.kind];
  const overview = { ...editing.original.overview, kind: editing.kind };
  const details = { ...editing.original.details };
  for (const f of k.fields) {
    const v = $(`f-${f.key}`).value;
    const part = f.part === 'overview' ? overview : details;
    if (v === '') delete part[f.key];
    else part[f.key] = v;
  }
  details.custom = [...$('custom-fields').querySelectorAll('[data-custom]')]
    .map((row) => ({
      label: row.querySelector('.cf-label').value,
      value: row.querySelector('.cf-value').value,
      secret: row.querySelector('.cf-secret').checked,
    }))
    .filter((c) => c.label !== '' || c.value !== '');
  return { overview, details };
}

function closeEditor() {
  editing = null;
  conflict = null;
  $('item-form').hidden = true;
  $('conflict').hidden = true;
  $('item-fields').replaceChildren();
  $('custom-fields').replaceChildren();
  $('detail-empty').hidden = false;
}

async function openItem(id) {
  const it = await run('Decrypting item…', () => worker.call('openItem', { itemId: id }));
  if (!it) return;
  buildEditor(it.overview.kind, it.overview, it.details, {
    id: it.id, vaultId: it.vaultId, revision: it.revision, trashed: it.trashed,
  });
  $('f-name').focus();
}

$('new-item').addEventListener('click', () => {
  if (!currentVault) return;
  $('show-trash').checked = false;
  buildEditor($('new-kind').value, {}, {}, { id: null, vaultId: currentVault, revision: 0, trashed: false });
  $('f-name').focus();
});

$('cancel-item').addEventListener('click', () => {
  closeEditor();
  renderItems();
});

$('item-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (!editing) return;
  const { overview, details } = collect();
  if (!overview.name) return showError('name_required');
  if (!editing.id) {
    const res = await run('Encrypting and saving…', () =>
      worker.call('createItem', { vaultId: editing.vaultId, overview, details }), $('item-form'));
    if (!res) return;
    applyListing(res.listing);
    const it = res.listing.items.find((i) => i.id === res.id);
    editing.id = res.id;
    editing.revision = it ? it.revision : 1;
    buildEditor(editing.kind, overview, details, { ...editing });
    toast('Saved.');
    return;
  }
  await saveUpdate(overview, details, editing.revision);
});

async function saveUpdate(overview, details, baseRevision) {
  const res = await run('Encrypting and saving…', () =>
    worker.call('updateItem', { itemId: editing.id, baseRevision, overview, details }), $('item-form'));
  if (!res) return;
  if (res.conflict) {
    data = res.listing;
    renderItems();
    showConflict({ overview, details }, res.conflict);
    return;
  }
  applyListing(res.listing);
  const it = res.listing.items.find((i) => i.id === editing.id);
  if (it) {
    editing.revision = it.revision;
    // The saved revision on the form: a stable "this save landed" signal.
    $('item-form').dataset.revision = String(it.revision);
  }
  $('item-title').textContent = `${KINDS[editing.kind].label}: ${overview.name}`;
  toast('Saved.');
}

// ---------- stale writes: show both, let the person choose ----------

function showConflict(mine, theirs) {
  conflict = { mine, theirs };
  const kind = editing.kind;
  const a = describe(kind, mine);
  const b = describe(theirs.overview.kind || kind, theirs);
  fillList($('conflict-mine'), a, b);
  fillList($('conflict-theirs'), b, a);
  $('item-form').hidden = true;
  $('conflict').hidden = false;
  showError('stale');
  $('keep-mine').focus();
}

$('keep-mine').addEventListener('click', async () => {
  if (!conflict) return;
  const { mine, theirs } = conflict;
  $('conflict').hidden = true;
  $('item-form').hidden = false;
  // The person chose: write over the version they have now seen.
  editing.revision = theirs.revision;
  await saveUpdate(mine.overview, mine.details, theirs.revision);
});

$('use-theirs').addEventListener('click', () => {
  if (!conflict) return;
  const { theirs } = conflict;
  clearError();
  buildEditor(theirs.overview.kind, theirs.overview, theirs.details, {
    id: theirs.id, vaultId: theirs.vaultId, revision: theirs.revision, trashed: theirs.trashed,
  });
});

// ---------- trash ----------

/**
 * After a refused trash/restore (someone else changed the item), reload the
 * list so the person sees the current state; the banner stays up.
 */
async function refreshAfterStale() {
  if ($('banner-text').textContent !== message('stale')) return;
  const listing = await worker.call('sync').catch(() => null);
  if (!listing) return;
  closeEditor();
  data = listing;
  renderVaults();
  renderItems();
}

$('trash-item').addEventListener('click', async () => {
  if (!editing || !editing.id) return;
  const listing = await run('Moving to trash…', () =>
    worker.call('trashItem', { itemId: editing.id, baseRevision: editing.revision }));
  if (!listing) return refreshAfterStale();
  closeEditor();
  applyListing(listing);
  toast('Moved to trash.');
});

$('restore-item').addEventListener('click', async () => {
  if (!editing || !editing.id) return;
  const listing = await run('Restoring…', () =>
    worker.call('restoreItem', { itemId: editing.id, baseRevision: editing.revision }));
  if (!listing) return refreshAfterStale();
  closeEditor();
  applyListing(listing);
  toast('Restored.');
});

showScreen('auth-screen');
document.documentElement.dataset.ready = 'true';
