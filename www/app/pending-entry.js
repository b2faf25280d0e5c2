// One vault shared with the person and waiting for them to accept it, as a
// list entry: its name, who shared it and that person's identity
// fingerprint, how that identity compares with this device's pins, and
// Accept / Decline. Used by the web vault (pending-view.js) and the
// extension's popup (scripts/build-extension copies it into lib/), so both
// say the same thing about the same share. Plain DOM, no imports.

/** What a pin state means, for `device` ("this browser", "this extension"). */
function pinText(state, device) {
  const texts = {
    match: ['pin-match', `Matches the key ${device} pinned for them.`],
    new: ['pin-new', `New key: ${device} has not seen it. Compare the fingerprint with them first.`],
    changed: ['pin-changed', `Differs from the key ${device} pinned for them: do not accept.`],
    unknown: ['pin-new', `${device[0].toUpperCase()}${device.slice(1)} cannot check its pins right now.`],
    unsigned: ['pin-new', 'Made by an older app: nothing says who shared it.'],
  };
  return texts[state] || texts.unknown;
}

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

/**
 * The `<li>` of pending vault `p` (as vault-access.js pendingList() gives
 * it), calling `accept(p)` or `decline(p)` on a click.
 */
export function pendingEntry(p, { device, accept, decline }) {
  const li = document.createElement('li');
  li.dataset.vault = p.vaultId;
  li.append(line('strong', p.name, 'pending-name'));
  li.append(line('span', p.sharedBy ? `shared by ${p.sharedBy.email} (${p.role})` : `shared with you (${p.role})`, 'small'));
  if (p.sharedBy) li.append(line('span', p.sharedBy.fingerprint, 'fingerprint pending-fingerprint'));
  const [cls, text] = pinText(p.pin, device);
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
