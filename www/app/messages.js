// Every message the person can see for an error code. Specific, never
// containing a value that was typed or decrypted.
export const MESSAGES = {
  wrong_login: 'Wrong email or master password.',
  stale: 'This item was changed by someone else.',
  integrity: 'The server sent data that failed its integrity check; nothing was shown.',
  account_exists: 'An account with this email already exists. Log in instead.',
  rate_limited: 'Too many failed attempts. Wait a few minutes, then try again.',
  session_expired: 'Your session has ended. Unlock again to continue.',
  network: 'Cannot reach the server. Nothing you typed was lost; try again.',
  kdf_refused: 'The server asked for key-derivation settings this app refuses (too weak or too costly). Nothing was sent.',
  password_mismatch: 'The two master passwords do not match.',
  password_short: 'Choose a master password of at least 12 characters.',
  name_required: 'Give the item a name.',
  worker_failed: 'The encryption module could not be loaded. Reload the page.',
  locked: 'The vault was locked.',
  no_such_item: 'That item is no longer in this vault.',
  no_such_vault: 'That vault is no longer available to you.',
  server: 'The server refused the request. Nothing you typed was lost; try again.',
  clipboard: 'Could not copy: the browser refused access to the clipboard.',
  unexpected: 'Something unexpected went wrong. Nothing you typed was lost.',
};

export const message = (code) => MESSAGES[code] || MESSAGES.unexpected;
