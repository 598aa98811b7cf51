//! Shared helpers of the integration tests: reading the vector files
//! (tests/vectors, a copy of ../shared/vectors kept equal by tests/vectors_sync.rs).

use std::path::PathBuf;

use rehash::{Scheme, SiteParams, Stored};

/// One line of a vectors file.
#[derive(Debug, Clone)]
pub struct Vector {
    pub id: String,
    pub family: Option<String>,
    pub password: Vec<u8>,
    pub hash: String,
    pub salt: Option<String>,
    pub user: Option<String>,
    /// The installation's settings the row was made under (`params`).
    pub params: Option<SiteParams>,
    /// The row's column that says how it was hashed (`params_col`).
    pub params_col: Option<String>,
    pub expect: String,
}

/// The vectors folder ($REHASH_VECTORS, else the repository's tests/vectors),
/// or `None` (with a loud message) when absent.
pub fn vectors_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("REHASH_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"));
    if dir.join("valid_invalid.jsonl").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED: shared vectors not found at {} (set REHASH_VECTORS)\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
            dir.display()
        );
        None
    }
}

/// Read one vectors file.
pub fn load(name: &str) -> Option<Vec<Vector>> {
    let path = vectors_dir()?.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("vector line is JSON");
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
        let password = match s("password_hex") {
            Some(h) => {
                (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex")).collect()
            }
            None => s("password").expect("password").into_bytes(),
        };
        out.push(Vector {
            id: s("id").expect("id"),
            family: s("family"),
            password,
            hash: s("hash").expect("hash"),
            salt: s("salt"),
            user: s("user"),
            params: v.get("params").map(|p| SiteParams::from_json_value(p).expect("params object")),
            params_col: s("params_col"),
            expect: s("expect").expect("expect"),
        });
    }
    Some(out)
}

/// The vector as a row: hash, salt and user columns, and the family as the
/// row's scheme only where the README says the string is not self-describing.
pub fn stored(v: &Vector) -> Stored<'_> {
    let mut s = Stored::new(&v.hash);
    if let Some(x) = &v.salt {
        s = s.with_salt(x);
    }
    if let Some(u) = &v.user {
        s = s.with_user(u);
    }
    if let Some(p) = &v.params {
        s = s.with_params(p);
    }
    if let Some(c) = &v.params_col {
        s = s.with_params_col(c);
    }
    match v.family.as_deref().and_then(Scheme::from_name) {
        Some(f) if f.needs_declaration() => s.with_scheme(f),
        _ => s,
    }
}

/// Wave-3 labels whose new stored forms are not read yet although the label
/// is in the catalogue (389-ds 2.x writes them in standard base64).
#[allow(dead_code)] // not every test crate uses it
pub const WAVE3_PENDING_FORMS: &[&str] = &[];

/// Wave-3 families not yet in the catalogue, and [`WAVE3_PENDING_FORMS`].
/// Their valid and invalid lines are not run yet; the list must name exactly
/// these, so adding a family means taking it off here (and its vectors then
/// run). Their malformed lines run regardless: they must never verify.
#[allow(dead_code)] // not every test crate uses it
pub const WAVE3_PENDING: &[&str] = &[];

/// The valid and invalid lines of every wave whose family is implemented:
/// both core waves whole, the third without [`WAVE3_PENDING`].
#[allow(dead_code)] // not every test crate uses it
pub fn load_ready_valid_invalid() -> Option<Vec<Vector>> {
    let mut out = Vec::new();
    for file in ["valid_invalid.jsonl", "more_valid_invalid.jsonl", "wave3_valid_invalid.jsonl"] {
        let vs = load(file)?;
        out.extend(
            vs.into_iter().filter(|v| !v.family.as_deref().is_some_and(|f| WAVE3_PENDING.contains(&f))),
        );
    }
    Some(out)
}
