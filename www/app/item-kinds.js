// The four item kinds and their fields. `part` says which envelope a field
// goes in: the overview (opened at unlock for the list, search and autofill)
// or the details (opened only when the item is opened). Secrets are details.
export const KINDS = {
  login: {
    label: 'Login',
    fields: [
      { key: 'name', label: 'Name', part: 'overview', required: true },
      { key: 'url', label: 'Website URL', part: 'overview', type: 'url' },
      { key: 'username', label: 'Username', part: 'overview' },
      { key: 'password', label: 'Password', part: 'details', secret: true, generate: true },
      { key: 'totp', label: 'TOTP seed', part: 'details', secret: true },
      { key: 'notes', label: 'Notes', part: 'details', multiline: true },
    ],
  },
  database: {
    label: 'Database',
    fields: [
      { key: 'name', label: 'Name', part: 'overview', required: true },
      { key: 'host', label: 'Host', part: 'overview' },
      { key: 'port', label: 'Port', part: 'overview', inputmode: 'numeric' },
      { key: 'database', label: 'Database', part: 'overview' },
      { key: 'username', label: 'Username', part: 'overview' },
      { key: 'password', label: 'Password', part: 'details', secret: true, generate: true },
      { key: 'notes', label: 'Notes', part: 'details', multiline: true },
    ],
  },
  note: {
    label: 'Secure note',
    fields: [
      { key: 'name', label: 'Name', part: 'overview', required: true },
      { key: 'notes', label: 'Note', part: 'details', multiline: true, secret: true },
    ],
  },
  ssh: {
    label: 'SSH key / certificate',
    fields: [
      { key: 'name', label: 'Name', part: 'overview', required: true },
      { key: 'username', label: 'Username', part: 'overview' },
      { key: 'host', label: 'Host', part: 'overview' },
      { key: 'publicKey', label: 'Public key', part: 'details', multiline: true },
      { key: 'privateKey', label: 'Private key', part: 'details', multiline: true, secret: true },
      { key: 'passphrase', label: 'Key passphrase', part: 'details', secret: true, generate: true },
      { key: 'certificate', label: 'Certificate', part: 'details', multiline: true },
      { key: 'notes', label: 'Notes', part: 'details', multiline: true },
    ],
  },
};

/** The text of an item's overview that search looks at. */
export function searchText(overview) {
  return Object.values(overview).filter((v) => typeof v === 'string').join(' ').toLowerCase();
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** The list's order: by name, ignoring case and accents, numbers by value. */
export function byName(a, b) {
  return collator.compare(String(a.name || ''), String(b.name || ''));
}

/** One line under the name in the list. */
export function subtitle(overview) {
  if (overview.kind === 'login') return overview.username || overview.url || '';
  if (overview.kind === 'database') return [overview.username, overview.host].filter(Boolean).join('@');
  if (overview.kind === 'ssh') return [overview.username, overview.host].filter(Boolean).join('@');
  return '';
}
