// The web vault's audit view against a hostile server (SPEC § Audit log):
// the core verifies the chain in the worker and the browser remembers the
// last entry it verified (IndexedDB). The test acts as the server by
// writing its SQLite file directly: it rewrites an entry the page has seen
// and recomputes every later hash and back-link (here, with Node's own
// SHA-256, independently of the core), so the chain is self-consistent
// again. A fresh browser profile accepts that chain (it has nothing to
// compare with); the page that saw the chain before names it rewritten.
// Then the chain is cut short before the remembered entry instead. Steps run in order
// and share state; every wait is for a visible state, never a fixed sleep.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer } from './server.mjs';
import { launch, WAIT } from './vault-helpers.mjs';
import { register, createVault, vaultButton, listItem } from './web-steps.mjs';

const O = { email: 'audra@example.test', master: 'Basalt-Heron-Violet-6620!' };
const VAULT = 'Audit Vault';

let server;
let browser;
let page;
let vaultId;
const errors = [];
const ids = {};

const sql = (s) => server.sql(s).trim();
const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** The vault's chain as the server stores it, oldest first. */
function chainRows() {
  const json = sql(`SELECT json_group_array(json_object('seq', seq, 'chain', chain, 'time', time, 'actor', actor,
    'action', action, 'object', object, 'client', client, 'outcome', outcome, 'prev_hash', prev_hash, 'hash', hash))
    FROM (SELECT * FROM audit WHERE chain = 'vault:${vaultId}' ORDER BY seq)`);
  return JSON.parse(json);
}

/** SPEC § Audit log: hex(SHA-256(enc(label) || enc(seq) || … || enc(prev_hash))), enc = u32_be(len) || UTF-8. */
function entryHash(e) {
  const h = createHash('sha256');
  for (const part of ['blindvault/v1/audit', e.seq, e.chain, e.time, e.actor, e.action, e.object, e.client, e.outcome, e.prev_hash]) {
    const b = Buffer.from(String(part), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    h.update(len).update(b);
  }
  return h.digest('hex');
}

/** As the hostile server does: recomputes every back-link and hash from `rows[from]` on. */
function relink(rows, from) {
  for (let i = Math.max(from, 1); i < rows.length; i++) {
    rows[i].prev_hash = rows[i - 1].hash;
    rows[i].hash = entryHash(rows[i]);
  }
  return rows;
}

function writeRows(rows) {
  for (const e of rows) {
    sql(`UPDATE audit SET actor = ${q(e.actor)}, action = ${q(e.action)}, prev_hash = ${q(e.prev_hash)}, hash = ${q(e.hash)} WHERE seq = ${e.seq}`);
  }
}

/** What the browser profile remembers for the vault's audit chain. */
function rememberedHead(p) {
  return p.evaluate(({ me, vault }) => new Promise((resolve, reject) => {
    const open = indexedDB.open('blindvault-anchors');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('logs').objectStore('logs').get([me, vault, 'audit']);
      get.onsuccess = () => {
        open.result.close();
        resolve(get.result ?? null);
      };
      get.onerror = () => reject(get.error);
    };
  }), { me: ids.me, vault: vaultId });
}

async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const p = await ctx.newPage();
  p.on('pageerror', (e) => errors.push(String(e)));
  await p.goto(server.url);
  return p;
}

/** Opens the audit log of the vault; resolves to the status line. */
async function showAudit(p, expect) {
  if (await p.locator('#audit').isVisible()) await p.locator('#audit-close').click();
  await vaultButton(p, VAULT).click();
  await p.getByRole('button', { name: 'Audit log' }).click();
  const status = p.locator('#audit-status', { hasText: expect });
  await status.waitFor({ timeout: WAIT }).catch(async (e) => {
    const shown = await p.locator('#audit-status').textContent().catch(() => '(none)');
    const banner = await p.locator('#banner-text').textContent().catch(() => '(none)');
    throw new Error(`expected "${expect}"; the page shows "${shown}", banner "${banner}"; chain ${chainRows().map((r) => r.action)}`, { cause: e });
  });
  return (await status.textContent()).trim();
}

async function addItem(p, name) {
  await p.getByLabel('New item kind').selectOption('login');
  await p.getByRole('button', { name: 'New item' }).click();
  await p.getByLabel('Name', { exact: true }).fill(name);
  await p.locator('#f-password').fill(`${name} password 5512`);
  await p.locator('#save-item').click();
  await listItem(p, name).waitFor({ timeout: WAIT });
}

describe('web vault: the audit chain against a server that rewrites it', { concurrency: false }, () => {
  before(async () => {
    server = await startServer();
    browser = await launch();
    page = await newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('verifies the chain and remembers its last entry in this browser', async () => {
    await register(page, O);
    ids.me = sql(`SELECT id FROM accounts WHERE email = ${q(O.email)}`);
    vaultId = await createVault(page, VAULT, 'First Login');
    await addItem(page, 'Second Login');
    const rows = chainRows();
    assert.ok(rows.length >= 3, `entries: ${rows.map((e) => e.action)}`);
    await showAudit(page, `The chain verifies: ${rows.length} entries`);
    assert.deepEqual(await rememberedHead(page), { seq: rows.at(-1).seq, hash: rows.at(-1).hash });
  });

  it('a chain that grew honestly extends the remembered entry, which moves on', async () => {
    await page.locator('#audit-close').click();
    await addItem(page, 'Third Login');
    const rows = chainRows();
    await showAudit(page, `The chain verifies: ${rows.length} entries`);
    assert.deepEqual(await rememberedHead(page), { seq: rows.at(-1).seq, hash: rows.at(-1).hash });
    ids.seen = rows;
  });

  it('an entry rewritten with every later hash recomputed: a new profile accepts it, this one names it rewritten', async () => {
    const original = ids.seen;
    // The second entry (the first item.create) now says someone else did it.
    const forged = structuredClone(original);
    forged[1].actor = 'account:someone-else';
    relink(forged, 1);
    assert.equal(entryHash(original[0]), original[0].hash, 'the test hashes as the spec does');
    writeRows(forged);
    try {
      // A browser profile that never saw the chain has nothing to compare
      // with: self-consistent, it verifies (its login may add entries).
      const fresh = await newPage();
      await fresh.getByRole('tab', { name: 'Log in' }).click();
      await fresh.locator('#login-email').fill(O.email);
      await fresh.locator('#login-password').fill(O.master);
      await fresh.locator('#login-submit').click();
      await vaultButton(fresh, VAULT).waitFor({ timeout: WAIT });
      await showAudit(fresh, 'The chain verifies');
      await fresh.context().close();

      const head = await rememberedHead(page);
      const text = await showAudit(page, 'The chain was rewritten');
      assert.match(text, new RegExp(`entry ${forged.length}, which this browser verified before, has changed`));
      // Every entry up to the remembered one is marked.
      assert.equal(await page.locator('#audit-rows tr.bad').count(), forged.length);
      assert.deepEqual(await rememberedHead(page), head, 'a refused chain does not move the remembered entry');
      // Again on the next look: the refusal is not a one-off.
      await showAudit(page, 'The chain was rewritten');
    } finally {
      // Back to the real history, and entries written since linked to it.
      writeRows(original);
      writeRows(relink(chainRows(), original.length).slice(original.length));
    }
    await showAudit(page, 'The chain verifies');
  });

  it('the chain cut short before the remembered entry: named as gone', async () => {
    const last = ids.seen.at(-1);
    const cut = chainRows().filter((e) => e.seq >= last.seq);
    sql(`DELETE FROM audit WHERE chain = 'vault:${vaultId}' AND seq >= ${last.seq}`);
    try {
      const text = await showAudit(page, 'The chain was rewritten or cut short');
      assert.match(text, new RegExp(`expected at entry ${ids.seen.length}, is gone`));
    } finally {
      for (const e of cut) {
        sql(`INSERT INTO audit (seq, chain, time, actor, action, object, client, outcome, prev_hash, hash) VALUES
          (${e.seq}, ${q(e.chain)}, ${e.time}, ${q(e.actor)}, ${q(e.action)}, ${q(e.object)}, ${q(e.client)}, ${q(e.outcome)}, ${q(e.prev_hash)}, ${q(e.hash)})`);
      }
    }
    await showAudit(page, 'The chain verifies');
    assert.deepEqual(errors, []);
  });
});
