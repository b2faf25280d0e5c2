// The sharing pages' byte formats (docs/SPEC.md § Sharing pages), shared by
// the create page (/share/) and the open page (/s/). Pure functions: no DOM,
// no network, so the same rules hold wherever they are used.
import { utf8, fromUtf8, b64uDecode } from '/app/bytes.js';

/** A share's expiry bounds, seconds: 5 minutes to 30 days (the server's maximum). */
export const EXPIRY_MIN_SECS = 5 * 60;
export const EXPIRY_MAX_SECS = 30 * 24 * 3600;
/** The server's view budget bounds (routes/shares.rs MAX_VIEWS). */
export const VIEWS_MAX = 100;
/**
 * File size limit. The server keeps a share's ciphertext in one opaque field
 * of at most 16 MiB of base64url (validate.rs MAX_SHARE_CIPHERTEXT); an 8 MiB
 * file with a passphrase is about 8 MiB · (4/3)² ≈ 14.2 MiB of it (the
 * password envelope's base64url, then the share's), which leaves room for the
 * chunk tags and the metadata.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Text limit: the same budget, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 64 * 1024;
/** Metadata is a few hundred bytes; anything larger is refused unparsed. */
const MAX_META_BYTES = 4096;
/** Allowed difference between the sender's clock and the server's, seconds. */
export const CLOCK_SKEW_SECS = 10 * 60;

const KINDS = new Set(['text', 'file']);

/** plaintext = u32be(len(meta)) || UTF-8(JSON meta) || body */
export function encodePlain(meta, body) {
  const m = utf8(JSON.stringify(meta));
  const out = new Uint8Array(4 + m.length + body.length);
  new DataView(out.buffer).setUint32(0, m.length);
  out.set(m, 4);
  out.set(body, 4 + m.length);
  return out;
}

/** Inverse of encodePlain; throws on anything not made by it. */
export function decodePlain(bytes) {
  if (bytes.length < 4) throw new Error('payload too short');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (len > MAX_META_BYTES || 4 + len > bytes.length) throw new Error('bad metadata length');
  const meta = JSON.parse(fromUtf8(bytes.subarray(4, 4 + len)));
  if (!meta || meta.v !== 1 || !KINDS.has(meta.kind)) throw new Error('unknown payload version or kind');
  return { meta, body: bytes.subarray(4 + len) };
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const B64U = /^[A-Za-z0-9_-]+$/;

/**
 * Reads a link fragment (without '#'):
 *   <id>.<key>          a share            (key: BASE64URL of 32 bytes)
 *   r.<id>.<publicKey>  a secret request   (public key: BASE64URL of 32 bytes)
 *   d.<id>.<token>      a share's delete link
 * Returns null for anything else.
 */
export function parseFragment(fragment) {
  const parts = fragment.split('.');
  const is32 = (s) => B64U.test(s) && s.length === 43;
  if (parts.length === 2 && ID.test(parts[0]) && is32(parts[1])) {
    return { type: 'share', id: parts[0], key: parts[1] };
  }
  if (parts.length === 3 && parts[0] === 'r' && ID.test(parts[1]) && is32(parts[2])) {
    return { type: 'request', id: parts[1], publicKey: b64uDecode(parts[2]) };
  }
  if (parts.length === 3 && parts[0] === 'd' && ID.test(parts[1]) && B64U.test(parts[2])) {
    return { type: 'delete', id: parts[1], token: parts[2] };
  }
  return null;
}

/** HPKE `info` of an answer to request `id` (the core prefixes "bv1/hpke-app/"). */
export const requestInfo = (id) => utf8(`share-request/v1/${id}`);

/** Joins byte arrays (the chunks a stream produced). */
export function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** What the server reported against what the sender bound into the payload. */
export function limitsMatch(meta, server) {
  return server.views_left <= meta.max_views - 1
    && server.expires_at <= meta.expires_at + CLOCK_SKEW_SECS;
}
