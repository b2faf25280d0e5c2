// The save/update offer after a form submit: an extension page in an iframe.
// It never sees the password; the worker keeps it and seals it with the
// chosen vault's key before anything is sent.
const nonce = location.hash.slice(1);
const close = () => parent.postMessage('blindvault-close', '*');
const $ = (id) => document.getElementById(id);

const info = await chrome.runtime.sendMessage({ op: 'saveInfo', nonce });
if (!info || info.result !== 'offer') {
  $('msg').textContent = 'This offer has expired.';
  $('form').hidden = true;
} else {
  const host = new URL(info.origin).host;
  $('who').textContent = `${info.username || '(no username)'} on ${info.origin}`;
  $('name').value = host;
  for (const v of info.vaults) $('vault').append(new Option(v.name, v.id));
  if (info.update) {
    $('title').textContent = `Update the password of “${info.update.name}”?`;
    $('update').hidden = false;
    $('save').textContent = 'Save as new';
  }
}

async function send(action) {
  $('msg').textContent = '';
  const r = await chrome.runtime.sendMessage({
    op: 'save', nonce, action, vaultId: $('vault').value, name: $('name').value,
  });
  if (r && r.result === 'done') close();
  else $('msg').textContent = r && r.error === 'stale'
    ? 'This login changed elsewhere; open Blindvault to update it.'
    : 'Blindvault could not save this login. Your entry is still here; try again.';
}

$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (e.isTrusted) send('save');
});
$('update').addEventListener('click', (e) => { if (e.isTrusted) send('update'); });
$('dismiss').addEventListener('click', () => {
  chrome.runtime.sendMessage({ op: 'save', nonce, action: 'dismiss' });
  close();
});
