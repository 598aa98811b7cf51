//! `rehash verify` agrees with every vector of the three waves (tests/vectors),
//! each line given as it is. The `family` hint is passed only for the
//! families that tests/vectors/README.md lists as not self-describing; every
//! other string must be recognised alone.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Families whose strings are not self-describing (tests/vectors/README.md:
/// "Hints", the second wave's list and the third wave's).
const HINTED: &[&str] = &[
    "md5_hex",
    "sha1_hex",
    "sha256_hex",
    "sha512_hex",
    "md5_md5_hex",
    "ntlm",
    "mysql41",
    "postgres_md5",
    "md5_pass_salt",
    "md5_salt_pass",
    "sha1_salt_pass",
    "sha256_salt_pass",
    "sha256_pass_salt",
    "sha512_pass_salt",
    "vbulletin",
    "des_crypt",
    "mysql323",
    "hex_md4",
    "bigcrypt",
    "firebase_scrypt",
    "keycloak_pbkdf2",
    "gitea_pbkdf2",
    "grafana_pbkdf2",
    "discourse_pbkdf2",
    "aspnet_membership_sha1",
    "symfony_message_digest",
    "devise_bcrypt_pepper",
    "werkzeug_legacy",
    "rabbitmq_sha256",
    "better_auth_scrypt",
    "magento2",
    "nextcloud_bcrypt",
];

fn vectors() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    if dir.join("valid_invalid.jsonl").is_file() {
        Some(dir)
    } else {
        eprintln!("\n!!! SKIPPED: shared vectors not found at {}\n", dir.display());
        None
    }
}

fn run_verify(input: &str) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rehash"))
        .arg("verify")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn rehash");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "exit status {:?}", out.status);
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("output line is JSON"))
        .collect()
}

fn check_file(name: &str) {
    check(name, false);
}

/// `as_is`: every line exactly as the file holds it (the `family` field kept
/// on every line); else the hint only where the README says it is needed.
fn check(name: &str, as_is: bool) {
    let Some(dir) = vectors() else { return };
    let text = std::fs::read_to_string(dir.join(name)).expect("read vectors");
    let mut input = String::new();
    let mut expect = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut v: Value = serde_json::from_str(line).expect("json");
        let family = v.get("family").and_then(Value::as_str).map(str::to_owned);
        if let Some(f) = family.as_ref().filter(|_| !as_is) {
            if !HINTED.contains(&f.as_str()) {
                v.as_object_mut().expect("object").remove("family");
            }
        }
        expect.push((v["id"].clone(), v["expect"].as_str().expect("expect").to_owned(), family));
        if as_is {
            input.push_str(line);
        } else {
            input.push_str(&v.to_string());
        }
        input.push('\n');
    }
    let got = run_verify(&input);
    assert_eq!(got.len(), expect.len(), "one output line per input line");
    let mut failures = Vec::new();
    for ((id, want, family), out) in expect.iter().zip(&got) {
        assert_eq!(&out["id"], id, "output order follows input");
        let result = out["result"].as_str().unwrap_or_default();
        let ok = match want.as_str() {
            "valid" | "invalid" => result == want && out["scheme"].as_str() == family.as_deref(),
            "error" => result == "error",
            "not_valid" => result == "error" || result == "invalid",
            _ => false,
        };
        if !ok {
            failures.push(format!("{id}: expect {want} ({family:?}), got {out}"));
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn agrees_with_core_valid_invalid() {
    check_file("valid_invalid.jsonl");
}

#[test]
fn agrees_with_core_malformed() {
    check_file("malformed.jsonl");
}

#[test]
fn a_bad_line_never_stops_the_run() {
    let input = "not json\n{\"id\":1}\n{\"id\":2,\"password\":\"password\",\"hash\":\"5f4dcc3b5aa765d61d8327deb882cf99\",\"family\":\"md5_hex\"}\n{\"id\":3,\"password\":\"x\",\"hash\":\"$1$$\"}\n";
    let got = run_verify(input);
    let results: Vec<&str> = got.iter().map(|v| v["result"].as_str().unwrap_or_default()).collect();
    assert_eq!(results, ["error", "error", "valid", "error"]);
    assert_eq!(got[2]["scheme"], "md5_hex");
    assert_eq!(got[2]["needs_upgrade"], true);
    // Nothing of the input's secrets is echoed.
    let all = got.iter().map(Value::to_string).collect::<String>();
    assert!(!all.contains("5f4dcc3b") && !all.contains("password\""), "{all}");
}

#[test]
fn reads_a_file_with_input() {
    let dir = std::env::temp_dir().join(format!("rehash-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let f = dir.join("in.jsonl");
    std::fs::write(
        &f,
        "{\"id\":\"a\",\"password\":\"password\",\"hash\":\"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\"}\n",
    )
    .expect("write");
    let out =
        Command::new(env!("CARGO_BIN_EXE_rehash")).args(["verify", "--input"]).arg(&f).output().expect("run");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["result"], "valid");
    assert_eq!(v["scheme"], "ldap_sha1");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn agrees_with_second_wave_valid_invalid() {
    check_file("more_valid_invalid.jsonl");
}

#[test]
fn agrees_with_second_wave_malformed() {
    check_file("more_malformed.jsonl");
}

#[test]
fn agrees_with_third_wave_valid_invalid() {
    check_file("wave3_valid_invalid.jsonl");
}

#[test]
fn agrees_with_third_wave_malformed() {
    check_file("wave3_malformed.jsonl");
}

#[test]
fn upgrade_adds_new_hashes_under_the_policy_file() {
    let dir = std::env::temp_dir().join(format!("rehash-cli-up-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, "[target]\nscheme = \"bcrypt\"\ncost = 10\n[legacy]\ndeclare = [\"md5_hex\"]\n")
        .expect("write");
    let input = dir.join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\":1,\"password\":\"password\",\"hash\":\"5f4dcc3b5aa765d61d8327deb882cf99\"}\n\
         {\"id\":2,\"password\":\"nope\",\"hash\":\"5f4dcc3b5aa765d61d8327deb882cf99\"}\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_rehash"))
        .args(["verify", "--upgrade", "--policy"])
        .arg(&policy)
        .arg("--input")
        .arg(&input)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines[0]["result"], "valid");
    assert!(lines[0]["new_hash"].as_str().expect("new_hash").starts_with("$2b$10$"));
    assert_eq!(lines[1]["result"], "invalid");
    assert!(lines[1].get("new_hash").is_none());
    // A bad policy file is a clear error, exit status 2.
    std::fs::write(&policy, "[target]\nscheme = \"md5\"\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_rehash"))
        .args(["verify", "--policy"])
        .arg(&policy)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("target.scheme"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_utf8_and_huge_lines_are_per_line_errors() {
    let good = "{\"id\":1,\"password\":\"password\",\"hash\":\"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\"}\n";
    let mut input = Vec::new();
    input.extend_from_slice(good.as_bytes());
    input.extend_from_slice(b"{\"id\":2,\"password\":\"\xff\xfe\",\"hash\":\"x\"}\n");
    // 3 MiB of one line: reported by length, never held whole.
    input.extend_from_slice(b"{\"id\":3,\"password\":\"");
    input.extend(std::iter::repeat_n(b'a', 3 << 20));
    input.extend_from_slice(b"\",\"hash\":\"x\"}\n");
    input.extend_from_slice(good.replace("\"id\":1", "\"id\":4").as_bytes());
    for jobs in ["1", "2"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rehash"))
            .args(["verify", "--jobs", jobs])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn rehash");
        let mut stdin = child.stdin.take().expect("stdin");
        let data = input.clone();
        let feeder = std::thread::spawn(move || stdin.write_all(&data));
        let out = child.wait_with_output().expect("wait");
        feeder.join().expect("feeder").expect("write");
        assert!(out.status.success(), "exit status {:?}", out.status);
        let got: Vec<Value> = String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect();
        let results: Vec<&str> = got.iter().map(|v| v["result"].as_str().unwrap_or_default()).collect();
        assert_eq!(results, ["valid", "error", "error", "valid"], "--jobs {jobs}");
        assert!(got[1]["error"].as_str().expect("e").contains("UTF-8"));
        assert!(got[2]["error"].as_str().expect("e").contains("longer than"));
        assert_eq!((got[0]["id"].as_i64(), got[3]["id"].as_i64()), (Some(1), Some(4)));
    }
}

#[test]
fn jobs_keep_input_order() {
    let mut input = String::new();
    for i in 0..3000 {
        let hash = if i % 3 == 0 {
            "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0"
        } else {
            "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="
        };
        let pw = if i % 2 == 0 { "password" } else { "nope" };
        input.push_str(&format!("{{\"id\":{i},\"password\":\"{pw}\",\"hash\":\"{hash}\"}}\n"));
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_rehash"))
        .args(["verify", "--jobs", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn rehash");
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("feeder").expect("write");
    let got: Vec<Value> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(got.len(), 3000);
    for (i, v) in got.iter().enumerate() {
        assert_eq!(v["id"].as_u64(), Some(i as u64));
        assert_eq!(v["result"], if i % 2 == 0 { "valid" } else { "invalid" }, "line {i}");
    }
}

#[test]
fn agrees_with_every_line_as_it_is() {
    // The vector files' lines, family field and all, are valid input.
    for name in [
        "valid_invalid.jsonl",
        "malformed.jsonl",
        "more_valid_invalid.jsonl",
        "more_malformed.jsonl",
        "wave3_valid_invalid.jsonl",
        "wave3_malformed.jsonl",
    ] {
        check(name, true);
    }
}
