#!/usr/bin/env python3
"""Build samples/legacy-users.db: a small credential table of the kind rehash
is for, every hash made by an independent tool (hashlib, passlib/libpass,
argon2-cffi), never by rehash. Known passwords go to
samples/legacy-users.passwords.jsonl (for the tests), never into the table.

Run from the repository root: python3 samples/make_sample_db.py
"""
import hashlib
import json
import os
import sqlite3

from passlib import hash as h

rows = []


def add(user, password, stored, salt=None, scheme=None):
    rows.append((user, password, stored, salt, scheme))


add("alice", "password", hashlib.md5(b"password").hexdigest(), scheme="md5_hex")
add("amir", "password", hashlib.md5(b"password").hexdigest(), scheme="md5_hex")  # shares alice's password
add("anna", "password", hashlib.md5(b"password").hexdigest(), scheme="md5_hex")
add("bob", "hunter2", hashlib.md5(b"hunter2").hexdigest(), scheme="md5_hex")
add("carol", "letmein", hashlib.sha1(b"letmein").hexdigest(), scheme="sha1_hex")
salt = "Qm9vbGVhbiBvcGVyYXRvcnMgYXJlIGZ1"  # 32 characters
add("dave", "trustno1", hashlib.sha256((salt + "trustno1").encode()).hexdigest(), salt=salt, scheme="sha256_salt_pass")
add("erin", "dragon", hashlib.md5(b"dragon" + b"Ab3").hexdigest() + ":Ab3", scheme="md5_pass_salt")
add("frank", "monkey", h.md5_crypt.hash("monkey", salt="Xy7Zq1Ab"))
add("grace", "shadow", h.sha512_crypt.using(rounds=5000).hash("shadow", salt="Gr4ceSalt"))
add("heidi", "sunshine", h.phpass.hash("sunshine", salt="Hd1Sun5h"))
add("ivan", "master", h.ldap_salted_sha1.hash("master", salt=b"Iv4n"))
add("judy", "qwerty", h.django_pbkdf2_sha256.using(rounds=20000, salt="JudySalt1234").hash("qwerty"))
add("karl", "football", h.bcrypt.using(rounds=10, salt="KarlKarlKarlKarlKarlKe").hash("football"))
add("lena", "iloveyou", h.apr_md5_crypt.hash("iloveyou", salt="Lena1234"))
add("mike", "welcome", h.des_crypt.hash("welcome", salt="mk"), scheme="des_crypt")
add("nora", "batman", "md5" + hashlib.md5(b"batman" + b"nora").hexdigest(), scheme="postgres_md5")
add("olga", "princess", h.mysql41.hash("princess"), scheme="mysql41")
add("pete", "starwars", h.ldap_md5.hash("starwars"))
add("quinn", "passw0rd", h.nthash.hash("passw0rd"), scheme="ntlm")
add("rita", "whatever", "!" + h.sha512_crypt.using(rounds=5000).hash("whatever", salt="RitaLock"))  # locked
add("sam", "unknown", "this-is-not-a-hash")  # malformed
import argon2  # noqa: E402

ph = argon2.PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1)
add("tina", "correct horse battery staple", ph.hash("correct horse battery staple"))  # already at policy

os.makedirs("samples", exist_ok=True)
path = "samples/legacy-users.db"
if os.path.exists(path):
    os.remove(path)
db = sqlite3.connect(path)
db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, "
           "hash TEXT NOT NULL, salt TEXT, scheme TEXT)")
with open("samples/legacy-users.passwords.jsonl", "w") as f:
    for i, (user, password, stored, salt_col, scheme) in enumerate(rows, start=1):
        db.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?)", (i, user, stored, salt_col, scheme))
        f.write(json.dumps({"id": i, "username": user, "password": password}) + "\n")
db.commit()
db.execute("VACUUM")
db.close()
print(f"wrote {path} with {len(rows)} users")
