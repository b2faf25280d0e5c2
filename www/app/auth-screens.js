// The first screens: log in, create an account, unlock after a lock. They
// work before the WebAssembly core has loaded (the worker loads it
// meanwhile); the strength meter loads its own module on first keystroke.
import { $, run, showError, clearError } from './ui.js';
import { app, call, hooks } from './app-state.js';
import { estimate } from './strength.js';

const MIN_MASTER_LENGTH = 12;
const KDF_TEXT = 'Deriving your key from the master password…';

export function selectTab(which) {
  const reg = which === 'register';
  $('tab-login').setAttribute('aria-selected', String(!reg));
  $('tab-register').setAttribute('aria-selected', String(reg));
  $('tab-login').tabIndex = reg ? -1 : 0;
  $('tab-register').tabIndex = reg ? 0 : -1;
  $('login-form').hidden = reg;
  $('register-form').hidden = !reg;
  $('auth-title').textContent = reg ? 'Create account' : 'Log in';
  clearError();
}

/** Strength meter for a password input (registration, password change). */
export function attachMeter(input, meter, text, context) {
  let seq = 0;
  input.addEventListener('input', async () => {
    const pw = input.value;
    const mine = ++seq;
    if (!pw) {
      meter.value = 0;
      text.textContent = 'Type a password to see how strong it is.';
      return;
    }
    const r = await estimate(pw, context());
    if (mine !== seq) return;
    if (!r) {
      text.textContent = 'The strength meter could not be loaded.';
      return;
    }
    meter.value = r.score;
    text.textContent = r.text;
  });
}

export function setupAuth() {
  $('tab-login').addEventListener('click', () => selectTab('login'));
  $('tab-register').addEventListener('click', () => selectTab('register'));
  // WAI-ARIA tabs pattern: arrow keys move between the two tabs.
  for (const id of ['tab-login', 'tab-register']) {
    $(id).addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
      const next = id === 'tab-login' ? 'register' : 'login';
      selectTab(next);
      $(`tab-${next}`).focus();
    });
  }
  attachMeter($('register-password'), $('strength-meter'), $('strength-text'), () => [$('register-email').value]);

  $('register-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const email = $('register-email').value.trim();
    const pw = $('register-password').value;
    if (pw.length < MIN_MASTER_LENGTH) return showError('password_short');
    if (pw !== $('register-password2').value) return showError('password_mismatch');
    const res = await run(KDF_TEXT, (progress) => call('register', { email, password: pw }, progress), $('register-form'));
    if (!res) return;
    $('register-password').value = '';
    $('register-password2').value = '';
    hooks.enterVault(res.who, res.listing);
  });

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const email = $('login-email').value.trim();
    const pw = $('login-password').value;
    const res = await run(KDF_TEXT, (progress) => call('login', { email, password: pw }, progress), $('login-form'));
    if (!res) return;
    $('login-password').value = '';
    hooks.enterVault(res.who, res.listing);
  });

  $('unlock-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const pw = $('unlock-password').value;
    const res = await run(KDF_TEXT, (progress) =>
      call('login', { email: app.session.email, password: pw }, progress), $('unlock-form'));
    if (!res) return;
    $('unlock-password').value = '';
    hooks.enterVault(res.who, res.listing);
  });

  $('switch-account').addEventListener('click', () => {
    app.session = null;
    app.currentVault = null;
    app.currentFolder = null;
    hooks.showScreen('auth-screen');
    selectTab('login');
    $('login-email').focus();
  });
}
