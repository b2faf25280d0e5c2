// The web vault in real Chromium against a real server (SQLite in a temp dir).
// Steps run in order and share one account; every wait is for a visible
// state, with generous limits, never a fixed sleep.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, ROOT } from './server.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WAIT = 60_000;
const SHOTS = join(ROOT, 'docs', 'screenshots');

const EMAIL = 'ada@example.test';
const MASTER = 'Quartz-Lantern-Orbit-1848!';

// Everything that must never reach the server in any readable form.
const ITEMS = {
  login: {
    name: 'Zephyr Payroll Portal', url: 'https://payroll.zephyr-intranet.test/signin',
    username: 'ada.lovelace.payroll', totp: 'JBSWY3DPEHPK3PXPQRSTUV',
    custom: { label: 'Recovery code', value: 'RCV-7731-ALPHA-QUASAR' },
  },
  database: {
    name: 'Orchard Billing Replica', host: 'billing-replica.orchard.internal', port: '5433',
    database: 'orchard_ledger_prod', username: 'ledger_reader_svc', password: 'Tundra$Velvet#9051-db',
  },
  vault: { name: 'Team Ops Vault' },
  future: { name: 'Future Client Item', tag: 'nebula-tag-from-v2', password: 'Comet!Harbor#6612', secret: 'Aurora-Glacier-Token-3390' },
  note: { name: 'Safe Deposit Instructions', notes: 'Box 4471 at Harbor Street branch, key in blue envelope' },
  ssh: {
    name: 'Bastion Deploy Key', username: 'deploybot', host: 'bastion.kestrel-ops.test',
    privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAKESTRELSECRETKEYMATERIAL\n-----END OPENSSH PRIVATE KEY-----',
    passphrase: 'Marigold-Ferris-Wheel-204',
  },
};
const secrets = new Set([MASTER, ...Object.values(ITEMS).flatMap((it) => Object.values(it)
  .flatMap((v) => (typeof v === 'object' ? Object.values(v) : [v]))
  .filter((v) => v.length >= 8))]);
secrets.add(ITEMS.ssh.privateKey.split('\n')[1]);
// Passwords typed but refused (second registration, wrong login) must not travel either.
secrets.add('Another-Long-Password-55');
secrets.add('Not-The-Master-Password-77');

/** The forms a leaked value could take: raw, URL-encoded, base64, base64url, hex. */
function encodings(s) {
  const b = Buffer.from(s, 'utf8');
  const b64 = b.toString('base64');
  return [s, encodeURIComponent(s), b64, b64.replace(/=+$/, ''), b.toString('base64url'),
    b.toString('hex'), b.toString('hex').toUpperCase()];
}

let server;
let browser;
let context;
let page;
const requests = [];
const consoleErrors = [];
let inFlight = 0;

/** Waits until no request of the page or its worker has been open for 300 ms. */
async function settle() {
  for (let quiet = 0, i = 0; quiet < 3 && i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    quiet = inFlight === 0 ? quiet + 1 : 0;
  }
}

/** The API requests recorded from index `from` on, as { method, path, search }. */
function apiCallsSince(from) {
  return requests.slice(from).map((r) => {
    const u = new URL(r.url);
    return { method: r.method, path: u.pathname, search: u.search };
  }).filter((c) => c.path.startsWith('/api/v1/'));
}

/** The one crypto worker of the page; it holds every key. */
function cryptoWorker() {
  const ws = page.workers().filter((w) => w.url().endsWith('/app/crypto-worker.js'));
  assert.equal(ws.length, 1, 'exactly one crypto worker');
  return ws[0];
}

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function expectBanner(text) {
  await page.locator('#banner-text', { hasText: text }).waitFor({ state: 'visible', timeout: WAIT });
}

async function waitVault() {
  await page.locator('#vault-screen').waitFor({ state: 'visible', timeout: WAIT });
  await page.locator('#vault-list button', { hasText: 'Personal' }).waitFor({ timeout: WAIT });
}

async function login(p, password) {
  await p.getByRole('tab', { name: 'Log in' }).click();
  await p.getByLabel('Email').first().fill(EMAIL);
  await p.locator('#login-password').fill(password);
  await p.locator('#login-submit').click();
}

async function saveAndWait(name) {
  await page.locator('#save-item').click();
  await page.locator('#item-list button', { hasText: name }).waitFor({ timeout: WAIT });
  await page.locator('#copy-status', { hasText: 'Saved.' }).waitFor({ timeout: WAIT });
}

/** Saves the open item and waits until the form shows a newer saved revision. */
async function saveUpdate(p = page) {
  const before = Number(await p.locator('#item-form').getAttribute('data-revision'));
  await p.locator('#save-item').click();
  try {
    await p.waitForFunction((b) => Number(document.getElementById('item-form').dataset.revision) > b, before, { timeout: WAIT });
  } catch (e) {
    // Say what the page said instead of only "timed out".
    const now = await p.locator('#item-form').getAttribute('data-revision');
    const shown = await p.evaluate(() => ['banner-text', 'copy-status']
      .map((id) => document.getElementById(id)?.textContent.trim()).join(' | '));
    throw new Error(`the save did not land (form at revision ${before}, now ${now}); the page shows: ${shown}`, { cause: e });
  }
}

async function newItem(kind) {
  await page.getByLabel('New item kind').selectOption(kind);
  await page.getByRole('button', { name: 'New item' }).click();
  await page.locator('#f-name').waitFor({ timeout: WAIT });
}

/** Flips one character in the middle of the GCM ciphertext of one part of an item, in the SQLite file. */
function tamper(itemId, part) {
  const env = server.sql(`SELECT envelope FROM items WHERE id = '${itemId}'`).trim();
  const blob = JSON.parse(Buffer.from(env, 'base64url').toString('utf8'));
  const jwe = blob[part].split('.');
  assert.equal(jwe.length, 5, 'JWE compact serialisation');
  const ct = jwe[3];
  const i = Math.floor(ct.length / 2);
  jwe[3] = ct.slice(0, i) + (ct[i] === 'A' ? 'B' : 'A') + ct.slice(i + 1);
  blob[part] = jwe.join('.');
  const tampered = Buffer.from(JSON.stringify(blob), 'utf8').toString('base64url');
  server.sql(`UPDATE items SET envelope = '${tampered}' WHERE id = '${itemId}'`);
  assert.equal(server.sql(`SELECT envelope FROM items WHERE id = '${itemId}'`).trim(), tampered);
}

describe('web vault', { concurrency: false }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    // The context sees the dedicated worker's requests too: that is where every API call is made.
    context.on('request', async (r) => {
      inFlight += 1;
      requests.push({ url: r.url(), method: r.method(), headers: await r.allHeaders().catch(() => r.headers()), body: r.postData() || '' });
    });
    const done = () => { inFlight -= 1; };
    context.on('requestfinished', done);
    context.on('requestfailed', done);
    // A fake clock that runs in real time until a test jumps it (the idle lock).
    await context.clock.install();
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the first screen before the WASM core has loaded', async () => {
    // Hold back the core: the forms must already work.
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/pkg/blindvault_bg.wasm', async (route) => { await held; await route.continue(); });
    const res = await page.goto(server.url);
    assert.match(res.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
    await page.getByLabel('Email').first().fill('typing@example.test');
    assert.equal(await page.getByLabel('Email').first().inputValue(), 'typing@example.test');
    await page.getByRole('tab', { name: 'Create account' }).click();
    assert.ok(await page.locator('#no-recovery').isVisible());
    release();
    await page.getByRole('tab', { name: 'Log in' }).click();
    await shot('login');
  });

  it('registers with a typed-twice master password and a lazily loaded strength meter', async () => {
    await page.reload();
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.locator('#register-email').fill(EMAIL);
    await page.locator('#register-password').fill(MASTER);
    await page.locator('#register-password2').fill(MASTER + 'x');
    await page.locator('#strength-text', { hasText: 'Offline crack time' }).waitFor({ timeout: WAIT });
    assert.ok(Number(await page.locator('#strength-meter').getAttribute('value') ?? await page.locator('#strength-meter').evaluate((m) => m.value)) >= 0);
    await page.locator('#register-submit').click();
    await expectBanner('The two master passwords do not match.');
    assert.equal(await page.locator('#register-password').inputValue(), MASTER, 'nothing typed is lost');
    await page.locator('#banner-close').click();
    await page.locator('#register-password2').fill(MASTER);
    await shot('register');
    await page.locator('#register-submit').click();
    await waitVault();
    assert.equal(await page.locator('#session-email').textContent(), EMAIL);
    await shot('vault-empty');
  });

  it('adds one item of each kind, with a custom field and a generated password', async () => {
    const L = ITEMS.login;
    await newItem('login');
    await page.getByLabel('Name', { exact: true }).fill(L.name);
    await page.getByLabel('Website URL', { exact: true }).fill(L.url);
    await page.getByLabel('Username', { exact: true }).fill(L.username);
    await page.getByRole('button', { name: 'Generate Password' }).click();
    await page.waitForFunction(() => document.getElementById('f-password').value.length === 24, null, { timeout: WAIT });
    L.password = await page.locator('#f-password').inputValue();
    secrets.add(L.password);
    await page.getByLabel('TOTP seed', { exact: true }).fill(L.totp);
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByLabel('Field 1 label', { exact: true }).fill(L.custom.label);
    await page.getByLabel('Field 1 value', { exact: true }).fill(L.custom.value);
    await page.locator('#cf-secret-1').check();
    await saveAndWait(L.name);

    const D = ITEMS.database;
    await newItem('database');
    for (const [label, v] of [['Name', D.name], ['Host', D.host], ['Port', D.port], ['Database', D.database],
      ['Username', D.username], ['Password', D.password]]) {
      await page.getByLabel(label, { exact: true }).fill(v);
    }
    await saveAndWait(D.name);

    await newItem('note');
    await page.getByLabel('Name', { exact: true }).fill(ITEMS.note.name);
    await page.getByLabel('Note', { exact: true }).fill(ITEMS.note.notes);
    await saveAndWait(ITEMS.note.name);

    const S = ITEMS.ssh;
    await newItem('ssh');
    await page.getByLabel('Name', { exact: true }).fill(S.name);
    await page.getByLabel('Username', { exact: true }).fill(S.username);
    await page.getByLabel('Host', { exact: true }).fill(S.host);
    await page.getByLabel('Private key', { exact: true }).fill(S.privateKey);
    await page.getByLabel('Key passphrase', { exact: true }).fill(S.passphrase);
    await saveAndWait(S.name);
    assert.equal(await page.locator('#item-list button').count(), 4);
  });

  it('creates a second vault, lists it and keeps items apart', async () => {
    await page.getByLabel('New vault name', { exact: true }).fill('Team Ops Vault');
    await page.getByRole('button', { name: 'Create vault' }).click();
    await page.locator('#vault-list button', { hasText: 'Team Ops Vault' }).click({ timeout: WAIT });
    await page.locator('#list-empty').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await page.locator('#item-list button').count(), 0);
    await page.locator('#vault-list button', { hasText: 'Personal' }).click();
    await page.locator('#item-list button', { hasText: ITEMS.login.name }).waitFor({ timeout: WAIT });
  });

  it('searches decrypted overviews and opens details on demand, masked until revealed', async () => {
    await page.getByLabel('Search', { exact: true }).fill('orchard');
    await page.locator('#item-list button').first().waitFor({ timeout: WAIT });
    assert.equal(await page.locator('#item-list button').count(), 1);
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.locator('#item-list button', { hasText: ITEMS.login.name }).click();
    await page.locator('#item-title', { hasText: ITEMS.login.name }).waitFor({ timeout: WAIT });
    assert.equal(await page.locator('#f-password').getAttribute('type'), 'password');
    assert.equal(await page.locator('#f-password').inputValue(), ITEMS.login.password);
    assert.equal(await page.locator('#cf-value-1').inputValue(), ITEMS.login.custom.value);
    await page.getByRole('button', { name: 'Reveal Password' }).click();
    assert.equal(await page.locator('#f-password').getAttribute('type'), 'text');
    await page.getByRole('button', { name: 'Copy Password' }).click();
    await page.locator('#copy-status', { hasText: 'cleared in 30 seconds' }).waitFor({ timeout: WAIT });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), ITEMS.login.password);
    await page.clock.fastForward('00:31');
    await page.locator('#copy-status', { hasText: 'Clipboard cleared.' }).waitFor({ timeout: WAIT });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '');
    await page.getByRole('button', { name: 'Hide Password' }).click();
    await shot('item');
    // Every control on the page (editor open, custom field shown) has a visible label.
    const controls = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, meter')]
      .map((el) => ({ id: el.id, labelled: [...(el.labels || [])].some((l) => l.textContent.trim() !== '') })));
    assert.ok(controls.length >= 20, `checked ${controls.length} controls`);
    assert.deepEqual(controls.filter((c) => !c.labelled).map((c) => c.id), []);
  });

  it('a stale write shows both versions and keeps the chosen one', async () => {
    // Someone else (a second session) changes the login first.
    const other = await context.newPage();
    await other.goto(server.url);
    await login(other, MASTER);
    await other.locator('#item-list button', { hasText: ITEMS.login.name }).click({ timeout: WAIT });
    await other.locator('#f-username').fill('changed.by.colleague');
    await saveUpdate(other);
    await other.close();

    await page.locator('#f-username').fill('my.own.edit');
    await page.locator('#save-item').click();
    await expectBanner('This item was changed by someone else.');
    await page.locator('#conflict').waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await page.locator('#conflict-mine').textContent(), /my\.own\.edit/);
    assert.match(await page.locator('#conflict-theirs').textContent(), /changed\.by\.colleague/);
    await shot('conflict');
    // The form still carries the revision this page last saw; the kept write
    // lands on top of theirs, so it is at least two newer.
    const mine = Number(await page.locator('#item-form').getAttribute('data-revision'));
    await page.getByRole('button', { name: 'Keep my version' }).click();
    await page.waitForFunction((b) => Number(document.getElementById('item-form').dataset.revision) >= b + 2, mine, { timeout: WAIT });
    assert.equal(await page.locator('#f-username').inputValue(), 'my.own.edit');
    assert.ok(await page.locator('#conflict').isHidden());
  });

  it('keeps overview and details members written by a newer client through an edit', async () => {
    // A second worker stands in for a newer client writing fields this UI does not know.
    const FUTURE = ITEMS.future;
    const call = (op, args) => page.evaluate(async ([op, args]) => {
      if (!window.__other) window.__other = new Worker('/app/crypto-worker.js', { type: 'module' });
      const w = window.__other;
      const id = Math.random();
      return new Promise((resolve, reject) => {
        const on = (ev) => {
          if (ev.data.id !== id || ev.data.progress) return;
          w.removeEventListener('message', on);
          if (ev.data.ok) resolve(ev.data.result); else reject(new Error(ev.data.error.code));
        };
        w.addEventListener('message', on);
        w.postMessage({ id, op, args });
      });
    }, [op, args]);
    const { listing } = await call('login', { email: EMAIL, password: MASTER });
    const vaultId = listing.vaults[0].id;
    const { id } = await call('createItem', {
      vaultId,
      overview: { kind: 'login', name: FUTURE.name, username: 'first.user', futureTag: FUTURE.tag },
      details: { password: FUTURE.password, futureSecret: FUTURE.secret },
    });
    // The page learns of it at its next sync.
    assert.equal(await page.locator('#item-list button', { hasText: FUTURE.name }).count(), 0);
    await page.getByRole('button', { name: 'Refresh from server' }).click();
    await page.locator('#item-list button', { hasText: FUTURE.name }).click({ timeout: WAIT });
    // The click returns before the item is decrypted (its envelope may still
    // be fetched): filling now would type into the previous item's form.
    await page.locator('#item-title', { hasText: FUTURE.name }).waitFor({ timeout: WAIT });
    await page.locator('#f-username').fill('second.user');
    await saveUpdate();
    await call('sync', {});
    const it = await call('openItem', { itemId: id });
    assert.equal(it.overview.username, 'second.user');
    assert.equal(it.overview.futureTag, FUTURE.tag);
    assert.equal(it.details.futureSecret, FUTURE.secret);
    assert.equal(it.details.password, FUTURE.password);
    await call('logout', {});
    await page.evaluate(() => { window.__other.terminate(); delete window.__other; });
    for (let i = 0; i < 100 && page.workers().length > 1; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(page.workers().length, 1, 'the stand-in worker is gone');
  });

  it('moves an item to the trash and restores it', async () => {
    await page.locator('#item-list button', { hasText: ITEMS.note.name }).click();
    await page.locator('#item-title', { hasText: ITEMS.note.name }).waitFor({ timeout: WAIT });
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await page.locator('#copy-status', { hasText: 'Moved to trash.' }).waitFor({ timeout: WAIT });
    assert.equal(await page.locator('#item-list button', { hasText: ITEMS.note.name }).count(), 0);
    await page.getByLabel('Show trash').check();
    await page.locator('#item-list button', { hasText: ITEMS.note.name }).click({ timeout: WAIT });
    await page.getByRole('button', { name: 'Restore' }).click({ timeout: WAIT });
    await page.locator('#copy-status', { hasText: 'Restored.' }).waitFor({ timeout: WAIT });
    await page.getByLabel('Show trash').uncheck();
    await page.locator('#item-list button', { hasText: ITEMS.note.name }).waitFor({ timeout: WAIT });
  });

  it('locks by hand (dropping the worker and a just-copied secret) and unlocks', async () => {
    await page.locator('#item-list button', { hasText: ITEMS.database.name }).click();
    await page.getByRole('button', { name: 'Copy Password' }).click();
    await page.locator('#copy-status', { hasText: 'cleared in 30 seconds' }).waitFor({ timeout: WAIT });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), ITEMS.database.password);
    const keys = cryptoWorker();
    const closed = new Promise((r) => keys.once('close', r));
    const before = requests.length;
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.locator('#lock-screen').waitFor({ state: 'visible', timeout: WAIT });
    await closed; // the worker with the keys and the session token is gone
    assert.ok(requests.slice(before).some((r) => r.url.endsWith('/api/v1/accounts/logout')), 'session ended too');
    assert.equal(await page.locator('#item-list button').count(), 0, 'decrypted list is cleared');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '', 'clipboard cleared at lock');
    assert.ok(await page.locator('#item-form').isHidden());
    await shot('locked');
    await page.locator('#unlock-password').fill(MASTER);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await waitVault();
    await page.locator('#item-list button', { hasText: ITEMS.ssh.name }).waitFor({ timeout: WAIT });
    await shot('vault');
  });

  it('locks itself after the chosen idle time, and unlocks from the keyboard', async () => {
    await page.getByLabel('Lock after idle').selectOption('1');
    const keys = cryptoWorker();
    const closed = new Promise((r) => keys.once('close', r));
    await page.clock.fastForward('01:10');
    await page.locator('#lock-screen').waitFor({ state: 'visible', timeout: WAIT });
    await closed;
    // Focus lands in the password field; typing and Enter is enough.
    await page.keyboard.type(MASTER);
    await page.keyboard.press('Enter');
    await waitVault();
    await page.getByLabel('Lock after idle').selectOption('15');
    await page.locator('#item-list button', { hasText: ITEMS.login.name }).waitFor({ timeout: WAIT });
  });

  it('logs out and logs in again', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#auth-screen').waitFor({ state: 'visible', timeout: WAIT });
    // Hold the prelogin answer: the busy bar must be up and the form disabled meanwhile.
    let release;
    const held = new Promise((r) => { release = r; });
    await context.route('**/api/v1/accounts/prelogin', async (route) => { await held; await route.continue(); });
    await login(page, MASTER);
    await page.locator('#busy progress').waitFor({ state: 'visible', timeout: WAIT });
    assert.ok(await page.locator('#login-submit').isDisabled());
    release();
    await waitVault();
    await context.unroute('**/api/v1/accounts/prelogin');
    assert.ok(await page.locator('#busy').isHidden());
    assert.equal(await page.locator('#item-list button').count(), 5);
  });

  it('unlocks from the overview snapshot without item envelopes, and fetches one when it is opened', async () => {
    // The login above refreshed the vault's snapshot in the background; let it land.
    await settle();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#auth-screen').waitFor({ state: 'visible', timeout: WAIT });
    const from = requests.length;
    const synced = context.waitForEvent('response', (r) => new URL(r.url()).pathname === '/api/v1/sync');
    await login(page, MASTER);
    await waitVault();
    assert.equal(await page.locator('#item-list button').count(), 5);
    const items = (await (await synced).json()).items;
    assert.equal(items.length, 5);
    assert.ok(items.every((it) => !('envelope' in it) && it.revision > 0), 'the unlock sync carried no item envelope');
    await settle();
    const calls = apiCallsSince(from);
    const itemGet = (c) => c.method === 'GET' && /^\/api\/v1\/vaults\/[^/]+\/items\/[^/]+$/.test(c.path);
    assert.deepEqual(calls.filter((c) => c.path === '/api/v1/sync').map((c) => c.search), ['?envelopes=false']);
    assert.ok(calls.some((c) => c.path.endsWith('/overview-snapshot') && c.method === 'GET'), 'the snapshot was read');
    assert.deepEqual(calls.filter(itemGet), [], 'no item envelope was fetched to show the list');
    // The new worker loads the unlock page's module, never the full pkg/ (loaded only for export,
    // import and Generate; issue 2's 120 KiB budget is for this module).
    const wasm = requests.slice(from).map((r) => new URL(r.url).pathname).filter((p) => p.endsWith('.wasm'));
    assert.deepEqual([...new Set(wasm)], ['/pkg-vault/blindvault_vault_bg.wasm']);
    const before = requests.length;
    await page.locator('#item-list button', { hasText: ITEMS.note.name }).click();
    await page.locator('#item-title', { hasText: ITEMS.note.name }).waitFor({ timeout: WAIT });
    await settle();
    assert.equal(apiCallsSince(before).filter(itemGet).length, 1, 'opening the item fetched its envelope');
  });

  it('registering an email that already has an account says so', async () => {
    const p = await context.newPage();
    await p.goto(server.url);
    await p.getByRole('tab', { name: 'Create account' }).click();
    await p.locator('#register-email').fill(EMAIL.toUpperCase());
    await p.locator('#register-password').fill('Another-Long-Password-55');
    await p.locator('#register-password2').fill('Another-Long-Password-55');
    await p.locator('#register-submit').click();
    await p.locator('#banner-text', { hasText: 'An account with this email already exists' }).waitFor({ timeout: WAIT });
    assert.ok(await p.locator('#register-form').isVisible());
    await p.close();
  });

  it('a wrong password says so and keeps what was typed', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#auth-screen').waitFor({ state: 'visible', timeout: WAIT });
    await login(page, 'Not-The-Master-Password-77');
    await expectBanner('Wrong email or master password.');
    assert.equal(await page.locator('#login-email').inputValue(), EMAIL);
    assert.ok(await page.locator('#auth-screen').isVisible());
    await shot('wrong-password');
  });

  it('a tampered envelope in the database shows the integrity error and not the item', async () => {
    const dbId = server.sql("SELECT id FROM items ORDER BY id").trim().split('\n');
    assert.equal(dbId.length, 5);
    // Find the database item by the id the page shows for it.
    await login(page, MASTER);
    await waitVault();
    const target = await page.locator('#item-list button', { hasText: ITEMS.database.name }).getAttribute('data-id');
    const noteId = await page.locator('#item-list button', { hasText: ITEMS.note.name }).getAttribute('data-id');
    assert.ok(dbId.includes(target));
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('#auth-screen').waitFor({ state: 'visible', timeout: WAIT });

    tamper(target, 'overview');
    tamper(noteId, 'details');
    // The overview snapshot written at the last unlock lists items by id and
    // revision (SPEC § Overview snapshot in the web vault), and the tamper
    // kept the revision: drop it so this unlock opens every envelope, which
    // is what this step checks. Opening the item is checked below either way.
    server.sql('DELETE FROM overview_snapshots');

    await login(page, MASTER);
    await waitVault();
    await expectBanner('The server sent data that failed its integrity check; nothing was shown.');
    await page.locator('#item-list button', { hasText: ITEMS.login.name }).waitFor({ timeout: WAIT });
    assert.equal(await page.locator('#item-list button', { hasText: ITEMS.database.name }).count(), 0);
    assert.equal(await page.locator(`#item-list button[data-id="${target}"]`).count(), 0);
    await shot('integrity-error');
    // Details are opened on demand: the note lists, but opening it is refused.
    await page.locator('#banner-close').click();
    await page.locator('#item-list button', { hasText: ITEMS.note.name }).click();
    await expectBanner('The server sent data that failed its integrity check; nothing was shown.');
    assert.ok(await page.locator('#item-form').isHidden());
  });

  it('says so when the encryption module cannot load, keeping what was typed', async () => {
    const p = await context.newPage();
    await p.route('**/pkg-vault/blindvault_vault_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await p.goto(server.url);
    await login(p, MASTER);
    await p.locator('#banner-text', { hasText: 'The encryption module could not be loaded. Reload the page.' })
      .waitFor({ timeout: WAIT });
    assert.equal(await p.locator('#login-password').inputValue(), MASTER);
    await p.close();
  });

  it('says so when the lazily loaded module (pkg/, for Generate) cannot load, and the vault stays usable', async () => {
    const p = await context.newPage();
    await p.route('**/pkg/blindvault_bg.wasm', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await p.goto(server.url);
    await login(p, MASTER);
    await p.locator('#vault-list button', { hasText: 'Personal' }).waitFor({ timeout: WAIT });
    await p.getByLabel('New item kind').selectOption('login');
    await p.getByRole('button', { name: 'New item' }).click();
    await p.getByRole('button', { name: 'Generate Password' }).click();
    await p.locator('#banner-text', { hasText: 'The encryption module could not be loaded. Reload the page.' })
      .waitFor({ timeout: WAIT });
    assert.equal(await p.locator('#f-password').inputValue(), '');
    // The vault's own module is unaffected: an item still opens.
    await p.locator('#item-list button', { hasText: ITEMS.login.name }).click();
    await p.locator('#item-title', { hasText: ITEMS.login.name }).waitFor({ timeout: WAIT });
    await p.close();
  });

  it('keeps nothing secret in browser storage', async () => {
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), ['bv.idleMinutes']);
    assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage)), []);
    // IndexedDB holds only this device's member-log anchors (a count and a
    // hash per vault, the highest vault-list version) and, once someone
    // shared, pinned identities: public data the server cannot write.
    const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).sort());
    assert.ok(dbs.every((n) => ['blindvault-anchors', 'blindvault-pins'].includes(n)), `databases: ${dbs}`);
    const anchors = await page.evaluate(() => new Promise((resolve, reject) => {
      const req = indexedDB.open('blindvault-anchors');
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const tx = req.result.transaction(['logs', 'lists']);
        const logs = tx.objectStore('logs').getAll();
        const lists = tx.objectStore('lists').getAll();
        tx.oncomplete = () => resolve({ logs: logs.result, lists: lists.result });
      };
    }));
    assert.ok(anchors.logs.length >= 2, 'one anchor per vault this device verified');
    for (const a of anchors.logs) {
      assert.deepEqual(Object.keys(a).sort(), ['head', 'len']);
      assert.ok(Number.isSafeInteger(a.len) && /^[0-9a-f]{64}$/.test(a.head), JSON.stringify(a));
    }
    assert.ok(anchors.lists.every((v) => Number.isSafeInteger(v)), 'the vault-list anchor is a version number');
    assert.equal(await page.evaluate(() => document.cookie), '');
    assert.ok(!page.url().includes('#') && !page.url().includes('?'), 'nothing in the page URL');
  });

  it('the page ran under the strict CSP without violations or uncaught errors', () => {
    assert.deepEqual(consoleErrors, []);
  });

  it('no request and no server file contains a secret, name or URL in any encoding', async () => {
    // The recording must have seen the worker's API calls, or this check proves nothing.
    assert.ok(requests.some((r) => r.url.endsWith('/api/v1/accounts/login') && r.body.includes('auth_key')));
    assert.ok(requests.some((r) => /\/api\/v1\/vaults\/[^/]+\/items$/.test(r.url) && r.body.includes('envelope')));
    assert.ok(requests.some((r) => /\/api\/v1\/vaults\/[^/]+\/items\/[^/]+$/.test(r.url)), 'the update was recorded');
    // Positive control: the email travels and is stored in the clear, so the
    // same scan must find it; otherwise the scan itself is broken.
    const seen = (text) => encodings(EMAIL).some((e) => text.includes(e));
    assert.ok(requests.some((r) => seen(r.body)), 'the scan finds the email in request bodies');
    assert.ok(server.files().some((f) => seen(readFileSync(f).toString('latin1'))), 'the scan finds the email on disk');
    const forms = [...secrets].flatMap((s) => encodings(s).map((e) => [s, e]));
    for (const r of requests) {
      const text = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
      for (const [s, e] of forms) {
        assert.ok(!text.includes(e), `request ${r.url} contains a form of ${JSON.stringify(s.slice(0, 4))}…`);
      }
    }
    const files = server.files();
    assert.ok(files.some((f) => /\.(db|sqlite3?)$/.test(f)));
    for (const f of files) {
      const buf = readFileSync(f);
      for (const [s, e] of forms) {
        assert.ok(!buf.includes(Buffer.from(e, 'utf8')), `${f} contains a form of ${JSON.stringify(s.slice(0, 4))}…`);
      }
    }
  });
});
