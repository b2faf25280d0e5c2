// The browser benchmark: the wasm package against WebCrypto in the same page.
// Results go to window.benchResult for scripts/bench-browser.mjs.
import init, * as bv from '/pkg/blindvault.js';

const RUNS = 5;
const te = new TextEncoder();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const out = document.getElementById('out');
const log = (s) => { out.textContent += `\n${s}`; };

async function timed(runs, f) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f(i);
    times.push(performance.now() - t0);
  }
  return median(times);
}

function worker() {
  const w = new Worker('/bench/worker.mjs', { type: 'module' });
  const run = (mode, password, kdf) => new Promise((resolve, reject) => {
    w.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data.ms));
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage({ mode, password, kdf });
  });
  return { run, close: () => w.terminate() };
}

async function pbkdf2() {
  const kdf = bv.newKdfParams();
  const salt = Uint8Array.from(atob(kdf.salt.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const password = 'correct horse battery staple';
  const raw = async () => {
    const t0 = performance.now();
    const key = await crypto.subtle.importKey('raw', te.encode(password), 'PBKDF2', false, ['deriveBits']);
    await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: kdf.iterations }, key, 256);
    return performance.now() - t0;
  };
  const w = worker();
  await w.run('webcrypto', password, kdf);   // warm-up: worker start and module compile
  // Interleaved, so each pair sees the same load; the ratio is the median of the pair ratios.
  const webcrypto = [], ours = [], wasm = [], pairs = [];
  for (let i = 0; i < RUNS; i++) {
    webcrypto.push(await raw());
    ours.push(await w.run('webcrypto', password, kdf));
    pairs.push(ours[i] / webcrypto[i]);
    wasm.push(await w.run('wasm', password, kdf));
  }
  w.close();
  return { iterations: kdf.iterations, webcrypto: median(webcrypto), ours: median(ours), wasm: median(wasm),
    pairedRatio: median(pairs) };
}

function overviewJson(i) {
  // ~200 bytes, the shape of an item overview (name, URL, username, tags).
  return te.encode(JSON.stringify({
    type: 'login', name: `Example account number ${i}`, url: `https://login.example-${i}.com/signin?next=/home`,
    username: `user.name.${i}@example.com`, tags: ['work', 'finance', 'shared-with-family'],
  }).padEnd(200, ' '));
}

async function overviews(n = 10000) {
  const vault = bv.VaultKey.generate();
  const ids = Array.from({ length: n }, (_, i) => `item-${i}`);
  const blobs = ids.map((id, i) => bv.sealItem(vault, 'vault-1', id, overviewJson(i), te.encode('{}')));
  const ours = await timed(RUNS, () => {
    const r = bv.openOverviews(vault, 'vault-1', ids, blobs);
    if (r.length !== n || !(r[n - 1] instanceof Uint8Array)) throw new Error('openOverviews failed');
  });

  // The same work in WebCrypto, one await per step: unwrap the item key,
  // import it, open the overview (AES-256-GCM throughout, same sizes).
  const vaultKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const items = [];
  for (let i = 0; i < n; i++) {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const iv1 = crypto.getRandomValues(new Uint8Array(12));
    const iv2 = crypto.getRandomValues(new Uint8Array(12));
    const itemKey = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
    items.push({
      iv1, iv2,
      wrapped: await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv1 }, vaultKey, raw),
      overview: await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv2 }, itemKey, overviewJson(i)),
    });
  }
  const webcrypto = await timed(RUNS, async () => {
    for (const it of items) {
      const raw = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: it.iv1 }, vaultKey, it.wrapped);
      const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt']);
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: it.iv2 }, key, it.overview);
    }
  });
  vault.free();
  return { n, ours, webcrypto };
}

async function attachments(mib = 64, wasmMemory) {
  const piece = 1 << 20;
  const data = new Uint8Array(piece);
  crypto.getRandomValues(data.subarray(0, 65536));
  const key = bv.AttachmentKey.generate();
  // gc() exists when Chromium runs with --js-flags=--expose-gc (bench-browser.mjs):
  // the figure is then what the stream retains, not garbage awaiting collection.
  globalThis.gc?.();
  const heap0 = performance.memory?.usedJSHeapSize ?? 0;
  const mem0 = wasmMemory.buffer.byteLength;
  // Encrypt then decrypt `mib` MiB streamed through push/finish, 1 MiB per push.
  const ours = await timed(3, () => {
    const enc = new bv.AttachmentEncryptor(key, 'vault-1', 'item-1', 'att-1');
    const dec = new bv.AttachmentDecryptor(key, 'vault-1', 'item-1', 'att-1');
    let plainOut = 0;
    for (let i = 0; i < mib; i++) plainOut += dec.push(enc.push(data)).length;
    plainOut += dec.push(enc.finish()).length + dec.finish().length;
    if (plainOut !== mib * piece) throw new Error('attachment round trip lost bytes');
  });
  globalThis.gc?.();
  const heapGrowth = (performance.memory?.usedJSHeapSize ?? 0) - heap0;
  const wasmGrowth = wasmMemory.buffer.byteLength - mem0;

  const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = new Uint8Array(12);
  const webcrypto = await timed(3, async () => {
    for (let i = 0; i < mib; i++) {
      iv[0] = i; iv[1] = i >> 8;   // distinct per message, as a chunk counter would be
      const c = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, data);
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, aes, c);
    }
  });
  const mbps = (ms) => (2 * mib * piece) / 1e6 / (ms / 1000);
  return { mib, ours, webcrypto, oursMBps: mbps(ours), webcryptoMBps: mbps(webcrypto), heapGrowth, wasmGrowth,
    wasmMemory: wasmMemory.buffer.byteLength };
}

async function main() {
  const wasm = await init();
  const result = { userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency };
  log('PBKDF2…');
  result.pbkdf2 = await pbkdf2();
  log(JSON.stringify(result.pbkdf2));
  log('overviews…');
  result.overviews = await overviews();
  log(JSON.stringify(result.overviews));
  log('attachments…');
  result.attachments = await attachments(64, wasm.memory);
  log(JSON.stringify(result.attachments));
  window.benchResult = result;
  log('done');
}

main().catch((e) => { window.benchResult = { error: String(e?.stack ?? e) }; log(`error: ${e}`); });
