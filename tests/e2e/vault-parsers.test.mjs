// The web vault's pure modules under Node, no browser: TOTP against the
// RFC 6238 Appendix B vectors, and the CSV and Bitwarden import parsers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { totp, parseSeed, base32Decode, TotpError } from '../../www/app/totp.js';
import { parseCsv, parseCsvRows, parseBitwarden, ImportError } from '../../www/app/import-parsers.js';

// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's size.
const SEEDS = {
  SHA1: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  SHA256: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA',
  SHA512: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA',
};
const VECTORS = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it('matches every Appendix B vector for SHA-1, SHA-256 and SHA-512', async () => {
    for (const [t, ...codes] of VECTORS) {
      for (const [i, alg] of ['SHA1', 'SHA256', 'SHA512'].entries()) {
        const uri = `otpauth://totp/RFC:6238?secret=${SEEDS[alg]}&digits=8&algorithm=${alg}`;
        assert.equal((await totp(uri, t * 1000)).code, codes[i], `${alg} at ${t}`);
      }
    }
  });

  it('reads a bare base32 seed with spaces and lower case as 6 digits every 30 s', async () => {
    const r = await totp('gezd gnbv gy3t qojq gezd gnbv gy3t qojq', 59 * 1000);
    assert.equal(r.code, '287082');
    assert.equal(r.remaining, 1);
    assert.equal(r.period, 30);
  });

  it('refuses what is not a seed', () => {
    assert.throws(() => base32Decode('not base32!'), TotpError);
    assert.throws(() => base32Decode(''), TotpError);
    assert.throws(() => parseSeed('otpauth://hotp/x?secret=GEZDGNBV'), TotpError);
    assert.throws(() => parseSeed('otpauth://totp/x?secret=GEZDGNBV&digits=12'), TotpError);
    assert.throws(() => parseSeed('otpauth://totp/x?secret=GEZDGNBV&algorithm=MD5'), TotpError);
  });
});

describe('CSV import (RFC 4180)', () => {
  it('handles quotes, escaped quotes, commas and line breaks inside fields, CRLF and a BOM', () => {
    const rows = parseCsvRows('\uFEFFa,"b,1","c ""q"""\r\n"multi\nline",,x\n');
    assert.deepEqual(rows, [['a', 'b,1', 'c "q"'], ['multi\nline', '', 'x']]);
  });

  it('maps common column names to logins and notes, unknown columns to custom fields', () => {
    const items = parseCsv('name,login_uri,login_username,login_password,folder,region\n'
      + 'Router,https://r.test,admin,pw1,Home,42\nJust a note,,,,,\n');
    assert.equal(items.length, 2);
    assert.deepEqual(items[0].overview, { kind: 'login', name: 'Router', url: 'https://r.test', username: 'admin' });
    assert.deepEqual(items[0].details, { password: 'pw1', custom: [{ label: 'region', value: '42', secret: false }] });
    assert.equal(items[0].folderName, 'Home');
    assert.deepEqual(items[1].overview, { kind: 'note', name: 'Just a note' });
  });

  it('refuses a file without a name column or with an unterminated quote', () => {
    assert.throws(() => parseCsv('url,password\nhttps://x,y\n'), ImportError);
    assert.throws(() => parseCsv('name\n"open'), ImportError);
  });
});

describe('Bitwarden JSON import', () => {
  it('maps logins, notes, cards, SSH keys, folders and custom fields', () => {
    const items = parseBitwarden(JSON.stringify({
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
    assert.equal(items.length, 4);
    assert.deepEqual(items[0].overview, { kind: 'login', name: 'L', url: 'https://a', username: 'u' });
    assert.deepEqual(items[0].details.custom, [{ label: 'pin', value: '1', secret: true }, { label: 'URL 2', value: 'https://b', secret: false }]);
    assert.equal(items[0].details.totp, 'T');
    assert.equal(items[0].folderName, 'Work');
    assert.deepEqual(items[1], { overview: { kind: 'note', name: 'N' }, details: { notes: 'hi' }, folderName: undefined });
    assert.deepEqual(items[2].details.custom[0], { label: 'number', value: '4111', secret: true });
    assert.deepEqual(items[3].details, { privateKey: 'PRIV', publicKey: 'PUB' });
  });

  it('refuses an encrypted export and what is not a Bitwarden export', () => {
    assert.throws(() => parseBitwarden(JSON.stringify({ encrypted: true, items: [] })), ImportError);
    assert.throws(() => parseBitwarden('{"nope": 1}'), ImportError);
    assert.throws(() => parseBitwarden('not json'), ImportError);
  });
});
