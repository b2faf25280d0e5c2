// Our envelopes are plain JWE (dir / A256GCM): Node's WebCrypto, given the same
// key, must open what we seal and make what we open. JavaScript never gets key
// bytes from us, so the test derives the key itself from the password, as any
// outside implementation following docs/SPEC.md §Key derivation would:
//   master_key = PBKDF2-HMAC-SHA-256(password, salt, iterations, 32)
//   wrap_key   = HKDF-SHA-256(ikm = master_key, salt = "", info = "blindvault/v1/wrap-key", 32)
//   kid        = BASE64URL(HKDF-SHA-256(ikm = key, salt = "", info = "blindvault/v1/kid", 9))
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { bv } from './pkg.mjs';

const { subtle } = webcrypto;
const te = new TextEncoder();
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const unb64u = (s) => new Uint8Array(Buffer.from(s, 'base64url'));

async function pbkdf2(password, kdf) {
  const key = await subtle.importKey('raw', te.encode(password), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: unb64u(kdf.salt), iterations: kdf.iterations }, key, 256));
}

async function hkdf(ikm, info, bytes) {
  const key = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: te.encode(info) }, key, bytes * 8));
}

const aesKey = (raw) => subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);

// AES-256-GCM open of a compact JWE with aad = ASCII(BASE64URL(header)) (RFC 7516 §5.2 step 14).
async function openJwe(raw, jwe) {
  const [h, ek, iv, ct, tag] = jwe.split('.');
  assert.equal(ek, '', 'dir: empty encrypted key');
  const data = new Uint8Array([...unb64u(ct), ...unb64u(tag)]);
  return new Uint8Array(await subtle.decrypt(
    { name: 'AES-GCM', iv: unb64u(iv), additionalData: te.encode(h), tagLength: 128 }, await aesKey(raw), data));
}

async function sealJwe(raw, header, plaintext) {
  const h = b64u(te.encode(JSON.stringify(header)));
  const iv = webcrypto.getRandomValues(new Uint8Array(12));
  const out = new Uint8Array(await subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: te.encode(h), tagLength: 128 }, await aesKey(raw), plaintext));
  return [h, '', b64u(iv), b64u(out.subarray(0, -16)), b64u(out.subarray(-16))].join('.');
}

const password = 'correct horse battery staple';
const accountId = 'acct-7';

test('WebCrypto opens the account-key envelope that register made, and unlock accepts one WebCrypto made', async () => {
  const kdf = bv.newKdfParams();
  const { registration, account } = bv.register(await bv.deriveMasterKey(password, kdf), kdf, accountId);

  const wrapKey = await hkdf(await pbkdf2(password, registration.kdf), 'blindvault/v1/wrap-key', 32);
  const header = JSON.parse(Buffer.from(registration.wrapped_account_key.split('.')[0], 'base64url'));
  assert.deepEqual(header, {
    alg: 'dir', enc: 'A256GCM', kid: b64u(await hkdf(wrapKey, 'blindvault/v1/kid', 9)),
    bv: 1, ctx: `bv1/account-key/${accountId}`,
  });
  const accountKey = await openJwe(wrapKey, registration.wrapped_account_key);
  assert.equal(accountKey.length, 32);

  // The same account key, wrapped by WebCrypto with a fresh IV and the members in another order.
  const theirs = await sealJwe(wrapKey, { ctx: header.ctx, kid: header.kid, bv: 1, enc: 'A256GCM', alg: 'dir' }, accountKey);
  assert.notEqual(theirs, registration.wrapped_account_key);
  const unlocked = bv.unlock(await bv.deriveMasterKey(password, registration.kdf), theirs,
    registration.wrapped_private_key, accountId);
  // The private key opened under that account key: the same account.
  assert.equal(unlocked.fingerprint, account.fingerprint);
  unlocked.checkPublicKey(registration.public_key);

  // A WebCrypto envelope for another place, or with a flipped ciphertext bit, is refused.
  const elsewhere = await sealJwe(wrapKey, { ...header, ctx: 'bv1/account-key/acct-8' }, accountKey);
  const master = await bv.deriveMasterKey(password, registration.kdf);
  assert.throws(() => bv.unlock(master, elsewhere, registration.wrapped_private_key, accountId), /context mismatch/);
  const parts = theirs.split('.');
  const ct = unb64u(parts[3]);
  ct[0] ^= 1;
  parts[3] = b64u(ct);
  assert.throws(() => bv.unlock(master, parts.join('.'), registration.wrapped_private_key, accountId),
    /wrong key or tampered/);
});

test('deriveMasterKey (WebCrypto path) and deriveMasterKeyInWasm give the same keys', async () => {
  const kdf = bv.newKdfParams();
  const a = await bv.deriveMasterKey(password, kdf);
  const b = bv.deriveMasterKeyInWasm(password, kdf);
  assert.equal(a.authKey(), b.authKey());
  // The auth key is HKDF of the same master key with its own label (SPEC.md §Key derivation).
  assert.equal(a.authKey(), b64u(await hkdf(await pbkdf2(password, kdf), 'blindvault/v1/auth-key', 32)));
});

test('deriveMasterKey refuses parameters below the floor before any work', async () => {
  const kdf = { ...bv.newKdfParams(), iterations: 1000 };
  await assert.rejects(bv.deriveMasterKey(password, kdf), /1000 are below the client's floor of 600000/);
  await assert.rejects(bv.deriveMasterKey(password, { ...kdf, iterations: 600000, salt: 'AAAA' }),
    /salt must be exactly 16 bytes/);
  await assert.rejects(bv.deriveMasterKey(password, { alg: 'argon2id', iterations: 600000, salt: kdf.salt }),
    /unknown KDF/);
});

test('a wrong password does not unlock', async () => {
  const kdf = bv.newKdfParams();
  const { registration } = bv.register(await bv.deriveMasterKey(password, kdf), kdf, accountId);
  const wrong = await bv.deriveMasterKey('Correct horse battery staple', registration.kdf);
  assert.throws(() => bv.unlock(wrong, registration.wrapped_account_key, registration.wrapped_private_key, accountId),
    /different key/);
});
