#!/usr/bin/env python3
"""Turn criterion's results (target/criterion/*/*/new/estimates.json, after
`cargo bench --bench verify`) into the table of BENCHMARKS.md's criterion
section (between the criterion:begin/end markers)."""
import glob
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fmt(ns):
    return f"{ns:.0f} ns" if ns < 1e4 else (f"{ns / 1e3:.1f} µs" if ns < 1e7 else f"{ns / 1e6:.2f} ms")


rows = {}
for path in glob.glob(os.path.join(ROOT, "target/criterion/*/*/new/estimates.json")):
    group, bench = path.split(os.sep)[-4:-2]
    est = json.load(open(path))
    med = est["median"]
    rows.setdefault(bench, {})[group] = (med["point_estimate"], med["confidence_interval"]["lower_bound"], med["confidence_interval"]["upper_bound"])
lines = ["<!-- criterion:begin -->", "| bench | identify (median) | verify, or the group named (median, 95% CI) |", "|---|---|---|"]
for bench in sorted(rows):
    i = rows[bench].get("identify")
    v = rows[bench].get("verify")
    label = ""
    if v is None:
        group = next((g for g in rows[bench] if g != "identify"), None)
        v = rows[bench].get(group) if group else None
        label = f"{group}: " if group else ""
    lines.append(f"| {bench} | {fmt(i[0]) if i else '—'} | {label}{fmt(v[0]) + ' (' + fmt(v[1]) + '–' + fmt(v[2]) + ')' if v else '—'} |")
lines.append("<!-- criterion:end -->")
path = os.path.join(ROOT, "BENCHMARKS.md")
text = open(path).read()
block = "\n".join(lines)
if "<!-- criterion:begin -->" in text:
    text = re.sub(r"<!-- criterion:begin -->.*?<!-- criterion:end -->", lambda _: block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
print(f"{len(rows)} benches written to BENCHMARKS.md")
