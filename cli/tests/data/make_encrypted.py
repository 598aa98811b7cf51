#!/usr/bin/env python3
"""Encrypted-password columns for the `rehash wrap --encrypted` tests, made with
the `cryptography` package (not by rehash). Writes cli/tests/data/encrypted.csv
and cli/tests/data/encrypted.key (hex). Run from the repository root.
"""
import base64
import csv
import os

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

key = bytes(range(32))
passwords = ["password", "hunter2", "pässwörd ✓", "correct horse battery staple"]
with open("cli/tests/data/encrypted.key", "w") as f:
    f.write(key.hex() + "\n")
with open("cli/tests/data/encrypted.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "user", "gcm", "cbc", "password"])
    for i, pw in enumerate(passwords, start=1):
        nonce = os.urandom(12)
        gcm = base64.b64encode(nonce + AESGCM(key).encrypt(nonce, pw.encode(), None)).decode()
        iv = os.urandom(16)
        p = padding.PKCS7(128).padder()
        data = p.update(pw.encode()) + p.finalize()
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        cbc = base64.b64encode(iv + enc.update(data) + enc.finalize()).decode()
        w.writerow([i, f"user{i}", gcm, cbc, pw])
print("wrote cli/tests/data/encrypted.csv")
