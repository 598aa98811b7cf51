#!/usr/bin/env python3
"""Independent vectors for declared digest recipes, made with Python's hashlib.

Run from the repository root: python3 tests/recipes/make_vectors.py
Writes tests/recipes/vectors.jsonl (committed). tests/recipes.rs verifies
every line with rehash; rehash never generates these values itself.
"""
import base64
import hashlib
import json

H = lambda name, data: hashlib.new(name, data)
hexd = lambda name, data: H(name, data).hexdigest()

PASSWORDS = ["password", "correct horse battery staple", "pässwörd", "", "P@ss w0rd\t!"]
CONST = b"kq3vZ8cW1mXy0T7nB4pR6sD2fG9hJ5lA3eK8uN0oQ1iV7tY4wE6rS2aZ9xC5bM1q"  # a PrestaShop-style COOKIE_KEY


def cases(pw, salt):
    p, s = pw.encode(), salt.encode()
    yield dict(notation="md5(md5($pass).$salt)", layout="hash_colon_salt",
               digest=hexd("md5", hexd("md5", p).encode() + s))
    yield dict(notation="sha1($salt.sha1($pass))", layout="separate",
               digest=hexd("sha1", s + hexd("sha1", p).encode()))
    yield dict(notation="sha256(sha256($pass).$salt)", layout="salt_dollar_hash",
               digest=hexd("sha256", hexd("sha256", p).encode() + s))
    yield dict(notation="md5($const.$pass)", layout="none", constant=CONST.decode(),
               digest=hexd("md5", CONST + p))
    yield dict(notation="md5(strtoupper(md5($pass)))", layout="none",
               digest=hexd("md5", hexd("md5", p).upper().encode()))
    yield dict(notation="sha1($pass.$salt)", layout="hash_colon_salt",
               digest=hexd("sha1", p + s).upper())
    yield dict(notation="sha256($salt.$pass)", layout="separate", encoding="base64",
               digest=base64.b64encode(H("sha256", s + p).digest()).decode())
    yield dict(notation="sha1(md5($pass))", layout="none", digest=hexd("sha1", hexd("md5", p).encode()))
    d = hexd("md5", p)
    for _ in range(999):
        d = hexd("md5", d.encode())
    yield dict(notation="md5($pass)", layout="none", rounds=1000, digest=d)
    r = H("sha512", p + s).digest()
    for _ in range(4999):
        r = H("sha512", r).digest()
    yield dict(notation="sha512($pass.$salt)", layout="hash_colon_salt", rounds=5000, raw_rounds=True,
               digest=r.hex())


def main():
    salts = ["Xy7", "6bnZ3eBZclIvRY6iEjH5UH1RSC84FL8S", "saltsalt"]
    out = []
    n = 0
    for i, pw in enumerate(PASSWORDS):
        salt = salts[i % len(salts)]
        for c in cases(pw, salt):
            n += 1
            layout = c["layout"]
            digest = c.pop("digest")
            stored = {"hash_colon_salt": f"{digest}:{salt}", "salt_dollar_hash": f"{salt}${digest}"}.get(layout, digest)
            item = dict(id=f"r{n:03d}", password=pw, hash=stored, encoding=c.pop("encoding", "hex"), **c)
            if layout == "separate":
                item["salt"] = salt
            out.append(item)
    with open("tests/recipes/vectors.jsonl", "w") as f:
        for item in out:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} vectors")


if __name__ == "__main__":
    main()
