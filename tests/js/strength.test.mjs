// The lazily loaded password-choosing module (pkg-strength/, --target web),
// instantiated in Node from its bytes the way a page would after fetch().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';

const dir = new URL('../../pkg-strength/', import.meta.url);
if (!existsSync(dir)) throw new Error('pkg-strength/ is missing: run `npm run build:wasm` first');
const strength = await import(new URL('blindvault_strength.js', dir));
strength.initSync({ module: readFileSync(new URL('blindvault_strength_bg.wasm', dir)) });

test('estimateStrength scores a dictionary password low and a long random one high, without echoing it', () => {
  const weak = strength.estimateStrength('password1', []);
  assert.ok(weak.score <= 1, JSON.stringify(weak));
  assert.ok(!JSON.stringify(weak).includes('password1'));
  const strong = strength.estimateStrength('vN4#qz!T8w@Lr2$Kp9', []);
  assert.equal(strong.score, 4);
  assert.ok(strong.crackTimeSeconds > weak.crackTimeSeconds);
  // Built from the user's own email: an attacker tries that first.
  const own = strength.estimateStrength('alice.smith1985', ['alice.smith1985@example.com', 'alice', 'smith']);
  assert.ok(own.score < strength.estimateStrength('alice.smith1985', []).score + 1);
  assert.ok(own.guessesLog10 <= strength.estimateStrength('alice.smith1985', []).guessesLog10);
});

test('generatePassphrase: EFF words, options and refusals', () => {
  // Four EFF words contain a hyphen (t-shirt, yo-yo, ...): count with a space.
  const p = strength.generatePassphrase({ separator: ' ' });
  assert.equal(p.secret.split(' ').length, 6);
  assert.match(strength.generatePassphrase().secret, /^[a-z-]+$/);
  assert.ok(Math.abs(p.entropyBits - 6 * Math.log2(7776)) < 1e-9);
  const q = strength.generatePassphrase({ words: 4, separator: '.', capitalize: true });
  assert.match(q.secret, /^([A-Z][a-z-]*\.){3}[A-Z][a-z-]*$/);
  assert.throws(() => strength.generatePassphrase({ words: 2 }), /between 3 and 20 words/);
  assert.throws(() => strength.generatePassphrase({ separator: 'x' }), /invalid generator options/);
});
