// A tiny static server for the benchmark only: www/ at /, pkg/ at /pkg/,
// pkg-vault/ and pkg-strength/ beside it, the URL layout blindvault-server uses. It
// sends the same kind of CSP the real pages get, so nothing here relies on
// inline script or eval (WASM needs only 'wasm-unsafe-eval').
//   node scripts/serve.mjs [port]      (default 8787, 127.0.0.1 only)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const mounts = [
  ['/pkg-strength/', join(root, 'pkg-strength')],
  ['/pkg-vault/', join(root, 'pkg-vault')],
  ['/pkg/', join(root, 'pkg')],
  ['/', join(root, 'www')],
];
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.ts': 'text/plain',
};
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; object-src 'none'; base-uri 'none'";

export function serve(port = 8787) {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      const [prefix, dir] = mounts.find(([p]) => path.startsWith(p));
      let file = normalize(join(dir, path.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir + sep)) throw Object.assign(new Error('outside'), { code: 'ENOENT' });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': types[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': csp,
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch (e) {
      res.writeHead(e.code === 'ENOENT' || e.code === 'EISDIR' ? 404 : 500, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8787);
  await serve(port);
  console.log(`serving www/ and pkg/ at http://127.0.0.1:${port}/`);
}
