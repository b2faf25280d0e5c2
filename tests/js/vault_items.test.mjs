// The vault API end to end in Node: password change, vault keys for self and
// for another member (HPKE), items with the one-crossing openOverviews, and
// the password generator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bv } from './pkg.mjs';

const te = new TextEncoder();
const td = new TextDecoder();

async function newAccount(id, password = `pw of ${id}`) {
  const kdf = bv.newKdfParams();
  return { password, ...bv.register(await bv.deriveMasterKey(password, kdf), kdf, id) };
}

test('changing the password re-wraps the account key only', async () => {
  const { registration, account } = await newAccount('alice');
  const vault = bv.VaultKey.generate();
  const wrappedVault = account.wrapVaultKey(vault, 'v1');
  const kdf2 = bv.newKdfParams();
  const change = account.changePassword(await bv.deriveMasterKey('new password', kdf2), kdf2);
  assert.notEqual(change.wrapped_account_key, registration.wrapped_account_key);
  assert.notEqual(change.auth_key, registration.auth_key);
  const again = bv.unlock(await bv.deriveMasterKey('new password', change.kdf), change.wrapped_account_key,
    registration.wrapped_private_key, 'alice');
  assert.equal(again.unwrapVaultKey(wrappedVault, 'v1').kid, vault.kid);
  const old = await bv.deriveMasterKey('pw of alice', change.kdf);
  assert.throws(() => bv.unlock(old, change.wrapped_account_key, registration.wrapped_private_key, 'alice'),
    /different key/);
});

test('a vault key sealed to another member opens only for that member and vault', async () => {
  const alice = await newAccount('alice');
  const bob = await newAccount('bob');
  const vault = bv.VaultKey.generate();
  assert.equal(bv.fingerprint(bob.account.publicKey), bob.account.fingerprint);
  const sealed = vault.sealTo(bob.account.publicKey, 'v1', 'bob');
  assert.equal(bob.account.openSharedVaultKey(sealed, 'v1').kid, vault.kid);
  assert.throws(() => bob.account.openSharedVaultKey(sealed, 'v2'));
  assert.throws(() => alice.account.openSharedVaultKey(sealed, 'v1'));
  assert.throws(() => vault.sealTo(new Uint8Array(31), 'v1', 'bob'), /invalid public key/);
});

test('items: seal, update, open overviews in one call, details on demand, move', () => {
  const vault = bv.VaultKey.generate();
  const ids = Array.from({ length: 50 }, (_, i) => `item-${i}`);
  const blobs = ids.map((id) => bv.sealItem(vault, 'v1', id,
    te.encode(JSON.stringify({ name: `login ${id}` })), te.encode(JSON.stringify({ password: `secret ${id}` }))));
  const opened = bv.openOverviews(vault, 'v1', ids, blobs);
  assert.deepEqual(opened.map((o) => JSON.parse(td.decode(o)).name), ids.map((id) => `login ${id}`));

  // A server that swaps two blobs gets an Error for exactly those two items.
  const swapped = blobs.slice();
  [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
  const mixed = bv.openOverviews(vault, 'v1', ids, swapped);
  assert.ok(mixed[3] instanceof Error && mixed[4] instanceof Error);
  assert.match(mixed[3].message, /context mismatch/);
  assert.equal(mixed.filter((o) => o instanceof Uint8Array).length, 48);
  assert.throws(() => bv.openOverviews(vault, 'v1', ids, blobs.slice(1)), /differ in length/);

  // A newline inside a blob must not shift the batch (the arrays cross into
  // WASM joined by newlines): a blob split in two fails alone, JSON whitespace opens.
  const hostile = blobs.slice();
  hostile[10] = `${blobs[10]}\n`;
  hostile[20] = blobs[20].replace('","', '",\n"');
  const r = bv.openOverviews(vault, 'v1', ids, hostile);
  assert.equal(r.length, 50);
  assert.deepEqual(r[10], opened[10]);
  assert.deepEqual(r[20], opened[20]);
  assert.deepEqual(r[21], opened[21]);
  hostile[30] = 'x\ny';
  const r2 = bv.openOverviews(vault, 'v1', ids, hostile);
  assert.ok(r2[30] instanceof Error && /malformed envelope/.test(r2[30].message));
  assert.deepEqual(r2[31], opened[31]);
  assert.deepEqual(bv.openOverviews(vault, 'v1', [], []), []);

  assert.equal(JSON.parse(td.decode(bv.openDetails(vault, 'v1', 'item-7', blobs[7]))).password, 'secret item-7');
  const updated = bv.updateItem(vault, 'v1', 'item-7', blobs[7], undefined, te.encode('{"password":"new"}'));
  assert.equal(JSON.parse(td.decode(bv.openDetails(vault, 'v1', 'item-7', updated))).password, 'new');
  assert.deepEqual(bv.openOverview(vault, 'v1', 'item-7', updated), opened[7]);

  const other = bv.VaultKey.generate();
  const moved = bv.rewrapItem(blobs[7], 'item-7', vault, 'v1', other, 'v2');
  assert.equal(bv.itemHomeVault(moved), 'v1');
  assert.deepEqual(bv.openOverview(other, 'v2', 'item-7', moved), opened[7]);
  // The wrap now names v2: the old vault's key and id no longer open it.
  assert.throws(() => bv.openOverview(vault, 'v1', 'item-7', moved), /context mismatch/);
  assert.equal(bv.unwrapItemKey(other, 'v2', 'item-7', moved).kid,
    bv.unwrapItemKey(vault, 'v1', 'item-7', blobs[7]).kid);
});

test('vault and folder names are bound to their place', () => {
  const vault = bv.VaultKey.generate();
  const name = vault.sealVaultName('Family "A"', 'v1');
  assert.equal(vault.openVaultName(name, 'v1'), 'Family "A"');
  assert.throws(() => vault.openVaultName(name, 'v2'), /context mismatch/);
  const folder = vault.sealFolderName('Banking', 'v1', 'f1');
  assert.equal(vault.openFolderName(folder, 'v1', 'f1'), 'Banking');
  assert.throws(() => vault.openFolderName(folder, 'v1', 'f2'), /context mismatch/);
  assert.throws(() => vault.sealFolderName('  ', 'v1', 'f1'), /must not be empty/);
});

test('generator: defaults, options and refusals', () => {
  const p = bv.generatePassword();
  assert.equal(p.secret.length, 20);
  assert.ok(p.entropyBits > 120);
  const digits = bv.generatePassword({ length: 12, lowercase: false, uppercase: false, symbols: false });
  assert.match(digits.secret, /^[0-9]{12}$/);
  assert.throws(() => bv.generatePassword({ length: 4 }), /length must be between 8 and 128/);
  assert.throws(() => bv.generatePassword({ lowercase: false, uppercase: false, digits: false, symbols: false }),
    /at least one character class/);
});
