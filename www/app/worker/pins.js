// Members' identities pinned on first use (SPEC § Identities), in this
// browser profile's IndexedDB, as bv keeps them in pins.json per machine.
// A pin is the whole identity statement (account id, email, X25519 and
// Ed25519 keys under one signature); pins made before identities hold a bare
// X25519 public key (base64url) and still count for that key.
// Identities are not secret; what matters is that the server cannot write
// here, which it cannot (the pins never leave the browser).
import { state } from './state.js';
import { database, inStore } from './idb.js';
import { b64uDecode, fromUtf8 } from '../bytes.js';

const STORE = 'pins';
const open = database('blindvault-pins', [STORE]);
const ERR = 'pins_unavailable';

/**
 * The X25519 key an identity statement names (base64url). Only called on
 * statements the core has verified, so the body is the canonical JSON.
 */
export function x25519Of(identity) {
  try {
    return JSON.parse(fromUtf8(b64uDecode(identity.split('.')[1]))).x25519;
  } catch {
    return undefined;
  }
}

const isStatement = (pin) => typeof pin === 'string' && pin.startsWith('bv1-id.');

/** How a stored pin relates to an identity: 'match', 'changed', or 'new' (none). */
function compare(pin, identity) {
  if (pin === undefined) return 'new';
  if (isStatement(pin)) return pin === identity ? 'match' : 'changed';
  return pin === x25519Of(identity) ? 'match' : 'changed';
}

/**
 * The pin state of each `{accountId, identity}` (verified statements): 'self'
 * for our own account, else as compare(). An old bare-key pin that matches is
 * upgraded to the statement here, so it is checked in full from now on.
 */
export async function pinStates(members) {
  const me = state.me.accountId;
  const others = members.filter((m) => m.accountId !== me);
  const pins = others.length === 0 ? []
    : await inStore(open, STORE, 'readonly', (s) => others.map((m) => s.get([me, m.accountId])), ERR);
  const byId = new Map(others.map((m, i) => [m.accountId, pins[i]]));
  const upgrade = others.filter((m) => compare(byId.get(m.accountId), m.identity) === 'match'
    && !isStatement(byId.get(m.accountId)));
  if (upgrade.length) await pin(upgrade);
  return members.map((m) => (m.accountId === me ? 'self' : compare(byId.get(m.accountId), m.identity)));
}

/** Pins these identities (callers have checked none of them conflicts with a pin). */
export async function pin(members) {
  const me = state.me.accountId;
  const others = members.filter((m) => m.accountId !== me);
  if (others.length === 0) return;
  await inStore(open, STORE, 'readwrite', (s) => others.map((m) => s.put(m.identity, [me, m.accountId])), ERR);
}
