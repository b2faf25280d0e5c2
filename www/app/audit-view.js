// A vault's audit log. The worker has the core recompute the hash chain
// (SPEC § Audit log) and compare it with the entry this browser verified
// last time, so "verifies" is this client's finding, not the server's
// claim; a break, or a rewrite behind that entry, is named by its position.
import { $, run, showPanel, cell, when } from './ui.js';
import { app, call, hooks, vaultName } from './app-state.js';

function verdict(res) {
  if (res.ok) return `The chain verifies: ${res.entries.length} entries, each linked to the one before.`;
  const n = res.brokenAt;
  if (res.problem === 'head_changed') {
    return `The chain was rewritten: entry ${n}, which this browser verified before, has changed; the history up to it was altered and its hashes recomputed.`;
  }
  if (res.problem === 'head_missing') {
    return `The chain was rewritten or cut short: the entry this browser verified before, expected at entry ${n}, is gone.`;
  }
  return `The chain is broken at entry ${n}: that entry or one before it was altered or removed.`;
}

export async function showAudit() {
  const vaultId = app.currentVault;
  if (!vaultId) return;
  const res = await run('Reading and checking the audit log…', () => call('audit', { vaultId }));
  if (!res) return;
  hooks.closeEditor();
  $('audit-vault').textContent = vaultName(vaultId);
  const status = $('audit-status');
  status.className = `status ${res.ok ? 'ok' : 'bad'}`;
  status.textContent = verdict(res);
  // A rewrite behind the remembered entry may lie anywhere up to it.
  const rewritten = res.problem === 'head_changed' || res.problem === 'head_missing';
  const body = $('audit-rows');
  body.replaceChildren();
  res.entries.forEach((e, i) => {
    const tr = document.createElement('tr');
    if (res.brokenAt && (rewritten ? i + 1 <= res.brokenAt : i + 1 >= res.brokenAt)) tr.className = 'bad';
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
