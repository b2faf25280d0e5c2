// The browser extension (dist/extension, from `npm run build:extension`)
// loaded in real headless Chromium, against a real server (through a proxy
// that records every request the extension sends) and test pages on
// distinct origins. Steps share one browser and one account and run in
// order; every wait is for a visible state, never a fixed sleep.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, ROOT } from './server.mjs';
import { startSite, startRecordingProxy } from './extension-site.mjs';
import { launchExtension, clickIcon, values, WAIT } from './extension-helpers.mjs';

const ZIP = join(ROOT, 'dist', 'blindvault-extension.zip');
const SHOTS = join(ROOT, 'docs', 'screenshots');
const EMAIL = 'grace@example.test';
const MASTER = 'Cobalt-Meridian-Falcon-7731!';
const SITE_USER = 'grace.hopper.site';
const SITE_USER2 = 'second.user.site';
const PW1 = 'Violet#Anchor-5510-first';
const PW2 = 'Saffron#Beacon-6621-second';
const PW3 = 'Indigo#Cascade-7732-third';
const HTTPS_ITEM = { name: 'Secure Portal Login', username: 'https.only.user', password: 'Emerald#Harbor-8843-https' };

let server;
let proxy;
let siteA;
let siteB;
let ext;
let ctx;
let popup;
let A;

function encodings(s) {
  const b = Buffer.from(s, 'utf8');
  const b64 = b.toString('base64');
  return [s, encodeURIComponent(s), b64, b64.replace(/=+$/, ''), b.toString('base64url'), b.toString('hex')];
}

const frameOf = (page, name) => ext.frameOf(page, name);
const waitFrame = (page, name) => ext.waitFrame(page, name);
const waitFrameGone = (page, name) => ext.waitFrameGone(page, name);
const openPopup = () => ext.openPopup();
const worker = () => ext.worker();

/** What a focused page can paste. */
async function readClipboard() {
  const page = await ctx.newPage();
  // Loopback is a secure context, where navigator.clipboard exists.
  await page.goto(`http://127.0.0.1:${siteA.port}/welcome`);
  await page.bringToFront();
  const text = await page.evaluate(() => navigator.clipboard.readText());
  await page.close();
  return text;
}

/** CDP ServiceWorker.stopAllWorkers, as the browser does to an idle worker; its memory goes. */
async function stopWorker() {
  await (await worker()).evaluate(() => { self.__testMarker = true; });
  const cdp = await ctx.newCDPSession(popup);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
}

describe('browser extension', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer();
    proxy = await startRecordingProxy(server.url);
    siteA = await startSite();
    siteB = await startSite();
    A = `http://login.example.test:${siteA.port}`;
    ext = await launchExtension();
    ({ ctx, popup } = ext);
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
  });

  after(async () => {
    await ext?.close();
    await Promise.all([proxy?.close(), siteA?.close(), siteB?.close()]);
    await server?.stop();
  });

  it('packs a zip with the manifest and the WASM core', () => {
    // `zip -sf` lists the entries; zip is what built it (.ci/install-tools), unzip may be absent.
    const list = execFileSync('zip', ['-sf', ZIP], { encoding: 'utf8' }).split('\n').map((l) => l.trim());
    for (const f of ['manifest.json', 'background.js', 'content.js', 'popup.html', 'pkg/blindvault_bg.wasm', 'pkg/blindvault.js', 'lib/bytes.js']) {
      assert.ok(list.includes(f), `${f} in the zip`);
    }
  });

  it('registers in the web vault and adds an https-only login there', async () => {
    const p = await ctx.newPage();
    await p.goto(server.url);
    await p.getByRole('tab', { name: 'Create account' }).click();
    await p.locator('#register-email').fill(EMAIL);
    await p.locator('#register-password').fill(MASTER);
    await p.locator('#register-password2').fill(MASTER);
    await p.locator('#register-submit').click();
    await p.locator('#vault-list button', { hasText: 'Personal' }).waitFor({ timeout: WAIT });
    await p.getByLabel('New item kind').selectOption('login');
    await p.getByRole('button', { name: 'New item' }).click();
    await p.getByLabel('Name', { exact: true }).fill(HTTPS_ITEM.name);
    await p.getByLabel('Website URL', { exact: true }).fill(`https://secure.example.test:${siteA.port}`);
    await p.getByLabel('Username', { exact: true }).fill(HTTPS_ITEM.username);
    await p.locator('#f-password').fill(HTTPS_ITEM.password);
    await p.locator('#save-item').click();
    await p.locator('#item-list button', { hasText: HTTPS_ITEM.name }).waitFor({ timeout: WAIT });
    await p.close();
  });

  it('unlocks from the popup, with the KDF in the worker and progress shown', async () => {
    await openPopup();
    assert.ok(await popup.locator('#login-screen').isVisible(), 'locked at first');
    await popup.getByLabel('Server URL').fill(proxy.url);
    await popup.getByLabel('Email').fill(EMAIL);
    await popup.getByLabel('Master password').fill('Not-The-Master-Password-1');
    await popup.locator('#unlock').click();
    await popup.locator('#error', { hasText: 'Wrong email or master password.' }).waitFor({ timeout: WAIT });
    assert.equal(await popup.getByLabel('Email').inputValue(), EMAIL, 'typed input kept');
    await popup.evaluate(() => {
      window.stages = [];
      const t = document.getElementById('progress-text');
      new MutationObserver(() => window.stages.push(t.textContent)).observe(t, { childList: true, characterData: true, subtree: true });
    });
    await popup.getByLabel('Master password').fill(MASTER);
    await popup.locator('#unlock').click();
    await popup.locator('#items li', { hasText: HTTPS_ITEM.name }).waitFor({ timeout: WAIT });
    const stages = await popup.evaluate(() => window.stages);
    assert.ok(stages.some((s) => s.includes('PBKDF2')), `KDF stage shown: ${stages}`);
    assert.equal(await popup.getByLabel('Master password').inputValue(), '', 'password field cleared');
  });

  it('offers to save a new login after a form submit, into a chosen vault', async () => {
    const page = await ctx.newPage();
    await page.goto(`${A}/login`);
    await page.locator('#f-user').fill(SITE_USER);
    await page.locator('#f-pass').fill(PW1);
    await page.locator('#f-go').click();
    await page.locator('#welcome').waitFor({ timeout: WAIT });
    const f = await waitFrame(page, 'save');
    await f.locator('#vault option', { hasText: 'Personal' }).waitFor({ state: 'attached', timeout: WAIT });
    assert.equal(await f.locator('#vault').inputValue() !== '', true);
    await f.getByLabel('Name').fill('Example Site Login');
    await page.screenshot({ path: join(SHOTS, 'extension-save.png') });
    await f.locator('#save').click();
    await waitFrameGone(page, 'save');
    await page.close();
    await openPopup();
    await popup.locator('#items li', { hasText: 'Example Site Login' }).waitFor({ timeout: WAIT });
  });

  it('fills the login by a click on the icon in the field', async () => {
    const page = await ctx.newPage();
    await page.goto(`${A}/login`);
    await clickIcon(page, null, '#f-pass');
    assert.deepEqual(await values(page, '#f-user', '#f-pass'), [SITE_USER, PW1]);
    await page.close();
  });

  it('lists the current site first in the popup search', async () => {
    const page = await ctx.newPage();
    await page.goto(`${A}/login`);
    const tabId = await (await worker()).evaluate(async (u) => (await chrome.tabs.query({})).find((t) => (t.url || '').startsWith(`${u}/`)).id, A);
    await popup.goto(`chrome-extension://${ext.extId}/popup.html?tab=${tabId}`);
    await popup.locator('#items li').nth(1).waitFor({ timeout: WAIT });
    assert.match(await popup.locator('#items li').first().textContent(), /Example Site Login/);
    assert.match(await popup.locator('#site').textContent(), new RegExp(`login.example.test:${siteA.port}`));
    await popup.screenshot({ path: join(SHOTS, 'extension-popup.png') });
    await popup.getByLabel('Search the vault').fill('secure portal');
    assert.equal(await popup.locator('#items li').count(), 1);
    await popup.locator('#items li').first().getByRole('button', { name: /Copy password/ }).click();
    await popup.locator('#status', { hasText: 'cleared in 30 seconds' }).waitFor({ timeout: WAIT });
    await page.close();
  });

  it('offers an update for a changed password, and a chooser when several logins match', async () => {
    const page = await ctx.newPage();
    await page.goto(`${A}/login`);
    await page.locator('#f-user').fill(SITE_USER);
    await page.locator('#f-pass').fill(PW2);
    await page.locator('#f-go').click();
    let f = await waitFrame(page, 'save');
    await f.locator('#update:not([hidden])').click();
    await waitFrameGone(page, 'save');

    await page.goto(`${A}/login`);
    await page.locator('#f-user').fill(SITE_USER2);
    await page.locator('#f-pass').fill(PW3);
    await page.locator('#f-go').click();
    f = await waitFrame(page, 'save');
    await f.getByLabel('Name').fill('Second Site Login');
    await f.locator('#save').click();
    await waitFrameGone(page, 'save');

    await page.goto(`${A}/login`);
    await clickIcon(page, null, '#f-pass');
    const c = await waitFrame(page, 'choose');
    await c.locator('button[data-item]').nth(1).waitFor({ timeout: WAIT });
    await page.screenshot({ path: join(SHOTS, 'extension-choose.png') });
    // The page's own DOM never holds the names or usernames offered.
    const html = await page.content();
    for (const s of ['Example Site Login', 'Second Site Login', SITE_USER, SITE_USER2]) assert.ok(!html.includes(s), `${s} not in the page`);
    await c.locator('button[data-item]', { hasText: 'Example Site Login' }).click();
    await waitFrameGone(page, 'choose');
    assert.deepEqual(await values(page, '#f-user', '#f-pass'), [SITE_USER, PW2], 'the updated password');
    await page.close();
  });

  it('generates a strong password into new-password fields', async () => {
    const page = await ctx.newPage();
    await page.goto(`${A}/signup`);
    await clickIcon(page, null, '#s-pass');
    const [a, b] = await values(page, '#s-pass', '#s-pass2');
    assert.equal(a.length, 20);
    assert.equal(a, b);
    await page.close();
  });

  /** Clicks the icon on `url` (in `frameUrl`'s frame if given) and checks nothing was filled or offered. */
  async function refuses(url, { frameUrl, fields = ['#f-user', '#f-pass'], click = '#f-pass' } = {}) {
    const page = await ctx.newPage();
    await page.goto(url);
    let frame = null;
    if (frameUrl) {
      await page.locator('#inner').waitFor({ timeout: WAIT });
      frame = page.frames().find((fr) => fr.url().startsWith(frameUrl));
      assert.ok(frame, 'the framed login page loaded');
    }
    await clickIcon(page, frame, click);
    assert.deepEqual(await values(frame || page, ...fields), fields.map(() => ''), `nothing filled on ${url}`);
    assert.equal(frameOf(page, 'choose'), undefined, 'no chooser offered');
    await page.close();
  }

  it('attack: never fills into a cross-origin iframe', async () => {
    await refuses(`http://evil.test:${siteA.port}/frame?src=${encodeURIComponent(`${A}/login`)}`, { frameUrl: `${A}/login` });
  });

  it('attack: never fills on a look-alike host (suffix or substring)', async () => {
    await refuses(`http://login.example.test.evil.test:${siteA.port}/login`);
    await refuses(`http://xlogin.example.test:${siteA.port}/login`);
  });

  it('attack: never fills on another port of the same host', async () => {
    await refuses(`http://login.example.test:${siteB.port}/login`);
  });

  it('attack: never fills an https login on an http page', async () => {
    await refuses(`http://secure.example.test:${siteA.port}/login`);
  });

  it('attack: never fills hidden fields (display:none, zero size, off-screen, opacity 0)', async () => {
    const page = await ctx.newPage();
    await page.goto(`${A}/hidden`);
    const kinds = ['none', 'zero', 'offscreen', 'transparent'];
    for (const k of kinds) await clickIcon(page, null, `#h-${k}-user`);
    for (const k of kinds) {
      assert.deepEqual(await values(page, `#h-${k}-user`, `#h-${k}-extra`, `#h-${k}-pass`), ['', '', ''], `form ${k}`);
    }
    assert.equal(frameOf(page, 'choose'), undefined);
    await page.close();
  });

  it('attack: a page script faking clicks and the shortcut fills nothing; a real click does', async () => {
    const page = await ctx.newPage();
    await page.goto(`${A}/fake-click`);
    await page.locator('body[data-attacked]').waitFor({ state: 'attached', timeout: WAIT });
    assert.ok(Number(await page.locator('body').getAttribute('data-attacked')) >= 2, 'the page found the icons');
    // The isTrusted check runs synchronously in the click listener, so a
    // synthetic click that got through would have left another state.
    const states = await page.locator('[data-blindvault-icon]').evaluateAll((els) => els.map((e) => e.dataset.blindvaultState));
    assert.ok(states.every((s) => s === 'idle'), `icons untouched: ${states}`);
    assert.deepEqual(await values(page, '#f-user', '#f-pass'), ['', '']);
    assert.equal(frameOf(page, 'choose'), undefined);
    await clickIcon(page, null, '#f-pass');
    await waitFrame(page, 'choose');
    await page.close();
  });

  it('survives a service worker stop: still unlocked from session storage, and fills', async () => {
    await stopWorker();
    await openPopup();
    assert.equal(await (await worker()).evaluate(() => self.__testMarker), undefined, 'a fresh worker');
    await popup.locator('#items li', { hasText: 'Example Site Login' }).waitFor({ timeout: WAIT });
    const page = await ctx.newPage();
    await page.goto(`${A}/login`);
    await clickIcon(page, null, '#f-pass');
    const c = await waitFrame(page, 'choose');
    await c.locator('button[data-item]', { hasText: 'Second Site Login' }).click();
    await waitFrameGone(page, 'choose');
    assert.deepEqual(await values(page, '#f-user', '#f-pass'), [SITE_USER2, PW3]);
    await page.close();
    // What storage holds: local has settings and what this extension verified
    // (log anchors, the vault-list version, pins: public data); the session
    // copy has no plaintext secret.
    const w = await worker();
    const stored = await w.evaluate(async () => ({ local: await chrome.storage.local.get(null), session: await chrome.storage.session.get(null) }));
    const trust = Object.keys(stored.local).filter((k) => /^bv(Log|List|Pin) /.test(k));
    assert.ok(trust.some((k) => k.startsWith('bvLog ')), 'the Personal vault\'s log anchor is kept');
    assert.deepEqual(Object.keys(stored.local).filter((k) => !trust.includes(k)).sort(),
      ['email', 'idleMinutes', 'lockOnClose', 'server'].filter((k) => k in stored.local).sort());
    for (const k of trust.filter((t) => t.startsWith('bvLog '))) assert.deepEqual(Object.keys(stored.local[k]).sort(), ['head', 'len']);
    assert.ok(stored.session.bvSession, 'a session copy exists while unlocked');
    const dump = JSON.stringify(stored);
    for (const s of [MASTER, PW1, PW2, PW3, HTTPS_ITEM.password]) for (const e of encodings(s)) assert.ok(!dump.includes(e), 'no secret in storage');
  });

  it('asks to unlock when the session secret is gone, without crashing', async () => {
    const w = await worker();
    // As after a browser restart: the offscreen document (which holds S) is gone.
    await w.evaluate(() => chrome.offscreen.closeDocument());
    await stopWorker();
    await openPopup();
    await popup.locator('#login-screen:not([hidden])').waitFor({ timeout: WAIT });
    const stored = await (await worker()).evaluate(() => chrome.storage.session.get(null));
    assert.equal(stored.bvSession, undefined, 'the unusable session copy is dropped');
    await popup.getByLabel('Master password').fill(MASTER);
    await popup.locator('#unlock').click();
    await popup.locator('#items li', { hasText: 'Example Site Login' }).waitFor({ timeout: WAIT });
  });

  it('locks after its idle time, and clears a password copied just before', async () => {
    await popup.locator('#search').fill('secure portal');
    await popup.locator('#items li').first().getByRole('button', { name: /Copy password/ }).click();
    await popup.locator('#status', { hasText: 'cleared in 30 seconds' }).waitFor({ timeout: WAIT });
    assert.equal(await readClipboard(), HTTPS_ITEM.password, 'copied through the offscreen document');
    await popup.locator('#settings summary').click();
    await popup.getByLabel('Lock after this many idle minutes').fill('0');
    await popup.locator('#save-settings').click();
    await popup.locator('#error', { hasText: 'whole number of minutes' }).waitFor({ timeout: WAIT });
    await popup.getByLabel('Lock after this many idle minutes').fill('1');
    await popup.locator('#save-settings').click();
    await popup.locator('#status', { hasText: 'Settings saved.' }).waitFor({ timeout: WAIT });
    // Move the last use back past the idle time instead of waiting a minute.
    await (await worker()).evaluate(() => chrome.storage.session.set({ lastActivity: Date.now() - 61_000 }));
    await openPopup();
    await popup.locator('#login-screen:not([hidden])').waitFor({ timeout: WAIT });
    const stored = await (await worker()).evaluate(() => chrome.storage.session.get(null));
    assert.equal(stored.bvSession, undefined, 'locking drops the session copy');
    assert.equal(await readClipboard(), '', 'locking clears the copied password');
    const page = await ctx.newPage();
    await page.goto(`${A}/login`);
    await clickIcon(page, null, '#f-pass');
    assert.deepEqual(await values(page, '#f-user', '#f-pass'), ['', ''], 'locked: nothing filled');
    await page.close();
  });

  it('sends nothing readable to the server: no secret, item name, username or URL', () => {
    assert.ok(proxy.seen.length >= 8, `requests recorded: ${proxy.seen.length}`);
    assert.ok(proxy.seen.some((r) => r.method === 'POST' && r.url.includes('/items')), 'an item was written');
    const never = [MASTER, 'Not-The-Master-Password-1', PW1, PW2, PW3, HTTPS_ITEM.password, HTTPS_ITEM.name, HTTPS_ITEM.username,
      SITE_USER, SITE_USER2, 'Example Site Login', 'Second Site Login', 'login.example.test', 'secure.example.test', 'Personal'];
    for (const r of proxy.seen) {
      const text = `${r.method} ${r.url}\n${r.headers}\n${r.body}`;
      for (const s of never) for (const e of encodings(s)) assert.ok(!text.includes(e), `${r.method} ${r.url} leaks ${s}`);
      assert.ok(!/token=|auth_key=/.test(r.url), 'no credential in a URL');
    }
  });
});
