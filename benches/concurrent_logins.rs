//! 500 concurrent Argon2id logins (m=19456 KiB, t=2, p=1) through the
//! memory-budget limiter with a 256 MiB budget: all complete, and the peak
//! resident set stays under budget + 64 MiB.
//!
//! `cargo bench --features tokio --bench concurrent_logins`
//! Prints the wall time, throughput and peak RSS (VmHWM); numbers go in
//! BENCHMARKS.md. Not a criterion bench: one run of the whole burst is the point.

use std::sync::Arc;
use std::time::Instant;

use rehash::limit::{Limiter, OwnedStored};
use rehash::{Policy, Upgrade};
use zeroize::Zeroizing;

fn vm_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; accept and ignore arguments.
    let logins: usize = std::env::var("LOGINS").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    let budget: u64 = 256 << 20;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let policy = Arc::new(Policy::default());
    let stored = policy.hash(b"correct horse battery staple").expect("hash");
    let baseline = vm_kib("VmRSS:");
    // THREADS: the limiter's thread budget (default: the core count). A large
    // value leaves only the memory budget to bound concurrency.
    let limiter = match std::env::var("THREADS").ok().and_then(|v| v.parse().ok()) {
        Some(t) => Limiter::with_threads(budget, t),
        None => Limiter::new(budget),
    };
    println!("thread budget {}", limiter.thread_budget());
    let start = Instant::now();
    let ok = rt.block_on(async {
        let mut tasks = Vec::with_capacity(logins);
        for i in 0..logins {
            let (limiter, policy, stored) = (limiter.clone(), Arc::clone(&policy), stored.clone());
            tasks.push(tokio::spawn(async move {
                let pw: &[u8] = if i % 2 == 0 { b"correct horse battery staple" } else { b"wrong" };
                let r = limiter.verify_and_upgrade(
                    &policy,
                    Zeroizing::new(pw.to_vec()),
                    OwnedStored::new(stored),
                );
                matches!(r.await, Ok(Upgrade::Valid { .. } | Upgrade::Invalid))
            }));
        }
        let mut ok = 0;
        for t in tasks {
            ok += usize::from(t.await.unwrap_or(false));
        }
        ok
    });
    let secs = start.elapsed().as_secs_f64();
    let peak = vm_kib("VmHWM:");
    println!("concurrent_logins: {ok}/{logins} completed in {secs:.2} s ({:.1} logins/s)", ok as f64 / secs);
    println!(
        "peak RSS {} MiB (baseline {} MiB), budget {} MiB, limit budget + 64 MiB = {} MiB",
        peak / 1024,
        baseline / 1024,
        budget >> 20,
        (budget >> 20) + 64
    );
    assert_eq!(ok, logins, "every login completes");
    assert!(peak <= (budget >> 10) + 64 * 1024, "peak RSS over budget + 64 MiB");
}
