//! Timing half of `scripts/compare.py`: reads JSON lines
//! `{"op", "password", "hash", "scheme"?, "salt"?}` on stdin, times
//! `Policy::verify` on each (the whole path: identify, ceilings, KDF,
//! constant-time compare) and prints one JSON line per op with the median and
//! the 10th/90th percentiles in microseconds.
//!
//! `cargo run --release --example timings < ops.jsonl` — the script does this.
//!
//! With `--serve` it times one sample per line instead: each line also names
//! `"calls"`, and the answer `{"op", "us"}` (microseconds per call, or
//! `"error"`) comes back at once, so `scripts/compare.py` can alternate
//! rehash's samples with its peers' sample by sample (paired ratios).

use std::io::BufRead;
use std::time::{Duration, Instant};

use rehash::{Policy, Scheme, Stored};

/// One input line: the op's name, the password and the stored row.
struct Row {
    op: String,
    password: String,
    hash: String,
    salt: Option<String>,
    scheme: Option<Scheme>,
}

impl Row {
    fn parse(v: &serde_json::Value) -> Option<Row> {
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        Some(Row {
            op: s("op")?,
            password: s("password")?,
            hash: s("hash")?,
            salt: s("salt"),
            scheme: s("scheme").and_then(|x| Scheme::from_name(&x)),
        })
    }

    fn stored(&self) -> Stored<'_> {
        let mut st = Stored::new(&self.hash);
        if let Some(x) = &self.salt {
            st = st.with_salt(x);
        }
        if let Some(k) = self.scheme {
            st = st.with_scheme(k);
        }
        st
    }
}

/// `--serve`: one timed sample per input line.
fn serve(policy: &Policy) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        let Some(row) = Row::parse(&v) else { continue };
        let calls = v.get("calls").and_then(serde_json::Value::as_u64).unwrap_or(1).clamp(1, 1_000_000);
        let pw = row.password.as_bytes();
        let answer = match policy.verify(pw, row.stored()).map(|r| r.is_valid()) {
            Ok(true) => {
                let t = Instant::now();
                for _ in 0..calls {
                    let _ = std::hint::black_box(policy.verify(std::hint::black_box(pw), row.stored()));
                }
                serde_json::json!({"op": row.op, "us": t.elapsed().as_secs_f64() * 1e6 / calls as f64})
            }
            other => serde_json::json!({"op": row.op, "error": format!("{other:?}")}),
        };
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}

fn main() {
    let policy = Policy::default();
    if std::env::args().any(|a| a == "--serve") {
        return serve(&policy);
    }
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let v: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => continue,
        };
        let Some(row) = Row::parse(&v) else { continue };
        let (op, pw, stored) = (&row.op, &row.password, || row.stored());
        let ok = policy.verify(pw.as_bytes(), stored()).map(|r| r.is_valid());
        if ok != Ok(true) {
            println!("{}", serde_json::json!({"op": op, "error": format!("{ok:?}")}));
            continue;
        }
        // Calls per sample: enough that a sample lasts ≥ 2 ms (timer noise), and
        // samples until ≥ 1.5 s or 200 samples, at least 7.
        let start = Instant::now();
        let _ = policy.verify(pw.as_bytes(), stored());
        let one = start.elapsed().max(Duration::from_nanos(50));
        let per = (Duration::from_millis(2).as_nanos() / one.as_nanos()).clamp(1, 100_000) as u32;
        let mut samples = Vec::new();
        let begin = Instant::now();
        while samples.len() < 7 || (begin.elapsed() < Duration::from_millis(1500) && samples.len() < 200) {
            let t = Instant::now();
            for _ in 0..per {
                let _ = std::hint::black_box(policy.verify(std::hint::black_box(pw.as_bytes()), stored()));
            }
            samples.push(t.elapsed().as_secs_f64() * 1e6 / f64::from(per));
        }
        samples.sort_by(f64::total_cmp);
        let q = |f: f64| samples[((samples.len() - 1) as f64 * f).round() as usize];
        println!(
            "{}",
            serde_json::json!({"op": op, "argon2_path": rehash::argon2_path(), "median_us": q(0.5), "p10_us": q(0.1), "p90_us": q(0.9), "samples": samples.len(), "calls_per_sample": per})
        );
    }
}
