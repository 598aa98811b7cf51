//! tests/vectors is the repository's copy of ../shared/vectors (all three
//! waves and their README), so a clone alone runs every vector suite. This
//! test fails when the two differ, wherever ../shared/vectors exists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn the_copy_equals_the_shared_vectors() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let ours = root.join("tests/vectors");
    let shared = root.join("../shared/vectors");
    let mine = names(&ours);
    for wave in ["valid_invalid.jsonl", "more_valid_invalid.jsonl", "wave3_valid_invalid.jsonl"] {
        assert!(mine.contains(wave), "tests/vectors lacks {wave}");
    }
    if !shared.is_dir() {
        eprintln!("\n!!! ../shared/vectors is absent: the copy in tests/vectors is not compared\n");
        return;
    }
    let theirs = names(&shared);
    assert_eq!(mine, theirs, "file lists differ: refresh with `cp ../shared/vectors/* tests/vectors/`");
    for name in &theirs {
        let a = std::fs::read(ours.join(name)).expect("ours");
        let b = std::fs::read(shared.join(name)).expect("shared");
        assert!(a == b, "tests/vectors/{name} differs from ../shared/vectors/{name}: refresh the copy");
    }
}
