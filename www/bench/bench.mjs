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

const PBKDF2_PAIRS = 9;

async function pbkdf2() {
  const kdf = bv.newKdfParams();
  const password = 'correct horse battery staple';
  const w = worker();
  // Warm-up of both paths: worker start, module compile, WebCrypto's first use.
  await w.run('raw', password, kdf);
  await w.run('webcrypto', password, kdf);
  // Both in the same worker, interleaved, with the order alternating so that
  // neither always runs first after a pause; the ratio is the median of the
  // pair ratios, each pair measured under the same machine load.
  const webcrypto = [], ours = [], pairs = [];
  for (let i = 0; i < PBKDF2_PAIRS; i++) {
    let r, o;
    if (i % 2 === 0) { r = await w.run('raw', password, kdf); o = await w.run('webcrypto', password, kdf); }
    else { o = await w.run('webcrypto', password, kdf); r = await w.run('raw', password, kdf); }
    webcrypto.push(r); ours.push(o); pairs.push(o / r);
  }
  const wasm = [];
  for (let i = 0; i < 3; i++) wasm.push(await w.run('wasm', password, kdf));
  w.close();
  return { iterations: kdf.iterations, pairs: PBKDF2_PAIRS, webcrypto: median(webcrypto), ours: median(ours),
    wasm: median(wasm), pairedRatio: median(pairs) };
}

function overviewJson(i) {
  // ~200 bytes, the shape of an item overview (name, URL, username, tags).
  // ~200 bytes, the shape of an item overview (SPEC § Web vault / Payloads).
  return te.encode(JSON.stringify({
    kind: 'login', name: `Example account number ${i}`, url: `https://login.example-${i}.com/signin?next=/home`,
    username: `user.name.${i}@example.com`, folder: 'f-0123456789abcdef-work',
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
  // The overview snapshot: every overview in one envelope, one WebCrypto
  // AES-GCM call, then one JSON.parse (the entries' overviews come back parsed).
  const jwe = await bv.sealOverviewSnapshot(vault, 'vault-1',
    ids.map((id, i) => ({ id, revision: i + 1, overview: overviewJson(i) })));
  const snapshotMs = await timed(RUNS, async () => {
    const r = await bv.openOverviewSnapshot(vault, 'vault-1', jwe);
    if (r.length !== n || r[n - 1].overview.kind !== 'login') throw new Error('openOverviewSnapshot failed');
  });
  // Its floor: one raw WebCrypto decrypt of a buffer of the same size, plus
  // JSON.parse of the same plaintext (what any JS client would pay).
  const plain = te.encode(JSON.stringify({ v: 1, vault: 'vault-1',
    items: ids.map((id, i) => ({ id, revision: i + 1, overview: JSON.parse(new TextDecoder().decode(overviewJson(i))) })) }));
  const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const iv = new Uint8Array(12);
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, plain);
  const snapshotRaw = await timed(RUNS, async () => {
    const p = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, aes, sealed);
    JSON.parse(new TextDecoder().decode(p));
  });
  vault.free();
  return { n, ours, webcrypto, snapshot: snapshotMs, snapshotRaw, snapshotBytes: jwe.length };
}

const IDS = ['vault-1', 'item-1', 'att-1'];
const total = (pieces) => pieces.reduce((n, p) => n + p.length, 0);

// The pieces pushAsync resolves to, in one array: what the network between an
// upload and a download does to them.
function joined(pieces) {
  const out = new Uint8Array(total(pieces));
  let at = 0;
  for (const p of pieces) { out.set(p, at); at += p.length; }
  return out;
}

// Encrypts then decrypts `mib` MiB (1 MiB pushes) through one stream pair,
// push by push (the memory figure, and the WASM fallback).
async function streamed(key, data, mib, asyncPath, every) {
  const enc = new bv.AttachmentEncryptor(key, ...IDS);
  const dec = new bv.AttachmentDecryptor(key, ...IDS);
  let plainOut = 0;
  for (let i = 0; i < mib; i++) {
    plainOut += asyncPath ? total(await dec.pushAsync(joined(await enc.pushAsync(data)))) : dec.push(enc.push(data)).length;
    await every?.(i);
  }
  plainOut += asyncPath ? total(await dec.pushAsync(joined(await enc.finishAsync()))) + total(await dec.finishAsync())
    : dec.push(enc.finish()).length + dec.finish().length;
  enc.free(); dec.free();
  if (plainOut !== mib * data.length) throw new Error('attachment round trip lost bytes');
}

// The timed path: encrypts `mib` MiB in 1 MiB pushes (an upload), then
// decrypts `ct`, the ciphertext of the same bytes made beforehand, in 1 MiB
// pushes (a download). Neither side copies what the other made, as the raw
// peer does not.
async function encryptThenDecrypt(key, data, mib, ct) {
  const enc = new bv.AttachmentEncryptor(key, ...IDS);
  let ctOut = 0;
  for (let i = 0; i < mib; i++) ctOut += total(await enc.pushAsync(data));
  ctOut += total(await enc.finishAsync());
  enc.free();
  const dec = new bv.AttachmentDecryptor(key, ...IDS);
  let plainOut = 0;
  for (let at = 0; at < ct.length; at += data.length) {
    plainOut += total(await dec.pushAsync(ct.subarray(at, at + data.length)));
  }
  plainOut += total(await dec.finishAsync());
  dec.free();
  if (ctOut !== ct.length || plainOut !== mib * data.length) throw new Error('attachment round trip lost bytes');
}

const ATTACHMENT_PAIRS = 7;

async function attachments(mib = 64, wasmMemory) {
  const piece = 1 << 20;
  const data = new Uint8Array(piece);
  crypto.getRandomValues(data.subarray(0, 65536));
  const key = bv.AttachmentKey.generate();
  // Our stream with the chunk AES-GCM in WebCrypto (pushAsync/finishAsync),
  // and raw WebCrypto AES-256-GCM over the same bytes in 1 MiB calls.
  const aes = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  // Distinct per message, as a chunk counter would be.
  const ivs = Array.from({ length: mib }, (_, i) => new Uint8Array([i, i >> 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  // Each side decrypts ciphertext made beforehand, as a download would get it.
  const rawCts = [];
  for (const iv of ivs) rawCts.push(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, data));
  const raw = async () => {
    for (const iv of ivs) await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, data);
    for (let i = 0; i < mib; i++) await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ivs[i] }, aes, rawCts[i]);
  };
  const ctPieces = [];
  const enc = new bv.AttachmentEncryptor(key, ...IDS);
  for (let i = 0; i < mib; i++) ctPieces.push(...await enc.pushAsync(data));
  ctPieces.push(...await enc.finishAsync());
  enc.free();
  const ct = joined(ctPieces);
  ctPieces.length = 0;
  const ourRun = () => encryptThenDecrypt(key, data, mib, ct);
  // Warm-up of both, then interleaved pairs with the order alternating, as
  // for PBKDF2: run after run the two drifted apart with the machine's load
  // (0.64-0.82x for the same build), a pair shares its load. Throughput
  // ratio = median over the pairs of raw time / our time.
  await timed(1, ourRun);
  await timed(1, raw);
  const oursT = [], rawT = [], pairs = [];
  for (let i = 0; i < ATTACHMENT_PAIRS; i++) {
    let o, r;
    if (i % 2 === 0) { o = await timed(1, ourRun); r = await timed(1, raw); }
    else { r = await timed(1, raw); o = await timed(1, ourRun); }
    oursT.push(o); rawT.push(r); pairs.push(r / o);
  }
  const ours = median(oursT), webcrypto = median(rawT);
  // The WASM fallback (sync push/finish, RustCrypto), one run of 16 MiB.
  const fallbackMib = 16;
  const fallback = await timed(1, () => streamed(key, data, fallbackMib, false));

  // Memory: a 256 MiB file streamed through (encrypt then decrypt), the JS
  // heap sampled after a forced GC every 16 MiB (gc() exists when Chromium runs
  // with --js-flags=--expose-gc, see bench-browser.mjs): what the stream
  // retains, not garbage awaiting collection.
  const bigMib = 256;
  // gc() frees dead ArrayBuffers' memory a little later (V8 sweeps their
  // backing stores concurrently), and the runs above leave hundreds of MiB of
  // them: without the pause the start figure includes them and the growth
  // comes out negative.
  const settle = async () => {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 100));
    globalThis.gc?.();
    return performance.memory?.usedJSHeapSize ?? 0;
  };
  const heap0 = await settle();
  const mem0 = wasmMemory.buffer.byteLength;
  let heapMax = heap0;
  await streamed(key, data, bigMib, true, async (i) => {
    if (i % 16 === 15) heapMax = Math.max(heapMax, await settle());
  });
  const heapGrowth = (await settle()) - heap0;
  const wasmGrowth = wasmMemory.buffer.byteLength - mem0;
  const mbps = (ms, n = mib) => (2 * n * piece) / 1e6 / (ms / 1000);
  return { mib, ours, webcrypto, oursMBps: mbps(ours), webcryptoMBps: mbps(webcrypto),
    pairs: ATTACHMENT_PAIRS, pairedRatio: median(pairs),
    fallbackMib, fallback, fallbackMBps: mbps(fallback, fallbackMib),
    bigMib, heapGrowth, heapMaxGrowth: heapMax - heap0, wasmGrowth, wasmMemory: wasmMemory.buffer.byteLength };
}

// A member log of 1 000 entries, verified from the start as a new device
// does (Roster.verify: hash chain, roles, every signature, and the identity
// statement each create/add carries). Peer: WebCrypto Ed25519 verifying the
// same number of signatures, all in flight at once. Then the same log on a
// new device of an account whose sealed vault list keeps an anchor 100
// entries back (SPEC § Vault list): hash chain and rules for all 1 000,
// signatures for the last 100.
async function memberLog(n = 1000, people = 10, lag = 100) {
  const kdf = bv.newKdfParams();
  const accounts = [];
  for (let i = 0; i <= people; i++) {
    const master = await bv.deriveMasterKey(`bench person ${i}`, kdf);
    const { account } = bv.register(master, kdf, `acct-${i}`);
    master.free();
    account.issueIdentity(`person${i}@example.com`);
    accounts.push(account);
  }
  const [owner] = accounts;
  const key = bv.VaultKey.generate();
  const entries = [bv.logGenesis(owner, 'vault-1', key, 1)];
  const none = new bv.VaultList();
  let roster = bv.Roster.verify('vault-1', entries, undefined, none);
  let signatures = 2;
  let anchorBack;
  const roles = new Map();
  for (let i = 1; i < n; i++) {
    let e;
    if (i <= people) {
      e = roster.signAdd(owner, accounts[i].identity, 'write', 1);
      roles.set(accounts[i].accountId, 'write');
      signatures += 2;
    } else {
      const id = accounts[1 + (i % people)].accountId;
      const next = roles.get(id) === 'write' ? 'read' : 'write';
      e = roster.signRole(owner, id, next, 1);
      roles.set(id, next);
      signatures += 1;
    }
    const after = roster.with(e);
    roster.free();
    roster = after;
    entries.push(e);
    if (entries.length === n - lag) anchorBack = roster.anchor();
  }
  roster.free();
  const ours = await timed(RUNS, () => {
    bv.Roster.verify('vault-1', entries, undefined, none).free();
  });
  const listed = none.with('vault-1', undefined);
  const anchored = listed.withAnchors(['vault-1'], [anchorBack]);
  const fromAccountAnchor = await timed(RUNS, () => {
    bv.Roster.verify('vault-1', entries, undefined, anchored).free();
  });
  for (const l of [none, listed, anchored]) l.free();
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const msg = te.encode('x'.repeat(300));
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, msg);
  const webcrypto = await timed(RUNS, async () => {
    const ok = await Promise.all(Array.from({ length: signatures },
      () => crypto.subtle.verify({ name: 'Ed25519' }, pair.publicKey, sig, msg)));
    if (!ok.every(Boolean)) throw new Error('Ed25519 verify failed');
  });
  for (const a of accounts) a.free();
  key.free();
  return { n, signatures, ours, webcrypto, lag, fromAccountAnchor };
}

async function main() {
  const wasm = await init();
  const result = { userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency };
  // ?only=memberLog runs one section, for a quick look while working on it.
  const only = new URLSearchParams(location.search).get('only');
  if (only === 'memberLog') {
    result.memberLog = await memberLog();
    log(JSON.stringify(result.memberLog));
    window.benchResult = result;
    return;
  }
  log('PBKDF2…');
  result.pbkdf2 = await pbkdf2();
  log(JSON.stringify(result.pbkdf2));
  log('overviews…');
  result.overviews = await overviews();
  log(JSON.stringify(result.overviews));
  log('attachments…');
  result.attachments = await attachments(64, wasm.memory);
  log(JSON.stringify(result.attachments));
  log('member log…');
  result.memberLog = await memberLog();
  log(JSON.stringify(result.memberLog));
  window.benchResult = result;
  log('done');
}

main().catch((e) => { window.benchResult = { error: String(e?.stack ?? e) }; log(`error: ${e}`); });
