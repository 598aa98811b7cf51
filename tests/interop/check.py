"""Verify hashes made by rehash with independent implementations.

Reads JSON lines {"target", "password_hex", "hash"} on stdin; prints one line
per input: "ok <target>" or "FAIL <target> <reason>". Used by tests/interop.rs.
"""
import json
import sys

import argon2
from passlib.hash import argon2 as pl_argon2
from passlib.hash import bcrypt as pl_bcrypt
from passlib.hash import bcrypt_sha256 as pl_bcrypt_sha256
from passlib.hash import pbkdf2_sha256 as pl_pbkdf2_sha256
from passlib.hash import scrypt as pl_scrypt

PASSLIB = {
    "argon2id": pl_argon2,
    "bcrypt": pl_bcrypt,
    "bcrypt_sha256": pl_bcrypt_sha256,
    "scrypt_passlib": pl_scrypt,
    "pbkdf2_sha256_passlib": pl_pbkdf2_sha256,
}

for line in sys.stdin:
    item = json.loads(line)
    target, stored = item["target"], item["hash"]
    password = bytes.fromhex(item["password_hex"])
    wrong = password + b"!"
    try:
        ok = PASSLIB[target].verify(password, stored) and not PASSLIB[target].verify(wrong, stored)
        if target == "argon2id":
            hasher = argon2.PasswordHasher()
            ok = ok and hasher.verify(stored, password)
            try:
                hasher.verify(stored, wrong)
                ok = False
            except argon2.exceptions.VerifyMismatchError:
                pass
        print(("ok " if ok else "FAIL ") + target, flush=True)
    except Exception as exc:  # report, never crash the run
        print(f"FAIL {target} {type(exc).__name__}: {exc}", flush=True)
