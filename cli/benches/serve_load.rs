//! Load test of `rehash serve` (not a timed unit test; numbers in
//! BENCHMARKS.md): the real binary over a SQLite store at the default policy
//! (Argon2id m=19456 KiB, t=2, p=1; limiter budget 64 MiB), then
//!
//! 1. `ROUNDS` bursts of 500 concurrent `POST /v1/verify`, each on its own
//!    connection, mixing unknown users, legacy-hash users (md5_crypt,
//!    sha256_crypt, a bare md5 with its scheme column) and current-hash users,
//!    with wrong and right passwords, sent in round-robin order of the
//!    classes: every answer must be the expected one (no error), the server's
//!    peak RSS (VmHWM) at most 256 MiB; p50/p99 latency, and the medians of
//!    the wrong-password classes within 5% of each other;
//! 2. the same wrong-password classes one request at a time (the timing an
//!    attacker probing one account sees), medians within 5%.
//!
//! `cargo bench -p rehash-cli --bench serve_load` (Linux: reads /proc).
//! Rate limits are off: every request comes from 127.0.0.1.

#[path = "../tests/common/http.rs"]
mod http;

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::Connection as _;

const TOKEN: &str = "load-test-token-0123456789abcdef";
const CONCURRENT: usize = 500;
const ROUNDS: usize = 3;
const SEQUENTIAL: usize = 200;
const USERS: usize = 300;

// Made by OpenSSL 3.0.19 (`openssl passwd`), and md5("password").
const MD5CRYPT: (&str, &str) = ("$1$k3yb0ard$v4LUgudgO0jwcSKF.NItL0", "correct-horse");
const SHA256CRYPT: (&str, &str) =
    ("$5$saltsaltsalt$1VyiNX7.T9kvJ1GjFNim/wS57LFa63aymyAjBgV6u3C", "the-password");
const MD5HEX: (&str, &str) = ("5f4dcc3b5aa765d61d8327deb882cf99", "password");
const CURRENT_PASSWORD: &str = "current-pass";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    UnknownWrong,
    LegacyWrong,
    CurrentWrong,
    LegacyRight,
    CurrentRight,
}

const CLASSES: [Class; 5] =
    [Class::UnknownWrong, Class::LegacyWrong, Class::CurrentWrong, Class::LegacyRight, Class::CurrentRight];

/// The request of the `i`-th request of `class`: (identifier, password, expected result).
fn request(class: Class, i: usize) -> (String, String, &'static str) {
    let legacy = [MD5CRYPT, SHA256CRYPT, MD5HEX];
    match class {
        Class::UnknownWrong => (format!("nobody{i}@example.com"), "wrong".into(), "invalid"),
        Class::LegacyWrong => (format!("legacy{}@example.com", i % USERS), "wrong".into(), "invalid"),
        Class::CurrentWrong => (format!("current{}@example.com", i % USERS), "wrong".into(), "invalid"),
        Class::LegacyRight => {
            // Users past the first pass still hold their legacy hash (read-only).
            (format!("legacy{}@example.com", i % USERS), legacy[i % USERS % 3].1.into(), "valid")
        }
        Class::CurrentRight => {
            (format!("current{}@example.com", i % USERS), CURRENT_PASSWORD.into(), "valid")
        }
    }
}

async fn store(path: &std::path::Path) {
    let mut c =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
    sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, hash TEXT NOT NULL, scheme TEXT)")
        .execute(&mut c)
        .await
        .unwrap();
    let current = rehash::Policy::default().hash(CURRENT_PASSWORD.as_bytes()).unwrap();
    let legacy = [MD5CRYPT, SHA256CRYPT, MD5HEX];
    sqlx::query("BEGIN").execute(&mut c).await.unwrap();
    for i in 0..USERS {
        let (hash, _) = legacy[i % 3];
        let scheme = (hash == MD5HEX.0).then_some("md5_hex");
        sqlx::query("INSERT INTO users (email, hash, scheme) VALUES (?, ?, ?)")
            .bind(format!("legacy{i}@example.com"))
            .bind(hash)
            .bind(scheme)
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("INSERT INTO users (email, hash) VALUES (?, ?)")
            .bind(format!("current{i}@example.com"))
            .bind(&current)
            .execute(&mut c)
            .await
            .unwrap();
    }
    sqlx::query("COMMIT").execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

async fn verify(addr: SocketAddr, identifier: &str, password: &str) -> Result<(Duration, String), String> {
    let body = json!({ "identifier": identifier, "password": password }).to_string();
    let auth = format!("Bearer {TOKEN}");
    let start = Instant::now();
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let r = http::request(stream, "POST", "/v1/verify", &[("Authorization", &auth)], body.as_bytes())
        .await
        .map_err(|e| format!("exchange after {:?}: {e}", start.elapsed()))?;
    let took = start.elapsed();
    if r.status != 200 {
        return Err(format!("HTTP {}: {}", r.status, r.body));
    }
    Ok((took, r.json()["result"].as_str().unwrap_or_default().to_owned()))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    percentile(&v, 0.5)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The largest gap between the medians, relative to the smallest.
fn gap(medians: &[(Class, Duration)]) -> f64 {
    let lo = medians.iter().map(|m| m.1).min().unwrap().as_secs_f64();
    let hi = medians.iter().map(|m| m.1).max().unwrap().as_secs_f64();
    (hi - lo) / lo
}

fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc (Linux)");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("rehash-serve-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("users.db");
    store(&db).await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_rehash"))
        .args(["serve", "--store"])
        .arg(&db)
        .args(["--table", "users", "--user-col", "email", "--hash-col", "hash", "--scheme-col", "scheme"])
        .args(["--token-env", "REHASH_LOAD_TOKEN", "--listen", "127.0.0.1:0"])
        .args(["--client-rate", "off", "--identifier-rate", "off"])
        .env("REHASH_LOAD_TOKEN", TOKEN)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rehash serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = loop {
        let line = lines.next().expect("a start line").unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let pid = child.id();
    println!(
        "rehash serve load test: {CONCURRENT} concurrent requests x {ROUNDS} rounds, default policy, {} cores, \
         baseline RSS {} MiB",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        vm_hwm_kib(pid) / 1024
    );

    let mut all = Vec::new();
    let mut by_class: Vec<(Class, Vec<Duration>)> = CLASSES.iter().map(|c| (*c, Vec::new())).collect();
    let mut errors = Vec::new();
    let started = Instant::now();
    for round in 0..ROUNDS {
        let tasks: Vec<_> = (0..CONCURRENT)
            .map(|n| {
                let class = CLASSES[n % CLASSES.len()];
                let (id, pw, expected) = request(class, round * CONCURRENT + n);
                tokio::spawn(async move {
                    let r = verify(addr, &id, &pw).await;
                    (class, expected, r)
                })
            })
            .collect();
        for t in tasks {
            let (class, expected, r) = t.await.unwrap();
            match r {
                Ok((took, result)) if result == expected => {
                    all.push(took);
                    by_class.iter_mut().find(|c| c.0 == class).unwrap().1.push(took);
                }
                Ok((_, result)) => errors.push(format!("{class:?}: {result}, expected {expected}")),
                Err(e) => errors.push(format!("{class:?}: {e}")),
            }
        }
    }
    let wall = started.elapsed();
    let peak = vm_hwm_kib(pid);
    all.sort();
    println!(
        "burst: {} requests in {:.1} s ({:.0}/s), errors {}, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms, peak RSS {:.1} MiB",
        all.len() + errors.len(),
        wall.as_secs_f64(),
        (all.len() + errors.len()) as f64 / wall.as_secs_f64(),
        errors.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(*all.last().unwrap()),
        peak as f64 / 1024.0
    );
    for (class, v) in &by_class {
        println!("  {class:?}: median {:.0} ms ({} requests)", ms(median(v.clone())), v.len());
    }
    let wrong: Vec<(Class, Duration)> = by_class
        .iter()
        .filter(|c| matches!(c.0, Class::UnknownWrong | Class::LegacyWrong | Class::CurrentWrong))
        .map(|(c, v)| (*c, median(v.clone())))
        .collect();
    let burst_gap = gap(&wrong);
    println!("  wrong-password medians under load: largest gap {:.1}%", burst_gap * 100.0);

    // One at a time, interleaved.
    let mut seq: Vec<(Class, Vec<Duration>)> = [Class::UnknownWrong, Class::LegacyWrong, Class::CurrentWrong]
        .iter()
        .map(|c| (*c, Vec::new()))
        .collect();
    for i in 0..SEQUENTIAL {
        // Each class first, second and third in turn.
        seq.rotate_left(1);
        for (class, v) in seq.iter_mut() {
            let (id, pw, expected) = request(*class, 10_000 + i);
            match verify(addr, &id, &pw).await {
                Ok((took, result)) if result == expected => v.push(took),
                other => errors.push(format!("sequential {class:?}: {other:?}")),
            }
        }
    }
    let seq_medians: Vec<(Class, Duration)> = seq.iter().map(|(c, v)| (*c, median(v.clone()))).collect();
    for (c, m) in &seq_medians {
        println!("sequential {c:?}: median {:.2} ms ({SEQUENTIAL} requests)", ms(*m));
    }
    let seq_gap = gap(&seq_medians);
    println!("  wrong-password medians one at a time: largest gap {:.1}%", seq_gap * 100.0);

    let _ = child.kill();
    let _ = child.wait();
    let log = log.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    for e in errors.iter().take(10) {
        eprintln!("error: {e}");
    }
    for l in log.iter().take(10) {
        eprintln!("server: {l}");
    }
    let mut ok = true;
    for (what, pass) in [
        ("no errors", errors.is_empty()),
        ("peak RSS <= 256 MiB", peak <= 256 * 1024),
        ("wrong-password medians under load within 5%", burst_gap <= 0.05),
        ("wrong-password medians one at a time within 5%", seq_gap <= 0.05),
    ] {
        println!("{}: {what}", if pass { "PASS" } else { "FAIL" });
        ok &= pass;
    }
    if !ok {
        std::process::exit(1);
    }
}
