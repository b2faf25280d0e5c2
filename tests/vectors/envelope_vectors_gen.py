#!/usr/bin/env python3
"""Writes envelope_vectors.json with an implementation independent of the Rust
core: Python hashlib/hmac (HKDF for the kid) and pyca/cryptography (AES-256-GCM).

valid[]: key, iv, ctx, plaintext -> jwe. When "ours" is true the core must
         produce exactly this jwe with that iv; every valid jwe must open.
fail[]:  the jwe must be refused for (key, ctx) with exactly "error" (the
         Error variant name). Header variants carry a correct GCM tag, so only
         the named check can be what refuses them.
Run: python3 envelope_vectors_gen.py   (rewrites envelope_vectors.json)
"""
import base64, hashlib, hmac, json, pathlib
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def hkdf(ikm, info, n):
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:n]

def kid(key): return b64u(hkdf(key, b"blindvault/v1/kid", 9))

def ours_header(key, ctx):
    return '{"alg":"dir","enc":"A256GCM","kid":"%s","bv":1,"ctx":"%s"}' % (kid(key), ctx)

def jwe(key, header_text, iv, pt, ek=""):
    h = b64u(header_text.encode())
    sealed = AESGCM(key).encrypt(iv, pt, h.encode())
    ct, tag = sealed[:-16], sealed[-16:]
    return ".".join([h, ek, b64u(iv), b64u(ct), b64u(tag)])

K = bytes(range(32))
K2 = bytes([0x42] * 32)
IV = bytes.fromhex("000102030405060708090a0b")
CTX = "bv1/item-overview/vault-1/item-1"
PT = b'{"name":"Bank","username":"alice"}'

valid = []
def v(name, key, iv, ctx, pt, header=None, ours=True):
    header = header or ours_header(key, ctx)
    valid.append({"name": name, "key": key.hex(), "kid": kid(key), "iv": iv.hex(),
                  "ctx": ctx, "plaintext": pt.hex(), "ours": ours,
                  "jwe": jwe(key, header, iv, pt)})

v("overview", K, IV, CTX, PT)
v("empty_plaintext", K, IV, "bv1/vault-meta/v", b"")
v("wrapped_key", K, bytes([0xFF] * 12), "bv1/item-key/vault-1/item-1", K2)
v("account_key", K2, bytes(12), "bv1/account-key/acct_9", K)
v("attachment_meta_3_ids", K, IV, "bv1/attachment-meta/v/i/a", b"x" * 1000)
v("other_jose_member_order_and_spacing", K, IV, CTX, PT,
  header='{ "ctx": "%s", "bv": 1, "kid": "%s", "enc": "A256GCM", "alg": "dir" }' % (CTX, kid(K)),
  ours=False)
v("other_jose_escaped_slashes", K, IV, CTX, PT,
  header='{"alg":"dir","enc":"A256GCM","kid":"%s","bv":1,"ctx":"%s"}' % (kid(K), CTX.replace("/", "\\/")),
  ours=False)

fail = []
def f(name, error, j, key=K, ctx=CTX):
    fail.append({"name": "fail_" + name, "key": key.hex(), "ctx": ctx, "error": error, "jwe": j})

good = jwe(K, ours_header(K, CTX), IV, PT)
h, ek, ivb, ctb, tagb = good.split(".")
def hdr(text): return jwe(K, text, IV, PT)
KID = kid(K)
base = {"alg": "dir", "enc": "A256GCM", "kid": KID, "bv": 1, "ctx": CTX}
def with_(**kw):
    d = dict(base); d.update(kw)
    return json.dumps({k: v for k, v in d.items() if v is not None}, separators=(",", ":"))

f("four_parts", "MalformedEnvelope", ".".join([h, ek, ivb, ctb]))
f("six_parts", "MalformedEnvelope", good + ".")
f("nonempty_encrypted_key", "MalformedEnvelope", jwe(K, ours_header(K, CTX), IV, PT, ek="AAAA"))
f("header_padding", "MalformedEnvelope", ".".join([h + "=", ek, ivb, ctb, tagb]))
f("header_std_alphabet", "MalformedEnvelope", ".".join([h.replace("-", "+").replace("_", "/") + "+", ek, ivb, ctb, tagb]))
f("header_not_json", "MalformedEnvelope", hdr("alg=dir"))
f("header_not_object", "MalformedEnvelope", hdr('["dir","A256GCM"]'))
f("header_trailing_data", "MalformedEnvelope", hdr(with_() + "{}"))
f("header_alg_not_string", "MalformedEnvelope", hdr(with_(alg=1)))
f("duplicate_alg", "MalformedEnvelope", hdr(with_()[:-1] + ',"alg":"dir"}'))
f("duplicate_ctx_last_wins_elsewhere", "MalformedEnvelope",
  hdr(with_(ctx="bv1/item-overview/vault-1/other")[:-1] + ',"ctx":"%s"}' % CTX))
f("duplicate_bv", "MalformedEnvelope", hdr(with_()[:-1] + ',"bv":1}'))
f("crit", "CriticalHeader", hdr(with_(crit=["bv"])))
f("crit_empty", "CriticalHeader", hdr(with_(crit=[])))
f("zip", "MalformedEnvelope", hdr(with_(zip="DEF")))
f("unknown_member_jku", "MalformedEnvelope", hdr(with_(jku="https://example.com/k")))
f("alg_none", "UnsupportedAlgorithm", hdr(with_(alg="none")))
f("alg_a256kw", "UnsupportedAlgorithm", hdr(with_(alg="A256KW")))
f("alg_dir_wrong_case", "UnsupportedAlgorithm", hdr(with_(alg="DIR")))
f("alg_missing", "UnsupportedAlgorithm", hdr(with_(alg=None)))
f("enc_a128gcm", "UnsupportedEncryption", hdr(with_(enc="A128GCM")))
f("enc_cbc_hs", "UnsupportedEncryption", hdr(with_(enc="A256CBC-HS512")))
f("enc_missing", "UnsupportedEncryption", hdr(with_(enc=None)))
f("bv_2", "UnsupportedVersion", hdr(with_(bv=2)))
f("bv_0", "UnsupportedVersion", hdr(with_(bv=0)))
f("bv_string", "UnsupportedVersion", hdr(with_(bv="1")))
f("bv_float", "UnsupportedVersion", hdr(with_()[:-1].replace('"bv":1', '"bv":1.0') + "}"))
f("bv_missing", "UnsupportedVersion", hdr(with_(bv=None)))
f("ctx_other_item", "ContextMismatch", hdr(with_(ctx="bv1/item-overview/vault-1/item-2")))
f("ctx_other_part", "ContextMismatch", hdr(with_(ctx="bv1/item-details/vault-1/item-1")))
f("ctx_prefix", "ContextMismatch", hdr(with_(ctx="bv1/item-overview/vault-1/item-")))
f("ctx_missing", "MalformedEnvelope", hdr(with_(ctx=None)))
f("kid_other", "KeyMismatch", hdr(with_(kid=kid(K2))))
f("kid_missing", "MalformedEnvelope", hdr(with_(kid=None)))
f("sealed_with_other_key_under_our_kid", "DecryptionFailed",
  jwe(K2, ours_header(K, CTX), IV, PT))
f("iv_8_bytes", "MalformedEnvelope", ".".join([h, ek, b64u(IV[:8]), ctb, tagb]))
f("iv_16_bytes", "MalformedEnvelope", ".".join([h, ek, b64u(IV + IV[:4]), ctb, tagb]))
f("iv_empty", "MalformedEnvelope", ".".join([h, ek, "", ctb, tagb]))
f("tag_15_bytes", "MalformedEnvelope", ".".join([h, ek, ivb, ctb, b64u(base64.urlsafe_b64decode(tagb + "==")[:15])]))
f("tag_empty", "MalformedEnvelope", ".".join([h, ek, ivb, ctb, ""]))
tag = bytearray(base64.urlsafe_b64decode(tagb + "=="))
tag[0] ^= 1
f("tag_bit_flipped", "DecryptionFailed", ".".join([h, ek, ivb, ctb, b64u(bytes(tag))]))
ct = bytearray(base64.urlsafe_b64decode(ctb + "=" * (-len(ctb) % 4)))
ct[-1] ^= 0x80
f("ciphertext_bit_flipped", "DecryptionFailed", ".".join([h, ek, ivb, b64u(bytes(ct)), tagb]))
f("ciphertext_truncated", "DecryptionFailed", ".".join([h, ek, ivb, b64u(bytes(ct[:-1])), tagb]))
f("ciphertext_not_base64url", "MalformedEnvelope", ".".join([h, ek, ivb, ctb + "!", tagb]))
# The last base64url character of a 16-byte tag carries 4 unused bits; a
# non-zero value there is a second spelling of the same tag and is refused.
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
last = alphabet.index(tagb[-1])
f("tag_noncanonical_trailing_bits", "MalformedEnvelope",
  ".".join([h, ek, ivb, ctb, tagb[:-1] + alphabet[last | 1 if last % 16 == 0 else last & ~15]]))
f("wrong_key", "KeyMismatch", good, key=K2)
f("expected_other_context", "ContextMismatch", good, ctx="bv1/item-overview/vault-2/item-1")

out = {"valid": valid, "fail": fail}
pathlib.Path(__file__).with_name("envelope_vectors.json").write_text(json.dumps(out, indent=1) + "\n")
