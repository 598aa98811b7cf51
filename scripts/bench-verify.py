#!/usr/bin/env python3
"""`rehash verify` against a plain Python hashlib loop (BENCHMARKS.md,
"rehash verify, streaming").

1. Legacy path, one core: 200,000 mixed JSON lines (md5/sha1 hex, salted
   SHA-256 with a salt field, LDAP {SSHA} and {MD5}, MySQL 4.1; half right and
   half wrong passwords) through `rehash verify` and through the same work
   written as a Python loop over hashlib (parse the line, compute, compare
   with hmac.compare_digest, write a JSON result). Medians of 5 alternating
   runs; goal: rehash <= 0.15 x the loop's time.
2. Argon2 lines (m=19456, t=2, p=1) with --jobs 1..cores: scaling.

Usage: scripts/bench-verify.py [--lines N] [--argon2-lines N]
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary():
    out = subprocess.run(
        ["cargo", "build", "--release", "--locked", "-q", "-p", "rehash-cli", "--message-format=json"],
        cwd=ROOT, check=True, text=True, capture_output=True).stdout
    for line in out.splitlines():
        m = json.loads(line)
        if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "rehash" and m.get("executable"):
            return m["executable"]
    sys.exit("no rehash binary")


def make_lines(n, rnd):
    out = []
    for i in range(n):
        pw = "pw%08d" % rnd.randrange(10**8)
        given = pw if i % 2 == 0 else pw + "x"
        k = i % 6
        b = pw.encode()
        if k == 0:
            rec = {"hash": hashlib.md5(b).hexdigest(), "family": "md5_hex"}
        elif k == 1:
            rec = {"hash": hashlib.sha1(b).hexdigest(), "family": "sha1_hex"}
        elif k == 2:
            salt = "%032x" % rnd.getrandbits(128)
            rec = {"hash": hashlib.sha256(salt.encode() + b).hexdigest(), "salt": salt, "family": "sha256_salt_pass"}
        elif k == 3:
            salt = os.urandom(8)
            rec = {"hash": "{SSHA}" + base64.b64encode(hashlib.sha1(b + salt).digest() + salt).decode()}
        elif k == 4:
            rec = {"hash": "{MD5}" + base64.b64encode(hashlib.md5(b).digest()).decode()}
        else:
            rec = {"hash": "*" + hashlib.sha1(hashlib.sha1(b).digest()).hexdigest().upper(), "family": "mysql41"}
        rec = {"id": i, "password": given, **rec}
        out.append(json.dumps(rec))
    return "\n".join(out) + "\n"


LOOP = r'''
import base64, hashlib, hmac, json, sys
def check(r):
    pw = r["password"].encode(); h = r["hash"]; f = r.get("family")
    if f == "md5_hex": return "md5_hex", hmac.compare_digest(hashlib.md5(pw).hexdigest(), h.lower())
    if f == "sha1_hex": return "sha1_hex", hmac.compare_digest(hashlib.sha1(pw).hexdigest(), h.lower())
    if f == "sha256_salt_pass":
        return f, hmac.compare_digest(hashlib.sha256(r["salt"].encode() + pw).hexdigest(), h.lower())
    if f == "mysql41":
        return f, hmac.compare_digest("*" + hashlib.sha1(hashlib.sha1(pw).digest()).hexdigest().upper(), h.upper())
    if h.startswith("{SSHA}"):
        raw = base64.b64decode(h[6:]); d, salt = raw[:20], raw[20:]
        return "ldap_salted_sha1", hmac.compare_digest(hashlib.sha1(pw + salt).digest(), d)
    if h.startswith("{MD5}"):
        return "ldap_md5", hmac.compare_digest(hashlib.md5(pw).digest(), base64.b64decode(h[5:]))
    raise ValueError("unknown")
out = sys.stdout
for line in sys.stdin:
    if not line.strip(): continue
    try:
        r = json.loads(line); scheme, ok = check(r)
        out.write(json.dumps({"id": r.get("id"), "result": "valid" if ok else "invalid", "scheme": scheme,
                              "needs_upgrade": ok}) + "\n")
    except Exception as e:
        out.write(json.dumps({"id": None, "result": "error", "error": type(e).__name__}) + "\n")
'''


def run(cmd, path):
    with open(path, "rb") as f:
        t = time.perf_counter()
        p = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, check=True)
        return time.perf_counter() - t, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--argon2-lines", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    exe = binary()
    rnd = random.Random(7)
    tmp = tempfile.mkdtemp()
    legacy = os.path.join(tmp, "legacy.jsonl")
    with open(legacy, "w") as f:
        f.write(make_lines(a.lines, rnd))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores; {a.lines:,} legacy lines")
    ours, theirs = [], []
    for _ in range(a.repeats):
        t, out = run([exe, "verify"], legacy)
        ours.append(t)
        t2, out2 = run([sys.executable, "-c", LOOP], legacy)
        theirs.append(t2)
    # Same answers.
    a_res = [json.loads(l)["result"] for l in out.decode().splitlines()]
    b_res = [json.loads(l)["result"] for l in out2.decode().splitlines()]
    assert a_res == b_res, "rehash and the loop disagree"
    assert a_res.count("valid") == a.lines // 2 + a.lines % 2
    r, p = statistics.median(ours), statistics.median(theirs)
    print(f"legacy, 1 thread: rehash verify {r:.3f} s ({r / a.lines * 1e6:.2f} us/line), "
          f"python hashlib loop {p:.3f} s ({p / a.lines * 1e6:.2f} us/line): ratio {r / p:.3f} (goal <= 0.15)")
    # Argon2 scaling.
    import argon2  # argon2-cffi, from tests/interop/requirements.txt
    ph = argon2.PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1)
    h = ph.hash("password")
    a2 = os.path.join(tmp, "argon2.jsonl")
    with open(a2, "w") as f:
        for i in range(a.argon2_lines):
            f.write(json.dumps({"id": i, "password": "password" if i % 2 else "nope", "hash": h}) + "\n")
    base = None
    for jobs in range(1, (os.cpu_count() or 1) + 1):
        ts = [run([exe, "verify", "--jobs", str(jobs)], a2)[0] for _ in range(3)]
        t = statistics.median(ts)
        rate = a.argon2_lines / t
        base = base or rate
        print(f"argon2id m=19456,t=2,p=1, --jobs {jobs}: {rate:.1f} lines/s = {rate / base / jobs:.2f} x jobs x 1 thread")


if __name__ == "__main__":
    main()
