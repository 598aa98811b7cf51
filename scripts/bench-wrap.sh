#!/usr/bin/env bash
# Throughput of `rehash wrap` on 1..N cores against the single-thread rate of the
# raw KDF (Argon2id m=19456, t=2, p=1) on the same machine. Numbers go in BENCHMARKS.md.
# Usage: scripts/bench-wrap.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-600}
cargo build --release --locked -q -p rehash-cli
cargo build --release --locked -q -p rehash --example timings
dir=$(mktemp -d)
python3 - "$dir/users.db" "$rows" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, hash TEXT NOT NULL, scheme TEXT)")
db.executemany("INSERT INTO users VALUES (?, ?, 'md5_hex')",
               [(i, hashlib.md5(f"pw{i}".encode()).hexdigest()) for i in range(1, int(sys.argv[2]) + 1)])
db.commit()
PY
kdf=$(echo '{"op":"kdf","password":"x","hash":"'"$(python3 -c "import argon2;print(argon2.PasswordHasher(memory_cost=19456,time_cost=2,parallelism=1).hash('x'))")"'"}' \
  | target/release/examples/timings | python3 -c "import json,sys;print(json.load(sys.stdin)['median_us'])")
single=$(python3 -c "print(1e6/$kdf)")
echo "raw Argon2id verify (m=19456,t=2,p=1), one thread: ${kdf} us => ${single} /s"
for jobs in $(seq 1 "$(nproc)"); do
  cp "$dir/users.db" "$dir/run.db"
  start=$(date +%s.%N)
  target/release/rehash wrap "$dir/run.db" --scheme-col scheme --jobs "$jobs" --batch-size 64 --json 2>/dev/null >/dev/null
  end=$(date +%s.%N)
  python3 -c "r=$rows/($end-$start); print(f'jobs={$jobs}: {r:.1f} rows/s = {r/($jobs*$single):.2f} x jobs x single-thread KDF rate')"
done
rm -rf "$dir"
