#!/usr/bin/env python3
"""Independent vectors for declared KDF and HMAC recipes, made with Python's
hashlib and hmac (never by rehash).

Run from the repository root: python3 tests/recipes/make_kdf_vectors.py
Writes tests/recipes/kdf_vectors.jsonl (committed). Each line holds the
recipe as the keys of a `[[legacy.recipe]]` table (`recipe`), the stored
hash, and the row's salt and params column where the recipe reads them;
tests/recipes.rs declares each recipe from TOML and verifies the line.
"""
import base64
import hashlib
import hmac
import json
import random

rng = random.Random(19)
PASSWORDS = ["password", "correct horse battery staple", "pässwörd", "", "P@ss w0rd\t!"]


def salt_bytes(n):
    return bytes(rng.randrange(256) for _ in range(n))


def salt_text(n):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(n))


def cases(pw):
    p = pw.encode()
    # HMACs in hashcat notation, key first.
    s = salt_text(8)
    yield dict(recipe=dict(notation="hmac_sha1($salt, $pass)", layout="separate"), salt=s,
               hash=hmac.new(s.encode(), p, "sha1").hexdigest())
    s = salt_text(12)
    yield dict(recipe=dict(notation="hmac_sha256($pass,$salt)", layout="hash_colon_salt"),
               hash=hmac.new(p, s.encode(), "sha256").hexdigest() + ":" + s)
    s = salt_text(16)
    yield dict(recipe=dict(notation="hmac_md5($salt,md5($pass))", layout="salt_dollar_hash"),
               hash=s + "$" + hmac.new(s.encode(), hashlib.md5(p).hexdigest().encode(), "md5").hexdigest())
    s = salt_text(8)
    yield dict(recipe=dict(notation="sha1(hmac_sha512_bin($salt,$pass))", layout="separate", encoding="base64"),
               salt=s, hash=base64.b64encode(hashlib.sha1(hmac.new(s.encode(), p, "sha512").digest()).digest()).decode())
    # PBKDF2: base64 salt column, base64 output, SHA-1.
    sb = salt_bytes(16)
    dk = hashlib.pbkdf2_hmac("sha1", p, sb, 1000, 20)
    yield dict(recipe=dict(kdf="pbkdf2_sha1", iterations=1000, salt_encoding="base64", encoding="base64"),
               salt=base64.b64encode(sb).decode(), hash=base64.b64encode(dk).decode())
    # PBKDF2-SHA512, iterations and hex salt in the string, 64-byte key.
    sb = salt_bytes(12)
    dk = hashlib.pbkdf2_hmac("sha512", p, sb, 2500, 64)
    yield dict(recipe=dict(kdf="pbkdf2_sha512", format="pbkdf2:{iterations}:{salt}:{hash}", salt_encoding="hex"),
               hash=f"pbkdf2:2500:{sb.hex()}:{dk.hex()}")
    # PBKDF2-SHA256, iterations from a JSON params column, length 32 checked.
    s = salt_text(20)
    dk = hashlib.pbkdf2_hmac("sha256", p, s.encode(), 1500, 32)
    yield dict(recipe=dict(kdf="pbkdf2_sha256", iterations_from="params_col:hashIterations", length=32),
               salt=s, params_col=json.dumps({"hashIterations": 1500, "algorithm": "pbkdf2-sha256"}), hash=dk.hex())
    # scrypt: log_n, r, p in the string; base64 salt in the string; base64 key.
    sb = salt_bytes(16)
    dk = hashlib.scrypt(p, salt=sb, n=2 ** 10, r=4, p=2, dklen=32)
    yield dict(recipe=dict(kdf="scrypt", format="s{log_n}.{r}.{p}${salt}${hash}", salt_encoding="base64",
                           encoding="base64"),
               hash=f"s10.4.2${base64.b64encode(sb).decode()}${base64.b64encode(dk).decode()}")
    # scrypt: N from the params column, r and p constant, hex salt column.
    sb = salt_bytes(8)
    dk = hashlib.scrypt(p, salt=sb, n=2 ** 11, r=8, p=1, dklen=40)
    yield dict(recipe=dict(kdf="scrypt", n_from="params_col:1", r=8, p=1, salt_encoding="hex"),
               salt=sb.hex(), params_col="scrypt$2048", hash=dk.hex())


def main():
    out = []
    for pw in PASSWORDS:
        for c in cases(pw):
            out.append(dict(id=f"k{len(out) + 1:03d}", password=pw, **c))
    with open("tests/recipes/kdf_vectors.jsonl", "w") as f:
        for item in out:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} vectors")


if __name__ == "__main__":
    main()
