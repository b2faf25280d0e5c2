// Non-secret preferences in chrome.storage.local: server, email, idle time,
// lock when the last window closes. Nothing here opens anything.
const DEFAULTS = { server: '', email: '', idleMinutes: 15, lockOnClose: true };

export async function getSettings() {
  const s = await chrome.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...s };
}

export async function setSettings(patch) {
  const out = {};
  if (typeof patch.server === 'string') out.server = patch.server;
  if (typeof patch.email === 'string') out.email = patch.email;
  if (patch.idleMinutes !== undefined) {
    const n = Number(patch.idleMinutes);
    // 1 minute to 8 hours; anything else is refused, never clamped silently.
    if (!Number.isInteger(n) || n < 1 || n > 480) throw new Error('bad_idle');
    out.idleMinutes = n;
  }
  if (typeof patch.lockOnClose === 'boolean') out.lockOnClose = patch.lockOnClose;
  await chrome.storage.local.set(out);
  return getSettings();
}
