// Account ops: register, log in, log out, change the master password.
import { state, AppError, bv, api, ApiError, authed } from './state.js';
import { unlockAccount, ensureIdentity } from './access.js';
import { randomId } from '../bytes.js';

/**
 * The core refuses KDF parameters outside its bounds (below the 600 000
 * iteration floor or absurdly costly) before doing any work: a server that
 * answers prelogin with weak parameters gets a specific refusal.
 */
async function derive(password, params) {
  try {
    return await bv.deriveMasterKey(password, params);
  } catch {
    throw new AppError('kdf_refused');
  }
}

export async function deriveAndLogin(email, password, progress) {
  const pre = await api('POST', '/accounts/prelogin', { body: { email } });
  progress('kdf');
  const master = await derive(password, pre.kdf);
  let res;
  try {
    progress('login');
    try {
      res = await api('POST', '/accounts/login', {
        body: { account_id: pre.account_id, auth_key: master.authKey() },
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw new AppError('wrong_login');
      if (e instanceof ApiError && e.status === 429) throw new AppError('rate_limited');
      throw e;
    }
    state.token = res.token;
    // The account prelogin named, with the keys this password made
    // (access.js); then our own identity, refused if it is not ours.
    state.account = unlockAccount(master, pre, res.account);
    const a = res.account;
    state.me = { accountId: a.account_id, email: a.email, kdf: a.kdf };
  } finally {
    master.free();
  }
  await ensureIdentity(state.account, res.account);
  return { accountId: state.me.accountId, email: state.me.email, fingerprint: state.account.identityFingerprint };
}

export async function registerAccount(email, password, progress) {
  const params = bv.newKdfParams();
  const accountId = randomId();
  progress('kdf');
  const master = await derive(password, params);
  let reg;
  let id;
  try {
    const out = bv.register(master, params, accountId);
    reg = out.registration;
    // The identity statement binds this account's id, email and both public
    // keys under its new Ed25519 key; the server stores it for others to pin.
    id = out.account.issueIdentity(email);
    out.account.free();
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('invalid_email');
  } finally {
    master.free();
  }
  progress('register');
  try {
    await api('POST', '/accounts', {
      body: {
        account_id: reg.account_id,
        email,
        kdf: reg.kdf,
        wrapped_account_key: reg.wrapped_account_key,
        public_key: reg.public_key,
        wrapped_private_key: reg.wrapped_private_key,
        auth_key: reg.auth_key,
        identity: id.identity,
        wrapped_signing_key: id.wrapped_signing_key,
      },
    });
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) throw new AppError('account_exists');
    throw e;
  }
}

export async function logout() {
  if (state.token) {
    try {
      await api('POST', '/accounts/logout', { token: state.token });
    } catch {
      // The page terminates this worker next; the token dies with it.
    }
  }
  state.token = null;
  return true;
}

/**
 * New master password: only the account key is re-wrapped (fresh KDF salt);
 * the key pair, vault keys and items stay as they are. The server swaps the
 * auth hash in one transaction conditioned on the current one and revokes
 * every other session (crates/server accounts::change_password).
 */
export async function changePassword({ current, next }, progress) {
  progress('kdf');
  const old = await derive(current, state.me.kdf);
  let oldAuth;
  try {
    oldAuth = old.authKey();
  } finally {
    old.free();
  }
  const params = bv.newKdfParams();
  const fresh = await derive(next, params);
  let change;
  try {
    change = state.account.changePassword(fresh, params);
  } finally {
    fresh.free();
  }
  progress('save');
  try {
    await authed('POST', '/accounts/me/password', {
      auth_key: oldAuth,
      new_kdf: change.kdf,
      new_wrapped_account_key: change.wrapped_account_key,
      new_auth_key: change.auth_key,
    });
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) throw new AppError('wrong_current_password');
    throw e;
  }
  state.me.kdf = change.kdf;
  return true;
}
