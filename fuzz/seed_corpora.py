#!/usr/bin/env python3
"""Write the fuzz seed corpora, fuzz/corpus/<target>/, from the shared vectors
and the repository's docs. The corpora are generated, never committed.

    python3 fuzz/seed_corpora.py [VECTORS_DIR]

VECTORS_DIR defaults to tests/vectors of the repository (or
$REHASH_VECTORS). The `verify` and `wrap` seeds use the layout the targets
read: stored \\0 salt \\0 user \\0 scheme-label \\0 password.
"""

import hashlib
import json
import os
import re
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
TARGETS = ("identify", "verify", "wrap", "policy_toml")
VECTOR_FILES = (
    "valid_invalid.jsonl",
    "more_valid_invalid.jsonl",
    "wave3_valid_invalid.jsonl",
    "malformed.jsonl",
    "more_malformed.jsonl",
    "wave3_malformed.jsonl",
)


def vectors(folder):
    out = []
    for name in VECTOR_FILES:
        path = folder / name
        if not path.is_file():
            print(f"seed_corpora: {path} is missing, skipped", file=sys.stderr)
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line))
    return out


def password(v):
    if v.get("password_hex") is not None:
        return bytes.fromhex(v["password_hex"])
    return (v.get("password") or "").encode("utf-8")


def row(v, pw=None):
    text = lambda k: (v.get(k) or "").encode("utf-8")
    pw = password(v) if pw is None else pw
    return b"\0".join([text("hash"), text("salt"), text("user"), text("family"), pw])


def doc_tomls():
    """The TOML example of the config module docs, its tables one by one, the
    other targets, and the TOML literals of the tests."""
    config = (ROOT / "src" / "config.rs").read_text(encoding="utf-8")
    docs = [l[4:] if l.startswith("//! ") else l[3:] for l in config.splitlines() if l.startswith("//!")]
    text = "\n".join(docs)
    out = []
    for block in re.findall(r"```toml\n(.*?)```", text, re.S):
        out.append(block)
        for table in re.split(r"\n(?=\[)", block):
            out.append(table)
    out += [
        '[target]\nscheme = "bcrypt"\ncost = 12\n',
        '[target]\nscheme = "bcrypt_sha256"\ncost = 12\n',
        '[target]\nscheme = "scrypt"\nlog_n = 17\nr = 8\np = 1\n',
        '[target]\nscheme = "pbkdf2_sha256"\niterations = 600000\n',
        '[pepper]\ncurrent = "k1"\nkeys = [{ id = "k1", env = "K1" }, { id = "k2", file = "/k2" }]\n',
        '[pepper]\nkeys = [{ id = "k1", env = "missing" }]\n',
        '[pepper]\nkeys = [{ id = "k1", env = "short" }]\n',
        '[[legacy.recipe]]\nnotation = "sha1($salt.$pass)"\nencoding = "base64"\nlayout = "salt_dollar_hash"\n',
        '[[legacy.recipe]]\nnotation = "md5($const.$pass)"\nconstant_env = "KEY"\nrounds = 3\nraw_rounds = true\n',
        "",
    ]
    for test in sorted((ROOT / "tests").glob("*.rs")):
        for lit in re.findall(r'r#"(.*?)"#', test.read_text(encoding="utf-8"), re.S):
            if re.search(r"^\s*\[+\w", lit, re.M):
                out.append("\n".join(l.strip() for l in lit.splitlines()) + "\n")
    return [t.encode("utf-8") for t in out]


def write(target, seeds):
    folder = FUZZ / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for s in dict.fromkeys(seeds):  # unique, in order
        name = hashlib.sha1(s).hexdigest()
        path = folder / name
        if not path.exists():
            path.write_bytes(s)
            n += 1
    print(f"seed_corpora: {target}: {n} new seeds in {folder.relative_to(ROOT)}")


def main():
    if len(sys.argv) > 1:
        folder = Path(sys.argv[1])
    else:
        folder = Path(os.environ.get("REHASH_VECTORS") or ROOT / "tests" / "vectors")
    vs = vectors(folder)
    if not vs:
        print(f"seed_corpora: no vectors under {folder}; seeding from the docs only", file=sys.stderr)
    wrap_md = (ROOT / "docs" / "wrap.md").read_text(encoding="utf-8")
    wrapped = re.findall(r"^(?:\$rw2\$|\$rehash-wrap\$)\S+", wrap_md, re.M)

    hashes = [v["hash"].encode("utf-8") for v in vs if v.get("hash")]
    write("identify", hashes + [w.encode("utf-8") for w in wrapped])

    rows = [row(v) for v in vs if v.get("hash")]
    # Valid rows with a wrong password too, so both outcomes are seeded.
    rows += [row(v, password(v) + b"!") for v in vs if v.get("expect") == "valid"]
    write("verify", rows)
    write("wrap", [row(v) for v in vs if v.get("expect") == "valid"] + rows
          + [w.encode("utf-8") + b"\0\0\0\0password" for w in wrapped])

    write("policy_toml", doc_tomls())

    # file_readers: first byte even = CSV, odd = JSON lines; files of vector rows.
    import csv as _csv
    import io
    import json as _json
    seeds = []
    for chunk in (vs[i:i + 8] for i in range(0, len(vs), 8)):
        buf = io.StringIO()
        w = _csv.writer(buf)
        w.writerow(["id", "hash", "salt", "user", "scheme"])
        for k, v in enumerate(chunk):
            w.writerow([k, v.get("hash", ""), v.get("salt", ""), v.get("user", ""), v.get("family", "")])
        seeds.append(b"\0" + buf.getvalue().encode("utf-8"))
        lines = "".join(_json.dumps({"id": k, "hash": v.get("hash"), "scheme": v.get("family")}) + "\n" for k, v in enumerate(chunk))
        seeds.append(b"\1" + lines.encode("utf-8"))
    seeds.append(b"\0id,hash\n1,$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0\n")
    write("file_readers", seeds)

    # argon2_core: header bytes (alg, version, p, m, t, threads, lengths) + data.
    seeds = []
    for alg in range(3):
        for version in range(2):
            for p in range(4):
                head = bytes([alg, version, p, 8 * p + 3, p % 3, p % 3, 28, 32, 8, 8 * (p % 2), 12 * (p % 2)])
                seeds.append(head + hashlib.sha512(head).digest() * 4)
    write("argon2_core", seeds)

    # sha512_core: 64 bytes of state, then 1-3 blocks (SHA-crypt-like and edge fills).
    seeds = []
    for n in (1, 2, 3):
        for fill in (b"\0", b"\xff", b"\x80"):
            seeds.append(hashlib.sha512(bytes([n]) + fill).digest() + fill * (128 * n))
        seeds.append(hashlib.sha512(bytes([n])).digest() * (2 * n + 1))
    write("sha512_core", seeds)

    # bcrypt_core: variant byte, 16 bytes of salt, password (ASCII, high
    # bytes where `$2a$`/`$2x$` differ, 72 bytes and over).
    seeds = []
    for v in range(3):
        for pw in (b"", b"U*U", b"\xff\xff\xa3", b"\xa3", b"1\xa3345", b"x" * 72, b"\xaa\x55" * 40):
            seeds.append(bytes([v]) + hashlib.sha256(pw).digest()[:16] + pw)
    write("bcrypt_core", seeds)

    # yescrypt_core: header (flavor, log2 N - 1, r - 1, p - 1, t, salt length), salt, password.
    seeds = []
    for mode in range(3):
        for p in range(4):
            head = bytes([mode, 3 + p, 1 + 2 * p, p, p % 4, 16])
            seeds.append(head + hashlib.sha256(head).digest()[:16] + b"correct horse battery staple")
    seeds.append(bytes([2, 7, 7, 0, 0, 0]))
    write("yescrypt_core", seeds)


if __name__ == "__main__":
    main()
