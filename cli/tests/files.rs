//! `rehash wrap` over CSV and JSON-lines files: the output keeps the input's
//! permissions, `--in-place` through a symbolic link replaces the file it
//! points to, no temporary file is left behind, `--dry-run` writes nothing,
//! and files with a duplicate or empty id are refused before anything runs.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MD5CRYPT: &str = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0";

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rehash-files-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn rehash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rehash")).args(args).output().expect("run rehash")
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn csv_input(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("id,hash\n1,{MD5CRYPT}\n2,!locked\n")).expect("write");
    path
}

fn ok(o: &Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn output_keeps_the_inputs_permissions() {
    let dir = tmpdir("modes");
    // A private input stays private, in place and in --output.
    let input = csv_input(&dir, "users.csv");
    chmod(&input, 0o600);
    let out = dir.join("out.csv");
    ok(&rehash(&["wrap", p(&input), "--output", p(&out), "--json"]));
    assert_eq!(mode(&out), 0o600);
    assert!(std::fs::read_to_string(&out).expect("read").contains("$rw2$"));
    ok(&rehash(&["wrap", p(&input), "--in-place", "--json"]));
    assert_eq!(mode(&input), 0o600);
    assert!(std::fs::read_to_string(&input).expect("read").contains("$rw2$"));
    // The mode is copied, not fixed: 0640 gives 0640, also over an existing
    // output file with other bits.
    let shared = csv_input(&dir, "shared.csv");
    chmod(&shared, 0o640);
    ok(&rehash(&["wrap", p(&shared), "--json"]));
    assert_eq!(mode(&dir.join("shared.rehash.csv")), 0o640);
    let existing = dir.join("existing.csv");
    std::fs::write(&existing, "old").expect("write");
    chmod(&existing, 0o666);
    ok(&rehash(&["wrap", p(&shared), "--output", p(&existing), "--json"]));
    assert_eq!(mode(&existing), 0o640);
    // JSON lines too.
    let jsonl = dir.join("users.jsonl");
    std::fs::write(&jsonl, format!("{{\"id\":1,\"hash\":\"{MD5CRYPT}\"}}\n")).expect("write");
    chmod(&jsonl, 0o600);
    ok(&rehash(&["wrap", p(&jsonl), "--in-place", "--json"]));
    assert_eq!(mode(&jsonl), 0o600);
    // No temporary file is left behind.
    assert_eq!(
        listing(&dir),
        ["existing.csv", "out.csv", "shared.csv", "shared.rehash.csv", "users.csv", "users.jsonl"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn in_place_through_a_symlink_replaces_the_file_it_points_to() {
    let dir = tmpdir("symlink");
    let real_dir = dir.join("real");
    let link_dir = dir.join("links");
    std::fs::create_dir_all(&real_dir).expect("mkdir");
    std::fs::create_dir_all(&link_dir).expect("mkdir");
    let real = csv_input(&real_dir, "users.csv");
    chmod(&real, 0o600);
    let link = link_dir.join("users.csv");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let o = rehash(&["wrap", p(&link), "--in-place"]);
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains(&format!("wrote {}", real.canonicalize().expect("c").display())),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        std::fs::symlink_metadata(&link).expect("meta").file_type().is_symlink(),
        "the link stays a link"
    );
    assert!(std::fs::read_to_string(&real).expect("read").contains("$rw2$"));
    assert_eq!(mode(&real), 0o600);
    assert_eq!(listing(&real_dir), ["users.csv"]);
    assert_eq!(listing(&link_dir), ["users.csv"]);

    // An --output path that is a link is replaced, never written through.
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").expect("write");
    let trap = dir.join("trap.csv");
    std::os::unix::fs::symlink(&victim, &trap).expect("symlink");
    let input = csv_input(&dir, "more.csv");
    ok(&rehash(&["wrap", p(&input), "--output", p(&trap), "--json"]));
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    assert!(std::fs::symlink_metadata(&trap).expect("meta").file_type().is_file());
    assert!(std::fs::read_to_string(&trap).expect("read").contains("$rw2$"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dry_run_writes_nothing() {
    let dir = tmpdir("dry");
    let input = csv_input(&dir, "users.csv");
    let existing = dir.join("existing.csv");
    std::fs::write(&existing, "id,hash\n9,keep me\n").expect("write");
    chmod(&existing, 0o644);
    let before_in = std::fs::read(&input).expect("read");
    let before_out = std::fs::read(&existing).expect("read");
    for extra in [&["--output", p(&existing)][..], &["--in-place"], &[]] {
        let o = rehash(&[&["wrap", p(&input), "--dry-run", "--json"][..], extra].concat());
        ok(&o);
        let rep: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(rep["wrapped"], 1, "{extra:?}");
        assert_eq!(std::fs::read(&existing).expect("read"), before_out, "{extra:?}");
        assert_eq!(mode(&existing), 0o644);
        assert_eq!(std::fs::read(&input).expect("read"), before_in, "{extra:?}");
        assert_eq!(listing(&dir), ["existing.csv", "users.csv"], "{extra:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn duplicate_or_empty_ids_are_refused_up_front() {
    let dir = tmpdir("ids");
    let cases = [
        (
            "dup.csv",
            format!("id,hash\n1,{MD5CRYPT}\n2,x\n1,{MD5CRYPT}\n"),
            "dup.csv:4: duplicate id `1` (first on line 2)",
        ),
        (
            "empty.csv",
            format!("id,hash\n1,{MD5CRYPT}\n,{MD5CRYPT}\n"),
            "empty.csv:3: empty or missing id (field `id`)",
        ),
        (
            "dup.jsonl",
            format!("{{\"id\":7,\"hash\":\"{MD5CRYPT}\"}}\n{{\"id\":\"7\",\"hash\":\"x\"}}\n"),
            "dup.jsonl:2: duplicate id `7` (first on line 1)",
        ),
        (
            "empty.jsonl",
            format!("{{\"id\":7,\"hash\":\"{MD5CRYPT}\"}}\n\n{{\"hash\":\"{MD5CRYPT}\"}}\n"),
            "empty.jsonl:3: empty or missing id (field `id`)",
        ),
        (
            "blank.jsonl",
            format!("{{\"id\":\"\",\"hash\":\"{MD5CRYPT}\"}}\n"),
            "blank.jsonl:1: empty or missing id (field `id`)",
        ),
    ];
    for (name, text, message) in &cases {
        let input = dir.join(name);
        std::fs::write(&input, text).expect("write");
        let before = listing(&dir);
        for args in [
            &["wrap", p(&input), "--json"][..],
            &["wrap", p(&input), "--in-place"],
            &["wrap", p(&input), "--output", p(&dir.join("out.csv"))],
            &["scan", p(&input)],
        ] {
            let o = rehash(args);
            assert_eq!(o.status.code(), Some(2), "{args:?}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains(message), "{args:?}: {err}");
            assert!(o.stdout.is_empty(), "{args:?}");
            assert_eq!(listing(&dir), before, "nothing written: {args:?}");
            assert_eq!(&std::fs::read_to_string(&input).expect("read"), text);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
