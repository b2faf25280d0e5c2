// The import readers and the export document as the web vault's worker calls
// them (pkg/'s js-extras, here pkg-node/): the same core as bv
// (src/transfer/), so these check the JS surface, not the mapping in full
// (tests/transfer_*.rs do that).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { bv } from './pkg.mjs';

const enc = new TextEncoder();

describe('CSV import (RFC 4180)', () => {
  it('handles quotes, escaped quotes, commas and line breaks inside fields, CRLF and a BOM', () => {
    const { records } = bv.parseCsvImport('\uFEFFname,password,notes\r\na,"b,1","c ""q"""\r\n"multi\nline",,x\n');
    assert.deepEqual(records.map((r) => [r.overview.name, r.details.password, r.details.notes]),
      [['a', 'b,1', 'c "q"'], ['multi\nline', undefined, 'x']]);
  });

  it('maps common column names to logins and notes, unknown columns to custom fields', () => {
    const { records, notes } = bv.parseCsvImport('name,login_uri,login_username,login_password,folder,region\n'
      + 'Router,https://r.test,admin,pw1,Home,42\nJust a note,,,,,\n');
    assert.equal(records.length, 2);
    assert.deepEqual(records[0].overview, { kind: 'login', name: 'Router', url: 'https://r.test', username: 'admin' });
    assert.deepEqual(records[0].details, { password: 'pw1', custom: [{ label: 'region', value: '42', secret: false }] });
    assert.equal(records[0].folder, 'Home');
    assert.equal(records[0].trashed, false);
    assert.deepEqual(records[1].overview, { kind: 'note', name: 'Just a note' });
    assert.equal('folder' in records[1], false);
    assert.deepEqual(notes, []);
  });

  it('reads a Firefox export, which has no name column', () => {
    const { records } = bv.parseCsvImport('"url","username","password","httpRealm","formActionOrigin","guid"\n'
      + '"https://a.test","ann","pw",,"https://a.test","{x}"\n');
    assert.deepEqual(records[0].overview, { kind: 'login', name: 'a.test', url: 'https://a.test', username: 'ann' });
  });

  it('refuses a file without a name or url column, or with an unterminated quote', () => {
    assert.throws(() => bv.parseCsvImport('username,password\nx,y\n'), /header/);
    assert.throws(() => bv.parseCsvImport('name\n"open'), /never closed/);
    assert.throws(() => bv.parseCsvImport(''), /empty/);
  });
});

describe('Bitwarden JSON import', () => {
  it('maps logins, notes, cards, SSH keys, folders and custom fields', () => {
    const { records, notes } = bv.parseBitwardenJson(JSON.stringify({
      encrypted: false,
      folders: [{ id: 'f', name: 'Work' }],
      items: [
        { type: 1, name: 'L', folderId: 'f', login: { uris: [{ uri: 'https://a' }, { uri: 'https://b' }], username: 'u', password: 'p', totp: 'T' },
          fields: [{ name: 'pin', value: '1', type: 1 }] },
        { type: 2, name: 'N', notes: 'hi', secureNote: { type: 0 } },
        { type: 3, name: 'C', card: { number: '4111', code: '123', brand: 'Visa' } },
        { type: 5, name: 'K', sshKey: { privateKey: 'PRIV', publicKey: 'PUB' } },
      ],
    }));
    assert.equal(records.length, 4);
    assert.deepEqual(records[0].overview, { kind: 'login', name: 'L', url: 'https://a', username: 'u' });
    assert.deepEqual(records[0].details.custom, [{ label: 'pin', value: '1', secret: true }, { label: 'URL 2', value: 'https://b', secret: false }]);
    assert.equal(records[0].details.totp, 'T');
    assert.equal(records[0].folder, 'Work');
    assert.deepEqual(records[1], { overview: { kind: 'note', name: 'N' }, details: { notes: 'hi' }, trashed: false });
    assert.deepEqual(records[2].overview, { kind: 'note', name: 'C' });
    // Every card member is kept, in Bitwarden's order; number and code secret.
    assert.deepEqual(records[2].details.custom, [{ label: 'brand', value: 'Visa', secret: false },
      { label: 'number', value: '4111', secret: true }, { label: 'code', value: '123', secret: true }]);
    assert.deepEqual(records[3].details, { privateKey: 'PRIV', publicKey: 'PUB' });
    assert.equal(notes.length, 1);
    assert.match(notes[0], /"C" is a card/);
  });

  it('refuses an encrypted export and what is not a Bitwarden export', () => {
    assert.throws(() => bv.parseBitwardenJson(JSON.stringify({ encrypted: true, items: [] })), /encrypted/);
    assert.throws(() => bv.parseBitwardenJson('{"nope": 1}'), /not a Bitwarden JSON export/);
    assert.throws(() => bv.parseBitwardenJson('not json'), /not JSON/);
  });
});

describe('export document', () => {
  const vaults = [{
    name: 'Personal',
    folders: [{ id: 'f1', name: 'Bank' }],
    items: [
      { overview: { kind: 'login', name: 'Bank', folder: 'f1' }, details: { password: 'pw-1', attachments: [{ id: 'a', meta: 'x' }] }, trashed: false },
      { overview: { kind: 'note', name: 'Old' }, details: {}, trashed: true },
    ],
  }];

  it('is sealed so a JOSE library opens it, and reads back as records', async () => {
    const { envelope, items, itemsWithAttachmentsLeftOut } = bv.sealExport(vaults, 'a long export passphrase');
    assert.equal(items, 2);
    assert.equal(itemsWithAttachmentsLeftOut, 1);
    const { plaintext } = await jose.compactDecrypt(envelope, enc.encode('a long export passphrase'),
      { keyManagementAlgorithms: ['PBES2-HS512+A256KW'], maxPBES2Count: 600000 });
    const doc = JSON.parse(Buffer.from(plaintext).toString());
    assert.equal(doc.format, 'blindvault-export');
    assert.equal(doc.version, 1);
    assert.ok(Math.abs(doc.exported_at - Date.now() / 1000) < 60);
    assert.equal(doc.vaults[0].items[0].details.attachments, undefined);

    const read = bv.readExport(bv.openWithPassword(envelope, 'a long export passphrase'));
    assert.equal(read.length, 1);
    assert.equal(read[0].name, 'Personal');
    assert.deepEqual(read[0].records[0], { folder: 'Bank', overview: { kind: 'login', name: 'Bank' }, details: { password: 'pw-1' }, trashed: false });
    assert.equal(read[0].records[1].trashed, true);
  });

  it('refuses another version or malformed vaults, saying which', () => {
    const doc = (v) => enc.encode(JSON.stringify({ format: 'blindvault-export', version: v, exported_at: 1, vaults: [] }));
    assert.deepEqual(bv.readExport(doc(1)), []);
    assert.throws(() => bv.readExport(doc(2)), /version 2/);
    assert.throws(() => bv.readExport(enc.encode('{"format": "other"}')), /format/);
    assert.throws(() => bv.sealExport([{ name: 'V', folders: [], items: [{ overview: {} }] }], 'a long export passphrase'), /details/);
  });
});
