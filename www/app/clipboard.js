// Copy a value and clear the clipboard 30 s later, so a copied secret does
// not sit there for the next paste. Only clears if nothing newer was copied
// through this page meanwhile.
const CLEAR_AFTER_MS = 30_000;
let generation = 0;
let pending = false;

export async function copySecret(value, onStatus) {
  await navigator.clipboard.writeText(value);
  const mine = ++generation;
  pending = true;
  onStatus('Copied. The clipboard will be cleared in 30 seconds.');
  setTimeout(async () => {
    if (mine !== generation) return;
    pending = false;
    try {
      await navigator.clipboard.writeText('');
      onStatus('Clipboard cleared.');
    } catch {
      // The page lost focus; the browser refuses writes. Nothing more to do.
    }
  }, CLEAR_AFTER_MS);
}

/** On lock: a secret copied less than 30 s ago goes now, not later. */
export async function clearCopiedNow() {
  if (!pending) return;
  generation += 1;
  pending = false;
  try {
    await navigator.clipboard.writeText('');
  } catch {
    // no focus or no permission: nothing more the page can do
  }
}
