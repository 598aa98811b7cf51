//! Criterion benches of the verify path.
//!
//! `cargo bench --bench verify` — ids name the scheme:
//! - `identify/<scheme>`: parse + ceilings check, one representative string per family;
//! - `verify/<scheme>`: a full verify of the first valid vector of every family
//!   (all three waves of tests/vectors, at the parameters the vectors carry,
//!   with the row's salt, user, params and params column);
//! - `verify/<target>` for each modern target at its real default/floor parameters
//!   (`argon2id_m19456_t2_p1`, `bcrypt_cost10`, `scrypt_ln17_r8_p1`, `pbkdf2_sha256_i600000`);
//! - `verify/sha512_crypt_5000_pw28`: sha512_crypt at its default 5000 rounds with the
//!   28-byte password of `scripts/compare.py` (two-block round layouts, the case
//!   where rehash runs only the rounds of the constant second block);
//! - `verify/md5_crypt_pw28`, `verify/sun_md5_crypt_34000_pw28`,
//!   `verify/phpass_log2_13_pw28`, `verify/drupal7_log2_15_pw28`: the iterated
//!   MD5 families and Drupal 7 with the same password, at `scripts/compare.py`'s
//!   costs (libxcrypt's C is the reference for the first two there);
//! - `verify_and_upgrade/md5_hex_to_argon2id_m19456_t2_p1`: a legacy login end to end,
//!   verify plus the one new Argon2id hash;
//! - `wrap/md5_crypt_argon2id_m19456_t2_p1`: wrapping one legacy hash.
//!
//! Numbers and the machine they came from are in BENCHMARKS.md.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use rehash::{Policy, Scheme, SiteParams, Stored, Target};

struct Sample {
    family: String,
    password: Vec<u8>,
    hash: String,
    salt: Option<String>,
    user: Option<String>,
    params: Option<SiteParams>,
    params_col: Option<String>,
}

impl Sample {
    fn stored(&self) -> Stored<'_> {
        let mut s = Stored::new(&self.hash);
        if let Some(x) = &self.salt {
            s = s.with_salt(x);
        }
        if let Some(u) = &self.user {
            s = s.with_user(u);
        }
        if let Some(p) = &self.params {
            s = s.with_params(p);
        }
        if let Some(c) = &self.params_col {
            s = s.with_params_col(c);
        }
        match Scheme::from_name(&self.family) {
            Some(f) if f.needs_declaration() => s.with_scheme(f),
            _ => s,
        }
    }
}

/// The first valid vector of each family the catalogue knows, from all waves.
fn samples() -> Vec<Sample> {
    let dir = std::env::var_os("REHASH_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"));
    let mut out: Vec<Sample> = Vec::new();
    for file in ["valid_invalid.jsonl", "more_valid_invalid.jsonl", "wave3_valid_invalid.jsonl"] {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            eprintln!("!!! {} not found: per-family benches skipped", dir.join(file).display());
            continue;
        };
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
            let family = s("family").expect("family");
            if s("expect").as_deref() != Some("valid")
                || Scheme::from_name(&family).is_none()
                || out.iter().any(|o| o.family == family)
            {
                continue;
            }
            let hex = s("password_hex").expect("password_hex");
            let password = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            out.push(Sample {
                family,
                password,
                hash: s("hash").expect("hash"),
                salt: s("salt"),
                user: s("user"),
                params: v.get("params").map(|p| SiteParams::from_json_value(p).expect("params")),
                params_col: s("params_col"),
            });
        }
    }
    out
}

fn per_family(c: &mut Criterion) {
    let policy = Policy::default();
    let samples = samples();
    let mut g = c.benchmark_group("identify");
    g.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    for s in &samples {
        g.bench_function(s.family.as_str(), |b| b.iter(|| policy.identify(black_box(s.stored()))));
    }
    g.finish();
    let mut g = c.benchmark_group("verify");
    g.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2)).sample_size(20);
    for s in &samples {
        assert!(policy.verify(&s.password, s.stored()).expect("verify").is_valid(), "{}", s.family);
        g.bench_function(s.family.as_str(), |b| b.iter(|| policy.verify(black_box(&s.password), s.stored())));
    }
    g.finish();
}

fn targets(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(4));
    for (id, target) in [
        ("argon2id_m19456_t2_p1", Target::Argon2id { m_kib: 19_456, t: 2, p: 1 }),
        ("bcrypt_cost10", Target::Bcrypt { cost: 10 }),
        ("scrypt_ln17_r8_p1", Target::Scrypt { log_n: 17, r: 8, p: 1 }),
        ("pbkdf2_sha256_i600000", Target::Pbkdf2Sha256 { iterations: 600_000 }),
    ] {
        let policy = Policy::builder().target(target).build().expect("policy at the floor");
        let hash = policy.hash(b"correct horse battery staple").expect("hash");
        g.bench_function(id, |b| {
            b.iter(|| policy.verify(black_box(b"correct horse battery staple"), hash.as_str()))
        });
    }
    // Made by passlib (libpass 1.9.4) `sha512_crypt.using(rounds=5000)`.
    let sha512 = "$6$BrWpAo5OLtJvwUQZ$vi86RaYAYJ/lQ3yN.X4f/GTH9PzPXu/pdqchRSwJ3mLjzJ46ZE45VJ5qWT7oRXuHjevtmVbFA8Ld5XCu.oE49.";
    let policy = Policy::default();
    assert!(policy.verify(b"correct horse battery staple", sha512).expect("verify").is_valid());
    g.bench_function("sha512_crypt_5000_pw28", |b| {
        b.iter(|| policy.verify(black_box(b"correct horse battery staple"), sha512))
    });
    // The iterated-MD5 families (and Drupal 7's SHA-512) with the same
    // password, at the costs of scripts/compare.py: md5-crypt and Sun MD5
    // made by libxcrypt's crypt(3), phpass and Drupal 7 by the PHP
    // algorithm (one MD5 or SHA-512 block per iteration at this length).
    for (id, stored) in [
        ("md5_crypt_pw28", "$1$F7rLnocF$Cp7XI.3wYPKb8CUklC05l0"),
        ("sun_md5_crypt_34000_pw28", "$md5,rounds=34000$F7rLnocF$$RAlm913ecpuhpUsY/NAnp1"),
        ("phpass_log2_13_pw28", "$P$BF7rLnocF6orKJXS1dEhLUxPDVG7Nm/"),
        ("drupal7_log2_15_pw28", "$S$DF7rLnocFFT2iK/qa6rvSFkC2aU0WjEHVXuJlgEDC.i8Zf795P1p"),
    ] {
        assert!(policy.verify(b"correct horse battery staple", stored).expect("verify").is_valid(), "{id}");
        g.bench_function(id, |b| {
            b.iter(|| policy.verify(black_box(b"correct horse battery staple"), stored))
        });
    }
    g.finish();
}

fn upgrade_and_wrap(c: &mut Criterion) {
    let policy = Policy::builder().declare(Scheme::Md5Hex).build().expect("policy");
    let mut g = c.benchmark_group("verify_and_upgrade");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    g.bench_function("md5_hex_to_argon2id_m19456_t2_p1", |b| {
        b.iter(|| policy.verify_and_upgrade(black_box(b"password"), "5f4dcc3b5aa765d61d8327deb882cf99"))
    });
    g.finish();
    let mut g = c.benchmark_group("wrap");
    g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    g.bench_function("md5_crypt_argon2id_m19456_t2_p1", |b| {
        b.iter(|| policy.wrap(black_box("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0")))
    });
    g.finish();
}

criterion_group!(benches, per_family, targets, upgrade_and_wrap);
criterion_main!(benches);
