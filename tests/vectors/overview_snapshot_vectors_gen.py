#!/usr/bin/env python3
"""Writes overview_snapshot_vectors.json with an implementation independent of
the Rust core: Python hashlib/hmac (HKDF) and pyca/cryptography (AES-256-GCM).

snapshot_key = HKDF-SHA-256(vault_key, salt="", info="blindvault/v1/vault-overviews", 32)
valid[]: vault_key, vault, iv, plaintext -> jwe (the core reproduces it with that
         iv) and the entries it must return.
fail[]:  the jwe must be refused for (vault_key, vault) with exactly "error".
         Each carries a correct GCM tag, so only the named check can refuse it.
Run: python3 overview_snapshot_vectors_gen.py
"""
import base64, hashlib, hmac, json, pathlib
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def hkdf(ikm, info, n):
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t; i += 1
    return out[:n]

def kid(key): return b64u(hkdf(key, b"blindvault/v1/kid", 9))
def snapshot_key(vk): return hkdf(vk, b"blindvault/v1/vault-overviews", 32)

def jwe(key, ctx, iv, pt):
    h = b64u(('{"alg":"dir","enc":"A256GCM","kid":"%s","bv":1,"ctx":"%s"}' % (kid(key), ctx)).encode())
    sealed = AESGCM(key).encrypt(iv, pt, h.encode())
    return ".".join([h, "", b64u(iv), b64u(sealed[:-16]), b64u(sealed[-16:])])

VK = bytes(range(32))
SK = snapshot_key(VK)
VAULT = "vault-1"
CTX = "bv1/vault-overviews/" + VAULT
IV = bytes.fromhex("0c0b0a090807060504030201")

def pt_of(vault, items, v=1):
    body = ",".join('{"id":"%s","revision":%d,"overview":%s}' % it for it in items)
    return ('{"v":%d,"vault":"%s","items":[%s]}' % (v, vault, body)).encode()

ITEMS = [("item-1", 3, '{"kind":"login","name":"Bank","url":"https://bank.example","username":"ann"}'),
         ("item-2", 1, '{"kind":"note","name":"Wi-Fi"}')]
valid = [
    {"name": "two_items", "vault_key": VK.hex(), "vault": VAULT, "iv": IV.hex(),
     "snapshot_key": SK.hex(), "plaintext": pt_of(VAULT, ITEMS).hex(),
     "entries": [{"id": i, "revision": r, "overview": o} for i, r, o in ITEMS],
     "jwe": jwe(SK, CTX, IV, pt_of(VAULT, ITEMS))},
    {"name": "empty_vault", "vault_key": VK.hex(), "vault": VAULT, "iv": IV.hex(),
     "snapshot_key": SK.hex(), "plaintext": pt_of(VAULT, []).hex(), "entries": [],
     "jwe": jwe(SK, CTX, IV, pt_of(VAULT, []))},
]

fail = []
def f(name, error, j, vault=VAULT):
    fail.append({"name": "fail_" + name, "vault_key": VK.hex(), "vault": vault, "error": error, "jwe": j})

good = pt_of(VAULT, ITEMS)
f("sealed_under_the_vault_key_itself", "KeyMismatch", jwe(VK, CTX, IV, good))
f("other_vault_context", "ContextMismatch", jwe(SK, "bv1/vault-overviews/vault-2", IV, good))
f("opened_for_another_vault", "ContextMismatch", jwe(SK, CTX, IV, good), vault="vault-2")
f("vault_meta_context", "ContextMismatch", jwe(SK, "bv1/vault-meta/" + VAULT, IV, good))
f("plaintext_names_another_vault", "ContextMismatch", jwe(SK, CTX, IV, pt_of("vault-2", ITEMS)))
f("unknown_version", "UnsupportedVersion", jwe(SK, CTX, IV, pt_of(VAULT, ITEMS, v=2)))
f("duplicate_item_id", "InvalidPayload", jwe(SK, CTX, IV, pt_of(VAULT, [ITEMS[0], ITEMS[0]])))
f("invalid_item_id", "InvalidPayload", jwe(SK, CTX, IV, pt_of(VAULT, [("a/b", 1, "{}")])))
f("revision_above_2_53", "InvalidPayload", jwe(SK, CTX, IV, pt_of(VAULT, [("a", 2**53, "{}")])))
f("overview_not_an_object", "InvalidPayload", jwe(SK, CTX, IV, pt_of(VAULT, [("a", 1, '"x"')])))
f("unknown_entry_member", "InvalidPayload",
  jwe(SK, CTX, IV, b'{"v":1,"vault":"vault-1","items":[{"id":"a","revision":1,"overview":{},"x":1}]}'))
f("duplicate_entry_member", "InvalidPayload",
  jwe(SK, CTX, IV, b'{"v":1,"vault":"vault-1","items":[{"id":"a","id":"b","revision":1,"overview":{}}]}'))
f("not_json", "InvalidPayload", jwe(SK, CTX, IV, b"not json"))
t = jwe(SK, CTX, IV, good)
f("tampered_tag", "DecryptionFailed", t[:-2] + ("A" if t[-2] != "A" else "B") + t[-1])

out = {"about": __doc__.strip().splitlines()[0], "valid": valid, "fail": fail}
pathlib.Path(__file__).with_name("overview_snapshot_vectors.json").write_text(json.dumps(out, indent=1) + "\n")
print(len(valid), "valid,", len(fail), "fail")
