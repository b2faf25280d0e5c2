// The offscreen document (offscreen.html) outlives the service worker. It
// holds the session secret S in its memory only (never in any storage), so
// a restarted worker can reopen chrome.storage.session, and it owns the
// clipboard, which a service worker cannot reach (chrome.offscreen, CLIPBOARD).
const URL_PATH = 'offscreen.html';
let creating = null;

async function exists() {
  const ctx = await chrome.runtime.getContexts({
    contextTypes: ['OFFSCREEN_DOCUMENT'],
    documentUrls: [chrome.runtime.getURL(URL_PATH)],
  });
  return ctx.length > 0;
}

async function ensure() {
  if (await exists()) return;
  if (!creating) {
    creating = chrome.offscreen
      .createDocument({
        url: URL_PATH,
        reasons: ['CLIPBOARD'],
        justification: 'Copy a username or password and clear it 30 s later; hold the session unlock secret in memory.',
      })
      .catch((e) => {
        // A concurrent call may have made it first.
        if (!/single offscreen/i.test(String(e && e.message))) throw e;
      })
      .finally(() => {
        creating = null;
      });
  }
  await creating;
}

async function call(op, args = {}) {
  await ensure();
  return chrome.runtime.sendMessage({ to: 'offscreen', op, ...args });
}

/** Keeps S for a worker restart. */
export const holdSecret = (secret) => call('hold', { secret });

/** S, or null when the document was gone (browser restart, crash): then unlock again. */
export async function takeSecret() {
  if (!(await exists())) return null;
  const r = await chrome.runtime.sendMessage({ to: 'offscreen', op: 'get' });
  return r && typeof r.secret === 'string' ? r.secret : null;
}

export async function forgetSecret() {
  if (await exists()) await chrome.runtime.sendMessage({ to: 'offscreen', op: 'forget' });
}

/** Copies text; the document clears it after 30 s unless something newer was copied through us. */
export const copy = (text) => call('copy', { text });

export async function clearClipboardNow() {
  if (await exists()) await chrome.runtime.sendMessage({ to: 'offscreen', op: 'clear' });
}
