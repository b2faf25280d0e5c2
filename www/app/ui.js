// Small page helpers: the error banner, the busy bar, toasts, and run(),
// which wraps every worker call so a failure becomes one specific message
// and never clears what the person typed.
import { message } from './messages.js';
import { app, hooks } from './app-state.js';

export const $ = (id) => document.getElementById(id);

const PROGRESS_TEXT = {
  kdf: 'Deriving your key from the master password…',
  register: 'Creating your account…',
  login: 'Logging in…',
  sync: 'Decrypting your vault…',
  save: 'Saving…',
};

export function showError(code) {
  $('banner-text').textContent = message(code);
  $('banner').hidden = false;
}

export function clearError() {
  $('banner').hidden = true;
  $('banner-text').textContent = '';
}

let busyCount = 0;
export function busy(text) {
  busyCount += 1;
  $('busy-text').textContent = text;
  $('busy').hidden = false;
  return () => {
    busyCount -= 1;
    if (busyCount <= 0) {
      busyCount = 0;
      $('busy').hidden = true;
    }
  };
}

export function setDisabled(form, disabled) {
  for (const el of form.querySelectorAll('button, input, select, textarea')) el.disabled = disabled;
}

/** Runs an action with the busy bar, mapping failures to the banner. */
export async function run(text, fn, form) {
  clearError();
  const done = busy(text);
  if (form) setDisabled(form, true);
  try {
    return await fn((stage) => {
      if (typeof stage === 'string' && stage.startsWith('import:')) {
        $('busy-text').textContent = `Importing… ${stage.slice(7)} done`;
        return;
      }
      $('busy-text').textContent = PROGRESS_TEXT[stage] || text;
    });
  } catch (e) {
    const code = e.code || 'unexpected';
    if (code === 'locked') return undefined;
    if (code === 'session_expired' && app.session) {
      await hooks.lock();
      showError(code);
      return undefined;
    }
    showError(code);
    return undefined;
  } finally {
    if (form) setDisabled(form, false);
    done();
  }
}

let toastTimer = null;
export function toast(text) {
  $('copy-status').textContent = text;
  $('copy-status').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { $('copy-status').hidden = true; }, 4000);
}

const PANELS = ['detail-empty', 'item-form', 'history', 'conflict', 'members', 'audit', 'account'];

/** The detail pane shows one thing at a time. */
export function showPanel(name) {
  for (const p of PANELS) $(p).hidden = p !== name;
}

export function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

export function when(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString();
}
