// Overview snapshots and attachment metadata through the Node build of the
// package. Node has crypto.subtle, so the snapshot goes through WebCrypto
// (the browser's path); with crypto.subtle hidden it must take the WASM path
// and give the same answer. Known-answer vectors come from an independent
// Python implementation (tests/vectors/overview_snapshot_vectors_gen.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bv } from './pkg.mjs';

const te = new TextEncoder();

const overview = (i) => ({ kind: 'login', name: `Site ${i}`, url: `https://s${i}.example`, username: `u${i}` });

// Runs `f` with crypto.subtle hidden (as on a plain http:// page), keeping
// getRandomValues.
async function withoutSubtle(f) {
  const d = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  const real = globalThis.crypto;
  Object.defineProperty(globalThis, 'crypto', {
    value: { getRandomValues: (a) => real.getRandomValues(a) }, configurable: true, writable: true,
  });
  try { return await f(); } finally { Object.defineProperty(globalThis, 'crypto', d); }
}

test('seal and open a snapshot: ids, revisions, overviews, bytes or objects in', async () => {
  const vault = bv.VaultKey.generate();
  const entries = [
    { id: 'a', revision: 1, overview: te.encode(JSON.stringify(overview(1))) },
    { id: 'b', revision: 42, overview: overview(2) },
  ];
  const jwe = await bv.sealOverviewSnapshot(vault, 'vault-1', entries);
  assert.match(jwe, /^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  assert.ok(!jwe.includes('Site'));
  const got = await bv.openOverviewSnapshot(vault, 'vault-1', jwe);
  assert.deepEqual(got, [
    { id: 'a', revision: 1, overview: overview(1) },
    { id: 'b', revision: 42, overview: overview(2) },
  ]);
  // Another vault id, another key, a flipped byte: rejected as a whole.
  await assert.rejects(bv.openOverviewSnapshot(vault, 'vault-2', jwe), /different place/);
  await assert.rejects(bv.openOverviewSnapshot(bv.VaultKey.generate(), 'vault-1', jwe), /different key/);
  for (const pos of [10, jwe.indexOf('..') + 3, jwe.length - 30, jwe.length - 2]) {
    const t = jwe.slice(0, pos) + (jwe[pos] === 'A' ? 'B' : 'A') + jwe.slice(pos + 1);
    await assert.rejects(bv.openOverviewSnapshot(vault, 'vault-1', t), Error, `byte ${pos}`);
  }
  // Bad input is a rejected promise, never a throw.
  const p = bv.sealOverviewSnapshot(vault, 'vault-1', [{ id: 'a/b', revision: 1, overview: {} }]);
  await assert.rejects(p, /id must be/);
  await assert.rejects(bv.sealOverviewSnapshot(vault, 'vault-1', [{ id: 'a', revision: 1.5, overview: {} }]),
    /integer revision/);
  await assert.rejects(bv.sealOverviewSnapshot(vault, 'vault-1',
    [{ id: 'a', revision: 1, overview: te.encode('[1]') }]), /JSON object/);
  await assert.rejects(bv.sealOverviewSnapshot(vault, 'vault-1',
    [{ id: 'a', revision: 1, overview: {} }, { id: 'a', revision: 2, overview: {} }]), /duplicate/);
});

test('10 000 entries through WebCrypto and through the WASM fallback agree', async () => {
  const vault = bv.VaultKey.generate();
  const entries = Array.from({ length: 10000 }, (_, i) => ({ id: `item-${i}`, revision: i, overview: overview(i) }));
  const jwe = await bv.sealOverviewSnapshot(vault, 'v', entries);
  const viaSubtle = await bv.openOverviewSnapshot(vault, 'v', jwe);
  assert.equal(viaSubtle.length, 10000);
  assert.deepEqual(viaSubtle[9999], entries[9999]);
  const viaWasm = await withoutSubtle(() => bv.openOverviewSnapshot(vault, 'v', jwe));
  assert.deepEqual(viaWasm, viaSubtle);
  // Sealed by the WASM path, opened by WebCrypto.
  const small = entries.slice(0, 3);
  const jwe2 = await withoutSubtle(() => bv.sealOverviewSnapshot(vault, 'v', small));
  assert.deepEqual(await bv.openOverviewSnapshot(vault, 'v', jwe2), small);
});

// Browsers decode the snapshot's ciphertext with Uint8Array#setFromBase64
// (Node 20 has none, so the tests above took the all-Rust path). A minimal
// stand-in with the same loose behaviour (skips whitespace, stops at '=',
// ignores unused trailing bits) shows that the WASM side still refuses
// everything the Rust decoder refuses, and that both paths agree.
async function withSetFromBase64(f) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let calls = 0;
  Object.defineProperty(Uint8Array.prototype, 'setFromBase64', {
    configurable: true, writable: true,
    value(s, opts) {
      calls++;
      assert.equal(opts.alphabet, 'base64url');
      let read = 0, written = 0, acc = 0, bits = 0;
      for (; read < s.length; read++) {
        const c = s[read];
        if (' \t\n\f\r'.includes(c)) continue;
        if (c === '=') break;
        const v = alphabet.indexOf(c);
        if (v < 0) throw new SyntaxError('not base64url');
        acc = (acc << 6) | v; bits += 6;
        if (bits >= 8) { bits -= 8; if (written >= this.length) break; this[written++] = (acc >> bits) & 0xff; }
      }
      return { read, written };
    },
  });
  try { return [await f(), calls]; } finally { delete Uint8Array.prototype.setFromBase64; }
}

test('the browser path (setFromBase64) opens what the Rust path opens and refuses what it refuses', async () => {
  const vault = bv.VaultKey.generate();
  const entries = Array.from({ length: 50 }, (_, i) => ({ id: `item-${i}`, revision: i, overview: overview(i) }));
  for (const n of [50, 49, 48]) {   // ciphertext lengths of every residue mod 3
    const jwe = await bv.sealOverviewSnapshot(vault, 'v', entries.slice(0, n));
    const [got, calls] = await withSetFromBase64(() => bv.openOverviewSnapshot(vault, 'v', jwe));
    assert.equal(calls, 1, 'the setFromBase64 path was taken');
    assert.deepEqual(got, entries.slice(0, n));
    const [dot3, dot4] = [jwe.indexOf('.', jwe.indexOf('..') + 2), jwe.lastIndexOf('.')];
    const ct = jwe.slice(dot3 + 1, dot4);
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(ct.at(-1));
    const bad = {
      padding: jwe.slice(0, dot4) + '=' + jwe.slice(dot4),
      whitespace: jwe.slice(0, dot3 + 9) + ' ' + jwe.slice(dot3 + 9),
      newline: jwe.slice(0, dot3 + 9) + '\n' + jwe.slice(dot3 + 10),
      plus: jwe.slice(0, dot3 + 5) + '+' + jwe.slice(dot3 + 6),
      slash: jwe.slice(0, dot3 + 5) + '/' + jwe.slice(dot3 + 6),
      sixthPart: `${jwe}.x`,
      encryptedKey: jwe.replace('..', '.AAAA.'),
      trailingBits: ct.length % 4 === 0 ? null
        : jwe.slice(0, dot4 - 1) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last | 1] + jwe.slice(dot4),
    };
    for (const [what, t] of Object.entries(bad)) {
      if (t === null) continue;
      const viaRust = await bv.openOverviewSnapshot(vault, 'v', t).then(() => 'opened', (e) => e.message);
      const [viaJs] = await withSetFromBase64(() => bv.openOverviewSnapshot(vault, 'v', t).then(() => 'opened', (e) => e.message));
      assert.notEqual(viaRust, 'opened', `${what} (${n})`);
      assert.equal(viaJs, viaRust, `${what} (${n})`);
    }
  }
});

test('attachment metadata: the key comes back as a handle that decrypts the file', () => {
  const vault = bv.VaultKey.generate();
  const blob = bv.sealItem(vault, 'v1', 'i1', te.encode('{"kind":"note","name":"n"}'), te.encode('{}'));
  const itemKey = bv.unwrapItemKey(vault, 'v1', 'i1', blob);
  const home = bv.itemHomeVault(blob);
  const key = bv.AttachmentKey.generate();
  const enc = new bv.AttachmentEncryptor(key, home, 'i1', 'att-1');
  const file = te.encode('the file');
  const ct = new Uint8Array([...enc.push(file), ...enc.finish()]);
  const meta = bv.sealAttachmentMeta(itemKey, home, 'i1', 'att-1', key, 'scan.pdf', file.length, 'application/pdf');
  const m = bv.openAttachmentMeta(itemKey, home, 'i1', 'att-1', meta);
  assert.deepEqual([m.name, m.size, m.mime], ['scan.pdf', file.length, 'application/pdf']);
  const dec = new bv.AttachmentDecryptor(m.key, home, 'i1', 'att-1');
  assert.deepEqual(new Uint8Array([...dec.push(ct), ...dec.finish()]), file);
  assert.throws(() => bv.openAttachmentMeta(itemKey, home, 'i1', 'att-2', meta), /different place/);
  assert.throws(() => bv.sealAttachmentMeta(itemKey, home, 'i1', 'att-1', key, 'n', -1, ''), /size must be/);
  assert.throws(() => bv.sealAttachmentMeta(itemKey, home, 'i1', 'att-1', key, 'n', 2 ** 53, ''), /size must be/);
});
