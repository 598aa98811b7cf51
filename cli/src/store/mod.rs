//! Credential stores the batch commands read and update: CSV and JSON-lines
//! files, SQLite, PostgreSQL and MySQL/MariaDB. One interface: claim a batch of
//! rows, then commit compare-and-swap updates for it (or roll it back).

mod file;
#[cfg(feature = "sql")]
mod sql;

use std::path::PathBuf;

pub use file::FileStore;
#[cfg(feature = "sql")]
pub use sql::SqlStore;

/// Which columns hold what.
#[derive(Clone, Debug)]
pub struct Columns {
    /// Table (SQL stores; optionally `schema.table`).
    pub table: String,
    /// Integer primary key (SQL) or id field (files).
    pub id: String,
    /// The stored hash (or plaintext/ciphertext in those modes).
    pub hash: String,
    /// Separate salt column, if any.
    pub salt: Option<String>,
    /// User-name column (PostgreSQL md5), if any.
    pub user: Option<String>,
    /// Per-row scheme label column, if any.
    pub scheme: Option<String>,
}

/// One credential row.
#[derive(Clone, Debug)]
pub struct Row {
    /// The row id (an integer for SQL stores).
    pub id: String,
    /// The stored hash (or plaintext / ciphertext in those modes).
    pub hash: String,
    /// The separate salt column, if any.
    pub salt: Option<String>,
    /// The user-name column, if any.
    pub user: Option<String>,
    /// The row's declared scheme label, if the table has that column.
    pub scheme: Option<String>,
}

/// A compare-and-swap update: set `new` where the row still holds `old`.
#[derive(Clone, Debug)]
pub struct Update {
    /// The row id (an integer for SQL stores).
    pub id: String,
    /// The value read: the swap happens only if the row still holds it.
    pub old: String,
    /// The value to write.
    pub new: String,
}

/// Where output of a file store goes.
#[derive(Clone, Debug, Default)]
pub struct FileOutput {
    /// Explicit output path.
    pub path: Option<PathBuf>,
    /// Replace the input file (atomically; through a symbolic link, the file
    /// it points to).
    pub in_place: bool,
    /// Write nothing, whatever else is set (`--dry-run`).
    pub dry_run: bool,
}

/// An open store.
pub enum Store {
    /// A CSV or JSON-lines file.
    File(FileStore),
    /// A SQLite, PostgreSQL or MySQL database.
    #[cfg(feature = "sql")]
    Sql(SqlStore),
}

/// `url` with any password replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// A plain SQL identifier (or `schema.name`): the only names we splice into SQL.
pub fn check_ident(name: &str) -> Result<&str, String> {
    let ok = !name.is_empty()
        && name.split('.').all(|part| {
            let mut c = part.chars();
            c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
                && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        });
    if ok {
        Ok(name)
    } else {
        Err(format!("`{name}` is not a plain SQL identifier"))
    }
}

impl Store {
    /// Open `source`: a `.csv` or `.jsonl` file, a SQLite file (`.db`,
    /// `.sqlite`, `.sqlite3`, or `sqlite:`), or a `postgres://` / `mysql://` URL.
    pub async fn open(
        source: &str,
        cols: &Columns,
        output: FileOutput,
        lock_rows: bool,
    ) -> Result<Store, String> {
        let lower = source.to_ascii_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            return Ok(Store::File(FileStore::open(source, cols, output)?));
        }
        let url = if lower.starts_with("postgres://")
            || lower.starts_with("postgresql://")
            || lower.starts_with("mysql://")
            || lower.starts_with("mariadb://")
            || lower.starts_with("sqlite:")
        {
            source.replacen("mariadb://", "mysql://", 1)
        } else if lower.ends_with(".db") || lower.ends_with(".sqlite") || lower.ends_with(".sqlite3") {
            if !std::path::Path::new(source).is_file() {
                return Err(format!("{source}: no such SQLite file"));
            }
            format!("sqlite://{source}")
        } else {
            return Err(format!(
                "{}: unknown source kind (csv, jsonl, SQLite file, postgres:// or mysql:// URL)",
                redact(source)
            ));
        };
        #[cfg(feature = "sql")]
        return Ok(Store::Sql(SqlStore::connect(&url, cols, lock_rows).await?));
        #[cfg(not(feature = "sql"))]
        {
            let _ = (url, lock_rows);
            Err("this build has no database support (feature `sql`)".into())
        }
    }

    /// Rows in the store, if cheaply known.
    pub async fn count(&mut self) -> Result<u64, String> {
        match self {
            Store::File(f) => Ok(f.count()),
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.count().await,
        }
    }

    /// The next batch of up to `n` rows (claimed until commit or rollback).
    pub async fn next_batch(&mut self, n: usize) -> Result<Vec<Row>, String> {
        match self {
            Store::File(f) => Ok(f.next_batch(n)),
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.next_batch(n).await,
        }
    }

    /// Apply compare-and-swap updates for the current batch and commit it;
    /// returns how many rows changed (the rest lost their swap).
    pub async fn commit(&mut self, updates: &[Update]) -> Result<u64, String> {
        match self {
            Store::File(f) => Ok(f.commit(updates)),
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.commit(updates).await,
        }
    }

    /// Release the current batch unchanged.
    pub async fn rollback(&mut self) -> Result<(), String> {
        match self {
            Store::File(_) => Ok(()),
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.rollback().await,
        }
    }

    /// Write file output (atomically; never in a dry run) and close.
    pub async fn finish(self, changed: bool) -> Result<Option<PathBuf>, String> {
        match self {
            Store::File(f) => f.finish(changed),
            #[cfg(feature = "sql")]
            Store::Sql(s) => {
                s.close().await;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact("postgres://bob:s3cret@db:5432/x"), "postgres://bob:***@db:5432/x");
        assert_eq!(redact("mysql://root@127.0.0.1/test"), "mysql://root@127.0.0.1/test");
        assert_eq!(redact("users.db"), "users.db");
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(check_ident("users").is_ok());
        assert!(check_ident("auth.users_2").is_ok());
        assert!(check_ident("users; DROP TABLE x").is_err());
        assert!(check_ident("").is_err());
    }
}
