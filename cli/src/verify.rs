//! `rehash verify`: one JSON line in, one JSON line out. A bad line yields an
//! `"error"` result and the run goes on.

use std::io::{self, BufRead, Write};

use rehash::{Policy, Scheme, Stored, Verification};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    id: serde_json::Value,
    password: Option<String>,
    password_hex: Option<String>,
    hash: Option<String>,
    salt: Option<String>,
    user: Option<String>,
    family: Option<String>,
}

#[derive(Serialize)]
struct Outcome<'a> {
    id: &'a serde_json::Value,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheme: Option<&'static str>,
    needs_upgrade: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<'a> Outcome<'a> {
    fn error(id: &'a serde_json::Value, msg: String) -> Self {
        Outcome { id, result: "error", scheme: None, needs_upgrade: false, new_hash: None, error: Some(msg) }
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

fn verify_line(
    policy: &Policy,
    line: &Line,
    upgrade: bool,
) -> Result<(Verification, Option<String>), String> {
    let password: Zeroizing<Vec<u8>> = match (&line.password_hex, &line.password) {
        (Some(h), _) => Zeroizing::new(decode_hex(h).ok_or("password_hex is not hex")?),
        (None, Some(p)) => Zeroizing::new(p.as_bytes().to_vec()),
        (None, None) => return Err("missing field `password`".into()),
    };
    let hash = line.hash.as_deref().ok_or("missing field `hash`")?;
    let mut stored = Stored::new(hash);
    if let Some(s) = &line.salt {
        stored = stored.with_salt(s);
    }
    if let Some(u) = &line.user {
        stored = stored.with_user(u);
    }
    if let Some(f) = &line.family {
        let scheme = Scheme::from_name(f).ok_or_else(|| format!("unknown family `{f}`"))?;
        stored = stored.with_scheme(scheme);
    }
    let v = policy.verify(&password, stored).map_err(|e| e.to_string())?;
    // Exactly one target hash, and only for a successful verify below policy.
    let new_hash = match upgrade && v.needs_upgrade() {
        true => Some(policy.hash(&password).map_err(|e| e.to_string())?),
        false => None,
    };
    Ok((v, new_hash))
}

/// Process every line of `input`, writing one result line each; with
/// `upgrade`, a line whose hash is below policy also gets `new_hash`.
pub fn run(policy: &Policy, upgrade: bool, input: impl BufRead, out: &mut impl Write) -> io::Result<()> {
    let null = serde_json::Value::Null;
    for raw in input.lines() {
        let raw = Zeroizing::new(raw?);
        if raw.trim().is_empty() {
            continue;
        }
        let parsed: Result<Line, _> = serde_json::from_str(&raw);
        let outcome = match &parsed {
            Err(e) => Outcome::error(&null, format!("bad JSON line: {}", classify(e))),
            Ok(line) => match verify_line(policy, line, upgrade) {
                Ok((v, new_hash)) => Outcome {
                    id: &line.id,
                    result: if v.is_valid() { "valid" } else { "invalid" },
                    scheme: Some(v.identified().scheme.name()),
                    needs_upgrade: v.needs_upgrade(),
                    new_hash,
                    error: None,
                },
                Err(e) => Outcome::error(&line.id, e),
            },
        };
        serde_json::to_writer(&mut *out, &outcome)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// What kind of JSON error, without echoing the line (it holds a password).
fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "wrong field types",
        serde_json::error::Category::Eof => "truncated",
    }
}
