// The open page (/s/#…): reveals a share, deletes one early, or answers a
// secret request. The fragment never leaves the browser; the API is called
// only after a click (link unfurlers load pages but do not click).
import { ready } from '/share/core.js';
import { call, ShareApiError } from '/share/api.js';
import { b64uDecode, utf8, fromUtf8 } from '/app/bytes.js';
import {
  parseFragment, decodePlain, encodePlain, concat, limitsMatch, requestInfo, MAX_TEXT_BYTES,
} from '/share/format.js';

const $ = (id) => document.getElementById(id);
const SECTIONS = ['loading', 'bad-link', 'reveal', 'gone', 'broken', 'passphrase', 'secret', 'delete', 'answer'];
function show(id) {
  for (const s of SECTIONS) $(s).hidden = s !== id;
}

const link = parseFragment(location.hash.slice(1));
// Drop the key from the address bar and history; the page keeps it in memory.
history.replaceState(null, '', location.pathname);

function fmtTime(secs) {
  return new Date(secs * 1000).toLocaleString();
}

async function reveal() {
  const bv = await ready;
  let key;
  try {
    key = bv.ShareKey.fromFragment(link.key);
  } catch {
    show('bad-link');
    return;
  }
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
  let plain;
  try {
    const dec = key.decryptor();
    const ct = b64uDecode(opened.ciphertext);
    plain = concat([dec.push(ct), dec.finish()]);
    dec.free();
  } catch {
    show('broken');
    return;
  } finally {
    key.free();
  }
  let parsed;
  try {
    parsed = decodePlain(plain);
  } catch {
    show('broken');
    return;
  }
  const { meta, body } = parsed;
  $('limits').textContent = `The sender allowed ${meta.max_views} view${meta.max_views === 1 ? '' : 's'} `
    + `until ${fmtTime(meta.expires_at)}. Views left: ${opened.views_left}.`;
  if (!limitsMatch(meta, opened)) {
    $('limits-warning').hidden = false;
    $('limits-warning').textContent = 'Warning: the server reports more views or a later expiry than the sender chose. '
      + 'The secret itself is intact, but the server did not keep to the sender\'s limits.';
  }
  if (meta.passphrase) {
    askPassphrase(bv, meta, body);
  } else {
    showSecret(meta, body);
  }
}

function askPassphrase(bv, meta, body) {
  show('passphrase');
  const jwe = fromUtf8(body);
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
      content = bv.openWithPassword(jwe, $('passphrase-input').value);
    } catch {
      btn.disabled = false;
      $('passphrase-error').textContent = 'Wrong passphrase. Try again: no extra view is used.';
      $('passphrase-input').select();
      return;
    }
    $('passphrase-input').value = '';
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
    await call('DELETE', `/shares/${link.id}`, { headers: { 'x-delete-token': link.token } });
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
  const bytes = utf8(text);
  if (bytes.length > MAX_TEXT_BYTES) {
    status.className = 'error';
    status.textContent = `Too long: at most ${MAX_TEXT_BYTES} bytes.`;
    return;
  }
  const btn = ev.submitter;
  btn.disabled = true;
  const plain = encodePlain({ v: 1, kind: 'text' }, bytes);
  let sealed;
  try {
    sealed = bv.hpkeSeal(link.publicKey, requestInfo(link.id), link.publicKey, plain);
  } catch {
    status.className = 'error';
    status.textContent = 'The key in this link is not usable. Ask for a new link.';
    return;
  }
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
  if (!link) {
    show('bad-link');
    return;
  }
  if (link.type === 'share') {
    show('reveal');
    $('reveal-btn').addEventListener('click', reveal);
  } else if (link.type === 'delete') {
    show('delete');
    $('delete-btn').addEventListener('click', deleteShare);
  } else {
    const bv = await ready;
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
