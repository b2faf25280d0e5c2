// Shared by the web vault's end-to-end files: Chromium with the flags CI
// needs, request recording, the leak scan, and the crypto worker's heap read
// over the Chrome DevTools Protocol. Not a test file itself (node --test
// picks up *.test.mjs only).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const WAIT = 60_000;

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
}

/** The forms a leaked value could take: raw, URL-encoded, base64, base64url, hex. */
export function encodings(s) {
  const b = Buffer.from(s, 'utf8');
  const b64 = b.toString('base64');
  return [...new Set([s, encodeURIComponent(s), b64, b64.replace(/=+$/, ''), b.toString('base64url'),
    b.toString('hex'), b.toString('hex').toUpperCase()])];
}

/** Records every request of a browser context (its dedicated workers' too), body as bytes. */
export function record(context, into) {
  context.on('request', async (r) => {
    let body = Buffer.alloc(0);
    try {
      body = r.postDataBuffer() || body;
    } catch {
      // a streamed body Playwright cannot read back
    }
    const headers = await r.allHeaders().catch(() => r.headers());
    into.push({ url: r.url(), method: r.method(), headers, body });
  });
}

/**
 * Fails naming the first request or file that holds any encoding of any
 * secret. `positive` must be found (the scan is not blind), `secrets` never.
 */
export function scan({ requests, files, secrets, positive }) {
  const forms = [...secrets].filter((s) => s.length >= 6).flatMap((s) => encodings(s).map((e) => [s, Buffer.from(e)]));
  const pos = encodings(positive).map((e) => Buffer.from(e));
  const reqBuf = (r) => Buffer.concat([Buffer.from(`${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n`), r.body]);
  assert.ok(requests.some((r) => pos.some((p) => reqBuf(r).includes(p))), 'the scan finds the positive control in requests');
  assert.ok(files.some((f) => pos.some((p) => readFileSync(f).includes(p))), 'the scan finds the positive control on disk');
  for (const r of requests) {
    const buf = reqBuf(r);
    for (const [s, e] of forms) assert.ok(!buf.includes(e), `${r.method} ${r.url} contains a form of ${JSON.stringify(s.slice(0, 4))}…`);
  }
  for (const f of files) {
    const buf = readFileSync(f);
    for (const [s, e] of forms) assert.ok(!buf.includes(e), `${f} contains a form of ${JSON.stringify(s.slice(0, 4))}…`);
  }
}

/**
 * Samples the heap of every crypto worker until stopped; returns the peaks
 * in bytes of the JS heap (`used`), of ArrayBuffer backing stores, where
 * WASM memory and byte arrays live (`backing`), and of their sum. Through the browser-level CDP session, since a
 * worker has no Playwright CDP session of its own.
 */
export async function heapSampler(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const workers = targetInfos.filter((t) => t.type === 'worker' && t.url.endsWith('/app/crypto-worker.js'));
  const sessions = [];
  for (const w of workers) {
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: w.targetId, flatten: false });
    sessions.push(sessionId);
  }
  let nextId = 1;
  const waiting = new Map();
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const m = JSON.parse(message);
    const cb = waiting.get(m.id);
    if (cb) {
      waiting.delete(m.id);
      cb(m.result || {});
    }
  });
  const usage = (sessionId) => new Promise((resolve) => {
    const id = nextId++;
    waiting.set(id, resolve);
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) })
      .catch(() => resolve({}));
  });
  const peak = { used: 0, backing: 0, total: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const s of sessions) {
        const u = await usage(s);
        peak.used = Math.max(peak.used, u.usedSize || 0);
        peak.backing = Math.max(peak.backing, u.backingStorageSize || 0);
        peak.total = Math.max(peak.total, (u.usedSize || 0) + (u.backingStorageSize || 0));
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  assert.ok(sessions.length >= 1, 'a crypto worker to measure');
  return {
    workers: workers.length,
    async stop() {
      running = false;
      await loop;
      await cdp.detach().catch(() => {});
      assert.ok(peak.used > 0, 'the heap was read');
      return peak;
    },
  };
}
