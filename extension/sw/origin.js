// The autofill origin rules (docs/SPEC.md § Browser extension), after
// Silver et al., "Password Managers: Attacks and Defenses" (USENIX Security
// 2014) and Oesch & Ruoti, "That Was Then, This Is Now" (USENIX Security 2020).
// Every origin here comes from the browser (sender.origin, sender.frameId,
// tab and frame URLs), never from anything the page says.

/** RFC 6454 origin (scheme, host, port) of an http(s) URL, or null. */
export function originOf(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  return u.origin;
}

/**
 * The origin a saved login belongs to. A URL typed without a scheme
 * ("example.com/login") is taken as https, never as http: an item must not
 * become fillable on a plain-http page by accident.
 */
export function itemOrigin(url) {
  if (typeof url !== 'string' || url.trim() === '') return null;
  const s = url.trim();
  return originOf(/^[a-z][a-z0-9+.-]*:/i.test(s) ? s : `https://${s}`);
}

/** Exact match only: no suffix, substring, subdomain or scheme upgrade. */
export function matchesOrigin(itemUrl, pageOrigin) {
  const o = itemOrigin(itemUrl);
  return o !== null && pageOrigin !== null && o === pageOrigin;
}

/**
 * The origin a content-script message may be answered for, or null.
 * The frame must be the top frame, or a frame whose every ancestor has the
 * top frame's origin (so no cross-origin iframe, at any depth).
 */
export async function fillOrigin(sender) {
  if (sender.id !== chrome.runtime.id || !sender.tab || typeof sender.tab.id !== 'number') return null;
  if (typeof sender.frameId !== 'number' || !sender.origin) return null;
  const origin = originOf(sender.origin);
  if (origin === null) return null; // opaque ("null"), file:, data:, sandboxed frames
  const top = originOf(sender.tab.url || '');
  if (top !== origin) return null;
  if (sender.frameId === 0) return origin;
  let frames;
  try {
    frames = await chrome.webNavigation.getAllFrames({ tabId: sender.tab.id });
  } catch {
    return null;
  }
  const byId = new Map((frames || []).map((f) => [f.frameId, f]));
  let id = sender.frameId;
  for (let depth = 0; depth < 64; depth++) {
    const f = byId.get(id);
    if (!f || originOf(f.url) !== origin) return null;
    if (f.parentFrameId === -1) return id === 0 ? origin : null;
    id = f.parentFrameId;
  }
  return null;
}

/** The tab's top-level origin, as the browser reports it. */
export async function tabOrigin(tabId) {
  try {
    const tab = await chrome.tabs.get(tabId);
    return originOf(tab.url || '');
  } catch {
    return null;
  }
}
