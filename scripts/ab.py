#!/usr/bin/env python3
"""A/B one or more `scripts/compare.py` operations between an earlier commit
and the working tree, with the peers timed in the same run.

    python3 scripts/ab.py 902db5f~1 sha512_crypt_5000 [more ops…] [--runs 3]
        [--password PW]…    # default: compare.py's; repeat to A/B several

Builds `examples/timings` of <rev> in a temporary git worktree (its own
target directory; the working tree's `examples/timings.rs` is copied in, so
both builds use the same harness and its `--serve` mode) and of the working
tree. Then, `--runs` times, samples the old binary, the new binary and every
peer of the op alternately, sample by sample (each >= 2 ms, for >= 1.5 s per
side or 200 rounds), as compare.py does: the ratios are medians of the
per-round ratios, so a slow spell of the host, which lasts seconds, hits
both sides of each. Prints each run and the median over the runs.
Needs the peers of compare.py (`pip install -r scripts/compare-requirements.txt`).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

ROOT = compare.ROOT


def build(tree, target):
    subprocess.run(["cargo", "build", "--release", "-q", "--example", "timings"], cwd=tree, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": target})
    return os.path.join(target, "release", "examples", "timings")


def run_once(old, new, row, peers):
    """One run of paired sampling: old, new, each peer, in turn."""
    sides = [("old", lambda n: old.us(row, n)), ("new", lambda n: new.us(row, n))]
    sides += [(name, (lambda n, fn=fn: compare.timed(fn, n))) for name, fn in peers]
    per = {name: compare.per_sample(f(1)) for name, f in sides}
    got = {name: [] for name, _ in sides}
    begin = time.perf_counter()
    while len(got["old"]) < 7 or (time.perf_counter() - begin < 1.5 * len(sides) and len(got["old"]) < 200):
        for name, f in sides:
            got[name].append(f(per[name]))
    med = {name: statistics.median(v) for name, v in got.items()}
    ratio = lambda a, b: statistics.median(x / y for x, y in zip(got[a], got[b]))
    ratios = {"new/old": ratio("new", "old")}
    for name, _ in peers:
        ratios[f"old/{name}"] = ratio("old", name)
        ratios[f"new/{name}"] = ratio("new", name)
    return med, ratios


def main():
    args = sys.argv[1:]
    runs = 3
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    passwords = []
    while "--password" in args:
        i = args.index("--password")
        passwords.append(args[i + 1])
        del args[i:i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    rev, wanted = args[0], set(args[1:])
    cases = []
    for pw in passwords or [None]:
        pw, items = compare.ops() if pw is None else compare.ops(pw)
        items = [it for it in items if it[0] in wanted and not it[2].get("env")]
        if {it[0] for it in items} != wanted:
            sys.exit(f"unknown op(s): {sorted(wanted - {it[0] for it in items})}")
        cases += [(pw, it) for it in items]
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        subprocess.run(["git", "worktree", "add", "-q", "--detach", tree, rev], cwd=ROOT, check=True)
        try:
            shutil.copy(os.path.join(ROOT, "examples", "timings.rs"), os.path.join(tree, "examples", "timings.rs"))
            old = compare.Server((), build(tree, os.path.join(tmp, "target")))
            new = compare.Server((), build(ROOT, os.path.join(ROOT, "target")))
            for pw, (op, stored, extra, peers) in cases:
                for name, fn in peers:
                    assert fn(), f"{name} rejects the {op} hash"
                label = f"{op} [{len(pw.encode())}-byte password]"
                row = {"op": op, "password": pw, "hash": stored, **extra}
                meds, rats = [], []
                for n in range(runs):
                    med, ratios = run_once(old, new, row, peers)
                    meds.append(med)
                    rats.append(ratios)
                    print(f"{label} run {n + 1}: " + "  ".join(f"{k} {v:,.1f} µs" for k, v in med.items())
                          + "  |  " + "  ".join(f"{k} {v:.3f}" for k, v in ratios.items()), flush=True)
                med = {k: statistics.median(m[k] for m in meds) for k in meds[0]}
                rat = {k: statistics.median(r[k] for r in rats) for k in rats[0]}
                print(f"{label} medians: " + "  ".join(f"{k} {v:,.1f} µs" for k, v in med.items()))
                print(f"{label} paired ratios: " + "; ".join(f"{k} {v:.3f}" for k, v in rat.items()))
            old.close()
            new.close()
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
