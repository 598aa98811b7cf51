#!/usr/bin/env python3
"""The Python package against Rust, argon2-cffi and passlib (BENCHMARKS.md,
"Python package").

1. Argon2id verify (m=19456 KiB, t=2, p=1, a hash made by argon2-cffi) three
   ways, sampled alternately so a slow second of the shared host hits all
   three: `rehash.Context.verify` (the installed package), the same
   `Policy::verify` in Rust (examples/timings.rs --serve, release build, one
   process fed over a pipe), and argon2-cffi's `PasswordHasher.verify`.
   Reported: medians, and the medians of the per-round ratios.
   Goals: package <= 1.05 x Rust, package <= 0.5 x argon2-cffi.
2. A legacy md5 verify call: rehash's `Context(declare=["md5_hex"]).verify`
   against passlib's `CryptContext(schemes=["hex_md5"]).verify` and against
   the bare handler `hex_md5.verify`; md5-crypt (`$1$`) likewise. Goal:
   rehash <= passlib per call.
3. GIL: Argon2id verifies by 1 thread, then by 2 threads at once (each the
   same count), alternating, 40 short rounds: throughput ratio (median, p90,
   best). Goal: >= 1.8 on 2 cores. On a shared host the other tenants' load
   (printed before and after) takes cores from the second thread: the best
   rounds are the ones with both cores free.

Install the package built for release first:
    pip install ./bindings/python   (or the wheel of `maturin build --release`)
    pip install argon2-cffi libpass   (libpass: the maintained passlib; installing
    the old passlib 1.7.4 over it breaks its bcrypt with bcrypt 5)
Usage: scripts/bench-python.py [--rounds N] [--only threads] [--thread-rounds N]
       [--memory-kib M]  (m of the thread measure's hash; default 19456)
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import threading
import time

import rehash

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "correct horse battery staple"


class RustServer:
    """examples/timings --serve: `Policy::verify` timed in Rust, one sample per request."""

    def __init__(self):
        subprocess.run(["cargo", "build", "--release", "-q", "--example", "timings"], cwd=ROOT, check=True)
        exe = os.path.join(ROOT, "target/release/examples/timings")
        self.proc = subprocess.Popen([exe, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def us(self, password, hash, calls, scheme=None):
        line = {"op": "x", "password": password, "hash": hash, "calls": calls}
        if scheme:
            line["scheme"] = scheme
        self.proc.stdin.write(json.dumps(line) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "us" not in answer:
            raise SystemExit(f"timings: {answer}")
        return answer["us"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def per_call_us(fn, calls):
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t) * 1e6 / calls


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    return f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def argon2_section(rounds):
    import argon2

    ph = argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
    h = ph.hash(PASSWORD)
    ctx = rehash.Context()
    assert ctx.verify(PASSWORD, h) and ph.verify(h, PASSWORD)
    server = RustServer()
    calls = 5
    pkg, rust, cffi = [], [], []
    # Warm-up: page in the arenas of all three.
    server.us(PASSWORD, h, calls)
    per_call_us(lambda: ctx.verify(PASSWORD, h), calls)
    per_call_us(lambda: ph.verify(h, PASSWORD), calls)
    for i in range(rounds):
        order = [0, 1, 2] if i % 2 == 0 else [2, 1, 0]
        for k in order:
            if k == 0:
                pkg.append(per_call_us(lambda: ctx.verify(PASSWORD, h), calls))
            elif k == 1:
                rust.append(server.us(PASSWORD, h, calls))
            else:
                cffi.append(per_call_us(lambda: ph.verify(h, PASSWORD), calls))
    server.close()
    med = statistics.median
    return {
        "package_us": med(pkg),
        "rust_us": med(rust),
        "argon2_cffi_us": med(cffi),
        "package_over_rust": med(p / r for p, r in zip(pkg, rust)),
        "package_over_argon2_cffi": med(p / c for p, c in zip(pkg, cffi)),
        "rounds": rounds,
        "calls_per_sample": calls,
    }


def md5_section(rounds):
    from passlib.context import CryptContext
    from passlib.hash import hex_md5, md5_crypt

    out = {}
    md5 = hex_md5.hash(PASSWORD)
    crypt = md5_crypt.hash(PASSWORD)
    cases = {
        "md5_hex": (
            rehash.Context(declare=["md5_hex"]),
            CryptContext(schemes=["hex_md5"]),
            hex_md5,
            md5,
            20000,
        ),
        "md5_crypt": (rehash.Context(), CryptContext(schemes=["md5_crypt"]), md5_crypt, crypt, 200),
    }
    for name, (ctx, cc, handler, h, calls) in cases.items():
        assert ctx.verify(PASSWORD, h) and cc.verify(PASSWORD, h) and handler.verify(PASSWORD, h)
        assert not ctx.verify(PASSWORD + "x", h)
        ours, theirs, bare = [], [], []
        for i in range(rounds):
            ours.append(per_call_us(lambda: ctx.verify(PASSWORD, h), calls))
            theirs.append(per_call_us(lambda: cc.verify(PASSWORD, h), calls))
            bare.append(per_call_us(lambda: handler.verify(PASSWORD, h), calls))
        med = statistics.median
        out[name] = {
            "rehash_us": med(ours),
            "passlib_context_us": med(theirs),
            "passlib_handler_us": med(bare),
            "rehash_over_passlib_context": med(a / b for a, b in zip(ours, theirs)),
            "rehash_over_passlib_handler": med(a / b for a, b in zip(ours, bare)),
            "calls_per_sample": calls,
        }
    return out


def threads_section(rounds, per_thread=6, memory_kib=19456):
    """1 thread, then 2 threads at once, each `per_thread` Argon2id verifies of
    the same argon2-cffi-made hash (t=2, p=1, `memory_kib`); rehash and, as the
    control under the same host load, argon2-cffi (which releases the GIL too)."""
    import argon2

    ctx = rehash.Context()
    ph = argon2.PasswordHasher(time_cost=2, memory_cost=memory_kib, parallelism=1)
    hc = ph.hash(PASSWORD)
    h = hc
    fns = {"rehash": lambda: ctx.verify(PASSWORD, h), "argon2_cffi": lambda: ph.verify(hc, PASSWORD)}

    def timed(fn, n):
        def work():
            for _ in range(per_thread):
                fn()

        ts = [threading.Thread(target=work) for _ in range(n)]
        t = time.perf_counter()
        for x in ts:
            x.start()
        for x in ts:
            x.join()
        return n * per_thread / (time.perf_counter() - t)

    out = {}
    ratios = {k: [] for k in fns}
    rates = {k: ([], []) for k in fns}
    for fn in fns.values():
        fn()  # warm-up
    for _ in range(rounds):
        for k, fn in fns.items():
            a, b = timed(fn, 1), timed(fn, 2)
            rates[k][0].append(a)
            rates[k][1].append(b)
            ratios[k].append(b / a)
    med = statistics.median
    for k in fns:
        r = ratios[k]
        q = statistics.quantiles(r, n=10) if len(r) >= 10 else [min(r)] * 9
        out[k] = {
            "one_thread_per_s": med(rates[k][0]),
            "two_threads_per_s": med(rates[k][1]),
            "ratio": med(r),
            "ratio_p90": q[8],
            "ratio_max": max(r),
            "ratios": [round(x, 2) for x in r],
        }
    out["verifies_per_thread"] = per_thread
    return out


def print_threads(t):
    print("| 2 threads / 1 thread, Argon2id verify | median | p90 | best | 1 thread | 2 threads |")
    print("|---|---:|---:|---:|---:|---:|")
    for k in ("rehash", "argon2_cffi"):
        r = t[k]
        print(
            f"| {k} | {r['ratio']:.2f} | {r['ratio_p90']:.2f} | {r['ratio_max']:.2f} "
            f"| {r['one_thread_per_s']:.1f}/s | {r['two_threads_per_s']:.1f}/s |"
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--thread-rounds", type=int, default=40)
    ap.add_argument("--only", choices=["threads"], help="run only the 1- and 2-thread measure")
    ap.add_argument("--memory-kib", type=int, default=19456,
                    help="Argon2id m of the thread measure (default 19456, the OWASP floor)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"rehash {rehash.__version__} from {rehash._rehash.__file__}")
    print(f"load average before: {open('/proc/loadavg').read().strip()}")
    if args.only == "threads":
        t = threads_section(args.thread_rounds, memory_kib=args.memory_kib)
        print(json.dumps(t, indent=2))
        print_threads(t)
        print(f"load average after: {open('/proc/loadavg').read().strip()}")
        return
    a = argon2_section(args.rounds)
    m = md5_section(args.rounds)
    t = threads_section(args.thread_rounds, memory_kib=args.memory_kib)
    print(f"load average after: {open('/proc/loadavg').read().strip()}")
    print(json.dumps({"argon2id": a, "md5": m, "threads": t}, indent=2))
    print()
    print("| Argon2id verify, m=19456 KiB, t=2, p=1 | median per call | package / it |")
    print("|---|---:|---:|")
    print(f"| rehash package (`Context.verify`) | {a['package_us'] / 1000:.2f} ms | 1 |")
    print(f"| rehash in Rust (`Policy::verify`) | {a['rust_us'] / 1000:.2f} ms | {a['package_over_rust']:.3f} |")
    print(
        f"| argon2-cffi (`PasswordHasher.verify`) | {a['argon2_cffi_us'] / 1000:.2f} ms "
        f"| {a['package_over_argon2_cffi']:.3f} |"
    )
    print()
    print(
        "| legacy verify, one call | rehash | passlib CryptContext | passlib handler | rehash / context | rehash / handler |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in m.items():
        print(
            f"| {name} | {r['rehash_us']:.2f} µs | {r['passlib_context_us']:.2f} µs | {r['passlib_handler_us']:.2f} µs "
            f"| {r['rehash_over_passlib_context']:.3f} | {r['rehash_over_passlib_handler']:.3f} |"
        )
    print()
    print_threads(t)


if __name__ == "__main__":
    main()
