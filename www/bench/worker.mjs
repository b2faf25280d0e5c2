// PBKDF2 in a Web Worker, where the vault page runs it so the UI never blocks.
import init, { deriveMasterKey, deriveMasterKeyInWasm } from '/pkg/blindvault.js';

const ready = init();

self.onmessage = async ({ data: { mode, password, kdf, runs } }) => {
  await ready;
  const times = [];
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const key = mode === 'wasm' ? deriveMasterKeyInWasm(password, kdf) : await deriveMasterKey(password, kdf);
      times.push(performance.now() - t0);
      key.free();
    }
    self.postMessage({ times });
  } catch (e) {
    self.postMessage({ error: String(e) });
  }
};
