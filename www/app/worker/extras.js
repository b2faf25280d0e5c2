// The stateless exports the unlock page's module (pkg-vault/) leaves out to
// stay within its size budget: password envelopes, the export document and
// the import-file readers (export and import), the password generator and
// the audit chain verifier. They hold no key of the vault, so a second
// module, pkg/, loaded the first time one of them is used, serves them.
import { AppError, lazily } from './state.js';

const load = lazily(() => import('/pkg/blindvault.js').then(async (m) => {
  await m.default();
  return m;
}));

/** The full core module (pkg/), initialised once per worker. */
export function extras() {
  // Said like a failed pkg-vault/: the same "could not be loaded" message.
  return load().catch(() => Promise.reject(new AppError('worker_failed')));
}
