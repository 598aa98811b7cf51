#!/usr/bin/env python3
"""A/B one or more `scripts/compare.py` operations between an earlier commit
and the working tree, with the peers timed in the same run.

    python3 scripts/ab.py 902db5f~1 sha512_crypt_5000 [more ops…] [--runs 5]
        [--password PW]…    # default: compare.py's; repeat to A/B several

Builds `examples/timings` of <rev> in a temporary git worktree (its own
target directory) and of the working tree, then, `--runs` times, times each
op in the old binary, the new binary and every peer of that op, alternating
so a slow spell of the host hits all of them. Prints each run and the
median of the per-run medians, with new/old and the ratios to each peer.
Needs the peers of compare.py (`pip install -r scripts/compare-requirements.txt`).
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

ROOT = compare.ROOT


def build(tree, target):
    subprocess.run(["cargo", "build", "--release", "-q", "--example", "timings"], cwd=tree, check=True,
                   env={**os.environ, "CARGO_TARGET_DIR": target})
    return os.path.join(target, "release", "examples", "timings")


def timed(exe, op, line):
    r = compare.timings([line], (), exe).get(op, {})
    if "median_us" not in r:
        sys.exit(f"{exe}: {r}")
    return r["median_us"]


def main():
    args = sys.argv[1:]
    runs = 5
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
            old = build(tree, os.path.join(tmp, "target"))
            new = build(ROOT, os.path.join(ROOT, "target"))
            for pw, (op, stored, extra, peers) in cases:
                op = f"{op} [{len(pw.encode())}-byte password]"
                line = json.dumps({"op": op, "password": pw, "hash": stored, **extra}) + "\n"
                rows = []
                for n in range(runs):
                    row = {"old": timed(old, op, line), "new": timed(new, op, line)}
                    for name, fn in peers:
                        assert fn(), f"{name} rejects the {op} hash"
                        row[name] = compare.sample(fn)["median_us"]
                    rows.append(row)
                    print(f"{op} run {n + 1}: " + "  ".join(f"{k} {v:,.1f} µs" for k, v in row.items()), flush=True)
                med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
                print(f"{op} medians: " + "  ".join(f"{k} {v:,.1f} µs" for k, v in med.items()))
                print(f"{op} new/old {med['new'] / med['old']:.3f}; " + "; ".join(
                    f"old/{name} {med['old'] / med[name]:.3f}, new/{name} {med['new'] / med[name]:.3f}"
                    for name, _ in peers))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
