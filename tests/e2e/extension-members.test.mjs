// The browser extension against a hostile server: it uses only the vaults
// the person's members and the person decided on, as the web vault does
// (issue 14, SPEC § Member log, § Shares a person accepts, § Browser
// extension). One person (P) uses the extension and the web vault in one
// Chromium profile; another (T) shares from a second browser. The test then
// acts as the server (or its administrator) by writing its SQLite file
// directly, one attack per test, and checks what the extension offers,
// fills and shows. Steps run in order and share state; every wait is for a
// visible state, never a fixed sleep.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startServer, ROOT } from './server.mjs';
import { startSite } from './extension-site.mjs';
import { launch } from './vault-helpers.mjs';
import { launchExtension, clickIcon, values, WAIT } from './extension-helpers.mjs';
import { register, createVault, share, myFingerprint, apiPost, forgedIdentity } from './web-steps.mjs';

const bvNode = createRequire(import.meta.url)('../../pkg-node/blindvault.js');
const P = { email: 'pat@example.test', master: 'Juniper-Lattice-Beacon-6612!' };
const T = { email: 'tess@example.test', master: 'Obsidian-Harvest-Comet-2290?' };
const Q = { email: 'quinn@example.test', master: 'Marble-Thistle-Orbit-5184#' };
const TEAM = 'Team Vault';
const PLANTED = 'Planted Vault';
const ROGUE = 'Rogue Vault';
const DECLINED = 'Declined Vault';

let server;
let site;
let ext;
let popup;
let other;
let webP;
let webT;
const ids = {};
const origin = (host) => `http://${host}.example.test:${site.port}`;

// ---------- helpers ----------

const sql = (s) => server.sql(s).trim();
const accountId = (email) => sql(`SELECT id FROM accounts WHERE email = '${email}'`);
const copyOf = (vaultId, account) => sql(`SELECT wrapped_vault_key FROM members WHERE vault_id = '${vaultId}' AND account_id = '${account}'`);
const popupItem = (name) => popup.locator('#items li', { hasText: name });
const pendingItem = (name) => popup.locator('#pending-list li', { hasText: name });

async function unlock(who) {
  await ext.openPopup();
  await popup.getByLabel('Server URL').fill(server.url);
  await popup.getByLabel('Email').fill(who.email);
  await popup.getByLabel('Master password').fill(who.master);
  await popup.locator('#unlock').click();
}

async function lockPopup() {
  await ext.openPopup();
  if (await popup.locator('#vault-screen').isVisible()) await popup.locator('#lock').click();
  await popup.locator('#login-screen:not([hidden])').waitFor({ timeout: WAIT });
}

/** The popup's Refresh; resolves once the new list is shown. */
async function refresh() {
  await ext.openPopup();
  await popup.getByRole('button', { name: 'Refresh from the server' }).click();
  await popup.locator('#status', { hasText: 'Refreshed from the server.' }).waitFor({ timeout: WAIT });
}

/** What a trusted click on the password field's icon fills on `host`'s login page. */
async function fillOn(host) {
  const page = await ext.ctx.newPage();
  await page.goto(`${origin(host)}/login`);
  await clickIcon(page, null, '#f-pass');
  const got = await values(page, '#f-user', '#f-pass');
  assert.equal(ext.frameOf(page, 'choose'), undefined, `no chooser on ${host}`);
  await page.close();
  return got;
}

async function expectIntegrityAlert() {
  await popup.locator('#integrity:not([hidden])', { hasText: 'failed the integrity check' }).waitFor({ timeout: WAIT });
}

async function expectNoIntegrityAlert() {
  assert.equal(await popup.locator('#integrity').isVisible(), false, 'no integrity problem reported');
}

/** A server-made item envelope: the core's item blob, base64url of its UTF-8 (SPEC § Web vault). */
function itemEnvelope(key, vaultId, itemId, overview, details) {
  const enc = (o) => Buffer.from(JSON.stringify(o));
  return Buffer.from(bvNode.sealItem(key, vaultId, itemId, enc(overview), enc(details))).toString('base64url');
}

const newId = () => randomBytes(16).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

// ---------- the tests ----------

describe('browser extension: members decide which vaults it uses', { concurrency: false, timeout: 10 * 60_000 }, () => {
  before(async () => {
    server = await startServer();
    site = await startSite();
    ext = await launchExtension();
    ({ popup } = ext);
    other = await launch();
    webP = await ext.ctx.newPage();
    await webP.goto(server.url);
    webT = await (await other.newContext()).newPage();
    await webT.goto(server.url);
  });

  after(async () => {
    await other?.close();
    await ext?.close();
    await site?.close();
    await server?.stop();
  });

  it('sets up: P with a login of their own, unlocked in the extension; T in another browser', async () => {
    await register(webP, P);
    await register(webT, T);
    ids.P = accountId(P.email);
    ids.T = accountId(T.email);
    await createVault(webP, 'P Extra', 'Own Login', { url: origin('own'), username: 'pat.own' });
    await unlock(P);
    await popupItem('Own Login').waitFor({ timeout: WAIT });
    await expectNoIntegrityAlert();
    assert.deepEqual(await fillOn('own'), ['pat.own', 'Own Login password 7731']);
  });

  it('(c) shows the account\'s identity fingerprint, the one the web vault shows and the core computes', async () => {
    const shown = (await popup.locator('#my-fingerprint').textContent()).trim();
    assert.match(shown, /^\d{4}( \d{4}){7}$/);
    assert.equal(shown, await myFingerprint(webP), 'as the web vault shows it');
    const core = bvNode.parseIdentity(sql(`SELECT identity FROM accounts WHERE id = '${ids.P}'`));
    assert.equal(core.accountId, ids.P);
    assert.equal(shown, core.fingerprint, 'as the core computes it from the published identity');
  });

  it('(a) an authenticated copy T sealed to P: pending, never filled or saved into, until P accepts it in the popup', async () => {
    const fpT = await myFingerprint(webT);
    ids.team = await createVault(webT, TEAM, 'Team Login', { url: origin('team'), username: 'team.user' });
    await share(webT, TEAM, P.email, { fresh: true });
    assert.match(copyOf(ids.team, ids.P), /^bv1-hpke-auth\./);

    await refresh();
    const entry = pendingItem(TEAM);
    await entry.waitFor({ timeout: WAIT });
    assert.match(await entry.textContent(), new RegExp(`shared by ${T.email.replace('.', '\\.')} \\(write\\)`));
    assert.equal((await entry.locator('.pending-fingerprint').textContent()).trim(), fpT, 'T\'s identity fingerprint');
    assert.match(await entry.locator('.pending-pin').textContent(), /New key: this extension has not seen it/);
    await popup.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'extension-pending.png') });
    assert.equal(await popupItem('Team Login').count(), 0, 'its items are not listed');
    assert.deepEqual(await fillOn('team'), ['', ''], 'nor filled');

    // Nor saved into: the save offer lists only accepted vaults, and a save
    // naming the pending vault anyway is refused before anything is sealed.
    const page = await ext.ctx.newPage();
    await page.goto(`${origin('team')}/login`);
    await page.locator('#f-user').fill('team.user');
    await page.locator('#f-pass').fill('Typed-On-The-Team-Site-1');
    await page.locator('#f-go').click();
    const f = await ext.waitFrame(page, 'save');
    await f.locator('#vault option', { hasText: 'Personal' }).waitFor({ state: 'attached', timeout: WAIT });
    const offered = await f.locator('#vault option').allTextContents();
    assert.ok(!offered.includes(TEAM), `the pending vault is not offered: ${offered}`);
    const forced = await f.evaluate((vaultId) => chrome.runtime.sendMessage({
      op: 'save', nonce: location.hash.slice(1), action: 'save', vaultId, name: 'Forced',
    }), ids.team);
    assert.deepEqual(forced, { result: 'error', error: 'no_such_vault' });
    await page.close();
    assert.equal(sql(`SELECT COUNT(*) FROM items WHERE vault_id = '${ids.team}'`), '1', 'nothing was written into it');
    assert.match(copyOf(ids.team, ids.P), /^bv1-hpke-auth\./, 'not re-wrapped without the person');

    await ext.openPopup();
    await popup.getByRole('button', { name: `Accept ${TEAM}` }).click();
    await popup.locator('#status', { hasText: `You accepted ${TEAM}` }).waitFor({ timeout: WAIT });
    await popupItem('Team Login').waitFor({ timeout: WAIT });
    assert.equal(await popup.locator('#pending-section').isVisible(), false);
    assert.doesNotMatch(copyOf(ids.team, ids.P), /^bv1-hpke/, 'accepting replaced the sealed copy with P\'s own wrap');
    assert.deepEqual(await fillOn('team'), ['team.user', 'Team Login password 7731']);
  });

  it('(a) a base-mode copy of a vault the server made itself (no member log): pending, nobody named, until accepted', async () => {
    // Anyone can seal to P's public key; nothing says who did.
    const id = newId();
    const item = newId();
    const key = bvNode.VaultKey.generate();
    const pk = Buffer.from(sql(`SELECT public_key FROM accounts WHERE id = '${ids.P}'`), 'base64url');
    const name = key.sealVaultName(PLANTED, id);
    const envelope = itemEnvelope(key, id, item, { kind: 'login', name: 'Planted Login', url: origin('planted'), username: 'planted.user' },
      { password: 'Planted-Password-4410' });
    const seq = Number(sql('SELECT MAX(seq) FROM members')) + 1;
    server.sql(`INSERT INTO vaults (id, name, revision, seq, created_at, updated_at) VALUES ('${id}', '${name}', 1, ${seq}, ${now()}, ${now()});
      INSERT INTO members (vault_id, account_id, role, wrapped_vault_key, seq) VALUES ('${id}', '${ids.P}', 'owner', '${key.sealTo(pk, id, ids.P)}', ${seq});
      INSERT INTO items (vault_id, id, envelope, revision, seq, created_at, updated_at) VALUES ('${id}', '${item}', '${envelope}', 1, ${seq}, ${now()}, ${now()});`);
    assert.match(copyOf(id, ids.P), /^bv1-hpke\./);

    await refresh();
    const entry = pendingItem(PLANTED);
    await entry.waitFor({ timeout: WAIT });
    assert.match(await entry.textContent(), /shared with you \(owner\)/);
    assert.match(await entry.locator('.pending-pin').textContent(), /nothing says who shared it/);
    assert.equal(await popupItem('Planted Login').count(), 0);
    assert.deepEqual(await fillOn('planted'), ['', ''], 'never filled while pending');

    await ext.openPopup();
    await popup.getByRole('button', { name: `Accept ${PLANTED}` }).click();
    await popupItem('Planted Login').waitFor({ timeout: WAIT });
    assert.doesNotMatch(copyOf(id, ids.P), /^bv1-hpke/);
    assert.deepEqual(await fillOn('planted'), ['planted.user', 'Planted-Password-4410'], 'accepted: filled');
  });

  it('declining a pending vault hides it until the lock; it stays unused', async () => {
    ids.declined = await createVault(webT, DECLINED, 'Declined Login', { url: origin('declined'), username: 'declined.user' });
    await share(webT, DECLINED, P.email, { fresh: false });
    await refresh();
    await pendingItem(DECLINED).waitFor({ timeout: WAIT });
    await popup.getByRole('button', { name: `Decline ${DECLINED}` }).click();
    await popup.locator('#status', { hasText: `${DECLINED} is hidden until Blindvault locks.` }).waitFor({ timeout: WAIT });
    assert.equal(await pendingItem(DECLINED).count(), 0);
    await refresh();
    assert.equal(await pendingItem(DECLINED).count(), 0, 'still hidden after a sync');
    assert.deepEqual(await fillOn('declined'), ['', '']);
    assert.match(copyOf(ids.declined, ids.P), /^bv1-hpke-auth\./, 'nothing written for it');
  });

  it('(a) a base-mode copy planted into a vault whose member log never added P: refused, not even pending', async () => {
    ids.rogue = await createVault(webT, ROGUE, 'Rogue Login', { url: origin('rogue'), username: 'rogue.user' });
    const pk = Buffer.from(sql(`SELECT public_key FROM accounts WHERE id = '${ids.P}'`), 'base64url');
    const planted = bvNode.VaultKey.generate().sealTo(pk, ids.rogue, ids.P);
    server.sql(`INSERT INTO members (vault_id, account_id, role, wrapped_vault_key, seq) SELECT vault_id, '${ids.P}', 'owner', '${planted}', seq FROM members WHERE vault_id = '${ids.rogue}' AND account_id = '${ids.T}'`);
    try {
      await refresh();
      await expectIntegrityAlert();
      assert.equal(await pendingItem(ROGUE).count(), 0, 'not offered to accept');
      assert.equal(await popupItem('Rogue Login').count(), 0);
      assert.deepEqual(await fillOn('rogue'), ['', '']);
      await popupItem('Team Login').waitFor({ timeout: WAIT }); // the other vaults are still used
    } finally {
      server.sql(`DELETE FROM members WHERE vault_id = '${ids.rogue}' AND account_id = '${ids.P}'`);
    }
    await refresh();
    await expectNoIntegrityAlert();
  });

  it('(b) a member-log entry rewritten in the database: that vault\'s logins are no longer offered; the popup says why', async () => {
    const entry = sql(`SELECT entry FROM member_log WHERE vault_id = '${ids.team}' AND n = 1`);
    // One character of the signature: the body still parses, the signature fails.
    const last = entry.at(-2);
    server.sql(`UPDATE member_log SET entry = '${entry.slice(0, -2)}${last === 'A' ? 'B' : 'A'}${entry.at(-1)}' WHERE vault_id = '${ids.team}' AND n = 1`);
    try {
      await refresh();
      await expectIntegrityAlert();
      assert.equal(await popupItem('Team Login').count(), 0, 'not listed');
      assert.equal(await pendingItem(TEAM).count(), 0, 'not offered to accept either');
      assert.deepEqual(await fillOn('team'), ['', ''], 'not filled');
      await popupItem('Own Login').waitFor({ timeout: WAIT });
    } finally {
      server.sql(`UPDATE member_log SET entry = '${entry}' WHERE vault_id = '${ids.team}' AND n = 1`);
    }
    await refresh();
    await expectNoIntegrityAlert();
    assert.deepEqual(await fillOn('team'), ['team.user', 'Team Login password 7731']);
  });

  it('(b) a member-log entry removed, or the whole log: refused as a rollback of what this extension verified', async () => {
    const rows = sql(`SELECT n || '|' || entry || '|' || hash FROM member_log WHERE vault_id = '${ids.team}' ORDER BY n`)
      .split('\n').map((r) => r.split('|'));
    assert.equal(rows.length, 2);
    const anchors = await (await ext.worker()).evaluate(() => chrome.storage.local.get(null));
    assert.ok(Object.entries(anchors).some(([k, a]) => k.startsWith('bvLog ') && k.endsWith(` ${ids.team}`) && a.len === 2),
      'the extension keeps the anchor it verified');
    for (const cut of ['n = 1', 'n >= 0']) {
      server.sql(`DELETE FROM member_log WHERE vault_id = '${ids.team}' AND ${cut}`);
      try {
        await refresh();
        await expectIntegrityAlert();
        assert.equal(await popupItem('Team Login').count(), 0, `not listed with ${cut} deleted`);
        assert.deepEqual(await fillOn('team'), ['', ''], `not filled with ${cut} deleted`);
      } finally {
        server.sql(`DELETE FROM member_log WHERE vault_id = '${ids.team}'`);
        for (const [n, e, hash] of rows) server.sql(`INSERT INTO member_log (vault_id, n, entry, hash) VALUES ('${ids.team}', ${n}, '${e}', '${hash}')`);
      }
    }
    await refresh();
    await expectNoIntegrityAlert();
    await popupItem('Team Login').waitFor({ timeout: WAIT });
  });

  it('(d) another account\'s identity swapped in for P\'s: the unlock is refused with a clear message', async () => {
    const real = sql(`SELECT identity FROM accounts WHERE id = '${ids.P}'`);
    await lockPopup();
    server.sql(`UPDATE accounts SET identity = (SELECT identity FROM accounts WHERE id = '${ids.T}') WHERE id = '${ids.P}'`);
    try {
      await unlock(P);
      await popup.locator('#error', { hasText: 'The server sent an identity for your account that is not yours' }).waitFor({ timeout: WAIT });
      assert.ok(await popup.locator('#login-screen').isVisible(), 'still locked');
      const session = await (await ext.worker()).evaluate(() => chrome.storage.session.get(null));
      assert.equal(session.bvSession, undefined, 'no session copy of the refused account');
    } finally {
      server.sql(`UPDATE accounts SET identity = '${real}' WHERE id = '${ids.P}'`);
    }
  });

  it('(d) a forged identity for P\'s own account and email (another key): the unlock is refused', async () => {
    const real = sql(`SELECT identity FROM accounts WHERE id = '${ids.P}'`);
    const forged = await forgedIdentity(ids.P, P.email);
    server.sql(`UPDATE accounts SET identity = '${forged.identity}' WHERE id = '${ids.P}'`);
    try {
      await unlock(P);
      await popup.locator('#error', { hasText: 'The server sent an identity for your account that is not yours' }).waitFor({ timeout: WAIT });
      assert.ok(await popup.locator('#login-screen').isVisible(), 'still locked');
    } finally {
      server.sql(`UPDATE accounts SET identity = '${real}' WHERE id = '${ids.P}'`);
    }
    // With the real identity back the unlock goes through, with every accepted vault.
    await popup.getByLabel('Master password').fill(P.master);
    await popup.locator('#unlock').click();
    await popupItem('Team Login').waitFor({ timeout: WAIT });
    await popupItem('Planted Login').waitFor({ timeout: WAIT });
    await expectNoIntegrityAlert();
    await pendingItem(DECLINED).waitFor({ timeout: WAIT }); // declined until the lock only
  });

  it('an account made before identities: the extension issues its identity at unlock and publishes it', async () => {
    const params = bvNode.newKdfParams();
    const master = await bvNode.deriveMasterKey(Q.master, params);
    const { registration: r } = bvNode.register(master, params, newId());
    await apiPost(server.url, '/accounts', {
      account_id: r.account_id, email: Q.email, kdf: r.kdf, wrapped_account_key: r.wrapped_account_key,
      public_key: r.public_key, wrapped_private_key: r.wrapped_private_key, auth_key: r.auth_key,
    });
    assert.equal(sql(`SELECT COUNT(*) FROM accounts WHERE id = '${r.account_id}' AND identity IS NULL`), '1');
    await lockPopup();
    await unlock(Q);
    await popup.locator('#vault-screen:not([hidden])').waitFor({ timeout: WAIT });
    const published = bvNode.parseIdentity(sql(`SELECT identity FROM accounts WHERE id = '${r.account_id}'`));
    assert.equal(published.accountId, r.account_id);
    assert.equal(published.email, Q.email);
    await popup.locator('#my-fingerprint', { hasText: published.fingerprint }).waitFor({ timeout: WAIT });
  });
});
