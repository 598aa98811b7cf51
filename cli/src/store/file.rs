//! CSV (with a header row) and JSON-lines files. Rows are read whole; output
//! goes to a new file written beside the target and renamed into place, so a
//! crash leaves either no output or a complete one, and the input is replaced
//! only with `--in-place`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Columns, FileOutput, Row, Update};

enum Body {
    Csv { headers: csv::StringRecord, records: Vec<csv::StringRecord> },
    Jsonl { records: Vec<serde_json::Map<String, serde_json::Value>> },
}

/// A CSV or JSON-lines file held in memory.
pub struct FileStore {
    input: PathBuf,
    output: FileOutput,
    cols: Columns,
    body: Body,
    next: usize,
}

fn field(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl FileStore {
    /// Read the file at `path` (CSV when it ends in `.csv`, else JSON lines).
    pub fn open(path: &str, cols: &Columns, output: FileOutput) -> Result<FileStore, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let csv = path.to_ascii_lowercase().ends_with(".csv");
        FileStore::parse(path, &text, csv, cols, output)
    }

    /// Read `text` as CSV (`csv`) or JSON lines; `path` names it in errors
    /// and decides where output goes.
    pub fn parse(
        path: &str,
        text: &str,
        csv: bool,
        cols: &Columns,
        output: FileOutput,
    ) -> Result<FileStore, String> {
        let input = PathBuf::from(path);
        let body = if csv {
            let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
            let headers = r.headers().map_err(|e| format!("{path}: {e}"))?.clone();
            let records = r.records().collect::<Result<Vec<_>, _>>().map_err(|e| format!("{path}: {e}"))?;
            for c in [Some(&cols.id), Some(&cols.hash)].into_iter().flatten() {
                if !headers.iter().any(|h| h == c) {
                    return Err(format!("{path}: no column `{c}` in the header"));
                }
            }
            Body::Csv { headers, records }
        } else {
            let mut records = Vec::new();
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let v: serde_json::Value =
                    serde_json::from_str(line).map_err(|_| format!("{path}:{}: not a JSON object", i + 1))?;
                match v {
                    serde_json::Value::Object(m) => records.push(m),
                    _ => return Err(format!("{path}:{}: not a JSON object", i + 1)),
                }
            }
            Body::Jsonl { records }
        };
        Ok(FileStore { input, output, cols: cols.clone(), body, next: 0 })
    }

    /// Rows in the store.
    pub fn count(&self) -> u64 {
        match &self.body {
            Body::Csv { records, .. } => records.len() as u64,
            Body::Jsonl { records } => records.len() as u64,
        }
    }

    fn get(&self, i: usize, col: &str) -> Option<String> {
        match &self.body {
            Body::Csv { headers, records } => {
                let at = headers.iter().position(|h| h == col)?;
                records.get(i)?.get(at).filter(|v| !v.is_empty()).map(str::to_owned)
            }
            Body::Jsonl { records } => records.get(i)?.get(col).and_then(field),
        }
    }

    fn row(&self, i: usize) -> Row {
        let opt = |c: &Option<String>| c.as_deref().and_then(|c| self.get(i, c));
        Row {
            id: self.get(i, &self.cols.id).unwrap_or_else(|| format!("line{}", i + 1)),
            hash: self.get(i, &self.cols.hash).unwrap_or_default(),
            salt: opt(&self.cols.salt),
            user: opt(&self.cols.user),
            scheme: opt(&self.cols.scheme),
        }
    }

    /// The next batch of up to `n` rows.
    pub fn next_batch(&mut self, n: usize) -> Vec<Row> {
        let end = (self.next + n).min(self.count() as usize);
        let rows = (self.next..end).map(|i| self.row(i)).collect();
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
        let n = self.count() as usize;
        for u in updates {
            let Some(i) =
                (0..n).rev().find(|&i| self.get(i, &self.cols.id).as_deref() == Some(u.id.as_str()))
            else {
                continue;
            };
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
            }
        }
        changed
    }

    /// The output path: `--output`, the input with `--in-place`, or
    /// `<stem>.rehash.<ext>` beside the input.
    fn target(&self) -> PathBuf {
        if let Some(p) = &self.output.path {
            return p.clone();
        }
        if self.output.in_place {
            return self.input.clone();
        }
        let stem = self.input.file_stem().and_then(|s| s.to_str()).unwrap_or("out");
        let ext = self.input.extension().and_then(|s| s.to_str()).unwrap_or("out");
        self.input.with_file_name(format!("{stem}.rehash.{ext}"))
    }

    /// Write the output file atomically, if anything changed or an output path was given.
    pub fn finish(self, changed: bool) -> Result<Option<PathBuf>, String> {
        if !changed && self.output.path.is_none() {
            return Ok(None);
        }
        let target = self.target();
        let mut out = Vec::new();
        match &self.body {
            Body::Csv { headers, records } => {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(headers).map_err(|e| e.to_string())?;
                for r in records {
                    w.write_record(r).map_err(|e| e.to_string())?;
                }
                w.flush().map_err(|e| e.to_string())?;
            }
            Body::Jsonl { records } => {
                for r in records {
                    serde_json::to_writer(&mut out, r).map_err(|e| e.to_string())?;
                    out.push(b'\n');
                }
            }
        }
        write_atomically(&target, &out)?;
        Ok(Some(target))
    }
}

/// Write to a temporary file in the target's folder, fsync, rename over the
/// target, fsync the folder: readers see the old file or the new one, whole.
fn write_atomically(target: &Path, data: &[u8]) -> Result<(), String> {
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, target)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res.map_err(|e| format!("{}: {e}", target.display()))
}
