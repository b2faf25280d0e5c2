// Test pages for the extension's end-to-end test, served on 127.0.0.1 and
// reached under made-up *.test names (Chromium maps them to 127.0.0.1 with
// --host-resolver-rules), so that look-alike hosts, other ports, other
// schemes and cross-origin frames are real, distinct origins.
import { createServer } from 'node:http';

const LOGIN_FORM = (id = 'f') => `
<form id="${id}" method="post" action="/welcome">
  <label for="${id}-user">Username</label> <input id="${id}-user" name="user" autocomplete="username">
  <label for="${id}-pass">Password</label> <input id="${id}-pass" name="pass" type="password" autocomplete="current-password">
  <button id="${id}-go" type="submit">Sign in</button>
</form>`;

/** A visible username and a password field hidden in one of four ways. */
const HIDDEN = {
  none: 'display:none',
  zero: 'width:0;height:0;border:0;padding:0',
  offscreen: 'position:absolute;left:-10000px;top:-10000px',
  transparent: 'opacity:0',
};
const hiddenForms = Object.entries(HIDDEN).map(([k, css]) => `
<form id="h-${k}" method="post" action="/welcome">
  <label for="h-${k}-user">Username (${k})</label> <input id="h-${k}-user" name="user">
  <input id="h-${k}-extra" name="email" style="${css}" aria-hidden="true">
  <input id="h-${k}-pass" name="pass" type="password" style="${css}" aria-hidden="true">
</form>`).join('');

const page = (title, body, script = '') => `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title>
<body><h1>${title}</h1>${body}${script ? `<script src="/${script}.js"></script>` : ''}</body></html>`;

// A page script trying to trigger autofill without the person: click() on
// every element, synthetic mouse events at the icon, a fake keyboard shortcut.
const FAKE_CLICK = `
const hosts = () => [...document.querySelectorAll('*')].filter((e) => e.attributes.length && [...e.attributes].some((a) => a.name.startsWith('data-blindvault')));
function attack() {
  // Not buttons: a click() on a submit button would leave the page.
  for (const el of document.querySelectorAll('*')) if (!el.closest('button')) el.click();
  for (const h of hosts()) {
    const r = h.getBoundingClientRect();
    for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click']) {
      h.dispatchEvent(new MouseEvent(type, { bubbles: true, composed: true, clientX: r.left + 5, clientY: r.top + 5 }));
    }
  }
  const k = { key: 'L', code: 'KeyL', ctrlKey: true, shiftKey: true, bubbles: true };
  document.getElementById('f-user').focus();
  document.activeElement.dispatchEvent(new KeyboardEvent('keydown', k));
  document.activeElement.dispatchEvent(new KeyboardEvent('keyup', k));
  document.body.dataset.attacked = String(hosts().length);
}
const wait = setInterval(() => { if (hosts().length) { clearInterval(wait); attack(); } }, 50);
`;

const ROUTES = {
  '/login': () => page('Sign in', LOGIN_FORM()),
  '/signup': () => page('Create an account', `
<form id="s" method="post" action="/welcome">
  <label for="s-user">Username</label> <input id="s-user" name="user" autocomplete="username">
  <label for="s-pass">New password</label> <input id="s-pass" name="pass" type="password" autocomplete="new-password">
  <label for="s-pass2">Repeat it</label> <input id="s-pass2" name="pass2" type="password" autocomplete="new-password">
  <button id="s-go" type="submit">Create</button>
</form>`),
  '/hidden': () => page('Sign in', hiddenForms),
  '/fake-click': () => page('Sign in', LOGIN_FORM(), 'fake-click'),
  '/fake-click.js': () => FAKE_CLICK,
  '/welcome': () => page('Welcome', '<p id="welcome">Signed in.</p>'),
};

/** Starts the site; `frame` pages embed `?src=` (any origin) in an iframe. */
export function startSite() {
  const srv = createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    let body;
    if (u.pathname === '/frame') {
      const src = u.searchParams.get('src') || '';
      body = page('A page with a frame', `<iframe id="inner" title="inner" src="${src.replace(/"/g, '')}" width="600" height="300"></iframe>`);
    } else if (ROUTES[u.pathname]) {
      body = ROUTES[u.pathname]();
    } else {
      res.writeHead(404).end();
      return;
    }
    // POSTs are drained and answered with the welcome page, like a real login.
    req.resume();
    const type = u.pathname.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    port: srv.address().port,
    close: () => new Promise((r) => srv.close(r)),
  })));
}

/**
 * A pass-through proxy in front of the real server that records every
 * request the extension sends (method, path, headers, body).
 */
export function startRecordingProxy(target) {
  const seen = [];
  const t = new URL(target);
  const srv = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    seen.push({ method: req.method, url: req.url, headers: JSON.stringify(req.headers), body: body.toString('utf8') });
    const headers = { ...req.headers, host: t.host };
    delete headers['content-length'];
    try {
      const r = await fetch(new URL(req.url, target), {
        method: req.method, headers, body: body.length ? body : undefined, redirect: 'manual',
      });
      const out = Buffer.from(await r.arrayBuffer());
      const h = {};
      r.headers.forEach((v, k) => { if (!['content-encoding', 'content-length', 'transfer-encoding'].includes(k)) h[k] = v; });
      res.writeHead(r.status, h).end(out);
    } catch {
      res.writeHead(502).end();
    }
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${srv.address().port}`,
    seen,
    close: () => new Promise((r) => srv.close(r)),
  })));
}
