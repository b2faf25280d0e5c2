// The crypto worker's side of ../vault-access.js, which holds the rules of
// who holds a vault key (shared with the browser extension): here they get
// this worker's session, its request function and this browser profile's
// IndexedDB (anchors.js, pins.js) as the device's memory.
import { state, bv, ApiError, AppError, authed } from './state.js';
import { logAnchors, saveLogAnchors, listVersion, saveListVersion } from './anchors.js';
import { storedPins, savePins } from './pins.js';
import { vaultAccess } from '../vault-access.js';

export const unixNow = () => Math.floor(Date.now() / 1000);

/** Errors that end the whole sync rather than one vault: no answer, session over, throttled. */
const fatal = (e) => e instanceof ApiError && (e.status === 0 || e.status === 401 || e.status === 429);

export const {
  unlockAccount, ensureIdentity, pinStates, pin, loadVaultList, addToList, fetchLog, logOf,
  gather, decide, forgetPending, pinPending, settleAccess, pendingList, accept, decline,
} = vaultAccess({
  bv,
  authed,
  fail: (code) => new AppError(code),
  fatal,
  state,
  store: { logAnchors, saveLogAnchors, listVersion, saveListVersion, pins: storedPins, savePins },
});

/** Keeps the roster after an entry this client wrote and the server stored. */
export function adoptRoster(vaultId, roster) {
  state.rosters.set(vaultId, roster);
  return saveLogAnchors([[vaultId, roster.anchor()]]);
}
