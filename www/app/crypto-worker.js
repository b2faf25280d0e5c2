// The only place that holds keys. The page sends commands ({id, op, args})
// and gets back plain results; key handles (Account, VaultKey) and the session
// token live in this worker's memory only, so terminating the worker is the
// lock: every key and the token go with it. Nothing secret is written to
// storage (IndexedDB holds only public pins and log anchors, see worker/).
// The ops live in ./worker/*.js by subject; this file loads the core and
// dispatches.
import init, * as bv from '/pkg-vault/blindvault_vault.js';
import { ApiError } from './api-client.js';
import { state, AppError } from './worker/state.js';
import { deriveAndLogin, registerAccount, logout, changePassword } from './worker/account.js';
import { sync, listing, createVault, decryptView, withEnvelope } from './worker/sync.js';
import * as items from './worker/items.js';
import * as folders from './worker/folders.js';
import * as sharing from './worker/sharing.js';
import * as access from './worker/access.js';
import * as transfer from './worker/transfer.js';
import * as attachments from './worker/attachments.js';
import { extras } from './worker/extras.js';
import { totp, TotpError } from './totp.js';

// If the core cannot load (missing or corrupt pkg-vault/), every op says so
// specifically instead of failing later with something vaguer.
const ready = init().then(
  () => true,
  () => Promise.reject(new AppError('worker_failed')),
);
ready.catch(() => {}); // reported per op, not as an unhandled rejection

/** After login: sync, and make the personal vault on the first login. */
async function openVaults(who, progress) {
  progress('sync');
  let listed = await sync();
  if (state.vaults.size === 0 && listed.failed === 0) {
    await createVault('Personal');
    listed = listing();
  }
  return { who, listing: listed };
}

const ops = {
  async ping() {
    return { core: bv.coreVersion() };
  },
  async register({ email, password }, progress) {
    await registerAccount(email, password, progress);
    // Log in through the normal path so registration and login cannot drift.
    // The server answers a taken email exactly like a new one (so nobody can
    // probe which emails have accounts); the login is where that shows.
    let who;
    try {
      who = await deriveAndLogin(email, password, progress);
    } catch (e) {
      if (e instanceof AppError && e.code === 'wrong_login') throw new AppError('account_exists');
      throw e;
    }
    return openVaults(who, progress);
  },
  async login({ email, password }, progress) {
    return openVaults(await deriveAndLogin(email, password, progress), progress);
  },
  logout,
  changePassword,
  sync,
  async createVault({ name }) {
    await createVault(name);
    return listing();
  },
  async openItem({ itemId }) {
    const opened = decryptView(await withEnvelope(itemId));
    const files = (opened.details.attachments || []).length ? await attachments.list({ itemId }) : [];
    return { ...opened, attachments: files };
  },
  createItem: items.createItem,
  updateItem: items.updateItem,
  trashItem: (args) => items.setTrashed(args, 'trash'),
  restoreItem: (args) => items.setTrashed(args, 'restore'),
  history: items.history,
  historyVersion: items.historyVersion,
  createFolder: folders.createFolder,
  renameFolder: folders.renameFolder,
  deleteFolder: folders.deleteFolder,
  members: sharing.members,
  lookup: sharing.lookup,
  shareVault: sharing.shareVault,
  setRole: sharing.setRole,
  removeMember: sharing.removeMember,
  async pending() {
    return access.pendingList();
  },
  async acceptVault({ vaultId }) {
    await access.accept(vaultId);
    return sync();
  },
  async declineVault({ vaultId }) {
    access.decline(vaultId);
    return listing();
  },
  audit: sharing.audit,
  exportAll: transfer.exportAll,
  openExport: transfer.openExport,
  parseImport: transfer.parseImport,
  importItems: transfer.importItems,
  uploadAttachment: attachments.upload,
  downloadAttachment: attachments.download,
  listAttachments: attachments.list,
  deleteAttachment: attachments.remove,
  async totp({ seed }) {
    try {
      return await totp(seed);
    } catch (e) {
      if (e instanceof TotpError) throw new AppError('totp_seed');
      throw e;
    }
  },
  async generatePassword(opts) {
    return (await extras()).generatePassword(opts).secret;
  },
};

self.onmessage = async (ev) => {
  const { id, op, args } = ev.data;
  const progress = (stage) => self.postMessage({ id, progress: stage });
  try {
    const fn = ops[op];
    if (!fn) throw new AppError('unknown_op');
    await ready;
    const result = await fn(args || {}, progress);
    self.postMessage({ id, ok: true, result });
  } catch (e) {
    // Only codes and server error codes cross back: never a value or key.
    let code = 'unexpected';
    if (e instanceof AppError) code = e.code;
    else if (e instanceof ApiError && e.status === 0) code = 'network';
    else if (e instanceof ApiError && e.status === 401) code = 'session_expired';
    else if (e instanceof ApiError && e.status === 429) code = 'rate_limited';
    else if (e instanceof ApiError && e.status === 403) code = 'forbidden';
    else if (e instanceof ApiError && e.status === 413) code = 'too_large';
    else if (e instanceof ApiError) code = 'server';
    const serverCode = e instanceof ApiError ? e.code : undefined;
    self.postMessage({ id, ok: false, error: { code, serverCode } });
  }
};
