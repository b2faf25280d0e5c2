#!/usr/bin/env python3
"""Writes member_log_vectors.json: identity statements, fingerprints, vault key
commitments and member-log entries of docs/SPEC.md § Identities and § Member
log, made here with Python's `cryptography` (Ed25519, RFC 8032), hashlib and
hmac, independently of the Rust code, plus `fail_*` cases that a verifier MUST
refuse, each with the error (identities) or the entry index and reason (logs).

    python3 tests/vectors/member_log_gen.py > tests/vectors/member_log_vectors.json
"""
import base64
import hashlib
import hmac
import json
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

GENESIS = "0" * 64


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def canon(obj):
    # The canonical form: members in the order given, no whitespace, UTF-8.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def sk(seed_byte):
    return Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32)


def pk(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signed(prefix, label, body, key):
    sig = key.sign(label + b"\x00" + body)
    return f"{prefix}.{b64u(body)}.{b64u(sig)}"


def identity(account, email, x25519, key):
    body = canon({"v": 1, "account": account, "email": email, "x25519": b64u(x25519), "ed25519": b64u(pk(key))})
    return signed("bv1-id", b"bv1/identity", body, key)


def enc(b):
    return struct.pack(">I", len(b)) + b


def fingerprint(account, email, x25519, ed25519):
    h = hashlib.sha256()
    for part in [b"bv1/fingerprint/identity", account.encode(), email.encode(), x25519, ed25519]:
        h.update(enc(part))
    d = h.digest()
    return " ".join("%04d" % (struct.unpack(">I", d[4 * i:4 * i + 4])[0] % 10000) for i in range(8))


def hkdf32(ikm, info):
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def commitment(vault_key):
    return b64u(hkdf32(vault_key, b"blindvault/v1/vault-key-commitment"))


ORDER = ["v", "vault", "n", "prev", "op", "by", "member", "role", "identity", "key", "time"]


def entry(signer, **f):
    f["v"] = 1
    body = canon({k: f[k] for k in ORDER if k in f})
    return signed("bv1-log", b"bv1/member-log", body, signer)


def h(e):
    return hashlib.sha256(e.encode()).hexdigest()


people = {}
for seed, name in [(1, "alice"), (2, "bob"), (3, "carl"), (4, "mallory")]:
    key = sk(seed)
    x = bytes([0x40 + seed]) * 32  # any 32 bytes are an X25519 public key (RFC 7748 §5)
    email = f"{name}@example.com"
    people[name] = {"key": key, "id": identity(name, email, x, key), "x": x, "email": email}

identities = [
    {
        "seed": (bytes([s]) * 32).hex(),
        "account": n,
        "email": p["email"],
        "x25519": b64u(p["x"]),
        "ed25519": b64u(pk(p["key"])),
        "identity": p["id"],
        "fingerprint": fingerprint(n, p["email"], p["x"], pk(p["key"])),
    }
    for s, (n, p) in enumerate(people.items(), start=1)
]

a = people["alice"]
fail_identities = []
body = canon({"v": 1, "account": "alice", "email": "alice@example.com", "x25519": b64u(a["x"]), "ed25519": b64u(pk(a["key"]))})
fail_identities.append({"name": "fail_signed_by_another_key", "identity": signed("bv1-id", b"bv1/identity", body, people["mallory"]["key"]), "error": "InvalidSignature"})
fail_identities.append({"name": "fail_signed_with_log_label", "identity": signed("bv1-id", b"bv1/member-log", body, a["key"]), "error": "InvalidSignature"})
for name, obj in [
    ("fail_members_reordered", {"v": 1, "email": "alice@example.com", "account": "alice", "x25519": b64u(a["x"]), "ed25519": b64u(pk(a["key"]))}),
    ("fail_email_not_lowercase", {"v": 1, "account": "alice", "email": "Alice@example.com", "x25519": b64u(a["x"]), "ed25519": b64u(pk(a["key"]))}),
    ("fail_unknown_member", {"v": 1, "account": "alice", "email": "alice@example.com", "x25519": b64u(a["x"]), "ed25519": b64u(pk(a["key"])), "name": "A"}),
    ("fail_version_2", {"v": 2, "account": "alice", "email": "alice@example.com", "x25519": b64u(a["x"]), "ed25519": b64u(pk(a["key"]))}),
    ("fail_short_key", {"v": 1, "account": "alice", "email": "alice@example.com", "x25519": b64u(a["x"][:31]), "ed25519": b64u(pk(a["key"]))}),
]:
    fail_identities.append({"name": name, "identity": signed("bv1-id", b"bv1/identity", canon(obj), a["key"]), "error": "MalformedIdentity"})
fail_identities.append({"name": "fail_whitespace", "identity": signed("bv1-id", b"bv1/identity", body.replace(b",", b", ", 1), a["key"]), "error": "MalformedIdentity"})
fail_identities.append({"name": "fail_wrong_prefix", "identity": "bv2-id" + a["id"][6:], "error": "MalformedIdentity"})

# A log: create, add, add, role, remove (rotation), rotate.
V = "vault-1"
K0, K1, K2 = bytes([0x10]) * 32, bytes([0x11]) * 32, bytes([0x12]) * 32
P = people
log = []


def push(signer, **f):
    f.setdefault("vault", V)
    f.setdefault("n", len(log))
    f.setdefault("prev", h(log[-1]) if log else GENESIS)
    f.setdefault("time", 1700000000 + len(log))
    e = entry(signer, **f)
    log.append(e)
    return e


push(P["alice"]["key"], op="create", by="alice", member="alice", role="owner", identity=P["alice"]["id"], key=commitment(K0))
push(P["alice"]["key"], op="add", by="alice", member="bob", role="admin", identity=P["bob"]["id"])
push(P["bob"]["key"], op="add", by="bob", member="carl", role="read", identity=P["carl"]["id"])
push(P["bob"]["key"], op="role", by="bob", member="carl", role="write")
push(P["alice"]["key"], op="remove", by="alice", member="carl", key=commitment(K1))
push(P["bob"]["key"], op="rotate", by="bob", key=commitment(K2))
valid = list(log)


def variant(n, signer, **f):
    """The valid log up to entry n, then an entry n made from `f`."""
    base = valid[:n]
    f.setdefault("vault", V)
    f.setdefault("n", n)
    f.setdefault("prev", h(base[-1]) if base else GENESIS)
    f.setdefault("time", 1700000000 + n)
    return base + [entry(signer, **f)]


mal = P["mallory"]
fails = [
    ("fail_read_member_signs", valid[:3] + [entry(P["carl"]["key"], vault=V, n=3, prev=h(valid[2]), op="add", by="carl", member="mallory", role="read", identity=mal["id"], time=1)], 3, "the signer is not an owner or admin of the vault"),
    ("fail_stranger_signs", variant(3, mal["key"], op="add", by="mallory", member="mallory", role="admin", identity=mal["id"]), 3, "the signer is not a member of the vault"),
    ("fail_removed_member_signs", valid + [entry(P["carl"]["key"], vault=V, n=6, prev=h(valid[5]), op="add", by="carl", member="mallory", role="read", identity=mal["id"], time=1)], 6, "the signer is not a member of the vault"),
    ("fail_server_key_for_alice", variant(1, mal["key"], op="add", by="alice", member="mallory", role="admin", identity=mal["id"]), 1, "the signature does not verify"),
    ("fail_admin_adds_owner", variant(3, P["bob"]["key"], op="add", by="bob", member="mallory", role="owner", identity=mal["id"]), 3, "only an owner can add an owner"),
    ("fail_admin_removes_owner", variant(3, P["bob"]["key"], op="remove", by="bob", member="alice", key=commitment(K1)), 3, "only an owner can remove an owner"),
    ("fail_last_owner_steps_down", variant(1, P["alice"]["key"], op="role", by="alice", member="alice", role="admin"), 1, "a vault needs at least one owner"),
    ("fail_remove_without_key", variant(4, P["alice"]["key"], op="remove", by="alice", member="carl"), 4, "key must be present exactly on create, remove and rotate"),
    ("fail_identity_of_another", variant(1, P["alice"]["key"], op="add", by="alice", member="bob", role="admin", identity=mal["id"]), 1, "the identity is not the added member's"),
    ("fail_other_vault", variant(1, P["alice"]["key"], vault="vault-2", op="add", by="alice", member="mallory", role="read", identity=mal["id"]), 1, "the entry belongs to another vault"),
    ("fail_wrong_prev", variant(2, P["alice"]["key"], prev=h(valid[0]), op="add", by="alice", member="carl", role="read", identity=P["carl"]["id"]), 2, "prev is not the hash of the previous entry"),
    ("fail_reordered", [valid[0], valid[2], valid[1]], 1, "n is not the entry's position"),
    ("fail_truncated_front", valid[1:], 0, "n is not the entry's position"),
    ("fail_second_create", variant(1, P["alice"]["key"], op="create", by="alice", member="alice", role="owner", identity=P["alice"]["id"], key=commitment(K1)), 1, "create must be entry 0, and only entry 0"),
    ("fail_add_twice", variant(2, P["alice"]["key"], op="add", by="alice", member="bob", role="read", identity=P["bob"]["id"]), 2, "the member is already in the vault"),
    ("fail_non_canonical_body", valid[:1] + [signed("bv1-log", b"bv1/member-log", canon({"v": 1, "vault": V, "n": 1, "prev": h(valid[0]), "op": "add", "by": "alice", "member": "bob", "role": "admin", "identity": P["bob"]["id"], "time": 1}).replace(b'"time"', b' "time"'), P["alice"]["key"])], 1, "the body is not a canonical entry"),
    ("fail_empty", [], 0, "the log is empty"),
]

out = {
    "description": "docs/SPEC.md § Identities, § Member log. Made by member_log_gen.py with Python's cryptography (Ed25519), hashlib and hmac.",
    "identities": identities,
    "fail_identities": fail_identities,
    "commitments": [{"vault_key": k.hex(), "commitment": commitment(k)} for k in (K0, K1, K2)],
    "log": {"vault": V, "entries": valid, "hashes": [h(e) for e in valid],
            "roster": [{"account": "alice", "role": "owner"}, {"account": "bob", "role": "admin"}],
            "key": commitment(K2)},
    "fail_logs": [{"name": n, "entries": e, "index": i, "reason": r} for n, e, i, r in fails],
}
print(json.dumps(out, indent=1))
