// The Node build of the wasm package (scripts/build-wasm → pkg-node/), loaded
// once for every test file. wasm-pack's `nodejs` target is CommonJS.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const require = createRequire(import.meta.url);
const path = new URL('../../pkg-node/blindvault.js', import.meta.url);
if (!existsSync(path)) {
  throw new Error('pkg-node/ is missing: run `npm run build:wasm` first');
}
export const bv = require(path.pathname);
