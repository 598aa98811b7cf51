#!/usr/bin/env python3
"""Scale benchmark of the batch tool on real stores (BENCHMARKS.md, "Batch
tool at 10M rows").

Loads N rows (default 10,000,000) shaped like a Django auth_user table
(`id bigint PRIMARY KEY, password varchar(128) NOT NULL`) into SQLite,
PostgreSQL and MariaDB, then times `rehash scan` and `rehash wrap --dry-run`
over each, with peak memory (GNU time's maximum resident set size).

The rows: 50% unique unsalted MD5 digests, 10% drawn from 10,000 "popular
passwords" (so scan finds shared-digest groups, Zipf-like), 40% real strings
of self-describing families (md5-crypt, phpass, bcrypt, Django PBKDF2,
sha512-crypt, and Argon2id at policy), cycled.

Usage: scripts/bench-stores.py [--rows N] [--engines sqlite,postgres,mysql]
Server URLs: REHASH_TEST_POSTGRES_URL, REHASH_TEST_MYSQL_URL (as in .ci/run).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import hashlib
import sqlite3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = "bench_auth_user"
# Real strings from ../shared/vectors (valid_invalid.jsonl); the Argon2id one
# with its parameters set to the default policy's, so it counts at policy.
STRINGS = [
    "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0",
    "$H$BbOpup1BA54sR/CHTnTBkfZZN4hJt2.",
    "$2b$04$7bkhCW7pNrQZYKfbwGfOBeOZdjquM/Xi2QtjH7/KsEiPacDM/5vjO",
    "pbkdf2_sha256$20000$QWqSMPtKEHHD5JIh7oOZTq$Tf5kJTrbiuJKqH4EiPz82XK1x7tiRSFaEQ3O4EE1PZc=",
    "$6$9WfUkGXIvqAYwYNx$K9hsusdIfYREeCB08BfYhf9C82jAcH/OJCvfUG5GrJ87fs5dEeCIjTBJUpuIJxN2W7fA6w.PR0JQs.Svv4Pxr1",
    "$argon2id$v=19$m=19456,t=2,p=1$NaT487VgZJM9Ws083JX1+g$kL/SWzbXrpxM3SQ/wLs7IM/+0hb+dJ1DNDk6rBgAHAs",
]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def binary():
    out = sh(["cargo", "build", "--release", "--locked", "-q", "-p", "rehash-cli", "--message-format=json"], cwd=ROOT)
    for line in out.stdout.splitlines():
        m = json.loads(line)
        if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "rehash" and m.get("executable"):
            return m["executable"]
    sys.exit("could not find the rehash binary")


def load_postgres(url, n):
    from urllib.parse import urlparse
    u = urlparse(url)
    conn = ["psql", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
            "-d", (u.path or "/test")[1:], "-v", "ON_ERROR_STOP=1", "-q"]
    arr = "ARRAY[" + ",".join("'" + x + "'" for x in STRINGS) + "]"
    sql = f"""
    DROP TABLE IF EXISTS {TABLE};
    CREATE TABLE {TABLE} (id bigint PRIMARY KEY, password varchar(128) NOT NULL);
    INSERT INTO {TABLE}
    SELECT g, CASE
      WHEN g % 10 = 0 THEN md5('pop' || (floor(power(random(), 3) * 10000))::int)
      WHEN g % 10 < 6 THEN md5('pw' || g)
      ELSE ({arr})[1 + g % {len(STRINGS)}] END
    FROM generate_series(1, {n}) g;
    VACUUM ANALYZE {TABLE};
    """
    sh(conn, input=sql)
    return conn


def load_mysql(url, n):
    from urllib.parse import urlparse
    u = urlparse(url)
    conn = ["mysql", "-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306), "-u", u.username or "root",
            (u.path or "/test")[1:]]
    if u.password:
        conn.insert(1, f"-p{u.password}")
    elt = "ELT(1 + seq %% %d, %s)" % (len(STRINGS), ",".join("'" + s + "'" for s in STRINGS))
    sql = f"""
    DROP TABLE IF EXISTS {TABLE};
    CREATE TABLE {TABLE} (id bigint PRIMARY KEY, password varchar(128) NOT NULL);
    SET SESSION unique_checks = 0;
    INSERT INTO {TABLE}
    SELECT seq, CASE
      WHEN seq % 10 = 0 THEN MD5(CONCAT('pop', FLOOR(POW(RAND(), 3) * 10000)))
      WHEN seq % 10 < 6 THEN MD5(CONCAT('pw', seq))
      ELSE {elt} END
    FROM seq_1_to_{n};
    ANALYZE TABLE {TABLE};
    """
    sh(conn, input=sql)
    return conn


def load_sqlite(path, n):
    import random
    rnd = random.Random(1)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, password varchar(128) NOT NULL)")

    def rows():
        for g in range(1, n + 1):
            if g % 10 == 0:
                h = hashlib.md5(b"pop%d" % int(rnd.random() ** 3 * 10000)).hexdigest()
            elif g % 10 < 6:
                h = hashlib.md5(b"pw%d" % g).hexdigest()
            else:
                h = STRINGS[g % len(STRINGS)]
            yield (g, h)

    db.executemany(f"INSERT INTO {TABLE} VALUES (?, ?)", rows())
    db.commit()
    db.close()


def timed(cmd):
    """Run under GNU time: (seconds, peak RSS MiB, stdout)."""
    start = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, text=True, capture_output=True)
    secs = time.monotonic() - start
    if p.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return secs, rss, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--engines", default="sqlite,postgres,mysql")
    a = ap.parse_args()
    exe = binary()
    tmp = tempfile.mkdtemp()
    policy = os.path.join(tmp, "policy.toml")
    with open(policy, "w") as f:
        f.write('[legacy]\ndeclare = ["md5_hex"]\n')
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}, {os.cpu_count()} cores; rows: {a.rows:,}")
    results = []
    for engine in a.engines.split(","):
        t0 = time.monotonic()
        if engine == "sqlite":
            path = os.path.join(tmp, "bench.db")
            load_sqlite(path, a.rows)
            src = path
        elif engine == "postgres":
            src = os.environ.get("REHASH_TEST_POSTGRES_URL")
            if not src:
                print("postgres: skipped (REHASH_TEST_POSTGRES_URL not set)")
                continue
            load_postgres(src, a.rows)
        elif engine == "mysql":
            src = os.environ.get("REHASH_TEST_MYSQL_URL")
            if not src:
                print("mysql: skipped (REHASH_TEST_MYSQL_URL not set)")
                continue
            load_mysql(src, a.rows)
        else:
            sys.exit(f"unknown engine {engine}")
        load = time.monotonic() - t0
        cols = ["--table", TABLE, "--hash-col", "password", "--policy", policy]
        s_secs, s_rss, s_out = timed([exe, "scan", src] + cols + ["--json"])
        rep = json.loads(s_out)
        assert rep["rows"] == a.rows, rep["rows"]
        t_secs, t_rss, t_out = timed([exe, "scan", src] + cols)
        d_secs, d_rss, d_out = timed([exe, "wrap", src] + cols + ["--dry-run", "--json"])
        dry = json.loads(d_out)
        assert dry["rows"] >= a.rows, dry["rows"]
        row = dict(engine=engine, load_s=load, scan_rows_s=a.rows / s_secs, scan_rss=s_rss,
                   text_rows_s=a.rows / t_secs, text_rss=t_rss, text_bytes=len(t_out),
                   dry_rows_s=a.rows / d_secs, dry_rss=d_rss, groups=rep["shared_digest_groups"],
                   shared=rep["shared_digest_accounts"], would_wrap=dry["wrapped"])
        results.append(row)
        print(json.dumps(row))
        if engine == "sqlite":
            os.remove(src)
    print()
    print("| engine | load | scan --json | peak RSS | scan (text) | peak RSS | text report | wrap --dry-run | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['engine']} | {r['load_s']:.0f} s | {r['scan_rows_s']:,.0f} rows/s | {r['scan_rss']:.0f} MiB "
              f"| {r['text_rows_s']:,.0f} rows/s | {r['text_rss']:.0f} MiB | {r['text_bytes']:,} B "
              f"| {r['dry_rows_s']:,.0f} rows/s | {r['dry_rss']:.0f} MiB |")
    if results:
        r = results[0]
        print(f"\nshared digests: {r['groups']:,} groups, {r['shared']:,} accounts; wrap would change {r['would_wrap']:,} rows")


if __name__ == "__main__":
    main()
