//! A dudect-style leakage test (Reparaz, Balasch, Verbauwhede 2017): time an
//! operation on two classes of secret input, interleaved at random, and test
//! the two timing distributions for a difference with Welch's t-test, on the
//! raw samples and on samples cropped at several percentiles (dudect's
//! pre-processing). |t| > 4.5 would mean a detectable leak.
//!
//! `cargo bench --bench dudect` (SAMPLES=1000000 by default, per class):
//! 1. the digest comparison alone (`subtle`'s constant-time equality on 32
//!    bytes): stored digest equal to the derived one in 0 versus 31 leading bytes;
//! 2. `Policy::verify` of a salted SHA-256 hash (`sha256_pass_salt`) whose
//!    stored digest is crafted to match the digest derived from the (wrong)
//!    password in 0 versus 31 leading bytes.
//!
//! Results go in docs/security.md.

use std::hint::black_box;
use std::time::Instant;

use rehash::{Policy, Scheme, Stored};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Welch's t statistic of two samples.
fn welch(a: &[f64], b: &[f64]) -> f64 {
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var, n)
    };
    let (ma, va, na) = stats(a);
    let (mb, vb, nb) = stats(b);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// Largest |t| over the raw samples and dudect's percentile crops.
fn max_t(a: &[f64], b: &[f64]) -> (f64, Vec<(String, f64)>) {
    let mut all: Vec<f64> = a.iter().chain(b).copied().collect();
    all.sort_by(f64::total_cmp);
    let mut out = vec![("raw".to_owned(), welch(a, b))];
    for pct in [0.5, 0.75, 0.9, 0.95, 0.99] {
        let cut = all[((all.len() - 1) as f64 * pct) as usize];
        let ca: Vec<f64> = a.iter().copied().filter(|v| *v <= cut).collect();
        let cb: Vec<f64> = b.iter().copied().filter(|v| *v <= cut).collect();
        if ca.len() > 100 && cb.len() > 100 {
            out.push((format!("crop p{}", (pct * 100.0) as u32), welch(&ca, &cb)));
        }
    }
    (out.iter().map(|(_, t)| t.abs()).fold(0.0, f64::max), out)
}

/// Time `op(class)` for `n` samples per class, classes in random order.
/// `prep(class)` runs first, untimed: it puts the class's input in place, so
/// both classes run on the same memory and only the secret-dependent data differ.
fn measure(n: usize, mut prep: impl FnMut(usize), mut op: impl FnMut()) -> (Vec<f64>, Vec<f64>) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    while a.len() < n || b.len() < n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let class = if a.len() >= n {
            1
        } else if b.len() >= n {
            0
        } else {
            (state & 1) as usize
        };
        prep(class);
        let t = Instant::now();
        op();
        let dt = t.elapsed().as_nanos() as f64;
        if class == 0 {
            a.push(dt);
        } else {
            b.push(dt);
        }
    }
    (a, b)
}

fn report(name: &str, a: &[f64], b: &[f64]) {
    let (t, parts) = max_t(a, b);
    let med = |x: &[f64]| {
        let mut v = x.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!("{name}: {} + {} samples, medians {:.0} ns / {:.0} ns", a.len(), b.len(), med(a), med(b));
    for (what, t) in parts {
        println!("    t({what}) = {t:+.2}");
    }
    println!("    max |t| = {t:.2} -> {}", if t < 4.5 { "no leak detected" } else { "LEAK DETECTED" });
}

fn main() {
    let n: usize = std::env::var("SAMPLES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);

    // 1. The comparison alone.
    let derived: [u8; 32] = Sha256::digest(b"derived").into();
    let mut zero_match = derived;
    zero_match[0] ^= 1;
    let mut most_match = derived;
    most_match[31] ^= 1;
    let stored = [zero_match, most_match];
    let cell = std::cell::Cell::new([0u8; 32]);
    let (a, b) = measure(
        n,
        |c| cell.set(stored[c]),
        || {
            let s = cell.get();
            black_box(black_box(&derived[..]).ct_eq(black_box(&s[..])).unwrap_u8());
        },
    );
    report("subtle ct_eq, 32 bytes, 0 vs 31 equal leading bytes", &a, &b);

    // 2. A whole verify of a salted SHA-256 row.
    let policy = Policy::default();
    let salt = "0HNkIn3OIOnHn2INL2io6VOZw5luMu57";
    let guess = b"wrong password";
    let derived: [u8; 32] = Sha256::new().chain_update(guess).chain_update(salt).finalize().into();
    let craft = |flip: usize| {
        let mut d = derived;
        d[flip] ^= 1;
        let hex: String = d.iter().map(|x| format!("{x:02x}")).collect();
        format!("{hex}:{salt}")
    };
    // Flipping bit 0 of a byte keeps each hex character a digit or a letter,
    // so the two stored strings take the same path through the hex decoder.
    let rows = [craft(0), craft(31)];
    let buf = std::cell::RefCell::new(String::with_capacity(rows[0].len()));
    let (a, b) = measure(
        n,
        |c| {
            let mut s = buf.borrow_mut();
            s.clear();
            s.push_str(&rows[c]);
        },
        || {
            let s = buf.borrow();
            let stored = Stored::new(&s).with_scheme(Scheme::Sha256PassSalt);
            black_box(policy.verify(black_box(guess), stored).map(|v| v.is_valid()).ok());
        },
    );
    report("Policy::verify sha256_pass_salt, stored digest matching 0 vs 31 leading bytes", &a, &b);
}
