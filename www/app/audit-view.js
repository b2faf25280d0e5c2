// A vault's audit log. The worker reads every entry and recomputes the hash
// chain itself (SPEC § Audit log), so "verifies" is this client's finding,
// not the server's claim; a break is named by the entry's position.
import { $, run, showPanel, cell, when } from './ui.js';
import { app, call, hooks, vaultName } from './app-state.js';

export async function showAudit() {
  const vaultId = app.currentVault;
  if (!vaultId) return;
  const res = await run('Reading and checking the audit log…', () => call('audit', { vaultId }));
  if (!res) return;
  hooks.closeEditor();
  $('audit-vault').textContent = vaultName(vaultId);
  const status = $('audit-status');
  status.className = `status ${res.ok ? 'ok' : 'bad'}`;
  status.textContent = res.ok
    ? `The chain verifies: ${res.entries.length} entries, each linked to the one before.`
    : `The chain is broken at entry ${res.brokenAt}: that entry or one before it was altered or removed.`;
  const body = $('audit-rows');
  body.replaceChildren();
  res.entries.forEach((e, i) => {
    const tr = document.createElement('tr');
    if (res.brokenAt && i + 1 >= res.brokenAt) tr.className = 'bad';
    tr.append(cell(String(i + 1)), cell(when(e.time)), cell(e.action), cell(e.object), cell(e.outcome));
    body.append(tr);
  });
  showPanel('audit');
  $('audit-close').focus();
}

export function setupAudit() {
  $('audit-button').addEventListener('click', showAudit);
  $('audit-close').addEventListener('click', () => showPanel('detail-empty'));
}
