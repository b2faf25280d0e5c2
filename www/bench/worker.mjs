// PBKDF2 in a Web Worker, where the vault page runs it so the UI never blocks.
// One message = one derivation, so the page can interleave its own WebCrypto
// runs with ours and compare pairs measured under the same machine load.
import init, { deriveMasterKey, deriveMasterKeyInWasm } from '/pkg/blindvault.js';

const ready = init();

self.onmessage = async ({ data: { mode, password, kdf } }) => {
  try {
    await ready;
    const t0 = performance.now();
    const key = mode === 'wasm' ? deriveMasterKeyInWasm(password, kdf) : await deriveMasterKey(password, kdf);
    const ms = performance.now() - t0;
    key.free();
    self.postMessage({ ms });
  } catch (e) {
    self.postMessage({ error: String(e) });
  }
};
