//! `rehash verify`: one JSON line in, one JSON line out, in input order.
//!
//! A bad line — not JSON, not UTF-8, a missing field, or longer than
//! [`MAX_LINE`] — yields an `"error"` result and the run goes on; an overlong
//! line is skipped as it streams past, never held in memory. With `jobs > 1`
//! chunks of lines are verified on that many threads and written back in
//! order. Lines are parsed in place (fields borrow from the line), and a
//! password that JSON escapes forced into a copy is wiped when dropped.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};
use std::sync::atomic::Ordering;
use std::sync::mpsc;

use rehash::{Policy, Scheme, SiteParams, Stored, Verification};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use zeroize::{Zeroize, Zeroizing};

/// The longest input line read (1 MiB); a longer one is an error result.
pub const MAX_LINE: usize = 1 << 20;

/// Most lines per chunk handed to a worker thread.
const CHUNK_LINES: usize = 1024;

/// Work per chunk the reader aims for: small enough that slow (KDF) lines
/// spread over every worker, large enough that fast lines pay little for the
/// hand-off.
const CHUNK_NANOS: u64 = 2_000_000;

/// A password field: borrowed from the line when it has no escapes, else a
/// copy that is zeroed on drop.
struct Secret<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Secret<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Cow::<'a, str>::deserialize(d).map(Secret)
    }
}

impl Drop for Secret<'_> {
    fn drop(&mut self) {
        if let Cow::Owned(s) = &mut self.0 {
            s.zeroize();
        }
    }
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    password: Option<Secret<'a>>,
    #[serde(borrow)]
    password_hex: Option<Secret<'a>>,
    #[serde(borrow)]
    hash: Option<Cow<'a, str>>,
    #[serde(borrow)]
    salt: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user: Option<Cow<'a, str>>,
    #[serde(borrow)]
    family: Option<Cow<'a, str>>,
    /// Settings of the installation (Firebase's hash config, a pepper): a
    /// JSON object, read only when the line has one.
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
    #[serde(borrow)]
    params_col: Option<Cow<'a, str>>,
}

#[derive(Serialize)]
struct Outcome<'a> {
    id: &'a RawValue,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheme: Option<&'static str>,
    needs_upgrade: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn null() -> &'static RawValue {
    // A constant that is valid JSON.
    static NULL: std::sync::OnceLock<&'static RawValue> = std::sync::OnceLock::new();
    NULL.get_or_init(|| serde_json::from_str("null").expect("`null` is JSON"))
}

impl<'a> Outcome<'a> {
    fn error(id: &'a RawValue, msg: String) -> Self {
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
    line: &Line<'_>,
    upgrade: bool,
) -> Result<(Verification, Option<String>), String> {
    let decoded;
    let password: &[u8] = match (&line.password_hex, &line.password) {
        (Some(h), _) => {
            decoded = Zeroizing::new(decode_hex(&h.0).ok_or("password_hex is not hex")?);
            &decoded
        }
        (None, Some(p)) => p.0.as_bytes(),
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
    let params = match line.params {
        Some(raw) => Some(SiteParams::from_json(raw.get()).map_err(|e| e.to_string())?),
        None => None,
    };
    if let Some(p) = &params {
        stored = stored.with_params(p);
    }
    if let Some(c) = &line.params_col {
        stored = stored.with_params_col(c);
    }
    let v = policy.verify(password, stored).map_err(|e| e.to_string())?;
    // Exactly one target hash, and only for a successful verify below policy.
    let new_hash = match upgrade && v.needs_upgrade() {
        true => Some(policy.hash(password).map_err(|e| e.to_string())?),
        false => None,
    };
    Ok((v, new_hash))
}

/// One input line as read: its bytes, or why it could not be kept.
enum Raw {
    Bytes(Vec<u8>),
    TooLong(usize),
}

/// Verify one raw line and append its result line to `out`.
fn process(policy: &Policy, upgrade: bool, raw: &Raw, out: &mut Vec<u8>) {
    let outcome_err = |msg: String, out: &mut Vec<u8>| write_outcome(&Outcome::error(null(), msg), out);
    let bytes = match raw {
        Raw::TooLong(n) => {
            return outcome_err(format!("line of {n} bytes is longer than the {MAX_LINE}-byte limit"), out)
        }
        Raw::Bytes(b) => b,
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return outcome_err("line is not valid UTF-8".into(), out);
    };
    let parsed: Result<Line<'_>, _> = serde_json::from_str(text);
    match &parsed {
        Err(e) => outcome_err(format!("bad JSON line: {}", classify(e)), out),
        Ok(line) => {
            let id: &RawValue = match line.id {
                Some(id) => id,
                None => null(),
            };
            let o = match verify_line(policy, line, upgrade) {
                Ok((v, new_hash)) => Outcome {
                    id,
                    result: if v.is_valid() { "valid" } else { "invalid" },
                    scheme: Some(v.identified().scheme.name()),
                    needs_upgrade: v.needs_upgrade(),
                    new_hash,
                    error: None,
                },
                Err(e) => Outcome::error(id, e),
            };
            write_outcome(&o, out);
        }
    }
}

fn write_outcome(o: &Outcome<'_>, out: &mut Vec<u8>) {
    match o {
        // The common lines hold only the raw id and fixed ASCII words (labels
        // are `[a-z0-9_]`): written directly, no escaping pass.
        Outcome { id, result, scheme: Some(scheme), needs_upgrade, new_hash: None, error: None }
            if scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            out.extend_from_slice(b"{\"id\":");
            out.extend_from_slice(id.get().as_bytes());
            out.extend_from_slice(b",\"result\":\"");
            out.extend_from_slice(result.as_bytes());
            out.extend_from_slice(b"\",\"scheme\":\"");
            out.extend_from_slice(scheme.as_bytes());
            out.extend_from_slice(if *needs_upgrade {
                b"\",\"needs_upgrade\":true}"
            } else {
                b"\",\"needs_upgrade\":false}"
            });
        }
        // Serialising plain strings and numbers into memory cannot fail.
        _ => {
            let _ = serde_json::to_writer(&mut *out, o);
        }
    }
    out.push(b'\n');
}

/// Read the next line (without its newline), keeping at most [`MAX_LINE`]
/// bytes; a longer line is consumed to its end and reported by length.
/// `None` at the end of the input.
fn next_line(input: &mut impl BufRead) -> io::Result<Option<Raw>> {
    next_line_into(input, Vec::new())
}

/// [`next_line`] into `buf` (cleared first), so one thread can reuse one
/// allocation for every line.
fn next_line_into(input: &mut impl BufRead, mut buf: Vec<u8>) -> io::Result<Option<Raw>> {
    buf.clear();
    let mut len = 0usize;
    let mut seen = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        seen = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        len += take;
        if len <= MAX_LINE {
            buf.extend_from_slice(&chunk[..take]);
        } else if !buf.is_empty() {
            buf.zeroize();
            buf = Vec::new();
        }
        input.consume(take + usize::from(done));
        if done {
            break;
        }
    }
    if !seen {
        return Ok(None);
    }
    if len > MAX_LINE {
        return Ok(Some(Raw::TooLong(len)));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(Raw::Bytes(buf)))
}

fn blank(raw: &Raw) -> bool {
    matches!(raw, Raw::Bytes(b) if b.iter().all(u8::is_ascii_whitespace))
}

/// Wipe the lines of a chunk (they hold passwords).
fn wipe(chunk: &mut [Raw]) {
    for r in chunk {
        if let Raw::Bytes(b) = r {
            b.zeroize();
        }
    }
}

/// Process every line of `input`, writing one result line each in input
/// order; with `upgrade`, a line whose hash is below policy also gets
/// `new_hash`. `jobs` threads verify (1: this thread alone).
pub fn run(
    policy: &Policy,
    upgrade: bool,
    jobs: usize,
    mut input: impl BufRead,
    out: &mut (impl Write + Send),
) -> io::Result<()> {
    if jobs <= 1 {
        let mut buf = Vec::with_capacity(256);
        let mut line = Vec::with_capacity(256);
        while let Some(mut raw) = next_line_into(&mut input, std::mem::take(&mut line))? {
            if !blank(&raw) {
                buf.clear();
                process(policy, upgrade, &raw, &mut buf);
                out.write_all(&buf)?;
            }
            wipe(std::slice::from_mut(&mut raw));
            if let Raw::Bytes(b) = raw {
                line = b;
            }
        }
        return Ok(());
    }
    // Bounded queues: at most a few chunks in flight per worker.
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<Raw>)>(jobs * 2);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(jobs * 4);
    // Nanoseconds a line takes, as the workers last measured it.
    let per_line = std::sync::atomic::AtomicU64::new(CHUNK_NANOS);
    std::thread::scope(|s| -> io::Result<()> {
        for _ in 0..jobs {
            let (rx, tx, per_line) = (&work_rx, done_tx.clone(), &per_line);
            s.spawn(move || loop {
                let next = match rx.lock() {
                    Ok(guard) => guard.recv(),
                    Err(_) => return,
                };
                let Ok((seq, mut chunk)) = next else { return };
                let mut buf = Vec::with_capacity(chunk.len() * 96);
                let start = std::time::Instant::now();
                for raw in chunk.iter().filter(|r| !blank(r)) {
                    process(policy, upgrade, raw, &mut buf);
                }
                let nanos = start.elapsed().as_nanos() / chunk.len().max(1) as u128;
                per_line.store(u64::try_from(nanos).unwrap_or(u64::MAX).max(1), Ordering::Relaxed);
                wipe(&mut chunk);
                if tx.send((seq, buf)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        // The writer: results come back in any order, go out in input order.
        let writer = s.spawn(move || -> io::Result<()> {
            let mut pending = BTreeMap::new();
            let mut next = 0u64;
            for (seq, buf) in done_rx {
                pending.insert(seq, buf);
                while let Some(buf) = pending.remove(&next) {
                    out.write_all(&buf)?;
                    next += 1;
                }
            }
            Ok(())
        });
        let mut seq = 0u64;
        let mut chunk = Vec::new();
        let read = (|| -> io::Result<()> {
            while let Some(raw) = next_line(&mut input)? {
                chunk.push(raw);
                let want = CHUNK_NANOS / per_line.load(Ordering::Relaxed).max(1);
                if chunk.len() >= usize::try_from(want).unwrap_or(CHUNK_LINES).clamp(1, CHUNK_LINES) {
                    let full = std::mem::take(&mut chunk);
                    if work_tx.send((seq, full)).is_err() {
                        break;
                    }
                    seq += 1;
                }
            }
            if !chunk.is_empty() {
                let _ = work_tx.send((seq, std::mem::take(&mut chunk)));
            }
            Ok(())
        })();
        drop(work_tx);
        let written = writer.join().unwrap_or_else(|_| Err(io::Error::other("writer thread panicked")));
        read.and(written)
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded_and_split() {
        let long = "x".repeat(MAX_LINE + 10);
        let text = format!("a\r\n{long}\nb\n\nc");
        let mut r = io::BufReader::with_capacity(7, text.as_bytes());
        let mut got = Vec::new();
        while let Some(raw) = next_line(&mut r).expect("read") {
            got.push(match raw {
                Raw::Bytes(b) => String::from_utf8(b).expect("utf8"),
                Raw::TooLong(n) => format!("<{n}>"),
            });
        }
        assert_eq!(got, ["a", &format!("<{}>", MAX_LINE + 10), "b", "", "c"]);
    }
}
