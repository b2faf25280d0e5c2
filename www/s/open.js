// The open page (/s/#…): reveals a share, deletes one early, or answers a
// secret request. The fragment never leaves the browser; the API is called
// only after a click (link unfurlers load pages but do not click).
// Every rule of the format (links, metadata, framing, limits, the request's
// HPKE binding) is the core's (src/share_link, docs/SPEC.md § Sharing pages).
import { ready } from '/share/core.js';
import { call, ShareApiError } from '/share/api.js';
import { fromUtf8 } from '/app/bytes.js';

const $ = (id) => document.getElementById(id);
const SECTIONS = ['loading', 'bad-link', 'reveal', 'gone', 'broken', 'passphrase', 'secret', 'delete', 'answer'];
function show(id) {
  for (const s of SECTIONS) $(s).hidden = s !== id;
}

const fragment = location.hash.slice(1);
// Drop the key from the address bar and history; the page keeps it in memory.
history.replaceState(null, '', location.pathname);
/** The parsed fragment (a core `ShareFragment`), or undefined for a bad link. */
let link;

function fmtTime(secs) {
  return new Date(secs * 1000).toLocaleString();
}

async function reveal() {
  const key = link.shareKey();
  $('reveal-btn').disabled = true;
  $('reveal-status').textContent = 'Fetching…';
  let opened;
  try {
    opened = await call('POST', `/shares/${link.id}/open`);
  } catch (e) {
    key.free();
    if (e instanceof ShareApiError && (e.status === 404 || e.status === 400)) {
      show('gone');
      return;
    }
    $('reveal-btn').disabled = false;
    $('reveal-status').textContent = 'The server could not be reached; nothing was used up. Try again.';
    return;
  }
  let payload;
  try {
    // Decrypts, authenticates and parses (src/share_link): any failure is one page.
    payload = key.openPayload(opened.ciphertext);
  } catch {
    show('broken');
    return;
  } finally {
    key.free();
  }
  const meta = { kind: payload.kind, name: payload.name };
  const views = payload.maxViews;
  $('limits').textContent = `The sender allowed ${views} view${views === 1 ? '' : 's'} `
    + `until ${fmtTime(payload.expiresAt)}. Views left: ${opened.views_left}.`;
  if (!payload.limitsMatch(opened.views_left, opened.expires_at)) {
    $('limits-warning').hidden = false;
    $('limits-warning').textContent = 'Warning: the server reports more views or a later expiry than the sender chose. '
      + 'The secret itself is intact, but the server did not keep to the sender\'s limits.';
  }
  if (payload.passphrase) {
    askPassphrase(payload, meta);
  } else {
    let content;
    try {
      content = payload.content();
    } catch {
      show('broken');
      return;
    } finally {
      payload.free();
    }
    showSecret(meta, content);
  }
}

function askPassphrase(payload, meta) {
  show('passphrase');
  $('passphrase-input').focus();
  $('passphrase-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = ev.submitter;
    btn.disabled = true;
    $('passphrase-error').textContent = 'Checking…';
    // Let the status paint before the synchronous key derivation.
    await new Promise((r) => setTimeout(r, 20));
    let content;
    try {
      content = payload.unlock($('passphrase-input').value);
    } catch (e) {
      if (e.code !== 'wrong_passphrase' && e.code !== 'core') {
        // It opened, but is not what the sender's metadata says.
        payload.free();
        show('broken');
        return;
      }
      btn.disabled = false;
      $('passphrase-error').textContent = 'Wrong passphrase. Try again: no extra view is used.';
      $('passphrase-input').select();
      return;
    }
    $('passphrase-input').value = '';
    payload.free();
    showSecret(meta, content);
  });
}

function showSecret(meta, content) {
  show('secret');
  if (meta.kind === 'text') {
    $('secret-text-box').hidden = false;
    $('secret-text').value = fromUtf8(content);
    $('copy-secret').addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText($('secret-text').value);
        $('copy-status').textContent = 'Copied.';
      } catch {
        $('copy-status').textContent = 'Copying was refused; select the text and copy it.';
      }
    });
  } else {
    $('secret-file-box').hidden = false;
    const name = typeof meta.name === 'string' && meta.name ? meta.name : 'shared-file';
    $('file-name').textContent = name;
    $('file-size').textContent = String(content.length);
    // application/octet-stream: the browser saves it, never renders it here.
    const url = URL.createObjectURL(new Blob([content], { type: 'application/octet-stream' }));
    $('file-download').href = url;
    $('file-download').download = name;
  }
}

async function deleteShare() {
  $('delete-btn').disabled = true;
  try {
    await call('DELETE', `/shares/${link.id}`, { headers: { 'x-delete-token': link.deleteToken } });
    $('delete-status').className = 'ok';
    $('delete-status').textContent = 'Deleted. The link no longer opens.';
  } catch (e) {
    if (e instanceof ShareApiError && (e.status === 404 || e.status === 403)) {
      $('delete-status').className = 'hint';
      $('delete-status').textContent = 'Nothing to delete: it was already viewed, expired or deleted.';
    } else {
      $('delete-btn').disabled = false;
      $('delete-status').className = 'error';
      $('delete-status').textContent = 'The server could not be reached. Try again.';
    }
  }
}

async function answerRequest(bv, ev) {
  ev.preventDefault();
  const text = $('answer-text').value;
  const status = $('answer-status');
  const btn = ev.submitter;
  let sealed;
  try {
    sealed = bv.sealRequestAnswer(link.publicKey, link.id, text);
  } catch (e) {
    status.className = 'error';
    status.textContent = e.code === 'text_too_long'
      ? `Too long: at most ${bv.shareLimits().maxTextBytes} bytes.`
      : 'The key in this link is not usable. Ask for a new link.';
    return;
  }
  btn.disabled = true;
  try {
    await call('POST', `/share-requests/${link.id}/answer`, { body: { ciphertext: sealed } });
  } catch (e) {
    if (e instanceof ShareApiError && e.status === 404) {
      status.className = 'error';
      status.textContent = 'This request is closed: it was answered, cancelled or has expired — or it never existed.';
      return;
    }
    btn.disabled = false;
    status.className = 'error';
    status.textContent = 'Sending failed; your text is still here. Try again.';
    return;
  }
  $('answer-text').value = '';
  $('answer-text').disabled = true;
  status.className = 'ok';
  status.textContent = 'Sent. Only the requester\'s page can read it.';
}

async function main() {
  const bv = await ready;
  link = bv.parseShareFragment(fragment);
  if (!link) {
    show('bad-link');
    return;
  }
  if (link.kind === 'share') {
    show('reveal');
    $('reveal-btn').addEventListener('click', reveal);
  } else if (link.kind === 'delete') {
    show('delete');
    $('delete-btn').addEventListener('click', deleteShare);
  } else {
    try {
      $('answer-fingerprint').textContent = bv.fingerprint(link.publicKey);
    } catch {
      show('bad-link');
      return;
    }
    show('answer');
    $('answer-form').addEventListener('submit', (ev) => answerRequest(bv, ev));
  }
}

main();
