// Members' identities pinned on first use (SPEC § Identities), in this
// browser profile's IndexedDB, as bv keeps them in pins.json per machine:
// [own account id, member account id] -> the identity statement (or, for
// pins made before identities, a bare X25519 public key in base64url).
// Only storage lives here; how a pin is compared is ../vault-access.js.
// Identities are not secret; what matters is that the server cannot write
// here, which it cannot (the pins never leave the browser).
import { state } from './state.js';
import { database, inStore } from './idb.js';

const STORE = 'pins';
const open = database('blindvault-pins', [STORE]);
const ERR = 'pins_unavailable';

/** The stored pin of each of these accounts (undefined: none), in order. */
export function storedPins(accountIds) {
  const me = state.me.accountId;
  return inStore(open, STORE, 'readonly', (s) => accountIds.map((id) => s.get([me, id])), ERR);
}

/** Stores `[[accountId, identity]]`. */
export async function savePins(pairs) {
  const me = state.me.accountId;
  await inStore(open, STORE, 'readwrite', (s) => pairs.map(([id, identity]) => s.put(identity, [me, id])), ERR);
}
