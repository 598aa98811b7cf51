//! First verify after start-up, cold arena pool against a pre-warmed one:
//! `cargo run --release --example first_login [prewarm]` (one process per
//! measurement: the pool is process-wide). The stored string's tag does not
//! match: a failed verify does the same Argon2 work as a successful one.
use std::time::Instant;

fn main() {
    let policy = rehash::Policy::default();
    let hash =
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$JL8cwDmYNuHqy8ksr9sEo3XD4XW3NNDb4pSLa5VJS4U";
    if std::env::args().any(|a| a == "prewarm") {
        let t = Instant::now();
        let n = policy.prewarm(1);
        eprintln!("prewarm: {n} arena(s) in {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    }
    for i in 0..3 {
        let t = Instant::now();
        let _ = policy.verify(b"password", hash);
        println!("verify {i}: {:.2} ms ({})", t.elapsed().as_secs_f64() * 1e3, rehash::argon2_path());
    }
}
