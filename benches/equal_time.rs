//! Wrong-password latency for an unknown user (`verify_dummy`), a legacy user
//! (md5) and a current user (Argon2id at the target), through
//! `verify_and_upgrade` with equal-time failures on (the default) — and, for
//! contrast, the legacy user with them off.
//!
//! `cargo bench --bench equal_time` prints each distribution (median, p10,
//! p90) and the largest gap between the three medians; numbers go in
//! BENCHMARKS.md. A benchmark, not a timed test.

use std::time::Instant;

use rehash::{Policy, Scheme};

fn dist(mut f: impl FnMut(), n: usize) -> (f64, f64, f64) {
    for _ in 0..3 {
        f();
    }
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[n / 2], t[n / 10], t[n * 9 / 10])
}

fn main() {
    let n: usize = std::env::var("SAMPLES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let policy = Policy::builder().declare(Scheme::Md5Hex).build().expect("policy");
    let plain = Policy::builder().declare(Scheme::Md5Hex).equal_time_failures(false).build().expect("policy");
    let current = policy.hash(b"the real password").expect("hash");
    let legacy = "5f4dcc3b5aa765d61d8327deb882cf99";
    let rows = [
        ("unknown user (verify_dummy)", dist(|| drop(policy.verify_dummy(b"guess")), n)),
        ("legacy md5 user", dist(|| drop(policy.verify_and_upgrade(b"guess", legacy)), n)),
        ("current argon2id user", dist(|| drop(policy.verify_and_upgrade(b"guess", current.as_str())), n)),
    ];
    let off = dist(|| drop(plain.verify_and_upgrade(b"guess", legacy)), n);
    println!("wrong-password latency, Argon2id m=19456 t=2 p=1 target, {n} samples each (ms):");
    for (name, (med, p10, p90)) in &rows {
        println!("  {name:32} median {med:7.2}  p10 {p10:7.2}  p90 {p90:7.2}");
    }
    println!(
        "  {:32} median {:7.3}  p10 {:7.3}  p90 {:7.3}",
        "legacy md5 user, padding off", off.0, off.1, off.2
    );
    let meds: Vec<f64> = rows.iter().map(|r| r.1 .0).collect();
    let (lo, hi) = meds.iter().fold((f64::MAX, 0f64), |(l, h), m| (l.min(*m), h.max(*m)));
    println!("largest gap between the three medians: {:.1}%", 100.0 * (hi - lo) / lo);
}
