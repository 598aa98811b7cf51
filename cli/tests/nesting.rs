//! `rehash verify` on stored strings nested thousands of wrappers deep
//! (issue #18, item 5): once a stack overflow (SIGABRT) that ended the run,
//! now a per-line error; the lines after it are verified and the exit status is 0.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const MD5_CRYPT: &str = "$1$########$BTXbxyZ1vI4TivVy61i3y.";

fn run_verify(args: &[&str], input: &str) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rehash"))
        .arg("verify")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rehash");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "exit status {:?}, stderr {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("output line is JSON"))
        .collect()
}

#[test]
fn deeply_nested_lines_are_per_line_errors() {
    let lines = [
        json!({"id": 1, "password": "foobarbaz", "hash": format!("{}{MD5_CRYPT}", "*".repeat(30_000))}),
        json!({"id": 2, "password": "foobarbaz", "hash": format!("{}{MD5_CRYPT}", "{CRYPT}".repeat(30_000))}),
        json!({"id": 3, "password": "foobarbaz", "hash": format!("{}{MD5_CRYPT}", "*{CRYPT}".repeat(15_000))}),
        json!({"id": 4, "password": "foobarbaz", "hash": MD5_CRYPT}),
        json!({"id": 5, "password": "foobarbaz", "hash": format!("*{MD5_CRYPT}")}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    for args in [&[][..], &["--jobs", "2"][..]] {
        let got = run_verify(args, &input);
        assert_eq!(got.len(), 5, "{args:?}: one output line per input line");
        for (i, out) in got.iter().enumerate().take(3) {
            assert_eq!(out["id"], json!(i + 1), "{args:?}");
            assert_eq!(out["result"], "error", "{args:?}: {out}");
            assert!(out["error"].as_str().is_some_and(|e| !e.is_empty()), "{args:?}: {out}");
        }
        assert_eq!(got[3]["result"], "valid", "{args:?}: {}", got[3]);
        assert_eq!(got[4]["result"], "invalid", "{args:?}: {}", got[4]);
    }
}
