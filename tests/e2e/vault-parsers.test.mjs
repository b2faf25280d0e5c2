// The web vault's pure modules under Node, no browser: TOTP against the
// RFC 6238 Appendix B vectors. (The CSV and Bitwarden import parsers are the
// core's now, src/transfer/: tests/transfer_*.rs and tests/js/transfer.test.mjs.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { totp, parseSeed, base32Decode, TotpError } from '../../www/app/totp.js';

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
