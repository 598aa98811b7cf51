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
    error: Option<String>,
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

fn verify_line(policy: &Policy, line: &Line) -> Result<Verification, String> {
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
    policy.verify(&password, stored).map_err(|e| e.to_string())
}

/// Process every line of `input`, writing one result line each.
pub fn run(policy: &Policy, input: impl BufRead, out: &mut impl Write) -> io::Result<()> {
    let null = serde_json::Value::Null;
    for raw in input.lines() {
        let raw = Zeroizing::new(raw?);
        if raw.trim().is_empty() {
            continue;
        }
        let parsed: Result<Line, _> = serde_json::from_str(&raw);
        let outcome = match &parsed {
            Err(e) => Outcome {
                id: &null,
                result: "error",
                scheme: None,
                needs_upgrade: false,
                error: Some(format!("bad JSON line: {}", e.classify_str())),
            },
            Ok(line) => match verify_line(policy, line) {
                Ok(v) => Outcome {
                    id: &line.id,
                    result: if v.is_valid() { "valid" } else { "invalid" },
                    scheme: Some(v.identified().scheme.name()),
                    needs_upgrade: v.needs_upgrade(),
                    error: None,
                },
                Err(e) => Outcome {
                    id: &line.id,
                    result: "error",
                    scheme: None,
                    needs_upgrade: false,
                    error: Some(e),
                },
            },
        };
        serde_json::to_writer(&mut *out, &outcome)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

trait ClassifyStr {
    fn classify_str(&self) -> &'static str;
}

impl ClassifyStr for serde_json::Error {
    fn classify_str(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "wrong field types",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}
