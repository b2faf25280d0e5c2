// TOTP codes (RFC 6238) over HOTP (RFC 4226) with WebCrypto's HMAC, run in
// the crypto worker. A seed is either base32 (RFC 4648 §6, spaces and case
// ignored, padding optional) or an otpauth:// URI (Key Uri Format) whose
// secret, digits, period and algorithm are honoured.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALGORITHMS = { SHA1: 'SHA-1', SHA256: 'SHA-256', SHA512: 'SHA-512' };

export class TotpError extends Error {}

export function base32Decode(text) {
  const s = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (s.length === 0) throw new TotpError('empty');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new TotpError('not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** The parameters a seed stands for. */
export function parseSeed(seed) {
  const t = seed.trim();
  if (!/^otpauth:\/\//i.test(t)) return { key: base32Decode(t), digits: 6, period: 30, hash: 'SHA-1' };
  let u;
  try {
    u = new URL(t);
  } catch {
    throw new TotpError('bad uri');
  }
  if (u.host.toLowerCase() !== 'totp') throw new TotpError('not totp');
  const p = u.searchParams;
  const digits = Number(p.get('digits') || 6);
  const period = Number(p.get('period') || 30);
  const hash = ALGORITHMS[(p.get('algorithm') || 'SHA1').toUpperCase()];
  if (![6, 7, 8].includes(digits) || !(period >= 1 && period <= 300) || !hash) throw new TotpError('bad parameters');
  return { key: base32Decode(p.get('secret') || ''), digits, period, hash };
}

/** The code for `nowMs` and the seconds it stays valid. */
export async function totp(seed, nowMs = Date.now()) {
  const { key, digits, period, hash } = parseSeed(seed);
  const counter = Math.floor(nowMs / 1000 / period);
  const msg = new Uint8Array(8);
  // 8-byte big-endian counter (RFC 4226 §5.2); fine until 2^53.
  new DataView(msg.buffer).setUint32(0, Math.floor(counter / 2 ** 32));
  new DataView(msg.buffer).setUint32(4, counter >>> 0);
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash }, false, ['sign']);
  key.fill(0);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', k, msg));
  // Dynamic truncation, RFC 4226 §5.3.
  const o = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[o] & 0x7f) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
  const code = String(bin % 10 ** digits).padStart(digits, '0');
  const remaining = period - (Math.floor(nowMs / 1000) % period);
  return { code, remaining, period };
}
