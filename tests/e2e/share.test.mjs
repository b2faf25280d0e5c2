// The sharing pages (/share/, /s/) and `bv share` in real Chromium against a
// real server. Steps run in order on one server; each recipient is a fresh
// browser context (no shared storage). Waits are for visible states.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startLoggedServer, bv, encodings, ROOT } from './share_support.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const WAIT = 60_000;
const SHOTS = join(ROOT, 'docs', 'screenshots');
const EMAIL = 'sharer@example.test';
const MASTER = 'Copper-Meadow-Lantern-7731!';

// Everything that must never reach the server readable; link keys are added as made.
const secrets = new Set([MASTER]);
const requests = [];
let server;
let browser;
let sender;
let cliDir;

async function context() {
  const ctx = await browser.newContext({ acceptDownloads: true });
  ctx.on('request', (r) => requests.push({ url: r.url(), headers: r.headers(), body: r.postData() || '' }));
  return ctx;
}

/** A recipient's fresh browser context with the link loaded (no API call yet). */
async function recipient(link) {
  const ctx = await context();
  const page = await ctx.newPage();
  await page.goto(link);
  return page;
}

function remember(link) {
  // The fragment: share key, request public key or delete token.
  for (const part of new URL(link).hash.slice(1).split('.')) if (part.length >= 32) secrets.add(part);
}

async function createShare({ text, file, views = 1, expiry = '3600', passphrase = '' }) {
  if (await sender.locator('#created').isVisible()) await sender.click('#another');
  if (file) {
    await sender.check('input[name=kind][value=file]');
    await sender.setInputFiles('#share-file', file);
  } else {
    await sender.check('input[name=kind][value=text]');
    await sender.fill('#share-text', text);
  }
  await sender.selectOption('#expiry', expiry);
  await sender.fill('#views', String(views));
  await sender.fill('#share-passphrase', passphrase);
  await sender.click('#create-btn');
  await sender.locator('#created').waitFor({ state: 'visible', timeout: WAIT });
  const link = await sender.inputValue('#share-link');
  const deleteLink = await sender.inputValue('#delete-link');
  remember(link);
  // The delete token is meant for the server (X-Delete-Token; only its hash is stored).
  return { link, deleteLink };
}

async function reveal(page) {
  await page.click('#reveal-btn');
  await page.waitForFunction(() => ['secret', 'gone', 'passphrase', 'broken']
    .some((id) => !document.getElementById(id).hidden), null, { timeout: WAIT });
}

describe('sharing pages', { timeout: 600_000 }, () => {
  before(async () => {
    server = await startLoggedServer();
    cliDir = mkdtempSync(join(tmpdir(), 'bv-share-cli-'));
    const reg = bv(['--server', server.url, 'account', 'register', '--email', EMAIL],
      { env: { BV_PASSWORD: MASTER }, configDir: cliDir });
    assert.equal(reg.status, 0, reg.stderr);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
    sender = await (await context()).newPage();
    await sender.goto(`${server.url}/share/`);
    await sender.fill('#email', EMAIL);
    await sender.fill('#password', MASTER);
    await sender.click('#sign-in-form button[type=submit]');
    await sender.locator('#create').waitFor({ state: 'visible', timeout: WAIT });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (cliDir) rmSync(cliDir, { recursive: true, force: true });
  });

  it('reveals once; a link preview uses no view; a second open shows "already viewed"', async () => {
    const secret = 'Harbor-Quasar-Token-5521';
    secrets.add(secret);
    const { link } = await createShare({ text: secret, views: 1 });
    assert.match(link, /\/s\/#[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    await sender.screenshot({ path: join(SHOTS, 'share-link.png'), fullPage: true });
    // A chat unfurler loads the page (and its scripts) but clicks nothing.
    const preview = await recipient(link);
    await preview.locator('#reveal').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await fetch(link).then((r) => r.status), 200);
    const page = await recipient(link);
    assert.equal(new URL(page.url()).hash, '', 'the key is dropped from the address bar');
    await reveal(page);
    assert.equal(await page.inputValue('#secret-text'), secret);
    assert.match(await page.textContent('#limits'), /allowed 1 view .*Views left: 0/);
    assert.equal(await page.locator('#limits-warning').isVisible(), false);
    await page.screenshot({ path: join(SHOTS, 'share-revealed.png'), fullPage: true });
    const again = await recipient(link);
    await reveal(again);
    assert.match(await again.textContent('#gone'), /already been viewed/);
    assert.equal(await again.locator('#secret').isVisible(), false);
  });

  it('shows the same clear page for an expired, a deleted and an unknown share', async () => {
    const secret = 'Expired-Orchid-Cipher-8812';
    secrets.add(secret);
    const expired = await createShare({ text: secret, views: 3, expiry: '300' });
    const id = new URL(expired.link).hash.slice(1).split('.')[0];
    server.sql(`UPDATE shares SET expires_at = 1 WHERE id = '${id}'`);
    const page = await recipient(expired.link);
    await reveal(page);
    const goneText = await page.textContent('#gone');
    assert.match(goneText, /expired/);
    assert.equal(server.sql(`SELECT COUNT(*) FROM shares WHERE id = '${id}'`).trim(), '0', 'expired rows are deleted');

    const deleted = await createShare({ text: 'Deleted-Marigold-4410', views: 2 });
    secrets.add('Deleted-Marigold-4410');
    const del = await recipient(deleted.deleteLink);
    await del.click('#delete-btn');
    await del.locator('#delete-status', { hasText: 'Deleted' }).waitFor({ timeout: WAIT });
    const afterDelete = await recipient(deleted.link);
    await reveal(afterDelete);
    assert.equal(await afterDelete.textContent('#gone'), goneText, 'deleted looks like expired');

    const unknown = await recipient(`${server.url}/s/#AAAAAAAAAAAAAAAAAAAAAA.${'A'.repeat(43)}`);
    await reveal(unknown);
    assert.equal(await unknown.textContent('#gone'), goneText, 'unknown looks like expired');

    const broken = await recipient(`${server.url}/s/#only-an-id`);
    await broken.locator('#bad-link').waitFor({ state: 'visible', timeout: WAIT });
  });

  it('refuses a changed ciphertext and flags a server that ignores the sender\'s limits', async () => {
    const secret = 'Tampered-Basil-Signal-1197';
    secrets.add(secret);
    const tampered = await createShare({ text: secret, views: 2 });
    const tid = new URL(tampered.link).hash.slice(1).split('.')[0];
    server.sql(`UPDATE shares SET ciphertext = substr(ciphertext, 1, 99) || `
      + `(CASE substr(ciphertext, 100, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(ciphertext, 101) WHERE id = '${tid}'`);
    const page = await recipient(tampered.link);
    await reveal(page);
    assert.ok(await page.locator('#broken').isVisible(), 'a changed ciphertext is refused');
    assert.equal(await page.locator('#secret').isVisible(), false);

    const lied = await createShare({ text: 'Limits-Ignored-Fennel-5530', views: 1 });
    secrets.add('Limits-Ignored-Fennel-5530');
    const lid = new URL(lied.link).hash.slice(1).split('.')[0];
    server.sql(`UPDATE shares SET views_left = 50, expires_at = expires_at + 86400 WHERE id = '${lid}'`);
    const page2 = await recipient(lied.link);
    await reveal(page2);
    assert.ok(await page2.locator('#limits-warning').isVisible(), 'the page notices the server changed the limits');
    assert.match(await page2.textContent('#limits'), /allowed 1 view /, 'and shows what the sender chose');
  });

  it('retries a wrong passphrase locally without using another view', async () => {
    const secret = 'Velvet-Comet-Passage-3307';
    const passphrase = 'correct horse battery staple';
    secrets.add(secret);
    secrets.add(passphrase);
    secrets.add('wrong horse battery staple');
    const { link } = await createShare({ text: secret, views: 2, passphrase });
    const page = await recipient(link);
    await reveal(page);
    await page.locator('#passphrase').waitFor({ state: 'visible' });
    const opensBefore = requests.filter((r) => r.url.endsWith('/open')).length;
    await page.fill('#passphrase-input', 'wrong horse battery staple');
    await page.click('#passphrase-form button[type=submit]');
    await page.locator('#passphrase-error', { hasText: 'Wrong passphrase' }).waitFor({ timeout: WAIT });
    await page.fill('#passphrase-input', passphrase);
    await page.click('#passphrase-form button[type=submit]');
    await page.locator('#secret').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await page.inputValue('#secret-text'), secret);
    assert.equal(requests.filter((r) => r.url.endsWith('/open')).length, opensBefore, 'no request for the retry');
    assert.match(await page.textContent('#limits'), /Views left: 1/, 'one view used for two tries');
  });

  it('round-trips a multi-MiB file byte for byte, with a moving progress bar', async () => {
    // Past the old 128 KiB limit and the API's ordinary 1 MiB body limit.
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    if (await sender.locator('#created').isVisible()) await sender.click('#another');
    // Every value the bar takes (setting .value sets the attribute).
    await sender.evaluate(() => {
      window.progressSeen = [];
      const bar = document.getElementById('progress');
      new MutationObserver(() => window.progressSeen.push(bar.value))
        .observe(bar, { attributes: true, attributeFilter: ['value'] });
    });
    const { link } = await createShare({ file: { name: 'payload.bin', mimeType: 'application/octet-stream', buffer: bytes } });
    const seen = await sender.evaluate(() => window.progressSeen);
    assert.ok(seen.some((v) => v > 0 && v < 1), `the bar moves in steps: ${seen.join(' ')}`);
    assert.equal(seen.at(-1), 1, 'and ends full');
    const page = await recipient(link);
    await reveal(page);
    assert.equal(await page.textContent('#file-name'), 'payload.bin');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#file-download')]);
    const got = readFileSync(await download.path());
    assert.ok(got.equals(bytes), 'downloaded bytes equal the original');
    assert.equal(download.suggestedFilename(), 'payload.bin');
    // One byte over 8 MiB: refused before anything is sent. A sparse file on
    // disk costs nothing to make, and the page reads only its size.
    await sender.click('#another');
    await sender.check('input[name=kind][value=file]');
    const big = join(cliDir, 'big.bin');
    closeSync(openSync(big, 'w'));
    truncateSync(big, 8 * 1024 * 1024 + 1);
    await sender.setInputFiles('#share-file', big);
    const sentBefore = requests.length;
    await sender.click('#create-btn');
    await sender.locator('#create-status', { hasText: 'the limit is 8388608 bytes (8 MiB). Nothing was sent.' })
      .waitFor({ timeout: WAIT });
    assert.deepEqual(requests.slice(sentBefore).map((r) => r.url), [], 'no request for an oversized file');
    await sender.setInputFiles('#share-file', []);
  });

  it('delivers a one-view share to exactly one of two concurrent openers', async () => {
    const secret = 'Race-Condition-Lilac-6620';
    secrets.add(secret);
    const { link } = await createShare({ text: secret, views: 1 });
    const a = await recipient(link);
    const b = await recipient(link);
    await Promise.all([a.locator('#reveal-btn').waitFor(), b.locator('#reveal-btn').waitFor()]);
    await Promise.all([reveal(a), reveal(b)]);
    const shown = [await a.locator('#secret').isVisible(), await b.locator('#secret').isVisible()];
    assert.deepEqual(shown.sort(), [false, true], 'exactly one reveals it');
    const gone = [await a.locator('#gone').isVisible(), await b.locator('#gone').isVisible()];
    assert.deepEqual(gone.sort(), [false, true], 'the other sees the gone page');
  });

  it('requests a secret: only the requester\'s open page reads the answer', async () => {
    const answer = 'Requested-Saffron-Key-9043';
    secrets.add(answer);
    await sender.click('#request-form button[type=submit]');
    await sender.locator('#request-out').waitFor({ state: 'visible', timeout: WAIT });
    const link = await sender.inputValue('#request-link');
    remember(link);
    const colleague = await recipient(link);
    await colleague.locator('#answer').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await colleague.textContent('#answer-fingerprint'), await sender.textContent('#request-fingerprint'));
    await colleague.fill('#answer-text', answer);
    await colleague.click('#answer-form button[type=submit]');
    await colleague.locator('#answer-status', { hasText: 'Sent' }).waitFor({ timeout: WAIT });
    await sender.locator('#answer-box').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await sender.inputValue('#answer-out'), answer);
    await sender.screenshot({ path: join(SHOTS, 'share-request.png'), fullPage: true });
    assert.equal(server.sql('SELECT COUNT(*) FROM share_requests').trim(), '0', 'collected answers are deleted');
    // A second answer to the same link is refused.
    const late = await recipient(link);
    await late.fill('#answer-text', 'second answer');
    await late.click('#answer-form button[type=submit]');
    await late.locator('#answer-status', { hasText: 'closed' }).waitFor({ timeout: WAIT });
  });

  it('interoperates with bv share in both directions', async () => {
    // `bv account register` in before() left a session in cliDir.
    let r;
    // CLI -> browser, with a passphrase.
    const cliSecret = 'Cli-Made-Juniper-2284';
    const cliPass = 'cli passphrase 4412';
    secrets.add(cliSecret);
    secrets.add(cliPass);
    r = bv(['share', 'create', '--text', '-', '--views', '2', '--expires', '10m', '--passphrase-stdin'],
      { input: `${cliPass}\n${cliSecret}`, configDir: cliDir });
    assert.equal(r.status, 0, r.stderr);
    const cliLink = r.stdout.toString().split('\n')[0];
    remember(cliLink);
    const page = await recipient(cliLink);
    await reveal(page);
    await page.fill('#passphrase-input', cliPass);
    await page.click('#passphrase-form button[type=submit]');
    await page.locator('#secret').waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await page.inputValue('#secret-text'), cliSecret);
    assert.match(await page.textContent('#limits'), /allowed 2 views/);

    // Browser -> CLI: text to stdout, a file to --out.
    const webSecret = 'Web-Made-Tamarind-7730';
    secrets.add(webSecret);
    const { link } = await createShare({ text: webSecret });
    r = bv(['share', 'open', link], { configDir: cliDir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), webSecret);
    r = bv(['share', 'open', link], { configDir: cliDir });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /already viewed/);
    const bytes = randomBytes(40_000);
    const fileShare = await createShare({ file: { name: 'cert.der', mimeType: 'application/octet-stream', buffer: bytes } });
    const out = join(cliDir, 'cert.der');
    r = bv(['share', 'open', fileShare.link, '--out', out], { configDir: cliDir });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(readFileSync(out).equals(bytes));
  });

  it('sent no secret, passphrase or link fragment to the server, its log or its database', async () => {
    assert.ok(requests.length > 20, 'requests were recorded');
    const forms = [...secrets].flatMap(encodings);
    for (const r of requests) {
      // The page URL as Chromium reports it may carry the fragment it never sends.
      const sent = `${r.url.split('#')[0]}\n${JSON.stringify(r.headers)}\n${r.body}`;
      for (const f of forms) assert.ok(!sent.includes(f), `a request to ${r.url.split('#')[0]} carried a secret`);
    }
    const log = server.log();
    assert.match(log, /shares/, 'the request log was captured');
    for (const f of forms) assert.ok(!log.includes(f), 'the server log holds a secret');
    for (const [path, bytes] of server.dataFiles()) {
      const text = bytes.toString('latin1');
      for (const f of forms) assert.ok(!text.includes(f), `${path} holds a secret`);
    }
  });
});
