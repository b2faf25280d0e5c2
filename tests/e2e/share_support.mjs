// Support for share.test.mjs: the real server with every log line kept (the
// test checks them for leaks), and the `bv` binary (which also registers the
// test account, with the same core the browser runs as WASM).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, 'target');
const SERVER_BIN = process.env.BLINDVAULT_SERVER_BIN || join(TARGET, 'debug', 'blindvault-server');
export const BV_BIN = process.env.BV_BIN || join(TARGET, 'debug', 'bv');

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export async function startLoggedServer() {
  for (const [bin, how] of [[SERVER_BIN, 'cargo build -p blindvault-server'], [BV_BIN, 'cargo build -p blindvault-cli']]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run ${how}`);
  }
  if (!existsSync(join(ROOT, 'pkg', 'blindvault.js'))) throw new Error('pkg/ is missing: run npm run build:wasm');
  const dataDir = mkdtempSync(join(tmpdir(), 'bv-share-e2e-'));
  const port = await freePort();
  const env = { ...process.env, RUST_LOG: 'debug,sqlx=warn,hyper=info,h2=info' };
  for (const k of Object.keys(env)) if (k === 'DATABASE_URL' || k.startsWith('BLINDVAULT_')) delete env[k];
  const proc = spawn(SERVER_BIN, ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir,
    '--www-dir', join(ROOT, 'www'), '--pkg-dir', join(ROOT, 'pkg')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited early: ${log}`);
    try {
      if ((await fetch(`${url}/api/v1/openapi.json`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    dataDir,
    log: () => log,
    /** The bytes of every file the server wrote (database, WAL, ...). */
    dataFiles() {
      const out = [];
      const walk = (d) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(d, e.name));
          else if (e.isFile()) out.push([join(d, e.name), readFileSync(join(d, e.name))]);
        }
      };
      walk(dataDir);
      return out;
    },
    sql(statement) {
      const db = readdirSync(dataDir).find((f) => /\.sqlite3$/.test(f));
      const r = spawnSync('sqlite3', ['-cmd', '.timeout 10000', join(dataDir, db), statement], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `bv` with its own config dir; never throws, returns {status, stdout, stderr}. */
export function bv(args, { input, env = {}, configDir }) {
  const r = spawnSync(BV_BIN, args, {
    input, timeout: 120_000,
    env: { ...process.env, BV_CONFIG_DIR: configDir, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** The forms a leaked value could take: raw, URL-encoded, base64, base64url, hex. */
export function encodings(s) {
  const b = Buffer.from(s, 'utf8');
  const b64 = b.toString('base64');
  return [s, encodeURIComponent(s), b64, b64.replace(/=+$/, ''), b.toString('base64url'),
    b.toString('hex'), b.toString('hex').toUpperCase()];
}
