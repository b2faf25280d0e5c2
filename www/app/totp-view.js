// The live TOTP code of the open login. The seed goes to the crypto worker,
// which computes the code with WebCrypto HMAC (RFC 6238); the page shows it
// and refreshes it every second while the item is open.
import { $, showError } from './ui.js';
import { call } from './app-state.js';
import { copySecret } from './clipboard.js';
import { toast } from './ui.js';

let timer = null;
let input = null;
let seq = 0;

async function tick() {
  const seed = input ? input.value.trim() : '';
  if (!seed) {
    $('totp-box').hidden = true;
    return;
  }
  const mine = ++seq;
  let r;
  try {
    r = await call('totp', { seed });
  } catch (e) {
    if (mine !== seq) return;
    $('totp-box').hidden = false;
    $('totp-code').textContent = e.code === 'totp_seed' ? 'invalid seed' : '';
    $('totp-left').textContent = '';
    return;
  }
  if (mine !== seq) return;
  $('totp-box').hidden = false;
  $('totp-code').textContent = r.code;
  $('totp-code').dataset.code = r.code;
  $('totp-time').max = r.period;
  $('totp-time').value = r.remaining;
  $('totp-left').textContent = `${r.remaining} s left`;
}

export function startTotp(seedInput) {
  stopTotp();
  input = seedInput;
  input.addEventListener('input', tick);
  tick();
  timer = setInterval(tick, 1000);
}

export function stopTotp() {
  clearInterval(timer);
  timer = null;
  if (input) input.removeEventListener('input', tick);
  input = null;
  seq += 1;
  $('totp-box').hidden = true;
  $('totp-code').textContent = '';
  delete $('totp-code').dataset.code;
}

export function setupTotp() {
  $('totp-copy').addEventListener('click', async () => {
    const code = $('totp-code').dataset.code;
    if (!code) return;
    try {
      await copySecret(code, toast);
    } catch {
      showError('clipboard');
    }
  });
}
