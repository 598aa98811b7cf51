#!/usr/bin/env python3
"""yescrypt (`$y$`) vectors made by the system's libxcrypt through ctypes, not
by rehash: every cost crypt_gensalt offers up to 7 (N 2^11..2^16 at r 8 and
32), and hand-made settings for what the `$y$` encoding can also say and the
`yescrypt` crate computes: p > 1, t > 0, the classic-scrypt (`.`) and WORM
(`/`) flavors, an empty salt, small N and r. Passwords: empty, ASCII,
non-ASCII UTF-8 and 100 bytes.

Run from the repository root: python3 tests/data/make_yescrypt_libxcrypt.py
Writes tests/data/yescrypt_libxcrypt.jsonl (committed), read by
tests/yescrypt_libxcrypt.rs.
"""
import ctypes
import json

lib = ctypes.CDLL("libcrypt.so.1")
lib.crypt_gensalt.restype = ctypes.c_char_p
lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
lib.crypt.restype = ctypes.c_char_p
lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]

PASSWORDS = ["", "password", "p\u00e4ssw\u00f6rd \u2603", "".join(chr(ord("a") + i % 26) for i in range(100))]
# Fixed random bytes for crypt_gensalt, so a re-run writes the same file.
RBYTES = bytes(range(7, 7 + 16))

settings = []
for count in range(1, 8):
    settings.append(lib.crypt_gensalt(b"$y$", count, RBYTES, len(RBYTES)).decode())
for params in ["j75.1", "j65.4", "j75/.", "j75/0", "j35/2", "j550./", ".75", ".65.1", "/75", "/75/.", "/65/0",
               "j3.", "j2/", "j85"]:
    settings.append(f"$y${params}$LdJMENpBABJJ3hIHjB1Bi.")
settings.append("$y$j75$")

rows = []
for setting in settings:
    for pw in PASSWORDS:
        h = lib.crypt(pw.encode(), setting.encode()).decode()
        assert h.startswith("$y$"), (setting, h)
        rows.append({"setting": setting, "password": pw, "hash": h})
with open("tests/data/yescrypt_libxcrypt.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(f"wrote {len(rows)} vectors")
