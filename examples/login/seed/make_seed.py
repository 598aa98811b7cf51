#!/usr/bin/env python3
"""Make the login example's demo users with tools other than rehash.

Every legacy hash here comes from Python's hashlib or passlib (libpass), so the
example proves that rehash verifies what independent software wrote. The
output, users.json beside this script, is committed and compiled into the
example with include_str!; run this again only to regenerate it:

    python3 examples/login/seed/make_seed.py

The passwords are demo data, printed by the server on start.
"""

import hashlib
import json
import pathlib
import secrets
import string

from passlib.hash import bcrypt, django_pbkdf2_sha256, md5_crypt, phpass


def salt32() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def user(username, password, hash_, salt=None, scheme=None, made_by=""):
    return {
        "username": username,
        "password": password,
        "hash": hash_,
        "salt": salt,
        "scheme": scheme,
        "made_by": made_by,
    }


def main() -> None:
    users = []

    pw = "password123"
    users.append(user("alice", pw, hashlib.md5(pw.encode()).hexdigest(), scheme="md5_hex",
                      made_by="hashlib.md5(pass).hexdigest()"))

    pw = "correct horse battery staple"
    salt = salt32()
    users.append(user("bob", pw, hashlib.sha256((salt + pw).encode()).hexdigest(), salt=salt,
                      scheme="sha256_salt_pass", made_by="hashlib.sha256(salt . pass).hexdigest()"))

    pw = "hunter2"
    users.append(user("carol", pw, md5_crypt.hash(pw), made_by="passlib md5_crypt"))

    pw = "Tr0ub4dor&3"
    users.append(user("dave", pw, phpass.hash(pw), made_by="passlib phpass ($P$)"))

    pw = "letmein!"
    users.append(user("erin", pw, bcrypt.using(rounds=10, ident="2b").hash(pw),
                      made_by="passlib bcrypt, cost 10"))

    pw = "sw0rdfish"
    users.append(user("frank", pw, django_pbkdf2_sha256.hash(pw), made_by="passlib django_pbkdf2_sha256"))

    # Not a user: the value a password reset writes in the example's CAS test.
    reset_pw = "reset-by-admin"
    reset = {"password": reset_pw, "hash": md5_crypt.hash(reset_pw), "made_by": "passlib md5_crypt"}

    # Self-check with the same independent tools before writing anything.
    assert hashlib.md5(users[0]["password"].encode()).hexdigest() == users[0]["hash"]
    b = users[1]
    assert hashlib.sha256((b["salt"] + b["password"]).encode()).hexdigest() == b["hash"]
    assert md5_crypt.verify(users[2]["password"], users[2]["hash"])
    assert phpass.verify(users[3]["password"], users[3]["hash"])
    assert bcrypt.verify(users[4]["password"], users[4]["hash"]) and users[4]["hash"].startswith("$2b$10$")
    assert django_pbkdf2_sha256.verify(users[5]["password"], users[5]["hash"])
    assert md5_crypt.verify(reset["password"], reset["hash"])

    out = pathlib.Path(__file__).with_name("users.json")
    out.write_text(json.dumps({"users": users, "reset": reset}, indent=2) + "\n")
    print(f"wrote {out} ({len(users)} users)")


if __name__ == "__main__":
    main()
