// Attachments, streamed through the chunked encryption of SPEC § Attachments
// (c2sp.org/chunked-encryption) in bounded memory: the file is read and
// encrypted one stream chunk at a time, and what is produced is folded into a
// Blob every few MiB, so neither the plaintext nor the ciphertext is ever
// whole in this worker's heap (Blob bytes live in the browser's blob store).
//
// Each attachment has its own random key, kept in a metadata envelope sealed
// under the item key (name, size, type, key; core `sealAttachmentMeta`). The
// envelopes sit in the item's details as `attachments: [{id, meta}]`, so they
// are opened only when the item is, and survive a move or a vault key
// rotation (the item key does not change).
import { state, AppError, bv, ApiError, envelopeToBlob, decodeJson, opened, vault } from './state.js';
import { withEnvelope } from './sync.js';
import { updateItem } from './items.js';
import { randomId } from '../bytes.js';

/** Fold pending parts into the Blob at this size: bounds the heap per transfer. */
const FOLD_BYTES = 4 * 1024 * 1024;

class BlobBuilder {
  constructor(type) {
    this.blob = new Blob([], { type });
    this.parts = [];
    this.pending = 0;
  }

  /** Appends pieces (Uint8Arrays), in order. */
  add(pieces) {
    for (const bytes of pieces) {
      if (bytes.length === 0) continue;
      this.parts.push(bytes);
      this.pending += bytes.length;
    }
    if (this.pending >= FOLD_BYTES) this.fold();
  }

  fold() {
    this.blob = new Blob([this.blob, ...this.parts], { type: this.blob.type });
    this.parts = [];
    this.pending = 0;
  }

  done() {
    this.fold();
    return this.blob;
  }
}

/**
 * One step of a stream, as a list of pieces: the core's WebCrypto-backed
 * pushAsync/finishAsync where it has them (each awaited before the next
 * call; they resolve to WebCrypto's output buffers, uncopied), else
 * push/finish (one array).
 */
const step = {
  push: async (stream, bytes) => (stream.pushAsync ? stream.pushAsync(bytes) : [stream.push(bytes)]),
  finish: async (stream) => (stream.finishAsync ? stream.finishAsync() : [stream.finish()]),
};

/** A decryption step whose failure can only mean altered or cut ciphertext. */
async function decrypted(fn) {
  try {
    return await fn();
  } catch {
    throw new AppError('integrity');
  }
}

function itemKeyOf(view) {
  const v = vault(view.vault_id);
  const blob = envelopeToBlob(view.envelope);
  return opened(() => ({
    home: bv.itemHomeVault(blob),
    key: bv.unwrapItemKey(v.key, view.vault_id, view.id, blob),
    details: decodeJson(bv.openDetails(v.key, view.vault_id, view.id, blob)),
    overview: decodeJson(bv.openOverview(v.key, view.vault_id, view.id, blob)),
  }));
}

function url(view, attachmentId) {
  return `/api/v1/vaults/${view.vault_id}/items/${view.id}/attachments/${attachmentId}`;
}

async function send(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${state.token}`, 'content-type': 'application/octet-stream' },
      body,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', null);
  }
  if (!res.ok) {
    let code = 'http_error';
    try {
      code = (await res.json()).error || code;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, code, null);
  }
  return res;
}

/** Name, size and type of each attachment of an opened item, without keys. */
export async function list({ itemId }) {
  const view = await withEnvelope(itemId);
  const { home, key, details } = itemKeyOf(view);
  try {
    return (details.attachments || []).map((a) => {
      try {
        const meta = bv.openAttachmentMeta(key, home, view.id, a.id, a.meta);
        const out = { id: a.id, name: meta.name, size: meta.size, mime: meta.mime, ok: true };
        meta.free();
        return out;
      } catch {
        return { id: a.id, ok: false };
      }
    });
  } finally {
    key.free();
  }
}

export async function upload({ itemId, file }, progress) {
  const view = await withEnvelope(itemId);
  const { home, key, details, overview } = itemKeyOf(view);
  const attachmentId = randomId();
  const akey = bv.AttachmentKey.generate();
  try {
    const enc = new bv.AttachmentEncryptor(akey, home, view.id, attachmentId);
    const out = new BlobBuilder('application/octet-stream');
    const reader = file.stream().getReader();
    let read = 0;
    let last = -1;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        read += value.length;
        out.add(await step.push(enc, value));
        const pct = Math.floor((read / Math.max(1, file.size)) * 90);
        if (pct !== last) {
          last = pct;
          progress(`transfer:${pct}`);
        }
      }
      out.add(await step.finish(enc));
    } finally {
      enc.free();
    }
    const body = out.done();
    progress('transfer:92');
    await send('PUT', url(view, attachmentId), body);
    progress('transfer:97');
    const meta = bv.sealAttachmentMeta(key, home, view.id, attachmentId, akey, file.name, file.size, file.type || '');
    const next = { ...details, attachments: [...(details.attachments || []), { id: attachmentId, meta }] };
    const res = await updateItem({ itemId, baseRevision: view.revision, overview, details: next, keepAttachments: false });
    if (res.conflict) {
      // Someone changed the item meanwhile: take the upload back rather than
      // leave a file nobody can find, and let the person retry.
      await send('DELETE', url(view, attachmentId)).catch(() => {});
      throw new AppError('stale');
    }
    progress('transfer:100');
    return { id: attachmentId, listing: res.listing };
  } finally {
    akey.free();
    key.free();
  }
}

/**
 * Streams the ciphertext down, decrypting as it arrives; only authenticated
 * plaintext is kept, and a stream that is cut, reordered or extended fails at
 * finish() with the integrity error, so nothing partial is handed out.
 */
export async function download({ itemId, attachmentId }, progress) {
  const view = await withEnvelope(itemId);
  const { home, key, details } = itemKeyOf(view);
  let meta;
  try {
    const entry = (details.attachments || []).find((a) => a.id === attachmentId);
    if (!entry) throw new AppError('no_such_attachment');
    meta = opened(() => bv.openAttachmentMeta(key, home, view.id, attachmentId, entry.meta));
  } finally {
    key.free();
  }
  const name = meta.name;
  const mime = meta.mime;
  const akey = meta.key;
  meta.free();
  const dec = new bv.AttachmentDecryptor(akey, home, view.id, attachmentId);
  akey.free();
  try {
    const res = await send('GET', url(view, attachmentId));
    const total = Number(res.headers.get('content-length')) || (state.attachments.get(attachmentId) || {}).size || 0;
    const out = new BlobBuilder(mime || 'application/octet-stream');
    const reader = res.body.getReader();
    let got = 0;
    let last = -1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got += value.length;
      out.add(await decrypted(() => step.push(dec, value)));
      const pct = total ? Math.floor((got / total) * 100) : 0;
      if (pct !== last) {
        last = pct;
        progress(`transfer:${pct}`);
      }
    }
    out.add(await decrypted(() => step.finish(dec)));
    return { blob: out.done(), name, mime };
  } finally {
    dec.free();
  }
}

/** Deletes the file, then drops its entry from the item's details. */
export async function remove({ itemId, attachmentId }) {
  const view = await withEnvelope(itemId);
  const { key, details, overview } = itemKeyOf(view);
  key.free();
  const next = { ...details, attachments: (details.attachments || []).filter((a) => a.id !== attachmentId) };
  const res = await updateItem({ itemId, baseRevision: view.revision, overview, details: next, keepAttachments: false });
  if (res.conflict) throw new AppError('stale');
  await send('DELETE', url(view, attachmentId)).catch((e) => {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  });
  return res.listing;
}
