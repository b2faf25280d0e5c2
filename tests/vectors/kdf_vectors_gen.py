#!/usr/bin/env python3
"""Writes kdf_vectors.json: Blindvault's key derivation computed with Python's
hashlib/hmac only (an implementation independent of the Rust core).

master_key = PBKDF2-HMAC-SHA-256(password, salt, iterations, 32)
wrap_key   = HKDF-SHA-256(master_key, salt="", info="blindvault/v1/wrap-key", 32)
auth_key   = HKDF-SHA-256(master_key, salt="", info="blindvault/v1/auth-key", 32)
kid(k)     = b64u(HKDF-SHA-256(k, salt="", info="blindvault/v1/kid", 9))
"""
import base64, hashlib, hmac, json, pathlib

def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def hkdf(ikm, salt, info, n):
    prk = hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out, i = out + t, i + 1
    return out[:n]

cases = [
    ("correct horse battery staple", bytes(range(16)), 600_000),
    ("pässwörd ✓ 🔑", bytes([0xA5] * 16), 600_001),
    ("", bytes([0] * 16), 600_000),
]
out = []
for pw, salt, it in cases:
    mk = hashlib.pbkdf2_hmac("sha256", pw.encode(), salt, it, 32)
    wk = hkdf(mk, b"", b"blindvault/v1/wrap-key", 32)
    ak = hkdf(mk, b"", b"blindvault/v1/auth-key", 32)
    out.append({
        "password": pw,
        "kdf": {"alg": "pbkdf2-sha256", "iterations": it, "salt": b64u(salt)},
        "master_key": mk.hex(),
        "wrap_key": wk.hex(),
        "wrap_key_kid": b64u(hkdf(wk, b"", b"blindvault/v1/kid", 9)),
        "auth_key_b64u": b64u(ak),
    })
# kid of fixed keys (SymmetricKey::kid)
kids = [{"key": k.hex(), "kid": b64u(hkdf(k, b"", b"blindvault/v1/kid", 9))}
        for k in (bytes(32), bytes(range(32)), bytes([0xFF] * 32))]
path = pathlib.Path(__file__).with_name("kdf_vectors.json")
path.write_text(json.dumps({"derivations": out, "kids": kids}, indent=1, ensure_ascii=False) + "\n")
