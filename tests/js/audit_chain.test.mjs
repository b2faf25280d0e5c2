// verifyAuditChain, the export the web vault's audit view calls (pkg/, here
// its Node twin pkg-node/), on the vectors of an independent Python
// implementation (tests/vectors/audit_chain_gen.py): the same verdicts, with
// the same positions, as the Rust core's tests (tests/audit_chain.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bv } from './pkg.mjs';

const v = JSON.parse(readFileSync(new URL('../vectors/audit_chain.json', import.meta.url), 'utf8'));
const vaultId = v.chain.replace(/^vault:/, '');

test('pass cases verify to the published head', () => {
  for (const p of v.pass_cases) {
    assert.deepEqual(bv.verifyAuditChain(vaultId, p.entries, p.remembered ?? null), { ok: true, head: p.head }, p.name);
  }
});

test('fail cases name the published entry and problem', () => {
  for (const f of v.fail_cases) {
    const r = bv.verifyAuditChain(vaultId, f.entries, f.remembered);
    assert.equal(r.ok, false, f.name);
    assert.deepEqual([r.position, r.seq, r.problem], [f.position, f.first_broken_seq, f.problem], f.name);
    assert.equal(typeof r.reason, 'string');
  }
});

test('another vault id is another chain', () => {
  const r = bv.verifyAuditChain('b3RoZXI', v.entries, undefined);
  assert.deepEqual([r.ok, r.position, r.problem], [false, 1, 'other_chain']);
});

test('values that are not audit entries throw instead of verifying', () => {
  assert.throws(() => bv.verifyAuditChain(vaultId, [{ seq: 1 }], null), /invalid audit entries/);
  assert.throws(() => bv.verifyAuditChain(vaultId, 'nope', null), /invalid audit entries/);
  assert.throws(() => bv.verifyAuditChain(vaultId, v.entries, { seq: 'x' }), /invalid audit head/);
});
