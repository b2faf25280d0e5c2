// Runs tests/wasm_*.rs compiled to wasm32 under wasm-bindgen-test-runner, in
// Node (`node scripts/test-wasm.mjs node`) or headless Chromium (`... browser`).
//
// Why not `wasm-pack test`: it always passes `cargo build --tests`, which
// compiles *every* integration test for wasm32, including native-only ones
// (proptest, files on disk) that do not build there. Cargo's runner setting
// builds and runs only the wasm test files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

const where = process.argv[2];
if (where !== 'node' && where !== 'browser') {
  console.error('usage: node scripts/test-wasm.mjs node|browser [extra cargo test args]');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const tests = readdirSync(new URL('../tests/', import.meta.url))
  .filter((f) => /^wasm_.*\.rs$/.test(f))
  .flatMap((f) => ['--test', f.slice(0, -3)]);

const env = {
  ...process.env,
  PATH: `${root}node_modules/.bin:${homedir()}/.cargo/bin:${process.env.PATH}`,
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner',
  // Same flags and target dir as scripts/build-wasm: the tests run the code we ship.
  CARGO_TARGET_DIR: `${root}target-wasm`,
  RUSTFLAGS: `${process.env.RUSTFLAGS ?? ''} -C target-feature=+simd128`.trim(),
  // Generic KDF code is monomorphised in our crate, so the per-package
  // opt-level overrides in Cargo.toml do not reach it: unoptimised, one
  // 600 000-iteration PBKDF2 takes ~15 s in wasm instead of well under 1 s.
  CARGO_PROFILE_DEV_OPT_LEVEL: '2',
  WASM_BINDGEN_TEST_TIMEOUT: '300',
};
if (where === 'browser') {
  env.WASM_BINDGEN_USE_BROWSER = '1';
  env.CHROMEDRIVER = '/usr/bin/chromedriver';   // options: webdriver.json (TOOLCHAIN.md)
} else {
  delete env.WASM_BINDGEN_USE_BROWSER;
}

const args = ['test', '--target', 'wasm32-unknown-unknown', '--no-default-features', ...tests,
  ...process.argv.slice(3)];
console.log(`> cargo ${args.join(' ')}`);
const r = spawnSync('cargo', args, { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
