//! The library's layering flows one way (CONTRIBUTING.md): catalogue and
//! encoding → error → ceilings → primitives → scheme/ (families) → wrap →
//! policy/ → config, calibrate, limit. A module never names one above it, and
//! a family never names another family. Read from the sources, so a change
//! that breaks the rule fails here.

use std::path::{Path, PathBuf};

/// Layer of a top-level module: higher may use lower, never the reverse.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "catalogue" | "encoding" | "site" => 0,
        "error" => 1,
        "ceilings" => 2,
        "primitives" => 3,
        "scheme" => 4,
        "wrap" => 5,
        "policy" => 6,
        "config" | "calibrate" | "limit" => 7,
        "lib" | "guides" => 8,
        _ => return None,
    })
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Code lines only: comments and doc comments (which may link anywhere) are
/// left out, and so is everything from the first `#[cfg(test)]` on.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..end].lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::<module>` the code names (through `use crate::{a, b}` too).
fn crate_refs(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + 7..];
        if let Some(list) = rest.strip_prefix('{') {
            let close = list.find('}').unwrap_or(list.len());
            for item in list[..close].split(',') {
                let name: String =
                    item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.push(name);
            }
        } else {
            out.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    out
}

#[test]
fn modules_import_only_layers_below_them() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut bad = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&root).expect("under src");
        let top = rel.iter().next().and_then(|c| c.to_str()).unwrap_or_default().trim_end_matches(".rs");
        let Some(own) = layer(top) else {
            bad.push(format!("{}: module `{top}` has no layer in tests/layering.rs", rel.display()));
            continue;
        };
        let text = std::fs::read_to_string(f).expect("read");
        for r in crate_refs(&code(&text)) {
            // Crate-root items (re-exports, `crate::Policy`) count as the top.
            let target = layer(&r).unwrap_or(if r.chars().next().is_some_and(char::is_uppercase) {
                8
            } else {
                continue;
            });
            if target > own && top != "lib" {
                bad.push(format!(
                    "{}: `{top}` (layer {own}) uses `crate::{r}` (layer {target})",
                    rel.display()
                ));
            }
        }
    }
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
    assert!(files.len() > 20, "read {} files", files.len());
}

#[test]
fn a_family_never_imports_another_family() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/scheme");
    let families: Vec<String> = std::fs::read_dir(&dir)
        .expect("read scheme/")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .filter(|n| n != "mod")
        .collect();
    let mut bad = Vec::new();
    for fam in &families {
        let text = code(&std::fs::read_to_string(dir.join(format!("{fam}.rs"))).expect("read"));
        for other in families.iter().filter(|o| *o != fam) {
            for pat in [format!("super::{other}"), format!("scheme::{other}")] {
                if text.contains(&pat) {
                    bad.push(format!("scheme/{fam}.rs names `{pat}`"));
                }
            }
        }
    }
    assert!(bad.is_empty(), "families importing families:\n{}", bad.join("\n"));
    assert!(families.len() >= 10, "{families:?}");
}
