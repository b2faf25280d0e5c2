// Starts the real blindvault-server on a free port with a fresh SQLite data
// dir, for the browser end-to-end tests. The binary is the debug build that
// `cargo build -p blindvault-server` leaves in target/ (scripts/test builds it);
// BLINDVAULT_SERVER_BIN points elsewhere.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = process.env.BLINDVAULT_SERVER_BIN
  || join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'debug', 'blindvault-server');

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

/** The caller's environment minus anything that would point the server elsewhere. */
function serverEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k === 'DATABASE_URL' || k.startsWith('BLINDVAULT_')) delete env[k];
  return env;
}

export async function startServer() {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: run cargo build -p blindvault-server`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'bv-e2e-'));
  const port = await freePort();
  const proc = spawn(BIN, [
    '--listen', `127.0.0.1:${port}`,
    '--data-dir', dataDir,
    '--www-dir', join(ROOT, 'www'),
    '--pkg-dir', join(ROOT, 'pkg'),
  ], { cwd: ROOT, env: serverEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const url = `http://127.0.0.1:${port}`;
  // Generous: a cold SQLite migration on a busy 2-core machine.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited early: ${stderr}`);
    try {
      const r = await fetch(`${url}/api/v1/openapi.json`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    dataDir,
    /** Every regular file the server wrote (database, WAL, journal, ...). */
    files() {
      const out = [];
      const walk = (d) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(d, e.name));
          else if (e.isFile()) out.push(join(d, e.name));
        }
      };
      walk(dataDir);
      return out;
    },
    sqliteFile() {
      const f = this.files().find((p) => /\.(db|sqlite3?)$/.test(p));
      if (!f) throw new Error(`no SQLite file in ${dataDir}: ${this.files().join(', ')}`);
      return f;
    },
    sql(statement) {
      return execFileSync('sqlite3', ['-cmd', '.timeout 10000', this.sqliteFile(), statement], { encoding: 'utf8' });
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
