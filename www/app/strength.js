// The zxcvbn strength module (pkg-strength, ~0.9 MB gzipped) is loaded only
// when someone starts choosing a password, never on the first screen.
let loading = null;

function load() {
  if (!loading) {
    loading = import('/pkg-strength/blindvault_strength.js').then(async (m) => {
      await m.default();
      return m;
    });
  }
  return loading;
}

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'];

/** Returns { score, text } or null when the module is unavailable. */
export async function estimate(password, userInputs) {
  let m;
  try {
    m = await load();
  } catch {
    loading = null;
    return null;
  }
  const s = m.estimateStrength(password, userInputs);
  const hint = s.feedback.warning || s.feedback.suggestions[0] || '';
  const text = `${LABELS[s.score]}. Offline crack time: ${s.crackTimeDisplay}.${hint ? ' ' + hint : ''}`;
  return { score: s.score, text };
}
