// Service worker entry. Every listener is registered synchronously at the top
// level (a restarted worker must see the event that woke it); every handler
// awaits the WASM module and, after a restart, the session copy.
import * as vault from './sw/vault.js';
import { VaultError } from './sw/vault.js';
import { ApiError, serverOrigin } from './sw/api.js';
import { fillOrigin, matchesOrigin, tabOrigin } from './sw/origin.js';
import { getSettings, setSettings } from './sw/settings.js';
import * as offscreen from './sw/offscreen.js';

const FRAME_URL = chrome.runtime.getURL('frames/');
const POPUP_URL = chrome.runtime.getURL('popup.html');
const PENDING_MS = 5 * 60_000;
const SHORTCUT_MS = 10_000;

/** Several-matches choices and save offers, by random nonce; memory only. */
const pending = new Map();
/** tab id -> time of the fill-login keyboard command (the user gesture). */
const shortcutAt = new Map();
/** tab id -> the answer to a 'submitted' still being worked out, which the next page awaits. */
const submitting = new Map();

function nonce() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function sweep() {
  const now = Date.now();
  for (const [k, p] of pending) if (p.expires < now) pending.delete(k);
}

/** Touch: the vault was used now. Kept in session storage so a restart keeps the clock. */
async function touch() {
  await chrome.storage.session.set({ lastActivity: Date.now() });
}

/** Locks when the idle time has passed since the last use. Returns true if locked now. */
async function checkIdle() {
  if (!vault.isUnlocked()) return false;
  const { lastActivity } = await chrome.storage.session.get('lastActivity');
  const { idleMinutes } = await getSettings();
  if (typeof lastActivity === 'number' && Date.now() - lastActivity >= idleMinutes * 60_000) {
    await lockAll();
    return true;
  }
  return false;
}

async function lockAll() {
  pending.clear();
  shortcutAt.clear();
  await vault.lock();
  await chrome.storage.session.remove('lastActivity');
}

/** Unlocked in memory, or reopened from the session copy, and within the idle time. */
async function unlocked() {
  await vault.restore();
  if (await checkIdle()) return false;
  return vault.isUnlocked();
}

function errorCode(e) {
  if (e instanceof VaultError) return e.code;
  if (e instanceof ApiError) {
    if (e.status === 0) return 'network';
    if (e.status === 429) return 'rate_limited';
    return 'server';
  }
  return 'unexpected';
}

// ---- popup (extension page, over a port so unlock can report progress) ----

const popupOps = {
  async status() {
    const ok = await unlocked();
    return { ...vault.status(), unlocked: ok, settings: await getSettings() };
  },
  async login({ server, email, password }, progress) {
    const origin = serverOrigin(server);
    if (!origin) throw new VaultError('bad_server');
    if (typeof email !== 'string' || !email.includes('@')) throw new VaultError('bad_email');
    if (typeof password !== 'string' || password === '') throw new VaultError('no_password');
    await setSettings({ server: origin, email });
    const out = await vault.login(origin, email, password, progress);
    await touch();
    return out;
  },
  async lock() {
    await offscreen.clearClipboardNow().catch(() => {});
    await lockAll();
    return true;
  },
  async logout() {
    await offscreen.clearClipboardNow().catch(() => {});
    pending.clear();
    await vault.logout();
    return true;
  },
  async list({ tabId }) {
    if (!(await unlocked())) throw new VaultError('locked');
    await touch();
    const origin = typeof tabId === 'number' ? await tabOrigin(tabId) : null;
    const items = vault.listing().map((it) => ({ ...it, here: it.kind === 'login' && matchesOrigin(it.url, origin) }));
    return { origin, items, ...vault.pending(), fingerprint: vault.status().fingerprint };
  },
  async sync() {
    if (!(await unlocked())) throw new VaultError('locked');
    await vault.sync();
    return true;
  },
  /** A vault shared with the person: Accept (their sharer's pin checked first) or Decline (hidden until the lock). */
  async accept({ vaultId }) {
    if (!(await unlocked())) throw new VaultError('locked');
    await touch();
    await vault.accept(String(vaultId));
    return true;
  },
  async decline({ vaultId }) {
    if (!(await unlocked())) throw new VaultError('locked');
    await touch();
    await vault.decline(String(vaultId));
    return true;
  },
  async copy({ itemId, field }) {
    if (!(await unlocked())) throw new VaultError('locked');
    await touch();
    let value;
    if (field === 'username') value = vault.overview(itemId).username;
    else if (field === 'password') value = vault.details(itemId).password;
    if (typeof value !== 'string' || value === '') throw new VaultError('empty_field');
    const r = await offscreen.copy(value);
    if (!r || !r.ok) throw new VaultError('clipboard');
    return true;
  },
  async settings(patch) {
    try {
      return await setSettings(patch || {});
    } catch {
      throw new VaultError('bad_idle');
    }
  },
};

chrome.runtime.onConnect.addListener((port) => {
  // Only our own popup page may drive the vault.
  if (port.name !== 'popup' || !port.sender || port.sender.id !== chrome.runtime.id
      || !(port.sender.url || '').startsWith(POPUP_URL) || port.sender.frameId > 0 && port.sender.tab) {
    port.disconnect();
    return;
  }
  port.onMessage.addListener(async ({ id, op, args }) => {
    const progress = (stage) => port.postMessage({ id, progress: stage });
    try {
      const fn = popupOps[op];
      if (!fn) throw new VaultError('unknown_op');
      const result = await fn(args || {}, progress);
      port.postMessage({ id, ok: true, result });
    } catch (e) {
      try {
        port.postMessage({ id, ok: false, error: errorCode(e) });
      } catch {
        // popup closed
      }
    }
  });
});

// ---- content scripts and the in-page extension frames ----

/** The logins whose saved URL has exactly this origin. */
function loginsFor(origin) {
  return vault.listing().filter((it) => it.kind === 'login' && matchesOrigin(it.url, origin));
}

async function fillFor(itemId) {
  const d = vault.details(itemId);
  return { username: vault.overview(itemId).username || '', password: typeof d.password === 'string' ? d.password : '' };
}

const pageOps = {
  /** A trusted click on our icon, or the keyboard command, asks to fill a login. */
  async fill(msg, sender, origin) {
    if (msg.via === 'shortcut') {
      const at = shortcutAt.get(sender.tab.id);
      shortcutAt.delete(sender.tab.id);
      if (!at || Date.now() - at > SHORTCUT_MS) return { result: 'refused' };
    } else if (msg.via !== 'click') {
      return { result: 'refused' };
    }
    if (!(await unlocked())) return { result: 'locked' };
    await touch();
    const matches = loginsFor(origin);
    if (matches.length === 0) return { result: 'no_match' };
    if (matches.length === 1) return { result: 'fill', values: await fillFor(matches[0].id) };
    const n = nonce();
    pending.set(n, {
      kind: 'choose', tabId: sender.tab.id, frameId: sender.frameId, origin,
      ids: matches.map((m) => m.id), expires: Date.now() + PENDING_MS,
    });
    return { result: 'choose', nonce: n };
  },
  async generate(msg) {
    if (msg.via !== 'click') return { result: 'refused' };
    return { result: 'generated', password: await vault.generatePassword() };
  },
  /** After a trusted form submit: offer to save or update, if it is new. */
  async submitted(msg, sender, origin) {
    const username = typeof msg.username === 'string' ? msg.username.slice(0, 512) : '';
    const password = typeof msg.password === 'string' ? msg.password.slice(0, 1024) : '';
    if (!password || !(await unlocked())) return { result: 'none' };
    const same = loginsFor(origin).filter((it) => it.username === username);
    let existing = null;
    for (const it of same) {
      if ((await fillFor(it.id)).password === password) return { result: 'none' };
      existing = existing || it;
    }
    for (const [k, p] of pending) if (p.kind === 'save' && p.tabId === sender.tab.id) pending.delete(k);
    const n = nonce();
    pending.set(n, {
      kind: 'save', tabId: sender.tab.id, origin, username, password,
      existingId: existing ? existing.id : null, expires: Date.now() + PENDING_MS,
    });
    return { result: 'offer', nonce: n };
  },
  /** A page loaded after a submit asks whether a save offer is waiting for it. */
  async pendingSave(msg, sender, origin) {
    if (sender.frameId !== 0) return { result: 'none' };
    await submitting.get(sender.tab.id);
    for (const [k, p] of pending) {
      if (p.kind === 'save' && p.tabId === sender.tab.id && p.origin === origin) return { result: 'offer', nonce: k };
    }
    return { result: 'none' };
  },
};

/** The choose/save frames are our pages, inside the tab the offer belongs to. */
function frameOffer(msg, sender, kind) {
  sweep();
  if (sender.id !== chrome.runtime.id || !(sender.url || '').startsWith(FRAME_URL) || !sender.tab) return null;
  const p = pending.get(msg.nonce);
  if (!p || p.kind !== kind || p.tabId !== sender.tab.id) return null;
  return p;
}

const frameOps = {
  async chooseList(msg, sender) {
    const p = frameOffer(msg, sender, 'choose');
    if (!p || !(await unlocked())) return { result: 'gone' };
    const items = p.ids.map((id) => {
      const o = vault.overview(id);
      return { id, name: o.name || '', username: o.username || '' };
    });
    return { result: 'list', items };
  },
  async choose(msg, sender) {
    const p = frameOffer(msg, sender, 'choose');
    if (!p || !p.ids.includes(msg.itemId) || !(await unlocked())) return { result: 'gone' };
    pending.delete(msg.nonce);
    // The target frame must still show the origin the choice was made for.
    const values = await fillFor(msg.itemId);
    await chrome.tabs.sendMessage(p.tabId, { op: 'fillChosen', nonce: msg.nonce, origin: p.origin, values }, { frameId: p.frameId });
    return { result: 'done' };
  },
  async saveInfo(msg, sender) {
    const p = frameOffer(msg, sender, 'save');
    if (!p || !(await unlocked())) return { result: 'gone' };
    const existing = p.existingId ? vault.overview(p.existingId) : null;
    return {
      result: 'offer', origin: p.origin, username: p.username, vaults: vault.vaults(),
      update: existing ? { name: existing.name || '' } : null,
    };
  },
  async save(msg, sender) {
    const p = frameOffer(msg, sender, 'save');
    if (!p || !(await unlocked())) return { result: 'gone' };
    pending.delete(msg.nonce);
    await touch();
    if (msg.action === 'update' && p.existingId) {
      await vault.updatePassword(p.existingId, p.password);
    } else if (msg.action === 'save') {
      const name = typeof msg.name === 'string' && msg.name.trim() ? msg.name.trim().slice(0, 200) : new URL(p.origin).host;
      await vault.createLogin(msg.vaultId, { name, url: p.origin, username: p.username, password: p.password });
    }
    return { result: 'done' };
  },
};

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (!msg || typeof msg.op !== 'string' || msg.to === 'offscreen') return false;
  const work = (async () => {
    try {
      if (frameOps[msg.op]) return reply(await frameOps[msg.op](msg, sender));
      const fn = pageOps[msg.op];
      if (!fn) return reply({ result: 'refused' });
      const origin = await fillOrigin(sender);
      if (!origin) return reply({ result: 'refused' });
      sweep();
      return reply(await fn(msg, sender, origin));
    } catch (e) {
      return reply({ result: 'error', error: errorCode(e) });
    }
  })();
  // A form post navigates at once; the next page's pendingSave must see this offer.
  if (msg.op === 'submitted' && sender.tab) {
    const tabId = sender.tab.id;
    submitting.set(tabId, work);
    work.finally(() => {
      if (submitting.get(tabId) === work) submitting.delete(tabId);
    });
  }
  return true;
});

// ---- keyboard command: the gesture is the browser's, not the page's ----

chrome.commands.onCommand.addListener((command, tab) => {
  if (command !== 'fill-login' || !tab || typeof tab.id !== 'number') return;
  shortcutAt.set(tab.id, Date.now());
  chrome.tabs.sendMessage(tab.id, { op: 'shortcut' }).catch(() => {});
});

// ---- locking: idle, screen lock, last window closed ----

chrome.alarms.onAlarm.addListener((a) => {
  if (a.name === 'idle-check') checkIdle().catch(() => {});
});
chrome.runtime.onStartup.addListener(() => chrome.alarms.create('idle-check', { periodInMinutes: 1 }));
chrome.runtime.onInstalled.addListener(() => chrome.alarms.create('idle-check', { periodInMinutes: 1 }));
chrome.idle.onStateChanged.addListener((s) => {
  if (s === 'locked') lockAll().catch(() => {});
});
chrome.windows.onRemoved.addListener(async () => {
  const { lockOnClose } = await getSettings();
  if (!lockOnClose) return;
  const left = await chrome.windows.getAll();
  if (left.length === 0) await lockAll();
});
chrome.tabs.onRemoved.addListener((tabId) => {
  shortcutAt.delete(tabId);
  for (const [k, p] of pending) if (p.tabId === tabId) pending.delete(k);
});
