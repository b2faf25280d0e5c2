// Builds the editor's inputs for one item kind (see item-kinds.js). Secret
// fields start masked on an existing item and get Reveal and Copy; generated
// ones get Generate. Every input gets a visible <label>. DOM only, no keys:
// `actions` supplies copy(value) and generate(input, plainType).

export function fieldInput(f, value, isNew, actions) {
  const id = `f-${f.key}`;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = f.label;
  const row = document.createElement('div');
  row.className = 'field-row';
  let input;
  if (f.multiline) {
    input = document.createElement('textarea');
    if (f.secret && !isNew) input.classList.add('masked');
  } else {
    input = document.createElement('input');
    input.type = f.secret && !isNew ? 'password' : f.type || 'text';
    if (f.inputmode) input.inputMode = f.inputmode;
  }
  input.id = id;
  input.name = f.key;
  input.autocomplete = 'off';
  input.spellcheck = false;
  if (f.required) input.required = true;
  input.value = value || '';
  row.append(input);
  if (f.secret) row.append(...secretButtons(input, f.label, f.type || 'text', actions));
  if (f.generate) {
    const g = document.createElement('button');
    g.type = 'button';
    g.textContent = 'Generate';
    g.setAttribute('aria-label', `Generate ${f.label}`);
    g.addEventListener('click', () => actions.generate(input, f.type || 'text'));
    row.append(g);
  }
  return [label, row];
}

export function secretButtons(input, label, plainType, actions) {
  const reveal = document.createElement('button');
  reveal.type = 'button';
  const hidden = () => (input.tagName === 'TEXTAREA' ? input.classList.contains('masked') : input.type === 'password');
  const sync = () => {
    reveal.textContent = hidden() ? 'Reveal' : 'Hide';
    reveal.setAttribute('aria-label', `${hidden() ? 'Reveal' : 'Hide'} ${label}`);
    reveal.setAttribute('aria-pressed', String(!hidden()));
  };
  reveal.addEventListener('click', () => {
    if (input.tagName === 'TEXTAREA') input.classList.toggle('masked');
    else input.type = hidden() ? plainType : 'password';
    sync();
  });
  sync();
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.textContent = 'Copy';
  copy.setAttribute('aria-label', `Copy ${label}`);
  copy.addEventListener('click', () => actions.copy(input.value));
  return [reveal, copy];
}

export function customFieldRow(n, field, isNew, actions) {
  const row = document.createElement('div');
  row.className = 'custom-row';
  row.dataset.custom = '1';
  const mk = (labelText, el) => {
    const wrap = document.createElement('div');
    wrap.className = 'stack';
    const l = document.createElement('label');
    l.htmlFor = el.id;
    l.textContent = labelText;
    wrap.append(l, el);
    return wrap;
  };
  const name = document.createElement('input');
  name.id = `cf-label-${n}`;
  name.className = 'cf-label';
  name.value = field.label;
  const value = document.createElement('input');
  value.id = `cf-value-${n}`;
  value.className = 'cf-value';
  value.autocomplete = 'off';
  value.type = field.secret && !isNew ? 'password' : 'text';
  value.value = field.value;
  const secret = document.createElement('input');
  secret.type = 'checkbox';
  secret.id = `cf-secret-${n}`;
  secret.className = 'cf-secret';
  secret.checked = !!field.secret;
  const secretLabel = document.createElement('label');
  secretLabel.className = 'check';
  secretLabel.append(secret, ' Secret');
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.textContent = 'Remove';
  remove.setAttribute('aria-label', `Remove custom field ${n}`);
  remove.addEventListener('click', () => row.remove());
  row.append(mk(`Field ${n} label`, name), mk(`Field ${n} value`, value), secretLabel, remove);
  if (field.secret) row.append(...secretButtons(value, `field ${n}`, 'text', actions));
  return { row, first: name };
}

