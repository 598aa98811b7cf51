//! CSV (with a header row), JSON-lines files and Firebase Auth exports
//! (`{"users": [...]}`, written back one user a line with every field the run
//! does not change kept byte for byte). Rows are read whole; output
//! goes to a new file written beside the target and renamed into place, so a
//! crash leaves either no output or a complete one, and the input is replaced
//! only with `--in-place`.
//!
//! Every row must carry a unique, non-empty id (the compare-and-swap updates
//! find their row by it): a file with a missing, empty or repeated id is
//! refused when it is opened, naming the first offending line.
//!
//! The output keeps the input's permission bits (0600 when there is no input
//! file to copy them from) and, where the system allows it (root), its owner
//! and group. The temporary file is created exclusively
//! (`O_EXCL`) under a random name in the target's folder, its mode is set
//! before any data is written, and it is fsynced, renamed over the target and
//! the folder fsynced. `--in-place` on a symbolic link replaces the file the
//! link points to (the link stays); any other output path that is a link is
//! replaced by the new file, never written through.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::{Columns, FileFormat, FileOutput, Row, Update};
use crate::Error;

enum Body {
    Csv { headers: csv::StringRecord, records: Vec<csv::StringRecord> },
    Jsonl { records: Vec<serde_json::Map<String, serde_json::Value>> },
    Firebase(Firebase),
}

/// A JSON object with its members in file order, each value kept exactly as
/// written (so what rehash does not change is written back as it was). A
/// member named twice is refused: two `passwordHash` fields would leave open
/// which one a reader takes.
struct Members(Vec<(String, Box<RawValue>)>);

impl Members {
    fn get(&self, name: &str) -> Option<&RawValue> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| &**v)
    }

    /// Write `{"key":value,…}`.
    fn write(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        out.push(b'{');
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, k)?;
            out.push(b':');
            out.extend_from_slice(v.get().as_bytes());
        }
        out.push(b'}');
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut out: Vec<(String, Box<RawValue>)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                    if out.iter().any(|(seen, _)| *seen == k) {
                        return Err(serde::de::Error::custom("a field appears twice"));
                    }
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A Firebase Auth export: `{"users": [{…}, …]}` (other top-level members are
/// kept). Rows are the users with a `passwordHash`.
struct Firebase {
    top: Members,
    users: Vec<Members>,
    /// The index in `users` of each row.
    rows: Vec<usize>,
}

impl Firebase {
    fn parse(path: &str, text: &str, cols: &Columns) -> Result<(Firebase, HashMap<String, usize>), Error> {
        let bad =
            |line: Option<u64>, message: String| Error::BadFile { path: path.to_owned(), line, message };
        // serde's messages can quote the unexpected value: say where and what
        // kind of problem, never what was found.
        let shape = "not a Firebase Auth export: expected {\"users\": [{…}, …]}, each user an object \
                     naming each field once";
        let json = |e: serde_json::Error| {
            let line = Some(e.line() as u64).filter(|l| *l > 0);
            match e.classify() {
                serde_json::error::Category::Data => bad(line, shape.into()),
                _ => bad(line, "not valid JSON".into()),
            }
        };
        let top: Members = serde_json::from_str(text).map_err(json)?;
        let raw = top.get("users").ok_or_else(|| bad(None, shape.into()))?;
        let users: Vec<Members> = serde_json::from_str(raw.get()).map_err(|_| bad(None, shape.into()))?;
        let mut index: HashMap<String, usize> = HashMap::with_capacity(users.len());
        let mut rows = Vec::new();
        for (i, user) in users.iter().enumerate() {
            let id =
                user.get(&cols.id).and_then(value).filter(|id| !id.trim().is_empty()).ok_or_else(|| {
                    bad(
                        None,
                        format!(
                            "users[{i}]: empty or missing id (field `{}`); every user needs one",
                            cols.id
                        ),
                    )
                })?;
            if let Some(first) = index.get(&id) {
                return Err(bad(
                    None,
                    format!("users[{i}]: duplicate id `{id}` (first users[{first}]); ids must be unique"),
                ));
            }
            if user.get(&cols.hash).and_then(value).is_some_and(|h| !h.is_empty()) {
                rows.push(i);
            }
            index.insert(id, i);
        }
        Ok((Firebase { top, users, rows }, index))
    }

    fn write(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        // As `firebase auth:export` lays it out: one user a line.
        out.push(b'{');
        for (i, (k, v)) in self.top.0.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut *out, k)?;
            out.push(b':');
            if k == "users" {
                out.extend_from_slice(b"[\n");
                for (j, u) in self.users.iter().enumerate() {
                    if j > 0 {
                        out.extend_from_slice(b",\n");
                    }
                    u.write(out)?;
                }
                out.extend_from_slice(b"\n]");
            } else {
                out.extend_from_slice(v.get().as_bytes());
            }
        }
        out.extend_from_slice(b"}\n");
        Ok(())
    }
}

/// A raw JSON value as a field's text (see [`field`]).
fn value(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(raw.get()).ok().as_ref().and_then(field)
}

/// A CSV or JSON-lines file held in memory.
pub struct FileStore {
    input: PathBuf,
    /// The input's permission bits, to give the output (unix).
    input_mode: Option<u32>,
    /// The input's owner and group, to give the output if we may (unix).
    input_owner: Option<(u32, u32)>,
    output: FileOutput,
    cols: Columns,
    body: Body,
    /// Row index of each id (ids are unique: checked at open).
    index: HashMap<String, usize>,
    next: usize,
}

fn field(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The id → row map, or an error naming the first row (by its line number in
/// the file) whose id is missing, empty or already seen.
fn index_ids(
    path: &str,
    col: &str,
    ids: impl Iterator<Item = (u64, Option<String>)>,
) -> Result<HashMap<String, usize>, Error> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut lines = Vec::new();
    for (i, (line, id)) in ids.enumerate() {
        let id = match id {
            Some(id) if !id.trim().is_empty() => id,
            _ => return Err(Error::MissingId { path: path.to_owned(), line, field: col.to_owned() }),
        };
        if let Some(&first) = index.get(&id) {
            let first = lines[first];
            return Err(Error::DuplicateId { path: path.to_owned(), line, id, first });
        }
        index.insert(id, i);
        lines.push(line);
    }
    Ok(index)
}

impl FileStore {
    /// Read the file at `path` (CSV when it ends in `.csv`, else JSON lines);
    /// the output will get its permission bits.
    pub fn open(path: &str, cols: &Columns, output: FileOutput) -> Result<FileStore, Error> {
        use std::io::Read;
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        // Read and stat the same open file: its mode is the one of these bytes.
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| Error::io(path, e))?;
        let csv = path.to_ascii_lowercase().ends_with(".csv");
        let mut store = FileStore::parse(path, &text, csv, cols, output)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            store.input_mode = Some(meta.permissions().mode() & 0o777);
            store.input_owner = Some((meta.uid(), meta.gid()));
        }
        #[cfg(not(unix))]
        let _ = meta;
        Ok(store)
    }

    /// Read `text` as [`Columns::file_format`] says, else as CSV (`csv`) or
    /// JSON lines; `path` names it in errors and decides where output goes
    /// (which is created with mode 0600: there is no input file to copy
    /// permissions from). Rows with a missing, empty or repeated id are
    /// refused.
    pub fn parse(
        path: &str,
        text: &str,
        csv: bool,
        cols: &Columns,
        output: FileOutput,
    ) -> Result<FileStore, Error> {
        let input = PathBuf::from(path);
        let format = cols.file_format.unwrap_or(if csv { FileFormat::Csv } else { FileFormat::Jsonl });
        let (body, index) = if format == FileFormat::FirebaseExport {
            let (fb, index) = Firebase::parse(path, text, cols)?;
            (Body::Firebase(fb), index)
        } else if format == FileFormat::Csv {
            let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
            let bad =
                |e: csv::Error| Error::BadFile { path: path.to_owned(), line: None, message: e.to_string() };
            let headers = r.headers().map_err(bad)?.clone();
            let records = r.records().collect::<Result<Vec<_>, _>>().map_err(bad)?;
            for c in [Some(&cols.id), Some(&cols.hash), cols.params_col.as_ref()].into_iter().flatten() {
                if !headers.iter().any(|h| h == c) {
                    return Err(Error::HeaderColumnNotFound { path: path.to_owned(), column: c.clone() });
                }
            }
            let at = headers.iter().position(|h| h == cols.id).unwrap_or_default();
            let index = index_ids(
                path,
                &cols.id,
                records.iter().map(|r| (r.position().map_or(0, |p| p.line()), r.get(at).map(str::to_owned))),
            )?;
            (Body::Csv { headers, records }, index)
        } else {
            let mut records = Vec::new();
            let mut lines = Vec::new();
            let not_object = |i: usize| Error::BadFile {
                path: path.to_owned(),
                line: Some(i as u64 + 1),
                message: "not a JSON object".into(),
            };
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).map_err(|_| not_object(i))?;
                match v {
                    serde_json::Value::Object(m) => {
                        records.push(m);
                        lines.push(i as u64 + 1);
                    }
                    _ => return Err(not_object(i)),
                }
            }
            let index = index_ids(
                path,
                &cols.id,
                lines.into_iter().zip(records.iter().map(|r| r.get(&cols.id).and_then(field))),
            )?;
            (Body::Jsonl { records }, index)
        };
        Ok(FileStore {
            input,
            input_mode: None,
            input_owner: None,
            output,
            cols: cols.clone(),
            body,
            index,
            next: 0,
        })
    }

    /// Rows in the store.
    pub fn count(&self) -> u64 {
        match &self.body {
            Body::Csv { records, .. } => records.len() as u64,
            Body::Jsonl { records } => records.len() as u64,
            Body::Firebase(fb) => fb.rows.len() as u64,
        }
    }

    /// Users of a Firebase export without a password hash (not rows; left
    /// as they are); 0 for other files.
    pub fn without_password(&self) -> u64 {
        match &self.body {
            Body::Firebase(fb) => (fb.users.len() - fb.rows.len()) as u64,
            _ => 0,
        }
    }

    /// The entry (record or user) of the `k`-th row.
    fn entry(&self, k: usize) -> Option<usize> {
        match &self.body {
            Body::Firebase(fb) => fb.rows.get(k).copied(),
            _ => Some(k),
        }
    }

    fn get(&self, i: usize, col: &str) -> Option<String> {
        match &self.body {
            Body::Csv { headers, records } => {
                let at = headers.iter().position(|h| h == col)?;
                records.get(i)?.get(at).filter(|v| !v.is_empty()).map(str::to_owned)
            }
            Body::Jsonl { records } => records.get(i)?.get(col).and_then(field),
            Body::Firebase(fb) => fb.users.get(i)?.get(col).and_then(value),
        }
    }

    fn row(&self, i: usize) -> Row {
        let opt = |c: &Option<String>| c.as_deref().and_then(|c| self.get(i, c));
        Row {
            id: self.get(i, &self.cols.id).unwrap_or_default(),
            hash: self.get(i, &self.cols.hash).unwrap_or_default(),
            salt: opt(&self.cols.salt),
            user: opt(&self.cols.user),
            scheme: opt(&self.cols.scheme).or_else(|| self.cols.scheme_label.clone()),
            params_col: opt(&self.cols.params_col),
        }
    }

    /// The next batch of up to `n` rows.
    pub fn next_batch(&mut self, n: usize) -> Vec<Row> {
        let end = self.next.saturating_add(n).min(self.count() as usize);
        let rows = (self.next..end).filter_map(|k| self.entry(k)).map(|i| self.row(i)).collect();
        self.next = end;
        rows
    }

    /// Read from the first row again.
    pub fn restart(&mut self) {
        self.next = 0;
    }

    /// Compare-and-swap in memory: a row changes only if it still holds `old`.
    pub fn commit(&mut self, updates: &[Update]) -> u64 {
        let mut changed = 0;
        for u in updates {
            let Some(&i) = self.index.get(&u.id) else { continue };
            if self.get(i, &self.cols.hash).as_deref() != Some(u.old.as_str()) {
                continue;
            }
            match &mut self.body {
                Body::Csv { headers, records } => {
                    let Some(at) = headers.iter().position(|h| h == self.cols.hash) else { continue };
                    if let Some(rec) = records.get_mut(i) {
                        let fields: Vec<&str> = rec
                            .iter()
                            .enumerate()
                            .map(|(k, v)| if k == at { u.new.as_str() } else { v })
                            .collect();
                        *rec = csv::StringRecord::from(fields);
                        changed += 1;
                    }
                }
                Body::Jsonl { records } => {
                    if let Some(rec) = records.get_mut(i) {
                        rec.insert(self.cols.hash.clone(), serde_json::Value::String(u.new.clone()));
                        changed += 1;
                    }
                }
                Body::Firebase(fb) => {
                    // Only rows change: never a user without a password.
                    if fb.rows.binary_search(&i).is_err() {
                        continue;
                    }
                    let Some(user) = fb.users.get_mut(i) else { continue };
                    let Some(slot) = user.0.iter_mut().find(|(k, _)| *k == self.cols.hash) else { continue };
                    // A string always serialises.
                    let Ok(raw) = serde_json::value::to_raw_value(&u.new) else { continue };
                    slot.1 = raw;
                    changed += 1;
                }
            }
        }
        changed
    }

    /// The output path: `--output`, the input with `--in-place` (the file a
    /// symbolic link points to, so the link stays a link), or
    /// `<stem>.rehash.<ext>` beside the input.
    fn target(&self) -> Result<PathBuf, Error> {
        if let Some(p) = &self.output.path {
            return Ok(p.clone());
        }
        if self.output.in_place {
            return std::fs::canonicalize(&self.input).map_err(|e| Error::io(&self.input, e));
        }
        let stem = self.input.file_stem().and_then(|s| s.to_str()).unwrap_or("out");
        let ext = self.input.extension().and_then(|s| s.to_str()).unwrap_or("out");
        Ok(self.input.with_file_name(format!("{stem}.rehash.{ext}")))
    }

    /// Write the output file atomically, if anything changed or an output
    /// path was given; never in a dry run.
    pub fn finish(self, changed: bool) -> Result<Option<PathBuf>, Error> {
        if self.output.dry_run || (!changed && self.output.path.is_none()) {
            return Ok(None);
        }
        let target = self.target()?;
        let mut out = Vec::new();
        // Serialising into memory: a failure is the serialiser's, reported
        // against the file it was meant for.
        let fail = |e: &dyn std::fmt::Display| Error::io(&target, std::io::Error::other(e.to_string()));
        match &self.body {
            Body::Csv { headers, records } => {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(headers).map_err(|e| fail(&e))?;
                for r in records {
                    w.write_record(r).map_err(|e| fail(&e))?;
                }
                w.flush().map_err(|e| fail(&e))?;
            }
            Body::Jsonl { records } => {
                for r in records {
                    serde_json::to_writer(&mut out, r).map_err(|e| fail(&e))?;
                    out.push(b'\n');
                }
            }
            Body::Firebase(fb) => fb.write(&mut out).map_err(|e| fail(&e))?,
        }
        write_atomically(&target, &out, self.input_mode.unwrap_or(0o600), self.input_owner)?;
        Ok(Some(target))
    }
}

/// Create a new file in `dir` named `.<name>.<suffix>.tmp` with a fresh
/// `suffix()` (random in use), exclusively (a file or link already there is
/// never opened), readable and writable by its owner only.
fn create_temp(
    dir: &Path,
    name: &str,
    mut suffix: impl FnMut() -> u64,
) -> std::io::Result<(std::fs::File, PathBuf)> {
    let mut last = None;
    for _ in 0..16 {
        let suffix = suffix();
        let tmp = dir.join(format!(".{name}.{suffix:016x}.tmp"));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
}

/// Write to a new temporary file in the target's folder (owner `owner` if the
/// system lets us, and mode `mode`, set before the data goes in), fsync,
/// rename over the target, fsync the folder: readers see the old file or the
/// new one, whole.
fn write_atomically(target: &Path, data: &[u8], mode: u32, owner: Option<(u32, u32)>) -> Result<(), Error> {
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let (mut f, tmp) =
        create_temp(dir, name, || rand::Rng::random(&mut rand::rng())).map_err(|e| Error::io(dir, e))?;
    let res = (|| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Some((uid, gid)) = owner {
                // Best effort: only root may give a file away.
                let _ = std::os::unix::fs::fchown(&f, Some(uid), Some(gid));
            }
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = (mode, owner);
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, target)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.map_err(|e| Error::io(target, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rehash-file-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("mkdir");
        d
    }

    fn cols() -> Columns {
        Columns::default()
    }

    #[test]
    fn temp_names_are_random_and_a_planted_link_is_never_opened() {
        let dir = tmpdir("temp");
        let (_a, pa) = create_temp(&dir, "users.csv", || rand::Rng::random(&mut rand::rng())).expect("temp");
        let (_b, pb) = create_temp(&dir, "users.csv", || rand::Rng::random(&mut rand::rng())).expect("temp");
        assert_ne!(pa, pb);
        let name = pa.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(name.starts_with(".users.csv.") && name.ends_with(".tmp") && name.len() == 31, "{name}");
        // A link planted at the first name tried is skipped, not followed.
        let victim = dir.join("victim");
        std::fs::write(&victim, "keep").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, dir.join(format!(".users.csv.{:016x}.tmp", 7))).expect("symlink");
        #[cfg(not(unix))]
        std::fs::write(dir.join(format!(".users.csv.{:016x}.tmp", 7)), "planted").expect("write");
        let mut tries = [7u64, 7, 8].into_iter();
        let (mut f, p) = create_temp(&dir, "users.csv", || tries.next().expect("suffix")).expect("temp");
        assert_eq!(p, dir.join(format!(".users.csv.{:016x}.tmp", 8)));
        f.write_all(b"new").expect("write");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn output_without_an_input_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tmpdir("mode");
        let out = dir.join("out.csv");
        let output = FileOutput { path: Some(out.clone()), ..FileOutput::default() };
        let st = FileStore::parse("nowhere/in.csv", "id,hash\n1,x\n", true, &cols(), output).expect("parse");
        assert_eq!(st.finish(false).expect("finish"), Some(out.clone()));
        assert_eq!(std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "id,hash\n1,x\n");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn ids_must_be_unique_and_present() {
        let err = |csv: bool, text: &str| {
            FileStore::parse("f", text, csv, &cols(), FileOutput::default()).err().map(|e| e.to_string())
        };
        assert_eq!(
            err(true, "id,hash\n1,a\n2,b\n1,c\n").as_deref(),
            Some("f:4: duplicate id `1` (first on line 2); ids must be unique")
        );
        assert_eq!(
            err(true, "id,hash\n1,a\n,b\n").as_deref(),
            Some("f:3: empty or missing id (field `id`); every row needs one")
        );
        // A quoted field spanning lines: the line where the record starts.
        assert_eq!(
            err(true, "id,hash\n1,\"a\nb\"\n1,c\n").as_deref(),
            Some("f:4: duplicate id `1` (first on line 2); ids must be unique")
        );
        assert_eq!(
            err(false, "{\"id\":1,\"hash\":\"a\"}\n\n{\"id\":\"1\",\"hash\":\"b\"}\n").as_deref(),
            Some("f:3: duplicate id `1` (first on line 1); ids must be unique")
        );
        for bad in ["{\"hash\":\"a\"}", "{\"id\":null,\"hash\":\"a\"}", "{\"id\":\" \",\"hash\":\"a\"}"] {
            assert_eq!(
                err(false, &format!("{{\"id\":1,\"hash\":\"a\"}}\n{bad}\n")).as_deref(),
                Some("f:2: empty or missing id (field `id`); every row needs one"),
                "{bad}"
            );
        }
        // Unique ids: each update finds its own row.
        let mut st = FileStore::parse("f", "id,hash\n1,a\n2,b\n3,c\n", true, &cols(), FileOutput::default())
            .expect("parse");
        assert_eq!(st.next_batch(10).len(), 3);
        let up = |id: &str, old: &str| Update { id: id.into(), old: old.into(), new: format!("new{id}") };
        assert_eq!(st.commit(&[up("2", "b"), up("3", "x"), up("9", "c")]), 1);
        assert_eq!(st.get(1, "hash").as_deref(), Some("new2"));
        assert_eq!(st.get(2, "hash").as_deref(), Some("c"));
    }
}
