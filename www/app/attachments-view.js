// Attachments of the open item: list, upload and download with a progress
// bar. The File goes to the crypto worker as a handle (no copy); it reads and
// encrypts it in chunks, and hands back a Blob on download, which the page
// saves through an object URL that is revoked right after.
import { $, run, showError, toast } from './ui.js';
import { app, call, hooks } from './app-state.js';

function sizeText(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function progressBar(label) {
  $('transfer').hidden = false;
  $('transfer-bar').value = 0;
  $('transfer-text').textContent = label;
  return (stage) => {
    if (typeof stage !== 'string' || !stage.startsWith('transfer:')) return;
    const pct = Number(stage.slice(9));
    $('transfer-bar').value = pct;
    $('transfer-text').textContent = `${label} ${pct}%`;
  };
}

export function showAttachments(itemId, list) {
  $('attachments-box').hidden = !itemId;
  $('transfer').hidden = true;
  const ul = $('attachment-list');
  ul.replaceChildren();
  for (const a of list || []) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'att-name';
    if (!a.ok) {
      name.textContent = 'An attachment failed its integrity check and is not shown.';
      li.append(name);
      ul.append(li);
      continue;
    }
    name.textContent = `${a.name} (${sizeText(a.size)})`;
    const dl = document.createElement('button');
    dl.type = 'button';
    dl.textContent = 'Download';
    dl.setAttribute('aria-label', `Download ${a.name}`);
    dl.addEventListener('click', () => download(itemId, a));
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.textContent = 'Delete';
    rm.setAttribute('aria-label', `Delete attachment ${a.name}`);
    rm.addEventListener('click', () => remove(itemId, a));
    li.append(name, dl, rm);
    ul.append(li);
  }
}

async function refreshOpenItem(itemId, listing) {
  hooks.applyListing(listing);
  const it = await run('Decrypting item…', () => call('openItem', { itemId }));
  if (!it || !app.editing || app.editing.id !== itemId) return;
  hooks.editingAt(it.revision);
  showAttachments(itemId, it.attachments);
}

async function upload(file) {
  const itemId = app.editing && app.editing.id;
  if (!itemId) return showError('attach_save_first');
  const onProgress = progressBar(`Encrypting and uploading ${file.name}…`);
  const res = await run('Uploading attachment…', () => call('uploadAttachment', { itemId, file }, onProgress));
  $('attach-file').value = '';
  if (!res) {
    $('transfer').hidden = true;
    return;
  }
  await refreshOpenItem(itemId, res.listing);
  toast('Attachment saved.');
}

async function download(itemId, a) {
  const onProgress = progressBar(`Downloading and decrypting ${a.name}…`);
  const res = await run('Downloading attachment…', () =>
    call('downloadAttachment', { itemId, attachmentId: a.id }, onProgress));
  if (!res) {
    $('transfer').hidden = true;
    return;
  }
  const url = URL.createObjectURL(res.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = res.name || 'attachment';
  document.body.append(link);
  link.click();
  link.remove();
  // The Blob stays readable for the download that started; drop our handle.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  $('transfer-text').textContent = `${a.name} downloaded.`;
}

async function remove(itemId, a) {
  const listing = await run('Deleting attachment…', () => call('deleteAttachment', { itemId, attachmentId: a.id }));
  if (!listing) return;
  await refreshOpenItem(itemId, listing);
  toast('Attachment deleted.');
}

export function setupAttachments() {
  $('attach-file').addEventListener('change', () => {
    const f = $('attach-file').files[0];
    if (f) upload(f);
  });
}
