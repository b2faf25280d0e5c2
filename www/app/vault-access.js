// Which vaults the person holds, decided by members and this device, never
// by the server alone (SPEC § Identities, § Member log, § Shares a person
// accepts). For each vault the server lists, its member log is verified
// (against this device's anchor) and our key copy is opened against it; our
// sealed vault list says which vaults we accepted. A vault someone shared
// with us that we have not accepted is *pending*: its name may be shown, its
// items are not, until the person accepts it.
//
// The rules live here once, for every client in a browser: the web vault's
// crypto worker (worker/access.js) and the extension's service worker
// (scripts/build-extension copies this file into its lib/).
// So it imports nothing and touches no platform API: the
// caller hands it the core, its request function, its session and where it
// keeps what this device verified (IndexedDB in the web vault,
// chrome.storage.local in the extension).

const ROLES = ['read', 'write', 'admin', 'owner'];
const LIST_ATTEMPTS = 3;


/**
 * The rules over one client's session. `ctx`:
 * - `bv`: the loaded core module;
 * - `authed(method, path, body)`: an authenticated /api/v1 request whose
 *   rejection carries the HTTP `status` (0: no answer);
 * - `fail(code)`: the caller's error for a code its UI explains;
 * - `fatal(e)`: whether an error ends a whole sync rather than one vault;
 * - `state`: the session, `{account, list, pending: Map, declined: Set}`;
 *   `list` and `pending` are written here;
 * - `store`: this device's memory, where the server cannot write, keyed on
 *   our account by the caller: `logAnchors(vaultIds)` (a Map, never
 *   rejects), `saveLogAnchors([[id, anchor]])` (a longer anchor is never
 *   replaced by a shorter one), `listVersion()`, `saveListVersion(n)`
 *   (raises only), `pins(accountIds)` (stored values in that order) and
 *   `savePins([[accountId, identity]])`.
 */
export function vaultAccess(ctx) {
  const { bv, authed, fail, state } = ctx;
  const store = () => ctx.store; // read at each use: a client may switch it at login
  const me = () => state.account.accountId;
  const opened = (fn) => {
    try {
      return fn();
    } catch {
      throw fail('integrity');
    }
  };

  // ---------- our own account (SPEC § Identities) ----------

  /**
   * The account a login answer `a` holds, unlocked with `master`: it must
   * be the account prelogin named, with the public key our private key
   * belongs to. A server that returns keys this password did not make is
   * refused rather than continued with a half-open account.
   */
  function unlockAccount(master, pre, a) {
    if (!a || a.account_id !== pre.account_id) throw fail('integrity');
    const account = opened(() => bv.unlock(master, a.wrapped_account_key, a.wrapped_private_key, a.account_id));
    try {
      opened(() => account.checkPublicKey(a.public_key));
    } catch (e) {
      account.free();
      throw e;
    }
    return account;
  }

  /**
   * Opens our identity, refusing one that is not ours (another account's, a
   * forged one, a signing key that does not match); an account made before
   * identities issues one now and publishes it, once. Returns the statement
   * and wrapped signing key now in use. `authed` must already hold the
   * login's token.
   */
  async function ensureIdentity(account, a) {
    const openOwn = (identity, wrapped) => {
      try {
        account.openIdentity(identity, wrapped);
      } catch {
        throw fail('identity_refused');
      }
      return { identity, wrapped_signing_key: wrapped };
    };
    if (a.identity != null || a.wrapped_signing_key != null) return openOwn(a.identity, a.wrapped_signing_key);
    const up = account.issueIdentity(a.email);
    try {
      await authed('PUT', '/accounts/me/identity', { identity: up.identity, wrapped_signing_key: up.wrapped_signing_key });
      return up;
    } catch (e) {
      if (e.status !== 409) throw e;
      // Another device published one meanwhile: that one is ours now.
      const now = await authed('GET', '/accounts/me');
      return openOwn(now.identity, now.wrapped_signing_key);
    }
  }

  // ---------- pins (SPEC § Fingerprints, § Identities) ----------

  /**
   * The pin state of each verified identity (the core's IdentityInfo):
   * 'self' for our own account, else the core's verdict against our pin:
   * 'new', 'match' or 'changed'. An old bare-key pin that matches is
   * upgraded to the statement here, so it is checked in full from now on.
   */
  async function pinStates(members) {
    const others = members.filter((m) => m.accountId !== me());
    const stored = others.length === 0 ? [] : await store().pins(others.map((m) => m.accountId));
    const byId = new Map(others.map((m, i) => [m.accountId, stored[i]]));
    // SPEC § Fingerprints. A stored value that is not a string is no pin of
    // ours: it counts as changed, never as new.
    const stateOf = (m, p) => (p === undefined || typeof p === 'string' ? bv.pinState(m.identity, p) : 'changed');
    const states = new Map(others.map((m) => [m.accountId, stateOf(m, byId.get(m.accountId))]));
    const upgrade = others.filter((m) => states.get(m.accountId) === 'match-old-pin');
    if (upgrade.length) await pin(upgrade);
    return members.map((m) => {
      if (m.accountId === me()) return 'self';
      const st = states.get(m.accountId);
      return st === 'match-old-pin' ? 'match' : st;
    });
  }

  /** Pins these identities (callers have checked none of them conflicts with a pin). */
  async function pin(members) {
    const others = members.filter((m) => m.accountId !== me());
    if (others.length) await store().savePins(others.map((m) => [m.accountId, m.identity]));
  }

  // ---------- the vault list ----------

  /**
   * `{list, revision, broken}`: our sealed vault list, or an empty one when
   * the account has none yet. A list that fails to open, is older than one
   * this device saw, or vanished after this device saw one is `broken`: the
   * sync reports an integrity failure, treats every share as not accepted,
   * and no list is written over it.
   */
  async function loadVaultList() {
    const seen = await store().listVersion();
    let res;
    try {
      res = await authed('GET', '/accounts/me/vault-list');
    } catch (e) {
      if (e.status === 404) return { list: new bv.VaultList(), revision: 0, broken: seen > 0 };
      throw e;
    }
    try {
      if (!Number.isSafeInteger(res.revision) || typeof res.envelope !== 'string') throw new Error('shape');
      const list = bv.VaultList.open(state.account, res.envelope, seen);
      if (list.version > seen) store().saveListVersion(list.version);
      return { list, revision: res.revision, broken: false };
    } catch {
      return { list: new bv.VaultList(), revision: 0, broken: true };
    }
  }

  /**
   * Writes `change(list)` (a next list, or undefined for no change) over the
   * list we hold; on a stale revision (another device wrote meanwhile) it
   * reloads and applies the change again.
   */
  async function saveList(change) {
    if (!state.list) state.list = await loadVaultList();
    for (let attempt = 1; ; attempt += 1) {
      const cur = state.list;
      if (cur.broken) throw fail('integrity');
      const next = change(cur.list);
      if (!next) return;
      try {
        const res = await authed('PUT', '/accounts/me/vault-list', {
          base_revision: cur.revision, envelope: next.seal(state.account),
        });
        state.list = { list: next, revision: res.revision, broken: false };
        await store().saveListVersion(next.version);
        return;
      } catch (e) {
        if (e.status !== 409 || attempt === LIST_ATTEMPTS) throw e;
        state.list = await loadVaultList();
      }
    }
  }

  /**
   * Adds these vaults to our list (the first one ever added becomes the
   * default), each with the head of its log we verified (`anchors`: vault
   * id -> anchor) so it needs no second write (SPEC § Vault list).
   */
  function addToList(vaultIds, anchors = new Map()) {
    return saveList((list) => {
      let next;
      for (const id of vaultIds) next = (next || list).with(id, anchors.get(id)) || next;
      return next;
    });
  }

  // ---------- one vault ----------

  /** The vault's member log, oldest first; [] for a vault made before member logs. */
  async function fetchLog(vaultId) {
    const res = await authed('GET', `/vaults/${vaultId}/log`);
    const entries = res && res.entries;
    if (!Array.isArray(entries) || !entries.every((e) => typeof e === 'string')) throw fail('integrity');
    return entries;
  }

  /** The log as `{entries}` or `{error}`: a promise that never rejects, safe to start early. */
  const logOf = (vaultId) => fetchLog(vaultId).then((entries) => ({ entries }), (error) => ({ error }));

  function openName(key, v) {
    try {
      return key.openVaultName(v.name, v.id);
    } catch {
      key.free();
      throw fail('integrity');
    }
  }

  /**
   * A vault made before member logs: our own wrap, or a base-mode HPKE copy
   * sealed to our public key by anyone at all (nothing says who). Such a copy
   * is pending until the person accepts it, exactly like a logged share.
   */
  function openLegacy(v) {
    const sealed = v.wrapped_vault_key.startsWith('bv1-hpke.');
    const key = opened(() => (sealed
      ? state.account.openSharedVaultKey(v.wrapped_vault_key, v.id)
      : state.account.unwrapVaultKey(v.wrapped_vault_key, v.id)));
    const listed = state.list.list.contains(v.id);
    if (!ROLES.includes(v.role)) {
      key.free();
      throw fail('integrity');
    }
    return {
      key, name: openName(key, v), role: v.role, legacy: true, roster: null,
      pending: sealed && !listed, rewrap: sealed && listed, addToList: false, addedBy: null,
    };
  }

  /**
   * What a vault the server lists is to us. Throws (the caller counts the
   * vault as failed) on a log that does not verify or does not extend this
   * device's anchor, a log that vanished after this device saw one (a
   * downgrade to the legacy path), or a key copy that does not match the log.
   */
  function openListed(v, entries, anchor) {
    if (typeof v.wrapped_vault_key !== 'string' || typeof v.name !== 'string') throw fail('integrity');
    if (entries.length === 0) {
      // A log that vanished after a device of ours verified one: a downgrade.
      if (anchor || state.list.list.anchor(v.id)) throw fail('integrity');
      return openLegacy(v);
    }
    const roster = opened(() => bv.Roster.verify(v.id, entries, anchor, state.list.list));
    let access;
    try {
      access = opened(() => roster.access(state.account, v.wrapped_vault_key, state.list.list));
    } catch (e) {
      roster.free();
      throw e;
    }
    const { pending, rewrap, addToList: unlisted, addedBy } = access;
    const key = access.takeKey();
    let name;
    try {
      name = openName(key, v);
    } catch (e) {
      roster.free();
      throw e;
    }
    const mine = roster.members().find((m) => m.accountId === me());
    return { key, name, role: mine.role, legacy: false, roster, pending, rewrap, addToList: unlisted, addedBy };
  }

  // ---------- every vault, at a sync ----------

  /**
   * What deciding the vaults the server lists needs, fetched side by side:
   * our vault list (`listed`: a loadVaultList() the caller may have started
   * before), this device's anchors, and each vault's log (`early`: vault id
   * -> a logOf() already started).
   */
  async function gather(vaults, listed, early = new Map()) {
    const [list, anchors, logs] = await Promise.all([
      listed || loadVaultList(),
      store().logAnchors(vaults.map((v) => v.id)),
      Promise.all(vaults.map((v) => early.get(v.id) || logOf(v.id))),
    ]);
    return { list, anchors, logs };
  }

  /**
   * Decides every vault the server lists from what gather() fetched. The
   * list becomes state.list; pending vaults go to state.pending (the caller
   * freed the previous ones with forgetPending()). Returns the accepted
   * vaults as `{v, got}` (got: openListed()), how many vaults failed (a
   * broken vault list counts as one), and what settleAccess() does in the
   * background. Anchors move only for logs that verified.
   */
  function decide(vaults, { list, anchors, logs }) {
    const stop = logs.find((l) => l.error && ctx.fatal(l.error));
    if (stop) throw stop.error;
    state.list = list;
    let failed = list.broken ? 1 : 0;
    const accepted = [];
    const verified = [];
    const rewrap = [];
    const unlisted = [];
    vaults.forEach((v, i) => {
      let got;
      try {
        if (logs[i].error) throw logs[i].error;
        got = openListed(v, logs[i].entries, anchors.get(v.id));
      } catch {
        failed += 1;
        return;
      }
      if (got.roster) verified.push([v.id, got.roster.anchor()]);
      if (got.pending) {
        const anchor = got.roster ? got.roster.anchor() : undefined;
        if (got.roster) got.roster.free();
        state.pending.set(v.id, { id: v.id, key: got.key, name: got.name, role: got.role, legacy: got.legacy,
          addedBy: got.addedBy, anchor, pin: 'unknown' });
        return;
      }
      accepted.push({ v, got });
      if (got.rewrap) rewrap.push([v.id, got.key]);
      if (got.addToList) unlisted.push(v);
    });
    store().saveLogAnchors(verified); // not awaited: a count and a hash, and it never rejects
    // Oldest first, so the vault made first becomes the default if none is set.
    unlisted.sort((a, b) => a.seq - b.seq);
    return { accepted, failed, later: { rewrap, unlisted: unlisted.map((v) => v.id), verified } };
  }

  /** Frees the pending vaults' keys (before the next decide, and at lock). */
  function forgetPending() {
    for (const p of state.pending.values()) p.key.free();
    state.pending.clear();
  }

  /** Who shared each pending vault, against this device's pins ('unknown' if pins cannot be read). */
  async function pinPending() {
    const shared = [...state.pending.values()].filter((p) => p.addedBy);
    if (shared.length === 0) return;
    let states;
    try {
      states = await pinStates(shared.map((p) => p.addedBy));
    } catch {
      states = shared.map(() => 'unknown');
    }
    shared.forEach((p, i) => { p.pin = states[i]; });
  }

  /**
   * After a sync, in the background (errors ignored, the next sync retries):
   * accepted vaults whose copy is sealed get our own wrap, and vaults of ours
   * missing from the list (a list write that failed) are added to it.
   */
  function settleAccess({ rewrap, unlisted, verified = [] }) {
    for (const [id, key] of rewrap) {
      try {
        const own = state.account.wrapVaultKey(key, id);
        authed('PUT', `/vaults/${id}/key`, { wrapped_vault_key: own }).catch(() => {});
      } catch {
        // a key handle freed by a newer sync: that sync decides again
      }
    }
    // Then the list's log anchors, if they trail what we verified by enough
    // that a new device of ours would check many signatures (SPEC § Vault list).
    const listed = unlisted.length ? addToList(unlisted, new Map(verified)).catch(() => {}) : Promise.resolve();
    if (verified.length === 0) return;
    const ids = verified.map(([id]) => id);
    const heads = verified.map(([, a]) => a);
    listed.then(() => saveList((list) => list.withAnchors(ids, heads))).catch(() => {});
  }

  // ---------- pending vaults ----------

  /** The pending vaults as a page shows them (declined ones hidden for this session). */
  function pendingList() {
    return [...state.pending.values()]
      .filter((p) => !state.declined.has(p.id))
      .map((p) => ({
        vaultId: p.id,
        name: p.name,
        role: p.role,
        sharedBy: p.addedBy ? { email: p.addedBy.email, fingerprint: p.addedBy.fingerprint } : null,
        pin: p.addedBy ? p.pin : 'unsigned',
      }));
  }

  function pendingVault(vaultId) {
    const p = state.pending.get(vaultId);
    if (!p) throw fail('no_such_vault');
    return p;
  }

  /**
   * Accepts a pending vault: it joins our list, our own wrap replaces the
   * sealed copy, and the sharer's identity is pinned. The pin is checked
   * first, so a sharer whose identity differs from the pin changes nothing.
   */
  async function accept(vaultId) {
    const p = pendingVault(vaultId);
    if (p.addedBy) {
      const [now] = await pinStates([p.addedBy]);
      if (now === 'changed') throw fail('key_changed');
    }
    const own = state.account.wrapVaultKey(p.key, vaultId);
    await addToList([vaultId], new Map(p.anchor ? [[vaultId, p.anchor]] : []));
    await authed('PUT', `/vaults/${vaultId}/key`, { wrapped_vault_key: own });
    if (p.addedBy) await pin([p.addedBy]);
  }

  function decline(vaultId) {
    pendingVault(vaultId);
    state.declined.add(vaultId);
  }

  return {
    unlockAccount, ensureIdentity, pinStates, pin, loadVaultList, addToList, fetchLog, logOf,
    gather, decide, forgetPending, pinPending, settleAccess, pendingList, accept, decline,
  };
}
