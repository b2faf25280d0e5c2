// Attachments streamed through WHATWG streams in Node: a ReadableStream piped
// through TransformStreams wrapping AttachmentEncryptor / AttachmentDecryptor,
// the way a page encrypts a File before upload and decrypts a fetch() body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { bv } from './pkg.mjs';

const CHUNK = 16 * 1024;
const HEADER = 24 + 32; // salt + key commitment (c2sp chunked encryption)
const TAG = 16;

// The pattern a page uses: any object with push(Uint8Array) and finish().
function through(streamer) {
  return new TransformStream({
    transform(chunk, controller) {
      const out = streamer.push(chunk);
      if (out.length > 0) controller.enqueue(out);
    },
    flush(controller) {
      const out = streamer.finish();
      if (out.length > 0) controller.enqueue(out);
    },
  });
}

// A source that hands out `data` in pieces of irregular sizes, as a network would.
function source(data, sizes = [1, 1000, CHUNK - 1, CHUNK + 7, 3 * CHUNK, 5]) {
  let offset = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= data.length) return controller.close();
      const n = sizes[i++ % sizes.length];
      controller.enqueue(data.slice(offset, offset + n));
      offset += n;
    },
  });
}

async function collect(stream) {
  const parts = [];
  for await (const p of stream) parts.push(p);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function random(n) {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) webcrypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

const ids = ['vault-1', 'item-1', 'att-1'];

test('a ReadableStream round-trips through encrypt and decrypt TransformStreams', async () => {
  const key = bv.AttachmentKey.generate();
  for (const len of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 123]) {
    const data = random(len);
    const ct = await collect(source(data).pipeThrough(through(new bv.AttachmentEncryptor(key, ...ids))));
    // Full chunks plus one always-shorter final chunk (c2sp: the end marker).
    assert.equal(ct.length, HEADER + len + (Math.floor(len / CHUNK) + 1) * TAG, `length for ${len}`);
    const back = await collect(source(ct).pipeThrough(through(new bv.AttachmentDecryptor(key, ...ids))));
    assert.deepEqual(back, data, `round trip of ${len} bytes`);
  }
});

async function decryptAll(key, ct, place = ids) {
  return collect(source(ct).pipeThrough(through(new bv.AttachmentDecryptor(key, ...place))));
}

test('the decrypting stream errors on tampering, truncation, trailing data and a wrong place', async () => {
  const key = bv.AttachmentKey.generate();
  const data = random(3 * CHUNK + 10);
  const ct = await collect(source(data).pipeThrough(through(new bv.AttachmentEncryptor(key, ...ids))));

  const flipped = ct.slice();
  flipped[HEADER + CHUNK + 5] ^= 1;
  await assert.rejects(decryptAll(key, flipped), /failed authentication/);
  // Cut at a chunk boundary: every remaining chunk verifies, but none is final.
  await assert.rejects(decryptAll(key, ct.slice(0, HEADER + 2 * (CHUNK + TAG))), /truncated/);
  await assert.rejects(decryptAll(key, new Uint8Array([...ct, 0])), /after its final chunk|failed authentication/);
  await assert.rejects(decryptAll(key, ct, ['vault-1', 'item-2', 'att-1']), /key commitment/);
  await assert.rejects(decryptAll(bv.AttachmentKey.generate(), ct), /key commitment/);
});

test('a finished stream refuses further use', () => {
  const enc = new bv.AttachmentEncryptor(bv.AttachmentKey.generate(), ...ids);
  enc.push(new Uint8Array(10));
  enc.finish();
  assert.throws(() => enc.push(new Uint8Array(1)), /already finished/);
  assert.throws(() => enc.finish(), /already finished/);
});

test('ids that could alias another place are refused', () => {
  assert.throws(() => new bv.AttachmentEncryptor(bv.AttachmentKey.generate(), 'v/x', 'i', 'a'), /an id must be/);
});

// pushAsync/finishAsync: the chunk AES-GCM in WebCrypto (Node has crypto.subtle).
// They resolve to pieces (WebCrypto's output buffers, in order), each enqueued as is.
function enqueuePieces(pieces, controller) {
  assert.ok(Array.isArray(pieces), 'pushAsync resolves to an array of pieces');
  for (const p of pieces) {
    assert.ok(p instanceof Uint8Array, 'each piece is a Uint8Array');
    if (p.length > 0) controller.enqueue(p);
  }
}

function throughAsync(streamer) {
  return new TransformStream({
    async transform(chunk, controller) {
      enqueuePieces(await streamer.pushAsync(chunk), controller);
    },
    async flush(controller) {
      enqueuePieces(await streamer.finishAsync(), controller);
    },
  });
}

test('the WebCrypto path (pushAsync) writes and reads exactly what the WASM path does', async () => {
  const key = bv.AttachmentKey.generate();
  for (const len of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 123, 70 * CHUNK]) {
    const data = random(len);
    const ctAsync = await collect(source(data).pipeThrough(throughAsync(new bv.AttachmentEncryptor(key, ...ids))));
    assert.equal(ctAsync.length, HEADER + len + (Math.floor(len / CHUNK) + 1) * TAG, `length for ${len}`);
    // Each path opens the other's ciphertext.
    const viaSync = await collect(source(ctAsync).pipeThrough(through(new bv.AttachmentDecryptor(key, ...ids))));
    assert.deepEqual(viaSync, data, `async -> sync, ${len} bytes`);
    const ctSync = await collect(source(data).pipeThrough(through(new bv.AttachmentEncryptor(key, ...ids))));
    const viaAsync = await collect(source(ctSync).pipeThrough(throughAsync(new bv.AttachmentDecryptor(key, ...ids))));
    assert.deepEqual(viaAsync, data, `sync -> async, ${len} bytes`);
  }
});

test('the WebCrypto path refuses tampering, truncation, trailing data and a wrong place', async () => {
  const key = bv.AttachmentKey.generate();
  const data = random(3 * CHUNK + 10);
  const ct = await collect(source(data).pipeThrough(through(new bv.AttachmentEncryptor(key, ...ids))));
  const dec = (c, k = key, place = ids) =>
    collect(source(c).pipeThrough(throughAsync(new bv.AttachmentDecryptor(k, ...place))));
  for (const pos of [HEADER + 5, HEADER + CHUNK + 5, HEADER + 2 * (CHUNK + TAG) + CHUNK + 3, ct.length - 1]) {
    const flipped = ct.slice();
    flipped[pos] ^= 1;
    await assert.rejects(dec(flipped), /failed authentication/, `byte ${pos}`);
  }
  await assert.rejects(dec(ct.slice(0, HEADER + 2 * (CHUNK + TAG))), /truncated/);
  await assert.rejects(dec(new Uint8Array([...ct, 0])), /after its final chunk|failed authentication/);
  await assert.rejects(dec(ct, key, ['vault-1', 'item-2', 'att-1']), /key commitment/);
  await assert.rejects(dec(ct, bv.AttachmentKey.generate()), /key commitment/);
  // After a failed chunk the stream stays failed, sync calls included.
  const d = new bv.AttachmentDecryptor(key, ...ids);
  const bad = ct.slice();
  bad[HEADER + 1] ^= 1;
  await assert.rejects(d.pushAsync(bad), /failed authentication/);
  await assert.rejects(d.pushAsync(new Uint8Array(1)), /failed authentication/);
  assert.throws(() => d.finish(), /failed authentication/);
});

test('pushAsync reads its argument during the call: the caller may reuse the array at once', async () => {
  const key = bv.AttachmentKey.generate();
  const data = random(4 * CHUNK + 77);
  const enc = new bv.AttachmentEncryptor(key, ...ids);
  const buf = new Uint8Array(CHUNK + 300);
  const pending = [];
  for (let o = 0; o < data.length; o += buf.length) {
    const piece = data.subarray(o, o + buf.length);
    buf.set(piece);
    pending.push(enc.pushAsync(buf.subarray(0, piece.length)));
    buf.fill(0xee);   // overwritten before the push is awaited
    await pending.at(-1);
  }
  const parts = [...(await Promise.all(pending)).flat(), ...await enc.finishAsync()];
  const ct = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { ct.set(p, off); off += p.length; }
  const dec = new bv.AttachmentDecryptor(key, ...ids);
  assert.deepEqual(new Uint8Array([...dec.push(ct), ...dec.finish()]), data);
  // Not an array at all: refused, not read as `new Uint8Array(5)`.
  await assert.rejects(new bv.AttachmentEncryptor(key, ...ids).pushAsync(5), /expected a Uint8Array/);
});
