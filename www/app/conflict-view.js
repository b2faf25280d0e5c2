// Side-by-side view of a 409: the person's unsaved version and the one the
// server holds. Secret values stay masked; only whether they differ shows.
import { KINDS } from './item-kinds.js';

export function describe(kind, v) {
  const out = [];
  const k = KINDS[kind] || { fields: [] };
  for (const f of k.fields) {
    const val = (f.part === 'overview' ? v.overview : v.details)[f.key] || '';
    out.push({ label: f.label, value: val, secret: !!f.secret });
  }
  for (const c of v.details.custom || []) out.push({ label: c.label || 'Custom field', value: c.value, secret: c.secret });
  return out;
}

export function fillList(dl, rows, other) {
  dl.replaceChildren();
  rows.forEach((r, i) => {
    const dt = document.createElement('dt');
    dt.textContent = r.label;
    const dd = document.createElement('dd');
    const differs = !other[i] || other[i].value !== r.value;
    // Secret values stay masked even here; only whether they differ is shown.
    dd.textContent = r.secret ? (r.value ? '••••••••' : '(empty)') : r.value || '(empty)';
    if (differs) {
      dd.classList.add('differs');
      dd.append(' (differs)');
    }
    dl.append(dt, dd);
  });
}

