// "Shared with you, waiting for you to accept": vaults someone shared with
// this person that are not in their vault list yet. Only the vault's name,
// who shared it and that person's identity fingerprint are shown; the
// worker opens none of its items until the person accepts (worker/access.js).
import { $, run, toast } from './ui.js';
import { app, call, hooks } from './app-state.js';

const PIN_TEXT = {
  match: ['pin-match', 'Matches the key this browser pinned for them.'],
  new: ['pin-new', 'New key: this browser has not seen it. Compare the fingerprint with them first.'],
  changed: ['pin-changed', 'Differs from the key this browser pinned for them: do not accept.'],
  unknown: ['pin-new', 'This browser cannot check its pins right now.'],
  unsigned: ['pin-new', 'Made by an older app: nothing says who shared it.'],
};

function line(tag, text, cls) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

function button(text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

function entry(p) {
  const li = document.createElement('li');
  li.dataset.vault = p.vaultId;
  li.append(line('strong', p.name, 'pending-name'));
  li.append(line('span', p.sharedBy ? `shared by ${p.sharedBy.email} (${p.role})` : `shared with you (${p.role})`, 'small'));
  if (p.sharedBy) li.append(line('span', p.sharedBy.fingerprint, 'fingerprint pending-fingerprint'));
  const [cls, text] = PIN_TEXT[p.pin] || PIN_TEXT.unknown;
  li.append(line('span', text, `small pending-pin ${cls}`));
  const acts = document.createElement('div');
  acts.className = 'actions tight';
  acts.append(
    button('Accept', `Accept ${p.name}`, () => accept(p)),
    button('Decline', `Decline ${p.name}`, () => decline(p)),
  );
  li.append(acts);
  return li;
}

export function renderPending(pending = []) {
  $('pending-list').replaceChildren(...pending.map(entry));
  $('pending-section').hidden = pending.length === 0;
}

async function accept(p) {
  const listing = await run(`Accepting ${p.name}…`, () => call('acceptVault', { vaultId: p.vaultId }), $('pending-section'));
  if (!listing) return;
  if (listing.vaults.some((v) => v.id === p.vaultId)) {
    hooks.closeEditor();
    app.currentVault = p.vaultId;
    app.currentFolder = null;
  }
  hooks.applyListing(listing);
  toast(`You accepted ${p.name}.`);
}

async function decline(p) {
  const listing = await run('Hiding…', () => call('declineVault', { vaultId: p.vaultId }), $('pending-section'));
  if (!listing) return;
  hooks.applyListing(listing);
  toast(`${p.name} is hidden until you log in again.`);
}
