#!/usr/bin/env python3
"""Writes audit_chain.json: the audit-log hash chain of docs/SPEC.md § Audit log,
computed here with hashlib and struct only (independently of the Rust code),
for the one verifier every client and the server run (src/audit_chain.rs,
tested by tests/audit_chain.rs; the web vault reaches it through wasm).

Every fail_* case names the first entry that breaks the chain: its 1-based
`position` in `entries`, its `seq` (`first_broken_seq`) and the `problem`.
Cases with `remembered` give the head (seq, hash) a device verified before;
for head_missing, `position` is where that entry should be and
`first_broken_seq` its seq. pass_cases verify, to the `head` given.

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


def broken(name, position, first_broken_seq, problem, change, remembered=None):
    entries = copy.deepcopy(good)
    change(entries)
    case = {"name": name, "position": position, "first_broken_seq": first_broken_seq,
            "problem": problem, "entries": entries}
    if remembered is not None:
        case["remembered"] = remembered
    return case


def head(e):
    return {"seq": e["seq"], "hash": e["hash"]}


def set_field(i, field, value):
    def f(entries):
        entries[i][field] = value
    return f


def swap(entries):
    entries[1], entries[2] = entries[2], entries[1]


def drop(i):
    def f(entries):
        del entries[i]
    return f


def rehash_rewritten(entries):
    # The server rewrote entry 1 and recomputed its own hash: the next entry's
    # prev_hash no longer matches.
    entries[1]["action"] = "item.read"
    entries[1]["hash"] = entry_hash(entries[1])


def rehashed_from(i, change):
    # The server changed entry i and recomputed it and every later hash and
    # back-link: the chain is self-consistent again.
    def f(entries):
        change(entries)
        prev = entries[i - 1]["hash"] if i > 0 else GENESIS
        for e in entries[i:]:
            e["prev_hash"] = prev
            e["hash"] = entry_hash(e)
            prev = e["hash"]
    return f


def other_chain(entries):
    entries[2]["chain"] = "vault:b3RoZXI"


def duplicate_seq(entries):
    entries[2]["seq"] = entries[1]["seq"]


def forge_first(entries):
    entries[0]["actor"] = "account:bWFsbG9yeQ"


def drop_second(entries):
    del entries[1]


fail = [
    broken("fail_field_changed", 2, 9, "hash_mismatch", set_field(1, "outcome", "ok")),
    broken("fail_hash_changed", 3, 10, "hash_mismatch", set_field(2, "hash", "f" * 64)),
    broken("fail_rewritten_and_rehashed", 3, 10, "prev_hash_mismatch", rehash_rewritten),
    broken("fail_reordered", 2, 10, "prev_hash_mismatch", swap),
    broken("fail_first_prev_not_genesis", 1, 3, "prev_hash_mismatch", set_field(0, "prev_hash", "1" * 64)),
    broken("fail_dropped_entry", 2, 10, "prev_hash_mismatch", drop(1)),
    # Hashed correctly, but over another vault's chain name.
    broken("fail_other_chain", 3, 10, "other_chain", rehashed_from(2, other_chain)),
    broken("fail_seq_not_increasing", 3, 9, "out_of_order", rehashed_from(2, duplicate_seq)),
    # Rewritten from the first entry on, every hash recomputed: only the head
    # remembered from an earlier read shows it.
    broken("fail_rewritten_vs_remembered", 2, 9, "head_changed",
           rehashed_from(0, forge_first), remembered=head(good[1])),
    broken("fail_truncated_vs_remembered", 3, 10, "head_missing", drop(2), remembered=head(good[2])),
    # The remembered entry removed and the chain relinked around it.
    broken("fail_remembered_removed_and_relinked", 2, 9, "head_missing",
           rehashed_from(1, drop_second), remembered=head(good[1])),
]

passes = [
    {"name": "pass_no_remembered_head", "entries": good, "head": head(good[2])},
    {"name": "pass_remembered_first", "entries": good, "remembered": head(good[0]), "head": head(good[2])},
    {"name": "pass_remembered_last", "entries": good, "remembered": head(good[2]), "head": head(good[2])},
    {"name": "pass_empty", "entries": [], "head": None},
]

print(json.dumps({
    "description": "Audit-log hash chain (docs/SPEC.md § Audit log), made by tests/vectors/audit_chain_gen.py",
    "genesis": GENESIS,
    "chain": ROWS[0]["chain"],
    "entries": good,
    "pass_cases": passes,
    "fail_cases": fail,
}, indent=2, ensure_ascii=False))
