#!/usr/bin/env python3
"""Generates attachment_vectors.json: Blindvault's own known-answer vectors
for attachments (c2sp.org/chunked-encryption, Cobblestone-256).

Written from the c2sp text with Python's standard library (HMAC-SHA-512 for
HKDF-Expand, RFC 5869 s2.3) and pyca/cryptography's AES-GCM, independently
of the Rust code, so that `tests/attachment_vectors.rs` checks the Rust
implementation against a second one. Run: python3 attachment_vectors_gen.py
"""
import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CHUNK = 16384
INFO_PREFIX = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\x00"


def hkdf_expand_sha512(prk, info, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha512).digest()
        out += t
        i += 1
    return out[:length]


def encrypt(key, context, salt, plaintext):
    okm = hkdf_expand_sha512(key, INFO_PREFIX + salt + context, 32 + 12 + 32)
    aead, base_nonce, commitment = AESGCM(okm[:32]), okm[32:44], okm[44:]
    chunks = [plaintext[i:i + CHUNK] for i in range(0, len(plaintext) - len(plaintext) % CHUNK, CHUNK)]
    chunks.append(plaintext[len(chunks) * CHUNK:])  # the short final chunk, maybe empty
    out = salt + commitment
    for i, chunk in enumerate(chunks):
        nonce = (int.from_bytes(base_nonce, "big") ^ i).to_bytes(12, "big")
        out += aead.encrypt(nonce, chunk, b"")
    return out


def pattern(n):
    return bytes(i % 251 for i in range(n))


KEY = bytes(range(32))
OTHER_KEY = bytes(range(32, 64))
CTX = "bv1/attachment/vault-1/item-1/att-1"
OTHER_CTX = "bv1/attachment/vault-1/item-1/att-2"
SALT = bytes(range(0xA0, 0xA0 + 24))

valid = []
for name, pt, full_ct in [
    ("empty", b"", True),
    ("short", b"Blindvault attachment", True),
    ("one_byte_short_of_a_chunk", pattern(CHUNK - 1), False),
    ("exactly_one_chunk", pattern(CHUNK), True),
    ("one_chunk_and_one_byte", pattern(CHUNK + 1), True),
    ("three_chunks", pattern(2 * CHUNK + 7000), False),
]:
    ct = encrypt(KEY, CTX.encode(), SALT, pt)
    v = {"name": name, "key": KEY.hex(), "context": CTX, "salt": SALT.hex()}
    if len(pt) <= 64:
        v["plaintext"] = pt.hex()
    else:
        v["plaintext_len"] = len(pt)
    if full_ct:
        v["ciphertext"] = ct.hex()
    v["ciphertext_len"] = len(ct)
    v["ciphertext_sha512"] = hashlib.sha512(ct).hexdigest()
    valid.append(v)

# Each failure takes a valid vector's ciphertext, changes it as "mutation"
# says (applied in order: truncate, flip, swap_chunks, append hex bytes, duplicate_tail n = append a copy of the last n bytes), and decrypts
# with the vector's key and context unless "key"/"context" override them.
failures = [
    {"name": "fail_wrong_context", "base": "short", "context": OTHER_CTX, "error": "AttachmentKeyCommitment"},
    {"name": "fail_wrong_key", "base": "short", "key": OTHER_KEY.hex(), "error": "AttachmentKeyCommitment"},
    {"name": "fail_salt_bit_flipped", "base": "short", "mutation": {"flip": 0}, "error": "AttachmentKeyCommitment"},
    {"name": "fail_commitment_bit_flipped", "base": "short", "mutation": {"flip": 55}, "error": "AttachmentKeyCommitment"},
    {"name": "fail_body_bit_flipped", "base": "short", "mutation": {"flip": 60}, "error": "AttachmentChunkFailed"},
    {"name": "fail_tag_bit_flipped", "base": "empty", "mutation": {"flip": 71}, "error": "AttachmentChunkFailed"},
    {"name": "fail_too_short_for_header", "base": "short", "mutation": {"truncate": 40}, "error": "AttachmentTruncated"},
    {"name": "fail_header_only", "base": "short", "mutation": {"truncate": 56}, "error": "AttachmentTruncated"},
    {"name": "fail_cut_inside_final_tag", "base": "empty", "mutation": {"truncate": 70}, "error": "AttachmentTruncated"},
    {"name": "fail_final_chunk_missing", "base": "exactly_one_chunk", "mutation": {"truncate": 56 + 16400}, "error": "AttachmentTruncated"},
    {"name": "fail_cut_mid_final_chunk", "base": "one_chunk_and_one_byte", "mutation": {"truncate": 56 + 16400 + 16}, "error": "AttachmentChunkFailed"},
    {"name": "fail_cut_mid_chunk", "base": "three_chunks", "mutation": {"truncate": 56 + 16400 + 9000}, "error": "AttachmentChunkFailed"},
    {"name": "fail_chunks_swapped", "base": "three_chunks", "mutation": {"swap_chunks": [0, 1]}, "error": "AttachmentChunkFailed"},
    {"name": "fail_byte_appended", "base": "short", "mutation": {"append": "00"}, "error": "AttachmentChunkFailed"},
    {"name": "fail_final_chunk_appended_twice", "base": "empty", "mutation": {"duplicate_tail": 16}, "error": "AttachmentChunkFailed"},
]

doc = {
    "scheme": "c2sp.org/chunked-encryption v1, Cobblestone-256: HKDF-Expand-SHA-512, AEAD_AES_256_GCM, 16 KiB chunks",
    "generated_by": "tests/vectors/attachment_vectors_gen.py (Python hmac/hashlib + pyca/cryptography AESGCM, independent of the Rust code)",
    "notes": [
        "key and salt are hex; context is the UTF-8 context string (docs/SPEC.md, Contexts).",
        "plaintext is hex; when absent, the plaintext is plaintext_len bytes with byte i = i mod 251.",
        "ciphertext (hex) is given for the smaller vectors; every vector gives ciphertext_len and ciphertext_sha512.",
        "valid vectors re-encrypt to exactly this ciphertext under the given salt, and decrypt to the plaintext.",
        "failures: see the comment in the generator for how a mutation is applied; decryption MUST fail with error.",
    ],
    "vectors": valid,
    "failures": failures,
}

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "attachment_vectors.json"), "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
