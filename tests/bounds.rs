//! Resource bounds: every malformed and adversarial string of both shared
//! corpora, plus generated huge-parameter strings for every family with a
//! cost parameter, goes through verify under the default ceilings; each call
//! returns an error within 100 ms and the process's peak memory grows by less
//! than 64 MiB. (One test in this file, so nothing else moves the peak.)

#[allow(dead_code)] // shared helpers; this file uses only some of them
mod common;

use std::time::{Duration, Instant};

use rehash::{Policy, Scheme, Stored};

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Strings whose parameters are far beyond the default ceilings, one or more
/// per family that has a cost parameter.
fn huge() -> Vec<(String, Option<Scheme>)> {
    let salt = "c2FsdHNhbHRzYWx0c2FsdA";
    let tag = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let mut v: Vec<String> = Vec::new();
    for alg in ["argon2id", "argon2i", "argon2d"] {
        v.push(format!("${alg}$v=19$m=4294967295,t=2,p=1${salt}${tag}"));
        v.push(format!("${alg}$v=19$m=65536,t=4294967295,p=1${salt}${tag}"));
        v.push(format!("${alg}$v=19$m=16777215,t=1,p=16777215${salt}${tag}"));
    }
    v.push(format!("argon2$argon2id$v=19$m=4294967295,t=2,p=1${salt}${tag}"));
    let bsalt = "N9qo8uLOickgx2ZMRZoMye";
    let bsum = "IjZAgcfl7p92ldGxad68LJZdL17lhWy";
    for pre in ["$2b$31$", "$2a$31$", "$2y$31$", "bcrypt$$2b$31$", "bcrypt_sha256$$2b$31$", "$wp$2y$31$"] {
        v.push(format!("{pre}{bsalt}{bsum}"));
    }
    v.push(format!("$bcrypt-sha256$v=2,t=2b,r=31${bsalt}${bsum}"));
    let sha512 = "qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/";
    v.push(format!("$6$rounds=999999999$saltsalt${sha512}"));
    v.push(format!("$5$rounds=999999999$saltsalt${}", &sha512[..43]));
    v.push(format!("$scrypt$ln=60,r=8,p=1${salt}${tag}"));
    v.push(format!("$scrypt$ln=16,r=4294967295,p=1${salt}${tag}"));
    v.push(format!("$scrypt$ln=14,r=8,p=4294967295${salt}${tag}"));
    v.push(format!("scrypt$1152921504606846976$salt$8$1${tag}{tag}AA=="));
    v.push(format!("scrypt:1152921504606846976:8:1$salt${}", "ab".repeat(64)));
    v.push(format!("pbkdf2_sha256$4000000000$salt${tag}="));
    v.push(format!("$pbkdf2-sha256$4000000000${salt}${tag}"));
    v.push(format!("{{PBKDF2-SHA512}}4000000000${salt}${tag}"));
    v.push(format!("pbkdf2:sha256:4000000000$salt${}", "ab".repeat(32)));
    v.push(format!("grub.pbkdf2.sha512.4000000000.00ff.{}", "AB".repeat(64)));
    v.push(format!("$p5k2$ffffffff$c2FsdA==${}", "A".repeat(27) + "="));
    v.push("$P$zaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into());
    v.push("$S$zaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into());
    v.push("U$S$zaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into());
    v.push("_zzzzsaltaaaaaaaaaaa".into());
    v.push(format!("$sha1$4000000000$saltsalt${}", "a".repeat(28)));
    v.push(format!("$md5,rounds=4000000000$saltsalt$${}", "a".repeat(22)));
    v.push(format!("{{FSHP1|8|4000000000}}{}", "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQQ=="));
    v.push(format!("SCRAM-SHA-256$4294967295:c2FsdA==${}=:{}=", &tag[..43], &tag[..43]));
    // ASP.NET Identity v3 with 2^31-1 iterations.
    let mut raw = vec![1u8, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 16];
    raw.extend([7u8; 48]);
    v.push(base64(&raw));
    // A wrapped hash whose outer Argon2 asks for 4 GiB.
    v.push(format!("$rehash-wrap$v=1$inner=md5_hex,s=MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA$argon2id$v=19$m=4294967295,t=2,p=1${salt}${tag}"));
    // The same in version 2, and one whose inner sha512-crypt asks for 2^32-1 rounds.
    let st = "A".repeat(64);
    v.push(format!("$rw2$m5$4294967295,2,1${st}"));
    v.push(format!("$rw2$m5$19456,4294967295,4294967295${st}"));
    v.push(format!("$rw2$6r4294967295$saltsalt$19456,2,1${st}"));
    v.push(format!("$rw2$--md5_crypt:$1$salt$~.__$19456,2,1${st}"));
    v.into_iter().map(|s| (s, None)).collect()
}

fn base64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            s.push(if i <= c.len() { A[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    s
}

#[test]
fn every_adversarial_string_fails_fast_and_small() {
    let policy = Policy::default();
    let mut cases = huge();
    for file in ["malformed.jsonl", "more_malformed.jsonl"] {
        if let Some(vs) = common::load(file) {
            cases.extend(vs.into_iter().filter(|v| v.expect == "error").map(|v| (v.hash, None)));
        }
    }
    assert!(cases.len() >= 70, "{} cases", cases.len());
    let before = peak_kib();
    for (s, hint) in &cases {
        let stored = match hint {
            Some(h) => Stored::new(s).with_scheme(*h),
            None => Stored::new(s),
        };
        let start = Instant::now();
        let r = policy.verify(b"password", stored);
        let took = start.elapsed();
        assert!(r.is_err(), "{s:?} must be an error, got {r:?}");
        assert!(took < Duration::from_millis(100), "{s:?} took {took:?}");
        let grown = peak_kib().saturating_sub(before);
        assert!(grown < 64 * 1024, "{s:?}: peak memory grew by {grown} KiB");
    }
}
