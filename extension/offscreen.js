// Answers only the extension's own service worker (sender.url): content
// scripts and frames also reach chrome.runtime.onMessage, and must not be
// able to read the session secret or write the clipboard.
const CLEAR_AFTER_MS = 30_000;
const WORKER_URL = chrome.runtime.getURL('background.js');
let secret = null;
let generation = 0;
let timer = null;

function write(text) {
  // A service-worker-driven document has no focus, so navigator.clipboard
  // refuses; a copy event with our data works without focus.
  const onCopy = (e) => {
    e.clipboardData.setData('text/plain', text);
    e.preventDefault();
  };
  document.addEventListener('copy', onCopy);
  try {
    return document.execCommand('copy');
  } finally {
    document.removeEventListener('copy', onCopy);
  }
}

function clearNow() {
  if (timer === null) return;
  clearTimeout(timer);
  timer = null;
  write('');
}

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (!msg || msg.to !== 'offscreen') return false;
  if (sender.id !== chrome.runtime.id || sender.url !== WORKER_URL || sender.tab) return false;
  switch (msg.op) {
    case 'hold':
      secret = typeof msg.secret === 'string' ? msg.secret : null;
      reply({ ok: true });
      break;
    case 'get':
      reply({ secret });
      break;
    case 'forget':
      secret = null;
      clearNow();
      reply({ ok: true });
      break;
    case 'copy': {
      const ok = write(String(msg.text));
      const mine = ++generation;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => {
        if (mine === generation) {
          timer = null;
          write('');
        }
      }, CLEAR_AFTER_MS);
      reply({ ok });
      break;
    }
    case 'clear':
      clearNow();
      reply({ ok: true });
      break;
    default:
      reply({ ok: false });
  }
  return false;
});
