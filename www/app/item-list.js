// The item list: filtered by vault, folder, trash and search (in the client,
// over decrypted overviews), sorted by name, and virtualised: only the rows
// in view are in the DOM, so a 10 000-item vault draws as fast as a small one.
import { $ } from './ui.js';
import { app, hooks } from './app-state.js';
import { KINDS, searchText, subtitle, byName } from './item-kinds.js';

/** Must match `.item-list li { height }` in app.css. */
const ROW = 60;
const OVERSCAN = 8;

let rows = [];
/** The listing's items sorted by name, once per listing (not per keystroke). */
let sorted = null;
/** item id -> lower-cased search text, built at the first search of a listing */
let haystack = null;

/**
 * A new listing: the sort and the search index are made when first needed.
 * The worker hands the items over already in (nearly) this order (SPEC §
 * Overview snapshot in the web vault), so the sort is one cheap pass.
 */
export function indexListing() {
  sorted = null;
  haystack = null;
}

function byNameOrder() {
  if (!sorted) sorted = [...app.data.items].sort((a, b) => byName(a.overview, b.overview));
  return sorted;
}

function searchIndex() {
  if (!haystack) haystack = new Map(app.data.items.map((it) => [it.id, searchText(it.overview)]));
  return haystack;
}

function visibleItems() {
  const q = $('search').value.trim().toLowerCase();
  const trash = $('show-trash').checked;
  const folders = new Set(app.data.folders.filter((f) => f.vaultId === app.currentVault).map((f) => f.id));
  const index = q ? searchIndex() : null;
  return byNameOrder()
    .filter((it) => it.vaultId === app.currentVault && it.trashed === trash)
    .filter((it) => !app.currentFolder || (it.overview.folder === app.currentFolder && folders.has(app.currentFolder)))
    .filter((it) => !q || (index.get(it.id) || '').includes(q));
}

function row(it, index) {
  const li = document.createElement('li');
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'item';
  b.dataset.id = it.id;
  b.dataset.index = String(index);
  b.setAttribute('aria-current', String(!!app.editing && app.editing.id === it.id));
  b.setAttribute('aria-setsize', String(rows.length));
  b.setAttribute('aria-posinset', String(index + 1));
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = (KINDS[it.overview.kind] || { label: 'Item' }).label;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = it.overview.name || '(no name)';
  const sub = document.createElement('span');
  sub.className = 'sub';
  sub.textContent = subtitle(it.overview);
  b.append(kind, name, sub);
  b.addEventListener('click', () => hooks.openItem(it.id));
  li.append(b);
  return li;
}

function drawWindow() {
  const scroller = $('item-scroll');
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW) - OVERSCAN);
  const count = Math.ceil((scroller.clientHeight || 600) / ROW) + 2 * OVERSCAN;
  const last = Math.min(rows.length, first + count);
  const ul = $('item-list');
  ul.style.transform = `translateY(${first * ROW}px)`;
  const frag = document.createDocumentFragment();
  for (let i = first; i < last; i++) frag.append(row(rows[i], i));
  ul.replaceChildren(frag);
}

export function renderItems() {
  rows = visibleItems();
  $('item-spacer').style.height = `${rows.length * ROW}px`;
  $('list-empty').hidden = rows.length > 0;
  $('list-count').textContent = rows.length === 1 ? '1 item' : `${rows.length} items`;
  drawWindow();
}

/** Arrow keys move through the whole list, drawing rows as they come into view. */
function onKey(ev) {
  if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
  const cur = document.activeElement;
  if (!cur || !cur.dataset || cur.dataset.index === undefined) return;
  ev.preventDefault();
  const next = Number(cur.dataset.index) + (ev.key === 'ArrowDown' ? 1 : -1);
  if (next < 0 || next >= rows.length) return;
  const scroller = $('item-scroll');
  const top = next * ROW;
  if (top < scroller.scrollTop) scroller.scrollTop = top;
  else if (top + ROW > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = top + ROW - scroller.clientHeight;
  drawWindow();
  const b = $('item-list').querySelector(`[data-index="${next}"]`);
  if (b) b.focus();
}

export function setupList() {
  let pending = false;
  $('item-scroll').addEventListener('scroll', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      drawWindow();
    });
  });
  $('item-list').addEventListener('keydown', onKey);
  $('search').addEventListener('input', () => {
    $('item-scroll').scrollTop = 0;
    renderItems();
  });
}
