//! The C ABI from C: builds tests/c/test_vectors.c with gcc against the
//! cdylib (target/<profile>/librehash.so), runs it over ../shared/vectors
//! (both waves) natively with the full upgrade flow on every valid vector, then
//! under `valgrind --leak-check=full --error-exitcode=1` (upgrade flow on a
//! sample, since each upgrade costs an Argon2id hash and valgrind is slow).
//!
//! gcc missing: skipped loudly (a failure under CI=true). valgrind missing:
//! the valgrind run is skipped loudly. Vectors missing: skipped loudly, as the
//! library's own vector tests do.

use std::path::{Path, PathBuf};
use std::process::Command;

fn loud(msg: &str) {
    eprintln!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !! SKIPPED: {msg}\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    );
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// target/<profile>, where cargo puts librehash.so for the tests.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/c_abi-HASH
    exe.parent().and_then(Path::parent).expect("target dir").to_path_buf()
}

fn vectors_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("REHASH_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors"));
    dir.join("valid_invalid.jsonl").is_file().then_some(dir)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

/// The vectors as the C program reads them: tab-separated, every value in hex.
fn write_tsv(dir: &Path, out: &Path) -> usize {
    let mut tsv = String::new();
    let mut n = 0;
    for name in ["valid_invalid.jsonl", "malformed.jsonl", "more_valid_invalid.jsonl", "more_malformed.jsonl"]
    {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("vector line is JSON");
            let s = |k: &str| v.get(k).and_then(|x| x.as_str());
            let pw = match s("password_hex") {
                Some(h) => h.to_owned(),
                None => hex(s("password").expect("password").as_bytes()),
            };
            let opt = |k: &str| s(k).map_or_else(|| "-".to_owned(), |x| hex(x.as_bytes()));
            let fields = [
                s("id").expect("id").to_owned(),
                s("expect").expect("expect").to_owned(),
                s("family").unwrap_or("-").to_owned(),
                pw,
                hex(s("hash").expect("hash").as_bytes()),
                opt("salt"),
                opt("user"),
            ];
            tsv.push_str(&fields.join("\t"));
            tsv.push('\n');
            n += 1;
        }
    }
    std::fs::write(out, tsv).expect("write vectors.tsv");
    n
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("--- {what}\n{stdout}{stderr}");
    assert!(out.status.success(), "{what} failed ({})", out.status);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.ends_with(" passed, 0 failed"), "{what}: unexpected summary `{last}`");
}

#[test]
fn c_program_over_the_shared_vectors_under_valgrind() {
    if !have("gcc") {
        assert!(!in_ci(), "gcc is required under CI=true");
        loud("gcc not found: the C ABI test did not run");
        return;
    }
    let Some(vectors) = vectors_dir() else {
        loud("shared vectors not found (set REHASH_VECTORS): the C ABI test did not run");
        return;
    };
    let lib = lib_dir();
    assert!(lib.join("librehash.so").is_file(), "{} has no librehash.so", lib.display());

    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("c_abi");
    std::fs::create_dir_all(&work).expect("tmp dir");
    let tsv = work.join("vectors.tsv");
    let n = write_tsv(&vectors, &tsv);
    assert!(n > 600, "only {n} vectors");

    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let exe = work.join("test_vectors");
    let mut gcc = Command::new("gcc");
    gcc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-pthread", "-I"])
        .arg(crate_dir.join("include"))
        .arg(crate_dir.join("tests/c/test_vectors.c"))
        .arg("-L")
        .arg(&lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-lrehash")
        .arg("-o")
        .arg(&exe);
    run_build(&mut gcc);

    // Natively: the upgrade flow on every valid vector, 4 threads.
    run(Command::new(&exe).arg(&tsv).arg("1").arg("4"), "test_vectors (native)");

    if !have("valgrind") {
        loud("valgrind not found: the C ABI ran without the memory check");
        return;
    }
    // Under valgrind: every vector, the upgrade flow on every 40th valid one.
    run(
        Command::new("valgrind")
            .args(["-q", "--leak-check=full", "--errors-for-leak-kinds=definite,possible"])
            .arg("--error-exitcode=1")
            .arg(&exe)
            .arg(&tsv)
            .arg("40")
            .arg("3"),
        "test_vectors (valgrind --leak-check=full)",
    );
}

fn run_build(gcc: &mut Command) {
    let out = gcc.output().expect("run gcc");
    assert!(out.status.success(), "gcc failed:\n{}", String::from_utf8_lossy(&out.stderr));
}
