#!/usr/bin/env python3
"""Time rehash against the peers users would pick instead, in one run on one
machine, over the same stored hashes, and write the table into BENCHMARKS.md.

    python3 scripts/compare.py            # installs nothing; see below
    python3 scripts/compare.py --c        # against C: libxcrypt, libsodium, OpenSSL
    pip install -r scripts/compare-requirements.txt   # once: the peers

rehash is timed by examples/timings.rs (Policy::verify end to end, release
build) in its `--serve` mode, one sample per request, and each peer by the
same rule in Python; the samples alternate — a rehash sample, then one of
each peer, again and again (each sample >= 2 ms; for >= 1.5 s per side or
200 rounds, at least 7). The ratio of a row is the median of the per-round
ratios rehash / peer, so a slow spell of this shared host, which lasts
seconds, lands on both sides of every ratio. The list is gone through
COMPARE_REPEATS times (default 3); reported: medians over the repeats of the
median, p10 and p90 of each side and of the paired ratio (below 1 means
rehash is faster).

`--c` compares rehash with the C implementations family by family instead
(section "rehash against C, family by family" of BENCHMARKS.md): the C side
is timed in-process by scripts/ctime.c (built with cc, linked to libxcrypt,
libsodium loaded when present), alternately with rehash's samples; every
stored hash is made by the C library. COMPARE_ONLY=<substring> times only the
families whose name contains it.
"""
import datetime
import hashlib
import hmac
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def per_sample(one_us):
    """Calls per sample, so that a sample lasts >= 2 ms."""
    return int(min(max(2000 / max(one_us, 0.05), 1), 100000))


def timed(fn, per):
    """Microseconds per call of `fn` over `per` calls."""
    t = time.perf_counter()
    for _ in range(per):
        fn()
    return (time.perf_counter() - t) * 1e6 / per


class Server:
    """examples/timings --serve in a process with `env`: one sample per call."""

    def __init__(self, env, exe=None):
        exe = exe or os.path.join(ROOT, "target/release/examples/timings")
        self.proc = subprocess.Popen([exe, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, **dict(env)})

    def us(self, row, calls):
        self.proc.stdin.write(json.dumps({**row, "calls": calls}) + "\n")
        self.proc.stdin.flush()
        r = json.loads(self.proc.stdout.readline())
        if "us" not in r:
            sys.exit(f"rehash cannot time {row['op']}: {r}")
        return r["us"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def quantiles(xs):
    xs = sorted(xs)
    q = lambda f: xs[round((len(xs) - 1) * f)]
    return {"median_us": q(0.5), "p10_us": q(0.1), "p90_us": q(0.9)}


def paired(server, row, peers):
    """Alternating samples of rehash (through `server`) and of each peer:
    quantiles of each side and of the per-round ratios rehash / peer."""
    ours_per = per_sample(server.us(row, 1))
    peer_per = []
    for _, fn in peers:
        t = time.perf_counter()
        fn()
        peer_per.append(per_sample((time.perf_counter() - t) * 1e6))
    ours, theirs = [], [[] for _ in peers]
    begin = time.perf_counter()
    budget = 1.5 * (1 + len(peers))
    while len(ours) < 7 or (time.perf_counter() - begin < budget and len(ours) < 200):
        ours.append(server.us(row, ours_per))
        for (_, fn), per, acc in zip(peers, peer_per, theirs):
            acc.append(timed(fn, per))
    out = {"ours": quantiles(ours), "peers": []}
    for acc in theirs:
        ratios = [o / p for o, p in zip(ours, acc)]
        r = quantiles(ratios)
        out["peers"].append({**quantiles(acc), "ratio": r["median_us"], "ratio_p10": r["p10_us"],
                             "ratio_p90": r["p90_us"]})
    return out


def sample(fn):
    """`fn` alone, sampled as in `paired` (for the unpaired rows)."""
    t = time.perf_counter()
    fn()
    per = per_sample((time.perf_counter() - t) * 1e6)
    samples, begin = [], time.perf_counter()
    while len(samples) < 7 or (time.perf_counter() - begin < 1.5 and len(samples) < 200):
        samples.append(timed(fn, per))
    return quantiles(samples)


def ops(pw="correct horse battery staple"):
    """(op, password, stored, rehash extras, [(peer name, verify callable)]),
    every stored string made for `pw`."""
    from passlib import hash as h
    import argon2
    import bcrypt as pybcrypt
    import django
    from django.conf import settings

    if not settings.configured:  # ops() may be called once per password
        settings.configure(PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
        ])
        django.setup()
    from django.contrib.auth.hashers import check_password

    pwb = pw.encode()
    out = []
    md5 = hashlib.md5(pwb).hexdigest()
    out.append(("md5_hex", md5, {"scheme": "md5_hex"}, [
        ("passlib hex_md5", lambda: h.hex_md5.verify(pw, md5)),
        ("hashlib + hmac.compare_digest", lambda: hmac.compare_digest(hashlib.md5(pwb).hexdigest(), md5)),
    ]))
    salt = "0HNkIn3OIOnHn2INL2io6VOZw5luMu57"
    s256 = hashlib.sha256(pwb + salt.encode()).hexdigest() + ":" + salt
    def hashlib_salted():
        d, s = s256.split(":", 1)
        return hmac.compare_digest(hashlib.sha256(pwb + s.encode()).hexdigest(), d)
    out.append(("sha256_pass_salt", s256, {"scheme": "sha256_pass_salt"}, [("hashlib + hmac.compare_digest", hashlib_salted)]))
    # Every legacy family passlib also verifies (its defaults unless named;
    # extras declare the families a bare hex string cannot name itself).
    for op, handler, extra in [
        ("md5_crypt", h.md5_crypt, {}),
        ("apr1_md5_crypt", h.apr_md5_crypt, {}),
        ("sha256_crypt_5000", h.sha256_crypt.using(rounds=5000), {}),
        ("sha512_crypt_5000", h.sha512_crypt.using(rounds=5000), {}),
        ("sha1_crypt_480000", h.sha1_crypt, {}),
        ("sun_md5_crypt_34000", h.sun_md5_crypt, {}),
        ("phpass_2^13", h.phpass.using(rounds=13), {}),
        ("des_crypt", h.des_crypt, {"scheme": "des_crypt"}),
        ("bsdi_crypt_5001", h.bsdi_crypt, {}),
        ("bigcrypt", h.bigcrypt, {"scheme": "bigcrypt"}),
        ("ldap_md5", h.ldap_md5, {}),
        ("ldap_sha1", h.ldap_sha1, {}),
        ("ldap_salted_md5", h.ldap_salted_md5, {}),
        ("ldap_salted_sha1", h.ldap_salted_sha1, {}),
        ("django_salted_sha1", h.django_salted_sha1, {}),
        ("mysql41", h.mysql41, {"scheme": "mysql41"}),
        ("mssql2005", h.mssql2005, {}),
        ("hex_sha256", h.hex_sha256, {"scheme": "sha256_hex"}),
        ("nthash", h.nthash, {"scheme": "ntlm"}),
        ("fshp_sha1_480000", h.fshp, {}),
    ]:
        stored = handler.hash(pw)
        out.append((op, stored, extra, [(f"passlib {handler.name}", (lambda s=stored, hd=handler: hd.verify(pw, s)))]))
    dj = h.django_pbkdf2_sha256.using(rounds=1_000_000).hash(pw)
    out.append(("django_pbkdf2_sha256_1000000", dj, {}, [
        ("passlib django_pbkdf2_sha256", lambda: h.django_pbkdf2_sha256.verify(pw, dj)),
        ("Django check_password", lambda: check_password(pw, dj)),
    ]))
    if len(pwb) <= 72:  # python bcrypt refuses longer passwords (ab.py may pass one)
        bc = pybcrypt.hashpw(pwb, pybcrypt.gensalt(10)).decode()
        out.append(("bcrypt_cost10", bc, {}, [
            ("python bcrypt", lambda: pybcrypt.checkpw(pwb, bc.encode())),
            ("passlib bcrypt", lambda: h.bcrypt.verify(pw, bc)),
        ]))
    ph = argon2.PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1)
    a2 = ph.hash(pw)
    peers = [("argon2-cffi (C reference)", lambda: ph.verify(a2, pw)), ("passlib argon2", lambda: h.argon2.verify(pw, a2))]
    try:
        import nacl.pwhash.argon2id as na  # libsodium
        na_hash = na.str(pwb, opslimit=2, memlimit=19456 * 1024)
        peers = [("libsodium (PyNaCl)", lambda: na.verify(na_hash, pwb))] + peers
        # The system's libsodium too (Debian's build, its own run-time dispatch).
        try:
            import ctypes
            import ctypes.util
            sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
            if sodium.sodium_init() >= 0:
                sodium.crypto_pwhash_str_verify.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong]
                sodium.sodium_version_string.restype = ctypes.c_char_p
                ver = sodium.sodium_version_string().decode()
                peers.append((f"libsodium {ver} (system, ctypes)",
                              lambda: sodium.crypto_pwhash_str_verify(na_hash, pwb, len(pwb)) == 0))
        except OSError as e:
            print(f"system libsodium unavailable: {e}", file=sys.stderr)
    except Exception as e:  # noqa: BLE001
        print(f"PyNaCl unavailable: {e}", file=sys.stderr)
    out.append(("argon2id_m19456_t2_p1", a2, {}, peers))
    # The same verify with rehash's Argon2 core forced onto its slower paths
    # (REHASH_ARGON2_BACKEND); on a CPU without AVX-512 the avx512 row runs AVX2.
    for path in ("avx2", "portable"):
        out.append((f"argon2id_m19456_t2_p1 [{path} path]", a2, {"env": {"REHASH_ARGON2_BACKEND": path}}, peers))
    # sha512_crypt with rehash's SHA-512 core forced onto the sha2 path.
    sha512 = next(item for item in out if item[0] == "sha512_crypt_5000")
    out.append(("sha512_crypt_5000 [portable path]", sha512[1], {"env": {"REHASH_SHA512_BACKEND": "portable"}}, sha512[3]))
    sc = h.scrypt.using(rounds=17, block_size=8, parallelism=1).hash(pw)
    out.append(("scrypt_ln17_r8_p1", sc, {}, [("passlib scrypt (hashlib/OpenSSL)", lambda: h.scrypt.verify(pw, sc))]))
    pb = h.pbkdf2_sha256.using(rounds=600_000).hash(pw)
    out.append(("pbkdf2_sha256_600000", pb, {}, [("passlib pbkdf2_sha256 (hashlib/OpenSSL)", lambda: h.pbkdf2_sha256.verify(pw, pb))]))
    # The other PBKDF2 layouts passlib writes, at its defaults.
    for op, handler in [
        ("pbkdf2_sha1_131000", h.pbkdf2_sha1),
        ("pbkdf2_sha512_25000", h.pbkdf2_sha512),
        ("grub_pbkdf2_sha512_25000", h.grub_pbkdf2_sha512),
        ("atlassian_pbkdf2_sha1_10000", h.atlassian_pbkdf2_sha1),
    ]:
        stored = handler.hash(pw)
        out.append((op, stored, {}, [(f"passlib {handler.name} (hashlib/OpenSSL)", (lambda s=stored, hd=handler: hd.verify(pw, s)))]))
    bs = h.bcrypt_sha256.using(rounds=10).hash(pw)
    out.append(("passlib_bcrypt_sha256_cost10", bs, {}, [("passlib bcrypt_sha256 (python bcrypt)", lambda: h.bcrypt_sha256.verify(pw, bs))]))
    return pw, out


def machine():
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = []
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                have = set(line.split(":", 1)[1].split())
                flags = [f for f in ("sse4_1", "avx2", "avx512f", "avx512bw", "avx512vl", "sha_ni") if f in have]
                break
    except OSError:
        pass
    return (f"{cpu} (flags: {' '.join(flags) or 'unknown'}), {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def cli_verify(stored, pw, env):
    """Per-verify time through the `rehash verify` binary: (T(n) - T(1)) / (n - 1)
    over JSON lines of the same row, so process start-up cancels out; repeated
    7 times, median and p10-p90 of the per-verify estimates."""
    exe = os.path.join(ROOT, "target/release/rehash")
    line = json.dumps({"id": "u", "password": pw, "hash": stored}) + "\n"

    def run(n):
        t = time.perf_counter()
        out = subprocess.run([exe, "verify"], input=line * n, capture_output=True, text=True, check=True,
                             env={**os.environ, **env}).stdout
        assert out.count('"valid"') == n, out[:200]
        return time.perf_counter() - t

    n, est = 200, []
    for _ in range(7):
        est.append((run(n) - run(1)) * 1e6 / (n - 1))
    est.sort()
    q = lambda f: est[round((len(est) - 1) * f)]
    return {"median_us": q(0.5), "p10_us": q(0.1), "p90_us": q(0.9)}


def main():
    pw, items = ops()
    subprocess.run(["cargo", "build", "--release", "-q", "--example", "timings"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "rehash-cli"], cwd=ROOT, check=True)
    # Argon2id through the `rehash verify` command itself, on each path.
    for op, stored, extra, peers in list(items):
        if op.startswith("argon2id_m19456_t2_p1"):
            cli_op = op.replace("argon2id_m19456_t2_p1", "argon2id_m19456_t2_p1 via `rehash verify`")
            items.append((cli_op, stored, {**extra, "cli": True}, peers))
    # Each op: rehash and its peers sampled alternately (paired ratios); the
    # whole list gone through REPEATS times (COMPARE_REPEATS, default 3);
    # reported: the median over the repeats of each statistic. The forced
    # Argon2 / SHA-512 paths need their own server process (a path is chosen
    # once per process). The `rehash verify` rows time a whole process per
    # estimate, so they are not paired: their peers are timed right after.
    repeats = int(os.environ.get("COMPARE_REPEATS", "3"))
    servers = {}
    results = {}
    for rep in range(repeats):
        for op, stored, extra, peers in items:
            extra = dict(extra)
            env = tuple(sorted(extra.pop("env", {}).items()))
            for name, fn in peers:
                assert fn(), f"{name} rejects the {op} hash"
            if extra.pop("cli", False):
                r = {"ours": cli_verify(stored, pw, dict(env)), "peers": []}
                for _, fn in peers:
                    q = sample(fn)
                    r["peers"].append({**q, "ratio": r["ours"]["median_us"] / q["median_us"],
                                       "ratio_p10": None, "ratio_p90": None})
            else:
                if env not in servers:
                    servers[env] = Server(env)
                row = {"op": op, "password": pw, "hash": stored, **extra}
                r = paired(servers[env], row, peers)
            results.setdefault(op, []).append(r)
        print(f"repeat {rep + 1}/{repeats} done", file=sys.stderr)
    for server in servers.values():
        server.close()
    med = lambda xs: statistics.median(xs) if xs and None not in xs else None
    rows = []
    for op, _, _, peers in items:
        runs = results[op]
        r = {k: med([x["ours"][k] for x in runs]) for k in ("median_us", "p10_us", "p90_us")}
        for i, (name, _) in enumerate(peers):
            p = {k: med([x["peers"][i][k] for x in runs])
                 for k in ("median_us", "p10_us", "p90_us", "ratio", "ratio_p10", "ratio_p90")}
            rows.append((op, r, name, p))
            print(f"{op:42} rehash {r['median_us']:12.2f} us   {name:40} {p['median_us']:12.2f} us"
                  f"   ratio {p['ratio']:.3f}", file=sys.stderr)
    fmt = lambda x: f"{x:.2f}" if x < 100 else f"{x:,.0f}"
    table = ["| operation (verify) | rehash median µs (p10–p90) | peer | peer median µs (p10–p90) "
             "| ratio rehash/peer, paired (p10–p90) |",
             "|---|---|---|---|---|"]
    for op, r, name, p in rows:
        spread = f" ({p['ratio_p10']:.2f}–{p['ratio_p90']:.2f})" if p["ratio_p10"] is not None else " (unpaired)"
        table.append(
            f"| {op} | {fmt(r['median_us'])} ({fmt(r['p10_us'])}–{fmt(r['p90_us'])}) | {name} | "
            f"{fmt(p['median_us'])} ({fmt(p['p10_us'])}–{fmt(p['p90_us'])}) | {p['ratio']:.2f}{spread} |"
        )
    section = "\n".join([
        "<!-- compare:begin -->",
        f"Measured {datetime.date.today().isoformat()} on {machine()}; "
        f"each row the median of {repeats} repeats of paired sampling.",
        "Command: `pip install -r scripts/compare-requirements.txt && python3 scripts/compare.py`.",
        "",
        *table,
        "<!-- compare:end -->",
    ])
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\n## rehash against its peers\n\n<!-- compare:begin -->\n<!-- compare:end -->\n"
    text = re.sub(r"<!-- compare:begin -->.*?<!-- compare:end -->", lambda _: section, text, flags=re.S)
    open(path, "w").write(text)
    print(f"updated {path}", file=sys.stderr)


# --- `--c`: rehash against the C implementations, family by family ---------

class CTimer:
    """scripts/ctime.c in a process: one sample of a C implementation per call."""

    def __init__(self):
        exe = os.path.join(ROOT, "target/ctime")
        subprocess.run(["cc", "-O2", "-o", exe, os.path.join(ROOT, "scripts/ctime.c"), "-lcrypt", "-ldl"],
                       check=True)
        self.proc = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def us(self, impl, pw, stored, calls):
        self.proc.stdin.write(f"{impl}\t{calls}\t{pw}\t{stored}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().strip()
        if line.startswith("error"):
            return None
        return float(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def openssl_passwd(flag, salt, pw):
    """Per-call time of `openssl passwd FLAG -salt SALT -stdin` (OpenSSL's own
    md5-crypt, apr1 and SHA-crypt, in its command-line tool, not libcrypto):
    (T(n) - T(1)) / (n - 1), so process start-up cancels out; 7 estimates,
    their quantiles. Returns (stored hash, quantiles)."""
    cmd = ["openssl", "passwd", flag, "-salt", salt, "-stdin"]

    def run(n):
        t = time.perf_counter()
        out = subprocess.run(cmd, input=(pw + "\n") * n, capture_output=True, text=True, check=True).stdout
        assert out.count("\n") == n
        return time.perf_counter() - t, out.split("\n", 1)[0]

    stored = run(1)[1]
    per_call = run(1)[0]
    n = int(min(max(1.0 / max(per_call, 1e-6), 50), 5000))
    est = sorted((run(n)[0] - run(1)[0]) * 1e6 / (n - 1) for _ in range(7))
    return stored, quantiles(est)


def c_families(pw):
    """(family, stored, rehash extras, [C implementations]) for every family
    that rehash and libxcrypt (or libsodium) both implement, each hash made
    by the C library itself."""
    import ctypes
    import ctypes.util
    lib = ctypes.CDLL("libcrypt.so.1")
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]

    def made(prefix, count=0):
        setting = lib.crypt_gensalt(prefix.encode(), count, None, 0)
        return lib.crypt(pw.encode(), setting).decode()

    out = [
        ("bcrypt (`$2b$`, cost 10)", made("$2b$", 10), {}, ["libxcrypt"]),
        ("bcrypt (`$2a$`, cost 10)", made("$2a$", 10), {}, ["libxcrypt"]),
        ("bcrypt (`$2y$`, cost 12)", made("$2y$", 12), {}, ["libxcrypt"]),
        ("md5-crypt (`$1$`)", made("$1$"), {}, ["libxcrypt"]),
        ("sha256-crypt (5,000 rounds)", made("$5$", 5000), {}, ["libxcrypt"]),
        ("sha512-crypt (5,000 rounds)", made("$6$", 5000), {}, ["libxcrypt"]),
        ("sha512-crypt (656,000 rounds)", made("$6$", 656000), {}, ["libxcrypt"]),
        ("yescrypt (`j9T`: N 4096, r 32)", made("$y$"), {}, ["libxcrypt"]),
        ("yescrypt (`jBT`: N 16384, r 32)", made("$y$", 7), {}, ["libxcrypt"]),
        ("sha1-crypt (NetBSD, 40,000 rounds)", made("$sha1", 40000), {}, ["libxcrypt"]),
        ("Sun MD5 crypt (34,000 rounds)", made("$md5", 34000), {}, ["libxcrypt"]),
        ("BSDi crypt (5,001 rounds)", made("_", 5001), {}, ["libxcrypt"]),
        ("DES crypt", made(""), {"scheme": "des_crypt"}, ["libxcrypt"]),
        ("FreeBSD NT hash (`$3$$`)", made("$3$"), {}, ["libxcrypt"]),
    ]
    try:  # Argon2id made by libsodium itself (crypto_pwhash_str: Argon2id v1.3)
        sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
        if sodium.sodium_init() < 0:
            raise OSError("sodium_init failed")
        buf = ctypes.create_string_buffer(128)
        sodium.crypto_pwhash_str.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong,
                                             ctypes.c_ulonglong, ctypes.c_size_t]
        if sodium.crypto_pwhash_str(buf, pw.encode(), len(pw.encode()), 2, 19456 * 1024) != 0:
            raise OSError("crypto_pwhash_str failed")
        out.append(("Argon2id (m 19456, t 2, p 1)", buf.value.decode(), {}, ["libsodium"]))
    except OSError as e:
        print(f"no libsodium ({e}): no Argon2id row", file=sys.stderr)
    return out


def c_main():
    """`compare.py --c`: rehash's verify against the fastest C, per family."""
    pw = "correct horse battery staple"
    subprocess.run(["cargo", "build", "--release", "-q", "--example", "timings"], cwd=ROOT, check=True)
    server, ctimer = Server(()), CTimer()
    repeats = int(os.environ.get("COMPARE_REPEATS", "3"))
    only = os.environ.get("COMPARE_ONLY")  # a substring of the family names, to time a few
    fams = [f for f in c_families(pw) if not only or only in f[0]]
    results = {}
    for rep in range(repeats):
        for fam, stored, extra, impls in fams:
            row = {"op": fam, "password": pw, "hash": stored, **extra}
            ours_per = per_sample(server.us(row, 1))
            impls = [i for i in impls if ctimer.us(i, pw, stored, 1) is not None]
            per = [per_sample(ctimer.us(i, pw, stored, 1)) for i in impls]
            ours, theirs = [], [[] for _ in impls]
            begin = time.perf_counter()
            while len(ours) < 7 or (time.perf_counter() - begin < 3 and len(ours) < 200):
                ours.append(server.us(row, ours_per))
                for i, n, acc in zip(impls, per, theirs):
                    acc.append(ctimer.us(i, pw, stored, n))
            for i, acc in zip(impls, theirs):
                ratios = quantiles([o / t for o, t in zip(ours, acc)])
                results.setdefault((fam, i), []).append(
                    (quantiles(ours)["median_us"], quantiles(acc)["median_us"], ratios))
        print(f"repeat {rep + 1}/{repeats} done", file=sys.stderr)
    # OpenSSL's `passwd` (unpaired: a process per estimate), where it has the family.
    ossl = []
    for fam, flag, salt in [("md5-crypt (`$1$`)", "-1", "F7rLnocF"), ("apr1 (Apache `$apr1$`)", "-apr1", "F7rLnocF"),
                            ("sha256-crypt (5,000 rounds)", "-5", "J4NPqKjEKcYyyp2k"),
                            ("sha512-crypt (5,000 rounds)", "-6", "oXWtlk/2jm5bZD0I")]:
        if only and only not in fam:
            continue
        try:
            stored, q = openssl_passwd(flag, salt, pw)
        except (OSError, subprocess.CalledProcessError, AssertionError) as e:
            print(f"openssl passwd {flag}: {e}", file=sys.stderr)
            continue
        row = {"op": fam, "password": pw, "hash": stored}
        ours = quantiles([server.us(row, per_sample(server.us(row, 1))) for _ in range(15)])
        ossl.append((fam, ours["median_us"], q["median_us"]))
    server.close()
    ctimer.close()
    med = statistics.median
    fmt = lambda x: f"{x:.2f} µs" if x < 1000 else f"{x / 1000:.2f} ms"
    table = ["| family (verify, one core) | rehash | fastest C | C median | ratio rehash / C (p10–p90) |",
             "|---|---:|---|---:|---:|"]
    best = {}
    for (fam, impl), runs in results.items():
        ours, theirs = med([r[0] for r in runs]), med([r[1] for r in runs])
        ratio = med([r[2]["median_us"] for r in runs])
        p10, p90 = med([r[2]["p10_us"] for r in runs]), med([r[2]["p90_us"] for r in runs])
        if fam not in best or theirs < best[fam][2]:
            best[fam] = (impl, ours, theirs, ratio, p10, p90)
    for fam, ours, theirs in ossl:
        if fam not in best or theirs < best[fam][2]:
            best[fam] = ("OpenSSL `passwd` (unpaired)", ours, theirs, ours / theirs, None, None)
    for fam, _, _, _ in fams + [(f, None, None, None) for f, _, _ in ossl]:
        if fam not in best:
            continue
        impl, ours, theirs, ratio, p10, p90 = best.pop(fam)
        spread = f" ({p10:.2f}–{p90:.2f})" if p10 is not None else ""
        mark = " ✓" if ratio <= 1.0 else ""
        table.append(f"| {fam} | {fmt(ours)} | {impl} | {fmt(theirs)} | **{ratio:.2f}**{spread}{mark} |")
        print(table[-1], file=sys.stderr)
    ver = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libcrypt1"], capture_output=True,
                         text=True).stdout or "unknown"
    section = "\n".join([
        "<!-- compare-c:begin -->",
        f"Measured {datetime.date.today().isoformat()} on {machine()}; libxcrypt {ver}; "
        f"each row the median of {repeats} repeats of paired sampling (rehash and the C library "
        "alternately, each timed in its own process by a native loop).",
        "Command: `python3 scripts/compare.py --c`.",
        "",
        *table,
        "<!-- compare-c:end -->",
    ])
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path).read()
    if "<!-- compare-c:begin -->" not in text:
        text += "\n## rehash against C, family by family\n\n<!-- compare-c:begin -->\n<!-- compare-c:end -->\n"
    text = re.sub(r"<!-- compare-c:begin -->.*?<!-- compare-c:end -->", lambda _: section, text, flags=re.S)
    open(path, "w").write(text)
    print(f"updated {path}", file=sys.stderr)


if __name__ == "__main__":
    c_main() if "--c" in sys.argv[1:] else main()
