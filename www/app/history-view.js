// An item's earlier versions (the server keeps 20). The list shows each
// version's name and date; opening one shows its fields read-only, secrets
// masked, and the person may save it as the current version.
import { $, run, toast, showPanel, showError, when } from './ui.js';
import { app, call, hooks } from './app-state.js';
import { describe } from './conflict-view.js';

let shown = null; // the opened old version

function fill(dl, rows) {
  dl.replaceChildren();
  for (const r of rows) {
    const dt = document.createElement('dt');
    dt.textContent = r.label;
    const dd = document.createElement('dd');
    dd.textContent = r.secret ? (r.value ? '•••••••• (hidden)' : '(empty)') : r.value || '(empty)';
    dl.append(dt, dd);
  }
}

async function openVersion(itemId, revision) {
  const v = await run('Decrypting that version…', () => call('historyVersion', { itemId, revision }));
  if (!v) return;
  shown = v;
  $('history-version-title').textContent = `Version ${v.revision}, saved ${when(v.createdAt)}`;
  fill($('history-fields'), describe(v.overview.kind, v));
  $('history-version').hidden = false;
  $('history-adopt').focus();
}

export async function showHistory() {
  if (!app.editing || !app.editing.id) return;
  const itemId = app.editing.id;
  const list = await run('Loading history…', () => call('history', { itemId }));
  if (!list) return;
  shown = null;
  $('history-version').hidden = true;
  const ol = $('history-list');
  ol.replaceChildren();
  if (list.length === 0) {
    const li = document.createElement('li');
    li.textContent = 'No earlier versions yet.';
    ol.append(li);
  }
  for (const h of [...list].sort((a, b) => b.revision - a.revision)) {
    const li = document.createElement('li');
    if (!h.ok) {
      li.textContent = `Version ${h.revision} failed its integrity check and is not shown.`;
      ol.append(li);
      continue;
    }
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `Version ${h.revision}: ${h.name}`;
    b.addEventListener('click', () => openVersion(itemId, h.revision));
    li.append(b);
    ol.append(li);
  }
  showPanel('history');
  const first = ol.querySelector('button');
  if (first) first.focus();
}

export function setupHistory() {
  $('history-item').addEventListener('click', showHistory);
  $('history-close').addEventListener('click', () => {
    shown = null;
    showPanel('item-form');
  });
  $('history-adopt').addEventListener('click', async () => {
    if (!shown || !app.editing) return;
    const { overview, details } = shown;
    const res = await run('Encrypting and saving…', () => call('updateItem', {
      itemId: app.editing.id, baseRevision: app.editing.revision, overview, details,
    }));
    if (!res) return;
    if (res.conflict) {
      // Someone saved meanwhile: nothing was written; show the item as it is now.
      hooks.applyListing(res.listing);
      await hooks.openItem(app.editing.id);
      showError('stale');
      return;
    }
    hooks.applyListing(res.listing);
    await hooks.openItem(app.editing.id);
    toast('That version is now the current one.');
  });
}
