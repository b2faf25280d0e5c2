// "Shared with you, waiting for you to accept": vaults someone shared with
// this person that are not in their vault list yet. Only the vault's name,
// who shared it and that person's identity fingerprint are shown; the
// worker opens none of its items until the person accepts (worker/access.js).
import { $, run, toast } from './ui.js';
import { app, call, hooks } from './app-state.js';
import { pendingEntry } from './pending-entry.js';

export function renderPending(pending = []) {
  $('pending-list').replaceChildren(...pending.map((p) => pendingEntry(p, { device: 'this browser', accept, decline })));
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
