// Members of a vault as its signed member log has them (the worker verified
// it): roles, each member's identity fingerprint and whether it matches this
// browser's pin; sharing by email with the invitee's fingerprint shown, and
// an explicit confirmation for an identity this browser has not seen, before
// anything is signed or sealed; and removal, which rotates the vault key in
// one step.
import { $, run, toast, showPanel, showError, cell } from './ui.js';
import { app, call, hooks, vaultName } from './app-state.js';

const ROLES = ['read', 'write', 'admin', 'owner'];
const PIN_LABEL = {
  self: ['pin-match', 'you'],
  match: ['pin-match', 'matches your pin'],
  new: ['pin-new', 'not pinned yet'],
  changed: ['pin-changed', 'differs from your pin'],
  unknown: ['pin-new', 'pins unavailable'],
  legacy: ['pin-new', 'older vault, no log'],
};
let pending = null; // the looked-up invitee, until the person confirms

function myRole() {
  return (app.data.vaults.find((v) => v.id === app.currentVault) || {}).role;
}

function roleSelect(m, canManage) {
  const sel = document.createElement('select');
  sel.id = `role-${m.accountId}`;
  for (const r of ROLES) {
    const o = document.createElement('option');
    o.value = r;
    o.textContent = r[0].toUpperCase() + r.slice(1);
    sel.append(o);
  }
  sel.value = m.role;
  sel.disabled = !canManage || m.me;
  sel.addEventListener('change', async () => {
    const vaultId = app.currentVault;
    const res = await run('Changing role…', () =>
      call('setRole', { vaultId, accountId: m.accountId, role: sel.value }));
    if (!res) {
      sel.value = m.role;
      return;
    }
    renderMembers(res);
    toast(`${m.email} is now ${sel.value}.`);
  });
  const label = document.createElement('label');
  label.htmlFor = sel.id;
  label.className = 'sr-only';
  label.textContent = `Role of ${m.email}`;
  return [label, sel];
}

function pinCell(m) {
  const [cls, text] = PIN_LABEL[m.pin] || PIN_LABEL.unknown;
  const td = cell(text);
  td.className = cls;
  return td;
}

/** `res` is the worker's { members, mismatch, legacy }. */
export function renderMembers(res) {
  const role = myRole();
  const canManage = role === 'admin' || role === 'owner';
  const body = $('member-rows');
  body.replaceChildren();
  for (const m of res.members) {
    const tr = document.createElement('tr');
    tr.dataset.email = m.email;
    const roleTd = document.createElement('td');
    roleTd.append(...roleSelect(m, canManage));
    const act = document.createElement('td');
    if (canManage && !m.me) {
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.textContent = 'Remove';
      rm.setAttribute('aria-label', `Remove ${m.email}`);
      rm.addEventListener('click', () => removeMember(m));
      act.append(rm);
    }
    const fp = cell(m.fingerprint);
    fp.className = 'fingerprint';
    tr.append(cell(m.me ? `${m.email} (you)` : m.email), fp, pinCell(m), roleTd, act);
    body.append(tr);
  }
  $('members-source').textContent = res.legacy
    ? 'This vault was made by an older version and has no signed member log: this is the server\'s list.'
    : 'From the vault\'s signed member log, checked in this browser.';
  $('invite-form').hidden = !canManage;
  // Shown after the list (run() clears the banner when the next action starts).
  if (res.mismatch) showError('roster_mismatch');
}

async function removeMember(m) {
  const vaultId = app.currentVault;
  const res = await run('Removing member and rotating the vault key…', () =>
    call('removeMember', { vaultId, accountId: m.accountId }));
  if (!res) return;
  renderMembers(res.members);
  hooks.applyListing(res.listing);
  showPanel('members');
  const n = res.revokedTokens;
  const tokens = n ? ` ${n === 1 ? '1 service token' : `${n} service tokens`} of this vault lost access; issue new ones.` : '';
  toast(`${m.email} was removed and the vault key was rotated.${tokens}`);
}

function hideInvite() {
  pending = null;
  $('invite-confirm').hidden = true;
  $('invite-confirm-new').checked = false;
}

export async function showMembers() {
  if (!app.currentVault) return;
  const vaultId = app.currentVault;
  const res = await run('Loading members…', () => call('members', { vaultId }));
  if (!res) return;
  hooks.closeEditor();
  hideInvite();
  $('members-vault').textContent = vaultName(vaultId);
  renderMembers(res);
  showPanel('members');
  $('invite-email').focus();
}

/** Says whether the looked-up identity is the pinned one or new (then a confirmation is required). */
function showLookup(found) {
  const fresh = found.pin === 'new';
  $('invite-who').textContent = found.email;
  $('invite-fingerprint').textContent = found.fingerprint;
  $('invite-pin').textContent = fresh
    ? 'New: this browser has not seen this person\'s identity before. Compare every group with them.'
    : 'Matches the identity this browser pinned for them.';
  $('invite-pin').className = `status ${fresh ? 'pin-new' : 'pin-match'}`;
  $('invite-new-row').hidden = !fresh;
  $('invite-confirm-new').checked = false;
  $('invite-share').disabled = fresh;
  $('invite-confirm').hidden = false;
  (fresh ? $('invite-confirm-new') : $('invite-share')).focus();
}

export function setupMembers() {
  $('members-button').addEventListener('click', showMembers);
  $('members-close').addEventListener('click', () => showPanel('detail-empty'));

  $('invite-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    hideInvite();
    const email = $('invite-email').value.trim();
    const vaultId = app.currentVault;
    const found = await run('Looking up their key…', () => call('lookup', { email, vaultId }), $('invite-form'));
    if (!found) return;
    if (app.session && found.accountId === app.session.accountId) return showError('share_self');
    pending = { ...found, role: $('invite-role').value };
    showLookup(found);
  });

  $('invite-confirm-new').addEventListener('change', () => {
    $('invite-share').disabled = !$('invite-confirm-new').checked;
  });

  $('invite-share').addEventListener('click', async () => {
    if (!pending) return;
    const { identity, role, email } = pending;
    const confirmedNew = pending.pin === 'new' && $('invite-confirm-new').checked;
    const vaultId = app.currentVault;
    const res = await run('Sharing the vault…', () =>
      call('shareVault', { vaultId, identity, role, confirmedNew }));
    if (!res) return;
    hideInvite();
    $('invite-email').value = '';
    renderMembers(res);
    toast(`Shared with ${email}.`);
  });

  $('invite-cancel').addEventListener('click', () => {
    hideInvite();
    $('invite-email').focus();
  });
}
