#!/usr/bin/env python3
"""Writes audit_chain.json: the audit-log hash chain of docs/SPEC.md § Audit log,
computed here with hashlib and struct only (independently of the Rust code),
for both implementations that must agree: the server's (crates/server/src/audit.rs)
and the one `bv audit --verify` runs (crates/cli/src/commands/audit.rs).

    python3 tests/vectors/audit_chain_gen.py > tests/vectors/audit_chain.json
"""
import copy
import hashlib
import json
import struct

GENESIS = "0" * 64
FIELDS = ["seq", "chain", "time", "actor", "action", "object", "client", "outcome", "prev_hash"]


def enc(s):
    b = str(s).encode("utf-8")
    return struct.pack(">I", len(b)) + b


def entry_hash(e):
    h = hashlib.sha256(enc("blindvault/v1/audit"))
    for f in FIELDS:
        h.update(enc(e[f]))
    return h.hexdigest()


def chain(rows):
    prev, out = GENESIS, []
    for r in rows:
        e = dict(r, prev_hash=prev)
        e["hash"] = entry_hash(e)
        prev = e["hash"]
        out.append(e)
    return out


ROWS = [
    dict(seq=3, chain="vault:dmF1bHQtb25l", time=1_764_000_000, actor="account:YWxpY2U",
         action="vault.create", object="vault:dmF1bHQtb25l", client="127.0.0.1", outcome="ok"),
    dict(seq=9, chain="vault:dmF1bHQtb25l", time=1_764_000_042, actor="account:Ym9i",
         action="item.update", object="item:dmF1bHQtb25l/aXRlbQ", client="2001:db8::1", outcome="denied"),
    # Multi-byte UTF-8: enc() prefixes the byte length, not the character count.
    dict(seq=10, chain="vault:dmF1bHQtb25l", time=1_764_000_043, actor="token:dMOpbMOpcGhvbmU",
         action="item.read", object="item:dmF1bHQtb25l/café", client="10.0.0.7", outcome="ok"),
]

good = chain(ROWS)


def broken(name, first_broken_seq, change):
    entries = copy.deepcopy(good)
    change(entries)
    return {"name": name, "first_broken_seq": first_broken_seq, "entries": entries}


def set_field(i, field, value):
    def f(entries):
        entries[i][field] = value
    return f


def swap(entries):
    entries[1], entries[2] = entries[2], entries[1]


def rehash_rewritten(entries):
    # The server rewrote entry 1 and recomputed its own hash: the next entry's
    # prev_hash no longer matches.
    entries[1]["action"] = "item.read"
    entries[1]["hash"] = entry_hash(entries[1])


fail = [
    broken("fail_field_changed", 9, set_field(1, "outcome", "ok")),
    broken("fail_hash_changed", 10, set_field(2, "hash", "f" * 64)),
    broken("fail_rewritten_and_rehashed", 10, rehash_rewritten),
    broken("fail_reordered", 10, swap),
    broken("fail_first_prev_not_genesis", 3, set_field(0, "prev_hash", "1" * 64)),
]

print(json.dumps({
    "description": "Audit-log hash chain (docs/SPEC.md § Audit log), made by tests/vectors/audit_chain_gen.py",
    "genesis": GENESIS,
    "chain": ROWS[0]["chain"],
    "entries": good,
    "fail_cases": fail,
}, indent=2, ensure_ascii=False))
