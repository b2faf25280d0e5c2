// The web vault against a hostile server: members, not the server, decide
// who holds a vault key (issue 14, SPEC § Member log). Three people in real
// Chromium against the real server; the test then acts as the server (or
// its administrator) by writing its SQLite file directly, one attack per
// test, and checks that the page refuses and that nothing was signed,
// sealed or sent. Steps run in order and share state; every wait is for a
// visible state, never a fixed sleep.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, ROOT } from './server.mjs';
import { launch, record, WAIT } from './vault-helpers.mjs';
import {
  register, vaultButton, listItem, pendingEntry, toast, expectBanner, dismissBanner, refresh,
  createVault, openMembers, lookUp, share, myFingerprint, apiPost, forgedIdentity,
} from './web-steps.mjs';

const bvNode = createRequire(import.meta.url)('../../pkg-node/blindvault.js');
const SHOTS = join(ROOT, 'docs', 'screenshots');
const O = { email: 'ada@example.test', master: 'Quartz-Meadow-Lantern-4471!' };
const M = { email: 'bo@example.test', master: 'Cinder-Otter-Harbor-9023#' };
const T = { email: 'cy@example.test', master: 'Maple-Comet-Falcon-3158?' };
const LEDGER = 'Ledger Vault';
const UNASKED = 'Unasked Vault';
const ROSTER = 'Roster Vault';
const FORGE = 'Forge Vault';
const ROLLBACK = 'Rollback Vault';

let server;
let browser;
const ctx = {};
const page = {};
const reqs = { O: [], M: [], T: [] };
const consoleErrors = [];
const ids = {};

// ---------- helpers ----------

async function newPage(who) {
  ctx[who] = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  record(ctx[who], reqs[who]);
  const p = await ctx[who].newPage();
  p.on('console', (m) => {
    // 404s the protocol expects (no snapshot yet, no vault list yet) are logged by the browser.
    if (m.type() === 'error' && !/\/(overview-snapshot|vault-list|favicon\.ico)$/.test(m.location().url)) {
      consoleErrors.push(`${who}: ${m.text()} ${m.location().url}`);
    }
  });
  p.on('pageerror', (e) => consoleErrors.push(`${who}: ${e}`));
  await p.goto(server.url);
  page[who] = p;
  return p;
}

/**
 * Requests since `from` that would change something about this vault, or
 * any member, key copy, log or vault list. The overview snapshot (a cache of
 * what the person already reads, sealed under the current key) is not one.
 */
function writesSince(who, from, vaultId) {
  return reqs[who].slice(from)
    .filter((r) => r.method !== 'GET' && !/\/(accounts\/logout|overview-snapshot)$/.test(r.url))
    .filter((r) => r.url.includes(vaultId) || /\/(members|rotate|key|vault-list)/.test(r.url))
    .map((r) => `${r.method} ${new URL(r.url).pathname}`);
}

const sql = (s) => server.sql(s).trim();
const accountId = (email) => sql(`SELECT id FROM accounts WHERE email = '${email}'`);
const logRows = (vaultId) => sql(`SELECT n || '|' || hash FROM member_log WHERE vault_id = '${vaultId}' ORDER BY n`);
const memberRows = (vaultId) => sql(`SELECT account_id || '|' || role || '|' || wrapped_vault_key FROM members WHERE vault_id = '${vaultId}' ORDER BY account_id`);

const api = (path, body, token) => apiPost(server.url, path, body, token);

/** A session of `who` outside the browser, as a script with the master password would have. */
async function apiLogin(who) {
  const pre = await api('/accounts/prelogin', { email: who.email });
  const master = await bvNode.deriveMasterKey(who.master, pre.kdf);
  return (await api('/accounts/login', { account_id: pre.account_id, auth_key: master.authKey() })).token;
}

// ---------- the tests ----------

describe('web vault: members decide who holds a vault key', { concurrency: false }, () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer();
    browser = await launch();
    await newPage('O');
    await newPage('M');
    await newPage('T');
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('sets up: three people, and a vault shared with a confirmed new identity, then accepted', async () => {
    await register(page.O, O);
    await register(page.M, M);
    await register(page.T, T);
    for (const [k, who] of Object.entries({ O, M, T })) ids[k] = accountId(who.email);
    ids.ledger = await createVault(page.O, LEDGER, 'Ledger Login');
    await share(page.O, LEDGER, M.email, { fresh: true });
    await refresh(page.M);
    await page.M.getByRole('button', { name: `Accept ${LEDGER}` }).click();
    await toast(page.M, `You accepted ${LEDGER}.`);
    await listItem(page.M, 'Ledger Login').waitFor({ timeout: WAIT });
    // The log holds create + add; both members' copies are their own wraps now.
    assert.equal(logRows(ids.ledger).split('\n').length, 2);
    assert.ok(!memberRows(ids.ledger).includes('bv1-hpke-auth.'), 'every copy was re-wrapped by its holder');
  });

  it('(b) a vault key copy the person did not ask for is pending: not listed, items not shown, until Accept', async () => {
    const p = page.O;
    const fpT = await myFingerprint(page.T);
    ids.unasked = await createVault(page.T, UNASKED, 'Unasked Item');
    await share(page.T, UNASKED, O.email, { fresh: true });
    // The server now hands O a valid copy of a vault O never asked for.
    assert.match(sql(`SELECT wrapped_vault_key FROM members WHERE vault_id = '${ids.unasked}' AND account_id = '${ids.O}'`), /^bv1-hpke-auth\./);

    const from = reqs.O.length;
    await refresh(p);
    const entry = pendingEntry(p, UNASKED);
    await entry.waitFor({ timeout: WAIT });
    assert.match(await entry.textContent(), new RegExp(`shared by ${T.email.replace('.', '\\.')}`));
    assert.equal((await entry.locator('.pending-fingerprint').textContent()).trim(), fpT, 'the sharer\'s identity fingerprint');
    assert.match(await entry.locator('.pending-pin').textContent(), /New key/);
    assert.equal(await vaultButton(p, UNASKED).count(), 0, 'not in the vault list');
    await p.getByLabel('Search').fill('Unasked');
    await p.locator('#list-count', { hasText: '0 items' }).waitFor({ timeout: WAIT });
    await p.getByLabel('Search').fill('');
    assert.deepEqual(writesSince('O', from, ids.unasked), [], 'nothing was written for it: no list entry, no re-wrap');
    assert.ok(!reqs.O.slice(from).some((r) => r.url.includes(`/vaults/${ids.unasked}/items/`)), 'no item of it was fetched');
    await shot(p, 'pending-vault');

    await p.getByRole('button', { name: `Accept ${UNASKED}` }).click();
    await toast(p, `You accepted ${UNASKED}.`);
    await vaultButton(p, UNASKED).waitFor({ timeout: WAIT });
    await listItem(p, 'Unasked Item').waitFor({ timeout: WAIT });
    assert.equal(await p.locator('#pending-section').isVisible(), false);
    assert.doesNotMatch(sql(`SELECT wrapped_vault_key FROM members WHERE vault_id = '${ids.unasked}' AND account_id = '${ids.O}'`),
      /^bv1-hpke/, 'accepting replaced the sealed copy with O\'s own wrap');
    await vaultButton(p, LEDGER).click();
  });

  it('(c) an identity the server swaps after it was pinned (another account\'s): key_changed, nothing sent', async () => {
    const p = page.O;
    const realM = sql(`SELECT identity FROM accounts WHERE id = '${ids.M}'`);
    const before = [memberRows(ids.ledger), logRows(ids.ledger)];
    await openMembers(p, LEDGER);
    const from = reqs.O.length;
    server.sql(`UPDATE accounts SET identity = (SELECT identity FROM accounts WHERE id = '${ids.T}') WHERE id = '${ids.M}'`);
    try {
      await p.getByLabel(`Role of ${M.email}`).selectOption('read');
      await expectBanner(p, 'The server now shows a different identity for a member');
      await dismissBanner(p);
      // Sharing again: the statement the server hands back names another account.
      await lookUp(p, M.email);
      await expectBanner(p, 'failed its integrity check');
      await dismissBanner(p);
      assert.deepEqual(writesSince('O', from, ids.ledger), [], 'no entry signed or sent');
      assert.deepEqual([memberRows(ids.ledger), logRows(ids.ledger)], before);
    } finally {
      server.sql(`UPDATE accounts SET identity = '${realM}' WHERE id = '${ids.M}'`);
    }
  });

  it('(c) a forged identity for the same account and email: key_changed at lookup and role change, nothing sent', async () => {
    const p = page.O;
    const real = sql(`SELECT identity || '|' || public_key FROM accounts WHERE id = '${ids.M}'`).split('|');
    const forged = await forgedIdentity(ids.M, M.email);
    const before = [memberRows(ids.ledger), logRows(ids.ledger)];
    await openMembers(p, LEDGER);
    const from = reqs.O.length;
    server.sql(`UPDATE accounts SET identity = '${forged.identity}', public_key = '${forged.publicKey}' WHERE id = '${ids.M}'`);
    try {
      await lookUp(p, M.email);
      await expectBanner(p, 'The server now shows a different identity for a member');
      assert.equal(await p.locator('#invite-confirm').isVisible(), false, 'no fingerprint offered for sharing');
      await dismissBanner(p);
      await p.getByLabel(`Role of ${M.email}`).selectOption('read');
      await expectBanner(p, 'The server now shows a different identity for a member');
      await dismissBanner(p);
      assert.deepEqual(writesSince('O', from, ids.ledger), [], 'no entry signed, no copy sealed or sent');
      assert.deepEqual([memberRows(ids.ledger), logRows(ids.ledger)], before);
    } finally {
      server.sql(`UPDATE accounts SET identity = '${real[0]}', public_key = '${real[1]}' WHERE id = '${ids.M}'`);
    }
    // With the real identity back the role change goes through, as a signed entry.
    await p.getByLabel(`Role of ${M.email}`).selectOption('read');
    await toast(p, `${M.email} is now read.`);
    assert.equal(logRows(ids.ledger).split('\n').length, 3);
  });

  it('(a) a membership row the server adds: the roster refuses it; role change and removal send nothing; the new key skips it', async () => {
    const p = page.O;
    ids.roster = await createVault(p, ROSTER, 'Roster Item');
    await share(p, ROSTER, M.email, { fresh: false });
    const before = [memberRows(ids.roster), logRows(ids.roster)];
    server.sql(`INSERT INTO members (vault_id, account_id, role, wrapped_vault_key, seq) SELECT vault_id, '${ids.T}', 'admin', wrapped_vault_key, seq FROM members WHERE vault_id = '${ids.roster}' AND account_id = '${ids.M}'`);
    const from = reqs.O.length;
    await p.locator('#members-close').click();
    await openMembers(p, ROSTER);
    await expectBanner(p, 'differs from the vault\'s signed member log');
    assert.equal(await p.locator('#member-rows tr', { hasText: T.email }).count(), 0, 'the injected account is not shown as a member');
    assert.equal(await p.locator('#member-rows tr').count(), 2);
    await dismissBanner(p);
    await p.getByLabel(`Role of ${M.email}`).selectOption('read');
    await expectBanner(p, 'differs from the vault\'s signed member log');
    await dismissBanner(p);
    await p.getByRole('button', { name: `Remove ${M.email}` }).click();
    await expectBanner(p, 'differs from the vault\'s signed member log');
    await dismissBanner(p);
    assert.deepEqual(writesSince('O', from, ids.roster), [], 'nothing signed, sealed or sent');
    assert.equal(memberRows(ids.roster).split('\n').length, 3);
    assert.equal(logRows(ids.roster), before[1]);

    // The row gone again, the removal goes through: the new key goes to the roster only.
    server.sql(`DELETE FROM members WHERE vault_id = '${ids.roster}' AND account_id = '${ids.T}'`);
    const rotateFrom = reqs.O.length;
    await p.getByRole('button', { name: `Remove ${M.email}` }).click();
    await toast(p, 'was removed and the vault key was rotated.');
    const rotations = reqs.O.slice(rotateFrom).filter((r) => r.method === 'POST' && r.url.endsWith(`/vaults/${ids.roster}/rotate`));
    assert.equal(rotations.length, 1);
    const body = JSON.parse(rotations[0].body.toString());
    assert.deepEqual(Object.keys(body.members), [ids.O], 'the new key is sealed to the remaining roster only');
    assert.equal(sql(`SELECT COUNT(*) FROM members WHERE vault_id = '${ids.roster}' AND account_id = '${ids.T}'`), '0');
  });

  it('(d) a log entry the server appends: the vault fails verification and nothing of it is shown', async () => {
    const p = page.O;
    ids.forge = await createVault(p, FORGE, 'Forge Item');
    // A real, signed entry, but of another vault's log.
    const stolen = sql(`SELECT entry || '|' || hash FROM member_log WHERE vault_id = '${ids.ledger}' AND n = 1`).split('|');
    server.sql(`INSERT INTO member_log (vault_id, n, entry, hash) VALUES ('${ids.forge}', 1, '${stolen[0]}', '${stolen[1]}')`);
    const from = reqs.O.length;
    try {
      await refresh(p);
      await expectBanner(p, 'failed its integrity check');
      assert.equal(await vaultButton(p, FORGE).count(), 0);
      assert.equal(await listItem(p, 'Forge Item').count(), 0);
      assert.equal(await pendingEntry(p, FORGE).count(), 0);
      assert.deepEqual(writesSince('O', from, ids.forge), []);
      await dismissBanner(p);
    } finally {
      server.sql(`DELETE FROM member_log WHERE vault_id = '${ids.forge}' AND n = 1`);
    }
    await refresh(p);
    await vaultButton(p, FORGE).waitFor({ timeout: WAIT });
  });

  it('(d) a log entry the server rewrites: the vault fails verification and nothing of it is shown', async () => {
    const p = page.O;
    const entry = sql(`SELECT entry FROM member_log WHERE vault_id = '${ids.forge}' AND n = 0`);
    // Flip one character of the signature: the body still parses, the signature fails.
    const last = entry.at(-2);
    const forged = `${entry.slice(0, -2)}${last === 'A' ? 'B' : 'A'}${entry.at(-1)}`;
    server.sql(`UPDATE member_log SET entry = '${forged}' WHERE vault_id = '${ids.forge}' AND n = 0`);
    const from = reqs.O.length;
    try {
      await refresh(p);
      await expectBanner(p, 'failed its integrity check');
      assert.equal(await vaultButton(p, FORGE).count(), 0);
      assert.equal(await listItem(p, 'Forge Item').count(), 0);
      assert.deepEqual(writesSince('O', from, ids.forge), []);
      await dismissBanner(p);
    } finally {
      server.sql(`UPDATE member_log SET entry = '${entry}' WHERE vault_id = '${ids.forge}' AND n = 0`);
    }
    await refresh(p);
    await vaultButton(p, FORGE).waitFor({ timeout: WAIT });
  });

  it('(e) a log truncated or stripped after this device saw it longer: refused as a rollback', async () => {
    const p = page.O;
    ids.rollback = await createVault(p, ROLLBACK, 'Rollback Item');
    await share(p, ROLLBACK, M.email, { fresh: false });
    await refresh(p);
    const rows = sql(`SELECT n || '|' || entry || '|' || hash FROM member_log WHERE vault_id = '${ids.rollback}' ORDER BY n`)
      .split('\n').map((r) => r.split('|'));
    assert.equal(rows.length, 2);
    const restore = () => {
      server.sql(`DELETE FROM member_log WHERE vault_id = '${ids.rollback}'`);
      for (const [n, entry, hash] of rows) {
        server.sql(`INSERT INTO member_log (vault_id, n, entry, hash) VALUES ('${ids.rollback}', ${n}, '${entry}', '${hash}')`);
      }
    };
    // The last entry gone: a valid log, only shorter than the one this device verified.
    for (const cut of [`n = 1`, `n >= 0`]) {
      server.sql(`DELETE FROM member_log WHERE vault_id = '${ids.rollback}' AND ${cut}`);
      const from = reqs.O.length;
      try {
        await refresh(p);
        await expectBanner(p, 'failed its integrity check');
        assert.equal(await vaultButton(p, ROLLBACK).count(), 0, `refused with ${cut} deleted`);
        assert.equal(await listItem(p, 'Rollback Item').count(), 0);
        assert.deepEqual(writesSince('O', from, ids.rollback), []);
        await dismissBanner(p);
      } finally {
        restore();
      }
    }
    await refresh(p);
    await vaultButton(p, ROLLBACK).waitFor({ timeout: WAIT });
  });

  it('(e) a browser that never saw a vault is held to the log head our vault list keeps: a dropped log is refused', async () => {
    // O made the Rollback vault, so O's sealed vault list holds its log head
    // (SPEC § Vault list). A new browser profile of O's has no anchor of its
    // own; without the list's, a vanished log would look like a vault made
    // before member logs, whose copies nothing checks.
    const signIn = async () => {
      const p = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
      await p.goto(server.url);
      await p.getByRole('tab', { name: 'Log in' }).click();
      await p.locator('#login-email').fill(O.email);
      await p.locator('#login-password').fill(O.master);
      await p.locator('#login-submit').click();
      await vaultButton(p, LEDGER).waitFor({ timeout: WAIT });
      return p;
    };
    const seen = await signIn();
    await vaultButton(seen, ROLLBACK).waitFor({ timeout: WAIT });
    await seen.context().close();

    const rows = sql(`SELECT n || '|' || entry || '|' || hash FROM member_log WHERE vault_id = '${ids.rollback}' ORDER BY n`)
      .split('\n').map((r) => r.split('|'));
    server.sql(`DELETE FROM member_log WHERE vault_id = '${ids.rollback}'`);
    try {
      const fresh = await signIn();
      await expectBanner(fresh, 'failed its integrity check');
      assert.equal(await vaultButton(fresh, ROLLBACK).count(), 0, 'the vault is not listed');
      assert.equal(await listItem(fresh, 'Rollback Item').count(), 0);
      await fresh.context().close();
    } finally {
      for (const [n, entry, hash] of rows) {
        server.sql(`INSERT INTO member_log (vault_id, n, entry, hash) VALUES ('${ids.rollback}', ${n}, '${entry}', '${hash}')`);
      }
    }
  });

  it('(f) removing a member from a vault with a service token: one rotate request, the token\'s grant revoked', async () => {
    const p = page.O;
    const token = await apiLogin(O);
    const envelope = `eyJhbGciOiJkaXIifQ..${Buffer.from('iv-iv-iv-iv-').toString('base64url')}.dA.${Buffer.from('tag-tag-tag-tag-').toString('base64url')}`;
    await api('/tokens', {
      id: 'nightly-backup', name: Buffer.from('nightly').toString('base64url'), expires_in_secs: 3600,
      grants: [{ vault_id: ids.ledger, role: 'read', wrapped_vault_key: envelope }],
    }, token);
    assert.equal(sql(`SELECT COUNT(*) FROM token_grants WHERE vault_id = '${ids.ledger}'`), '1');

    await openMembers(p, LEDGER);
    const from = reqs.O.length;
    await p.getByRole('button', { name: `Remove ${M.email}` }).click();
    await toast(p, `${M.email} was removed and the vault key was rotated. 1 service token of this vault lost access`);
    const sent = reqs.O.slice(from).filter((r) => r.method !== 'GET');
    assert.deepEqual(writesSince('O', from, ids.ledger),
      [`POST /api/v1/vaults/${ids.ledger}/rotate`], 'exactly one request: no separate DELETE of the member');
    const body = JSON.parse(sent.find((r) => r.url.endsWith('/rotate')).body.toString());
    assert.deepEqual(body.tokens, {});
    assert.match(body.log_entry, /^bv1-log\./);
    assert.equal(await p.locator('#member-rows tr', { hasText: M.email }).count(), 0);
    assert.equal(sql(`SELECT account_id FROM members WHERE vault_id = '${ids.ledger}'`), ids.O);
    assert.equal(sql(`SELECT COUNT(*) FROM token_grants WHERE vault_id = '${ids.ledger}'`), '0', 'the grant was revoked with the removal');
    // O still reads the vault under the new key; M no longer sees it.
    await listItem(p, 'Ledger Login').waitFor({ timeout: WAIT });
    await refresh(page.M);
    await vaultButton(page.M, LEDGER).waitFor({ state: 'detached', timeout: WAIT });
  });

  it('ran under the strict CSP without errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});

async function shot(p, name) {
  await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
