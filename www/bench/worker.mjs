// PBKDF2 in a Web Worker, where the vault page runs it so the UI never blocks.
// One message = one derivation, so the page can interleave raw WebCrypto runs
// ('raw', in this same worker) with ours and compare pairs measured under the
// same machine load.
import init, { deriveMasterKey, deriveMasterKeyInWasm } from '/pkg/blindvault.js';

const ready = init();

self.onmessage = async ({ data: { mode, password, kdf } }) => {
  try {
    await ready;
    if (mode === 'raw') {
      // The peer: the same PBKDF2 straight through WebCrypto, from this worker.
      const salt = Uint8Array.from(atob(kdf.salt.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      const t0 = performance.now();
      const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
      await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: kdf.iterations }, k, 256);
      self.postMessage({ ms: performance.now() - t0 });
      return;
    }
    const t0 = performance.now();
    const key = mode === 'wasm' ? deriveMasterKeyInWasm(password, kdf) : await deriveMasterKey(password, kdf);
    const ms = performance.now() - t0;
    key.free();
    self.postMessage({ ms });
  } catch (e) {
    self.postMessage({ error: String(e) });
  }
};
