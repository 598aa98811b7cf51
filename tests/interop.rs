//! New hashes from every target verify in the other ecosystems: argon2-cffi
//! (the Argon2 C reference) and passlib/libpass. Needs Python with the
//! packages of tests/interop/requirements.txt, which the README's test command
//! installs; without them the test says loudly that it skipped (and fails
//! under CI=true, where they must be present).

use std::io::Write;
use std::process::{Command, Stdio};

use rehash::{Policy, Target};

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import argon2, passlib.hash, bcrypt"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn new_hashes_verify_in_argon2_cffi_and_passlib() {
    if !python_ready() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have python3 with tests/interop/requirements.txt installed"
        );
        eprintln!("\n!!! SKIPPED interop test: python3 with argon2-cffi, libpass and bcrypt not found.\n");
        return;
    }
    let passwords: [&[u8]; 3] = [b"correct horse battery staple", "pässwörd ✓".as_bytes(), &[b'x'; 100]];
    let mut input = String::new();
    let mut expected = Vec::new();
    for target in [
        Target::Argon2id { m_kib: 19_456, t: 2, p: 1 },
        Target::Argon2id { m_kib: 256, t: 3, p: 2 },
        Target::Bcrypt { cost: 5 },
        Target::BcryptSha256 { cost: 5 },
        Target::Scrypt { log_n: 10, r: 8, p: 1 },
        Target::Pbkdf2Sha256 { iterations: 1000 },
    ] {
        let policy =
            Policy::builder().target(target).dangerous().allow_below_owasp_floor().build().expect("policy");
        for pw in passwords {
            if matches!(target, Target::Bcrypt { .. }) && pw.len() > 72 {
                continue;
            }
            let hash = policy.hash(pw).expect("hash");
            let hex: String = pw.iter().map(|b| format!("{b:02x}")).collect();
            let line =
                serde_json::json!({"target": target.scheme().name(), "password_hex": hex, "hash": hash});
            input.push_str(&line.to_string());
            input.push('\n');
            expected.push(format!("ok {}", target.scheme().name()));
        }
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("output");
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(got, expected);
}
