// Password envelopes against an independent JOSE implementation (panva/jose on
// Node's WebCrypto): each side opens what the other sealed, and our opener
// refuses what it must with a message that says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { bv } from './pkg.mjs';

const enc = new TextEncoder();
const password = 'correct horse battery staple';
// jose refuses PBES2 unless the caller opts in, and caps p2c at 10 000 by default.
const joseOpts = { keyManagementAlgorithms: ['PBES2-HS512+A256KW'], maxPBES2Count: 10_000_000 };
const message = enc.encode('export: {"items":[{"name":"bank","password":"hunter2"}]}');

// Sealing with jose's p2c option, for an envelope of any iteration count.
async function joseSeal(plaintext, pw, p2c) {
  return new jose.CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM' })
    .setKeyManagementParameters({ p2c })
    .encrypt(enc.encode(pw));
}

// Flips one bit of the base64url segment `part` (0 header … 4 tag), keeping it valid base64url.
function tamper(jwe, part) {
  const parts = jwe.split('.');
  const bytes = jose.base64url.decode(parts[part]);
  bytes[bytes.length >> 1] ^= 0x01;
  parts[part] = jose.base64url.encode(bytes);
  return parts.join('.');
}

test('jose opens sealWithPassword output with the password', async () => {
  const jwe = bv.sealWithPassword(message, password);
  const header = jose.decodeProtectedHeader(jwe);
  assert.equal(header.alg, 'PBES2-HS512+A256KW');
  assert.equal(header.enc, 'A256GCM');
  assert.equal(header.p2c, 600000);
  const { plaintext } = await jose.compactDecrypt(jwe, enc.encode(password), joseOpts);
  assert.deepEqual(plaintext, message);
  await assert.rejects(jose.compactDecrypt(jwe, enc.encode('wrong'), joseOpts), { code: 'ERR_JWE_DECRYPTION_FAILED' });
});

test('openWithPassword opens a jose PBES2-HS512+A256KW / A256GCM envelope with p2c 600000', async () => {
  const jwe = await joseSeal(message, password, 600000);
  assert.deepEqual(bv.openWithPassword(jwe, password), message);
});

test('openWithPassword refuses a wrong password with a clear message', async () => {
  const jwe = await joseSeal(message, password, 600000);
  assert.throws(() => bv.openWithPassword(jwe, 'Correct horse battery staple'),
    (e) => e instanceof Error && /wrong password/.test(e.message));
});

test('openWithPassword refuses a tampered ciphertext, tag, IV or wrapped key', async () => {
  const jwe = bv.sealWithPassword(message, password);
  for (const part of [1, 2, 3, 4]) {
    assert.throws(() => bv.openWithPassword(tamper(jwe, part), password),
      (e) => e instanceof Error && /wrong password|tampered|malformed/.test(e.message),
      `segment ${part}`);
  }
});

test('openWithPassword refuses p2c 1000 before doing any work, and an absurd p2c', async () => {
  const weak = await joseSeal(message, password, 1000);
  assert.throws(() => bv.openWithPassword(weak, password),
    (e) => e instanceof Error && /1000 is below the floor of 600000/.test(e.message));
  // A header that claims 100 million iterations is a denial of service, not protection.
  const [, ...rest] = weak.split('.');
  const header = jose.base64url.encode(JSON.stringify({ ...jose.decodeProtectedHeader(weak), p2c: 100_000_000 }));
  assert.throws(() => bv.openWithPassword([header, ...rest].join('.'), password),
    (e) => e instanceof Error && /exceeds the ceiling/.test(e.message));
});
