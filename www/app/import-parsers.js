// Parsers for the unencrypted import formats, into the item payloads of
// SPEC § Web vault (Payloads). Plain text in, items out; nothing here
// touches keys. Unknown data goes into custom fields rather than being lost.

export class ImportError extends Error {
  constructor() {
    super('import_format');
    this.code = 'import_format';
  }
}

const str = (v) => (v === undefined || v === null ? '' : String(v));

function clean(obj) {
  for (const k of Object.keys(obj)) if (obj[k] === '' || obj[k] === undefined) delete obj[k];
  return obj;
}

// ---------- Bitwarden unencrypted JSON ----------

const BW_LOGIN = 1;
const BW_NOTE = 2;
const BW_CARD = 3;
const BW_IDENTITY = 4;
const BW_SSH = 5;

function bwCustom(item) {
  return (item.fields || []).map((f) => ({
    label: str(f.name), value: str(f.value), secret: f.type === 1,
  })).filter((c) => c.label || c.value);
}

/** A card or identity has no kind of its own here: a note with custom fields. */
function objectFields(obj, secretKeys) {
  return Object.entries(obj || {})
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => ({ label: k, value: str(v), secret: secretKeys.includes(k) }));
}

export function parseBitwarden(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ImportError();
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.items)) throw new ImportError();
  // An encrypted Bitwarden export holds ciphertext we cannot read.
  if (doc.encrypted === true) throw new ImportError();
  const folders = new Map((doc.folders || []).map((f) => [f.id, str(f.name)]));
  const out = [];
  for (const it of doc.items) {
    if (!it || typeof it !== 'object') continue;
    const name = str(it.name) || '(no name)';
    const custom = bwCustom(it);
    const notes = str(it.notes);
    let overview;
    let details;
    if (it.type === BW_LOGIN) {
      const l = it.login || {};
      const uris = (l.uris || []).map((u) => str(u && u.uri)).filter(Boolean);
      overview = clean({ kind: 'login', name, url: uris[0], username: str(l.username) });
      details = clean({ password: str(l.password), totp: str(l.totp), notes });
      uris.slice(1).forEach((u, i) => custom.push({ label: `URL ${i + 2}`, value: u, secret: false }));
    } else if (it.type === BW_SSH) {
      const k = it.sshKey || {};
      overview = { kind: 'ssh', name };
      details = clean({ privateKey: str(k.privateKey), publicKey: str(k.publicKey), notes });
    } else if (it.type === BW_CARD || it.type === BW_IDENTITY) {
      overview = { kind: 'note', name };
      details = clean({ notes });
      const secretKeys = it.type === BW_CARD ? ['number', 'code'] : ['ssn', 'passportNumber', 'licenseNumber'];
      custom.unshift(...objectFields(it.type === BW_CARD ? it.card : it.identity, secretKeys));
    } else if (it.type === BW_NOTE) {
      overview = { kind: 'note', name };
      details = clean({ notes });
    } else {
      continue;
    }
    if (custom.length) details.custom = custom;
    out.push({ overview, details, folderName: folders.get(it.folderId) || undefined });
  }
  return out;
}

// ---------- CSV (RFC 4180) ----------

export function parseCsvRows(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const s = text.replace(/^\uFEFF/, '');
  while (i < s.length) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      field = '';
      rows.push(row);
      row = [];
      if (c === '\r' && s[i + 1] === '\n') i += 1;
    } else {
      field += c;
    }
    i += 1;
  }
  if (quoted) throw new ImportError();
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

// Column names from our own CSV and the common browser and Bitwarden exports.
const COLUMNS = {
  name: ['name', 'title'],
  url: ['url', 'login_uri', 'uri', 'website'],
  username: ['username', 'login_username', 'user', 'login'],
  password: ['password', 'login_password'],
  notes: ['notes', 'note', 'extra'],
  totp: ['totp', 'login_totp', 'otpauth'],
  folder: ['folder', 'group', 'grouping'],
};

export function parseCsv(text) {
  const rows = parseCsvRows(text);
  if (rows.length < 1) throw new ImportError();
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const col = {};
  for (const [key, names] of Object.entries(COLUMNS)) {
    const idx = header.findIndex((h) => names.includes(h));
    if (idx >= 0) col[key] = idx;
  }
  if (col.name === undefined) throw new ImportError();
  const known = new Set(Object.values(col));
  const out = [];
  for (const r of rows.slice(1)) {
    const get = (k) => (col[k] === undefined ? '' : str(r[col[k]]).trim());
    const hasLogin = get('url') || get('username') || get('password') || get('totp');
    const custom = header
      .map((h, i) => ({ label: rows[0][i], value: str(r[i]), secret: false, i }))
      .filter((c) => !known.has(c.i) && c.value !== '' && c.label)
      .map(({ label, value, secret }) => ({ label, value, secret }));
    const overview = hasLogin
      ? clean({ kind: 'login', name: get('name') || '(no name)', url: get('url'), username: get('username') })
      : { kind: 'note', name: get('name') || '(no name)' };
    const details = hasLogin
      ? clean({ password: get('password'), totp: get('totp'), notes: str(r[col.notes] ?? '') })
      : clean({ notes: str(r[col.notes] ?? '') });
    if (custom.length) details.custom = custom;
    out.push({ overview, details, folderName: get('folder') || undefined });
  }
  return out;
}
