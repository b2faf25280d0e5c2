// The session copy that lets unlocking survive a service-worker restart
// (docs/SPEC.md § Browser extension, "Session copy"): at unlock a fresh
// 256-bit secret S re-wraps the account key with the core's own
// password-change path (PBKDF2 + the account-key envelope) and seals the
// token to the account's public key (HPKE). The wrapped copy goes to
// chrome.storage.session; S goes to the offscreen document's memory only.
import { b64uEncode, utf8, fromUtf8 } from '../lib/bytes.js';
import * as offscreen from './offscreen.js';

const SESSION_KEY = 'bvSession';
const TOKEN_INFO = utf8('blindvault/extension-session/token/v1');

/**
 * Writes the copy of an open session. `identity` is our identity as opened
 * at login ({identity, wrapped_signing_key}: public, and the signing key is
 * wrapped by the account key), so a restart checks it again.
 */
export async function writeSessionCopy(bv, { server, email, token, account, identity }, wrappedPrivateKey) {
  const secret = b64uEncode(crypto.getRandomValues(new Uint8Array(32)));
  const params = bv.newKdfParams();
  const sessionMaster = await bv.deriveMasterKey(secret, params);
  let change;
  try {
    change = account.changePassword(sessionMaster, params);
  } finally {
    sessionMaster.free();
  }
  const { accountId } = account;
  await offscreen.holdSecret(secret);
  await chrome.storage.session.set({
    [SESSION_KEY]: {
      v: 2,
      server,
      email,
      accountId,
      kdf: change.kdf,
      wrappedAccountKey: change.wrapped_account_key,
      wrappedPrivateKey,
      identity: identity.identity,
      wrappedSigningKey: identity.wrapped_signing_key,
      token: bv.hpkeSeal(account.publicKey, TOKEN_INFO, utf8(accountId), utf8(token)),
    },
  });
}

/**
 * Reopens the copy with S from the offscreen document: `{server, email,
 * token, account, identity}`, or null when there is none. Throws on any
 * failure (no S, a tampered copy, an identity that is not ours); the caller
 * then drops it.
 */
export async function readSessionCopy(bv) {
  const { [SESSION_KEY]: s } = await chrome.storage.session.get(SESSION_KEY);
  if (!s || s.v !== 2) return null;
  const secret = await offscreen.takeSecret();
  if (!secret) throw new Error('no_secret');
  const master = await bv.deriveMasterKey(secret, s.kdf);
  let account;
  try {
    account = bv.unlock(master, s.wrappedAccountKey, s.wrappedPrivateKey, s.accountId);
  } finally {
    master.free();
  }
  try {
    // Checked as at login: the copy's identity must be ours.
    account.openIdentity(s.identity, s.wrappedSigningKey);
    const token = fromUtf8(account.hpkeOpen(s.token, TOKEN_INFO, utf8(s.accountId)));
    const identity = { identity: s.identity, wrapped_signing_key: s.wrappedSigningKey };
    return { server: s.server, email: s.email, token, account, identity };
  } catch (e) {
    account.free();
    throw e;
  }
}

/** Deletes the copy and tells the offscreen document to forget S. */
export async function dropSessionCopy() {
  await chrome.storage.session.remove(SESSION_KEY);
  try {
    await offscreen.forgetSecret();
  } catch {
    // no offscreen document: nothing held there
  }
}
