// Members of a vault: roles, sharing by email with the invitee's key
// fingerprint shown for comparison before anything is sealed to that key,
// and removal, which rotates the vault key (the worker does it in one step).
import { $, run, toast, showPanel, showError, cell } from './ui.js';
import { app, call, hooks, vaultName } from './app-state.js';

const ROLES = ['read', 'write', 'admin', 'owner'];
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
    const list = await run('Changing role…', () =>
      call('setMember', { vaultId, accountId: m.accountId, role: sel.value }));
    if (!list) {
      sel.value = m.role;
      return;
    }
    renderMembers(list);
    toast(`${m.email} is now ${sel.value}.`);
  });
  const label = document.createElement('label');
  label.htmlFor = sel.id;
  label.className = 'sr-only';
  label.textContent = `Role of ${m.email}`;
  return [label, sel];
}

export function renderMembers(list) {
  const role = myRole();
  const canManage = role === 'admin' || role === 'owner';
  const body = $('member-rows');
  body.replaceChildren();
  for (const m of list) {
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
    tr.append(cell(m.me ? `${m.email} (you)` : m.email), fp, roleTd, act);
    body.append(tr);
  }
  $('invite-form').hidden = !canManage;
}

async function removeMember(m) {
  const vaultId = app.currentVault;
  const res = await run('Removing member and rotating the vault key…', () =>
    call('removeMember', { vaultId, accountId: m.accountId }));
  if (!res) return;
  renderMembers(res.members);
  hooks.applyListing(res.listing);
  showPanel('members');
  toast(`${m.email} was removed and the vault key was rotated.`);
}

export async function showMembers() {
  if (!app.currentVault) return;
  const vaultId = app.currentVault;
  const list = await run('Loading members…', () => call('members', { vaultId }));
  if (!list) return;
  hooks.closeEditor();
  pending = null;
  $('invite-confirm').hidden = true;
  $('members-vault').textContent = vaultName(vaultId);
  renderMembers(list);
  showPanel('members');
  $('invite-email').focus();
}

export function setupMembers() {
  $('members-button').addEventListener('click', showMembers);
  $('members-close').addEventListener('click', () => showPanel('detail-empty'));

  $('invite-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const email = $('invite-email').value.trim();
    const found = await run('Looking up their key…', () => call('lookup', { email }), $('invite-form'));
    if (!found) return;
    if (app.session && found.accountId === app.session.accountId) return showError('share_self');
    pending = { ...found, role: $('invite-role').value };
    $('invite-who').textContent = found.email;
    $('invite-fingerprint').textContent = found.fingerprint;
    $('invite-confirm').hidden = false;
    $('invite-share').focus();
  });

  $('invite-share').addEventListener('click', async () => {
    if (!pending) return;
    const { accountId, publicKey, role, email } = pending;
    const vaultId = app.currentVault;
    const list = await run('Sharing the vault…', () =>
      call('setMember', { vaultId, accountId, publicKey, role }));
    if (!list) return;
    pending = null;
    $('invite-confirm').hidden = true;
    $('invite-email').value = '';
    renderMembers(list);
    toast(`Shared with ${email}.`);
  });

  $('invite-cancel').addEventListener('click', () => {
    pending = null;
    $('invite-confirm').hidden = true;
    $('invite-email').focus();
  });
}

