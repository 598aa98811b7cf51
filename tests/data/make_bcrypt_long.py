#!/usr/bin/env python3
"""bcrypt vectors for 72- and 100-byte passwords, made by the system's crypt(3)
(libxcrypt) through Python's crypt module, not by rehash.

Run from the repository root: python3 tests/data/make_bcrypt_long.py
Writes tests/data/bcrypt_long.jsonl (committed), read by tests/upgrade.rs.
"""
import json
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import crypt  # noqa: E402  (deprecated in 3.11, still the libxcrypt binding)

SALT = "abcdefghijklmnopqrstuu"
rows = []
for variant in ("2a", "2b", "2y"):
    for n in (72, 100):
        pw = "".join(chr(ord("a") + i % 26) for i in range(n))
        h = crypt.crypt(pw, f"${variant}$05${SALT}")
        rows.append({"variant": variant, "password": pw, "hash": h, "len": n})
with open("tests/data/bcrypt_long.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
print(f"wrote {len(rows)} vectors")
