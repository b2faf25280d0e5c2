// The create page (/share/): sign in, then make a share (text or file) or a
// secret request. The session token, share keys and the request key pair
// live only in this page's memory (keys inside WASM); nothing is stored.
// Every rule of the format (limits, metadata, framing, links) is the core's
// (src/share_link, docs/SPEC.md § Sharing pages); this page picks messages.
import { ready } from '/share/core.js';
import { call, ShareApiError } from '/share/api.js';
import { b64uEncode, utf8 } from '/app/bytes.js';

const $ = (id) => document.getElementById(id);
let token = null;
const POLL_MS = 2000;

function status(id, text, cls = 'hint') {
  $(id).className = cls;
  $(id).textContent = text;
}

async function signIn(ev) {
  ev.preventDefault();
  const bv = await ready;
  const email = $('email').value.trim().toLowerCase();
  const btn = ev.submitter;
  btn.disabled = true;
  status('sign-in-status', 'Deriving your key…');
  try {
    const pre = await call('POST', '/accounts/prelogin', { body: { email } });
    let master;
    try {
      master = await bv.deriveMasterKey($('password').value, pre.kdf);
    } catch {
      status('sign-in-status', 'The server offered unsafe key-derivation settings; not signing in.', 'error');
      return;
    }
    let res;
    try {
      res = await call('POST', '/accounts/login', {
        body: { account_id: pre.account_id, auth_key: master.authKey() },
      });
    } finally {
      master.free();
    }
    token = res.token;
    $('password').value = '';
    $('who').textContent = email;
    $('sign-in').hidden = true;
    $('sign-out').hidden = false;
    $('create').hidden = false;
    $('request').hidden = false;
  } catch (e) {
    if (e instanceof ShareApiError && e.status === 401) status('sign-in-status', 'Wrong email or password.', 'error');
    else if (e instanceof ShareApiError && e.status === 429) status('sign-in-status', 'Too many attempts; wait and try again.', 'error');
    else status('sign-in-status', 'The server could not be reached. Try again.', 'error');
  } finally {
    btn.disabled = false;
  }
}

/** "8 MiB" for the limit the page shows. */
const mib = (bytes) => `${bytes / (1024 * 1024)} MiB`;

/** Joins byte arrays (the chunks a stream produced). */
function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function kind() {
  return document.querySelector('input[name=kind]:checked').value;
}

/** Streams `file` through the encryptor, reporting progress. */
async function pushFile(enc, file, parts) {
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    parts.push(enc.push(value));
    done += value.length;
    $('progress').value = done / Math.max(1, file.size);
  }
}

async function createShare(ev) {
  ev.preventDefault();
  const bv = await ready;
  const k = kind();
  const expiresIn = Number($('expiry').value);
  const views = Number($('views').value);
  const passphrase = $('share-passphrase').value;
  const limits = bv.shareLimits();
  try {
    bv.checkShareChoices(expiresIn, views);
  } catch (e) {
    return status('create-status', e.code === 'lifetime'
      ? 'Choose an expiry between 5 minutes and 30 days.'
      : `Maximum views must be a whole number from 1 to ${limits.viewsMax}.`, 'error');
  }
  const file = $('share-file').files[0];
  let textBytes = null;
  if (k === 'text') {
    textBytes = utf8($('share-text').value);
    try {
      bv.checkShareText(textBytes);
    } catch (e) {
      return status('create-status', e.code === 'empty_text'
        ? 'Type the secret text first.'
        : `Text is too long: at most ${limits.maxTextBytes} bytes.`, 'error');
    }
  } else {
    if (!file) return status('create-status', 'Choose a file first.', 'error');
    try {
      bv.checkShareFileSize(file.size);
    } catch {
      const max = limits.maxFileBytes;
      return status('create-status', `This file is ${file.size} bytes; the limit is ${max} bytes (${mib(max)}). Nothing was sent.`, 'error');
    }
  }
  const btn = $('create-btn');
  btn.disabled = true;
  $('progress').hidden = false;
  $('progress').value = 0;
  status('create-status', passphrase ? 'Encrypting (the passphrase takes a moment)…' : 'Encrypting…');
  await new Promise((r) => setTimeout(r, 20));
  const now = Math.floor(Date.now() / 1000);
  const key = bv.ShareKey.generate();
  let ciphertext;
  try {
    const meta = k === 'text'
      ? bv.ShareMeta.text(views, expiresIn, now, passphrase !== '')
      : bv.ShareMeta.file(file.name, file.size, views, expiresIn, now, passphrase !== '');
    const enc = key.encryptor();
    const parts = [];
    if (passphrase) {
      // A password envelope inside: the link alone does not open it.
      const content = k === 'text' ? textBytes : new Uint8Array(await file.arrayBuffer());
      parts.push(enc.push(meta.encodePayload(content, passphrase)));
      $('progress').value = 1;
    } else if (k === 'text') {
      parts.push(enc.push(meta.encodePayload(textBytes)));
    } else {
      parts.push(enc.push(meta.encodePrefix()));
      await pushFile(enc, file, parts);
    }
    meta.free();
    parts.push(enc.finish());
    enc.free();
    ciphertext = b64uEncode(concat(parts));
  } catch {
    key.free();
    btn.disabled = false;
    status('create-status', 'Encryption failed; nothing was sent. Try again.', 'error');
    return;
  }
  // A file of several MiB takes a moment to upload after the bar is full.
  status('create-status', 'Sending the encrypted share…');
  let created;
  try {
    created = await call('POST', '/shares', {
      token, body: { ciphertext, expires_in_secs: expiresIn, max_views: views },
    });
  } catch (e) {
    key.free();
    btn.disabled = false;
    if (e instanceof ShareApiError && e.status === 401) status('create-status', 'Your session ended; sign in again.', 'error');
    else if (e instanceof ShareApiError && e.status === 413) status('create-status', 'Too large for the server.', 'error');
    else status('create-status', 'The server could not be reached; your input is still here. Try again.', 'error');
    return;
  }
  const origin = location.origin;
  try {
    $('share-link').value = key.link(origin, created.id);
    $('delete-link').value = bv.deleteShareLink(origin, created.id, created.delete_token);
  } catch {
    btn.disabled = false;
    status('create-status', 'The server\'s answer was not understood; no link was made.', 'error');
    return;
  } finally {
    key.free();
  }
  $('created-summary').textContent = `${views} view${views === 1 ? '' : 's'}, until `
    + `${new Date(created.expires_at * 1000).toLocaleString()}${passphrase ? ', passphrase required' : ''}.`;
  $('share-text').value = '';
  $('share-passphrase').value = '';
  $('share-file').value = '';
  $('progress').hidden = true;
  btn.disabled = false;
  status('create-status', '');
  $('create').hidden = true;
  $('created').hidden = false;
}

async function copy(inputId) {
  try {
    await navigator.clipboard.writeText($(inputId).value);
    status('copy-status', 'Copied.');
  } catch {
    $(inputId).select();
    status('copy-status', 'Copying was refused; the text is selected, copy it by hand.');
  }
}

let requestPair = null;

async function createRequest(ev) {
  ev.preventDefault();
  const bv = await ready;
  ev.submitter.disabled = true;
  requestPair?.free();
  requestPair = bv.RequestKeyPair.generate();
  let created;
  try {
    created = await call('POST', '/share-requests', {
      token, body: { expires_in_secs: Number($('request-expiry').value) },
    });
  } catch {
    ev.submitter.disabled = false;
    status('request-status', 'The server refused or could not be reached. Try again.', 'error');
    return;
  }
  try {
    $('request-link').value = requestPair.requestLink(location.origin, created.id);
  } catch {
    ev.submitter.disabled = false;
    status('request-status', 'The server\'s answer was not understood. Try again.', 'error');
    return;
  }
  $('request-fingerprint').textContent = requestPair.fingerprint;
  $('request-out').hidden = false;
  $('answer-box').hidden = true;
  poll(created.id, requestPair);
}

async function poll(id, pair) {
  if (pair !== requestPair) return; // superseded by a newer request
  let res;
  try {
    res = await call('POST', `/share-requests/${id}/collect`, { token });
  } catch (e) {
    if (e instanceof ShareApiError && e.status === 404) {
      status('request-wait', 'The request expired without an answer.', 'error');
      $('request-form').querySelector('button').disabled = false;
      return;
    }
    setTimeout(() => poll(id, pair), POLL_MS * 2);
    return;
  }
  if (!res.ciphertext) {
    setTimeout(() => poll(id, pair), POLL_MS);
    return;
  }
  try {
    $('answer-out').value = pair.openAnswer(id, res.ciphertext);
    $('answer-box').hidden = false;
    status('request-wait', 'Answer received. It is gone from the server; copy it now.', 'ok');
  } catch {
    status('request-wait', 'An answer arrived but does not open with this page\'s key: it was changed or made for another request.', 'error');
  }
  $('request-form').querySelector('button').disabled = false;
}

function main() {
  ready.then((bv) => { $('file-limit').textContent = mib(bv.shareLimits().maxFileBytes); });
  $('sign-in-form').addEventListener('submit', signIn);
  $('create-form').addEventListener('submit', createShare);
  $('request-form').addEventListener('submit', createRequest);
  for (const r of document.querySelectorAll('input[name=kind]')) {
    r.addEventListener('change', () => {
      $('text-box').hidden = kind() !== 'text';
      $('file-box').hidden = kind() !== 'file';
    });
  }
  $('copy-link').addEventListener('click', () => copy('share-link'));
  $('copy-delete').addEventListener('click', () => copy('delete-link'));
  $('copy-request').addEventListener('click', () => copy('request-link'));
  $('another').addEventListener('click', () => {
    $('created').hidden = true;
    $('create').hidden = false;
    $('share-link').value = '';
    $('delete-link').value = '';
  });
  $('sign-out').addEventListener('click', async () => {
    try {
      await call('POST', '/accounts/logout', { token });
    } catch {
      // The page forgets the token either way.
    }
    token = null;
    location.reload();
  });
}

main();
