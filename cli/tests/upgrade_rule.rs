//! One upgrade rule: a row hashed under a pepper key the policy has since
//! retired is below policy for `rehash scan`, for `rehash wrap`, and for a
//! login (`rehash verify`) alike. Also: `calibrate` refuses absurd sizes.

use std::io::Write as _;
use std::process::{Command, Stdio};

use rehash::{Pepper, Policy, Target};
use serde_json::Value;

const K1: &str = "0101010101010101010101010101010101010101010101010101010101010101";
const K2: &str = "0202020202020202020202020202020202020202020202020202020202020202";

fn rehash(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rehash"));
    c.args(args).env("REHASH_K1", K1).env("REHASH_K2", K2);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or_default().as_bytes()).expect("write");
    drop(input);
    child.wait_with_output().expect("wait")
}

#[test]
fn scan_wrap_and_verify_agree_on_a_retired_pepper() {
    let dir = std::env::temp_dir().join(format!("rehash-rule-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    // A hash written while k1 was current, at the default target.
    let old = Policy::builder()
        // The policy file reads the secret's bytes from the environment as they are.
        .pepper(Pepper::new(b"k1", K1.as_bytes()).expect("k1"))
        .current_pepper(b"k1")
        .target(Target::default())
        .build()
        .expect("policy");
    let hash = old.hash(b"password").expect("hash");
    let csv = dir.join("users.csv");
    std::fs::write(&csv, format!("id,hash\n1,\"{hash}\"\n")).expect("csv");
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        "[pepper]\ncurrent = \"k2\"\nkeys = [{ id = \"k1\", env = \"REHASH_K1\" }, { id = \"k2\", env = \"REHASH_K2\" }]\n",
    )
    .expect("policy");
    let p = policy.to_str().expect("p");
    let scan: Value = serde_json::from_slice(
        &rehash(&["scan", csv.to_str().expect("c"), "--policy", p, "--json"], None).stdout,
    )
    .expect("json");
    assert_eq!((scan["below_policy"].as_u64(), scan["at_policy"].as_u64()), (Some(1), Some(0)), "{scan}");
    let line = format!("{{\"id\":1,\"password\":\"password\",\"hash\":\"{hash}\"}}\n");
    let v: Value =
        serde_json::from_slice(&rehash(&["verify", "--policy", p], Some(&line)).stdout).expect("json");
    assert_eq!((v["result"].as_str(), v["needs_upgrade"].as_bool()), (Some("valid"), Some(true)), "{v}");
    // The same file with k1 still current: at policy everywhere.
    std::fs::write(&policy, "[pepper]\ncurrent = \"k1\"\nkeys = [{ id = \"k1\", env = \"REHASH_K1\" }]\n")
        .expect("policy");
    let scan: Value = serde_json::from_slice(
        &rehash(&["scan", csv.to_str().expect("c"), "--policy", p, "--json"], None).stdout,
    )
    .expect("json");
    assert_eq!(scan["at_policy"], 1, "{scan}");
    let v: Value =
        serde_json::from_slice(&rehash(&["verify", "--policy", p], Some(&line)).stdout).expect("json");
    assert_eq!(v["needs_upgrade"], false, "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn calibrate_refuses_absurd_sizes() {
    for args in [
        ["calibrate", "--max-memory", "18446744073709551615GiB"],
        ["calibrate", "--max-memory", "99999999999"],
        ["calibrate", "--parallelism", "0"],
        ["calibrate", "--parallelism", "100000"],
    ] {
        let o = rehash(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"), "{args:?}");
    }
}

/// A reader that goes away (`rehash scan … | head -1`) ends the report, not
/// the process with a panic.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let db = std::env::temp_dir().join(format!("rehash-pipe-{}.db", std::process::id()));
    std::fs::copy(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/legacy-users.db"), &db)
        .expect("copy");
    let lines =
        "{\"id\":1,\"password\":\"p\",\"hash\":\"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\"}\n".repeat(20_000);
    for (args, input) in [
        (vec!["scan", db.to_str().expect("db"), "--scheme-col", "scheme", "--salt-col", "salt"], ""),
        (vec!["verify"], lines.as_str()),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rehash"))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take()); // the reader is gone before anything is written
        let mut stdin = child.stdin.take().expect("stdin");
        let data = input.to_owned();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(data.as_bytes());
        });
        let out = child.wait_with_output().expect("wait");
        let _ = feeder.join();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
    let _ = std::fs::remove_file(&db);
}
