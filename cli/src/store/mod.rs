//! Credential stores the batch commands read and update: CSV and JSON-lines
//! files, SQLite, PostgreSQL and MySQL/MariaDB. One interface: claim a batch of
//! rows, then commit compare-and-swap updates for it (or roll it back).

mod file;
#[cfg(feature = "sql")]
mod sql;

use std::path::PathBuf;

use crate::{Error, RowError};
pub use file::FileStore;
#[cfg(feature = "sql")]
pub use sql::{Account, Found, Lookup, OnSuccess, SqlStore, WriteOutcome};

/// Which columns hold what.
///
/// Build one from [`Columns::default`] (table `users`, columns `id` and
/// `hash`) or [`Preset::columns`] and change what differs:
/// `Columns { salt: Some("salt".into()), ..Columns::default() }`.
#[derive(Clone, Debug)]
pub struct Columns {
    /// Table (SQL stores; optionally `schema.table`).
    pub table: String,
    /// Unique id column (SQL: a primary key or unique column of any type) or id field (files).
    pub id: String,
    /// The stored hash (or plaintext/ciphertext in those modes).
    pub hash: String,
    /// Separate salt column, if any.
    pub salt: Option<String>,
    /// User-name column (PostgreSQL md5), if any.
    pub user: Option<String>,
    /// Per-row scheme label column, if any.
    pub scheme: Option<String>,
    /// The column that records how each row was hashed (Keycloak's
    /// `credential_data`, Gitea's `passwd_hash_algo`), passed verbatim to the
    /// library as [`rehash::Stored::with_params_col`].
    pub params_col: Option<String>,
    /// The scheme label of every row whose `scheme` column is absent or NULL
    /// (a preset's: `firebase_scrypt`, `keycloak_pbkdf2`).
    pub scheme_label: Option<String>,
    /// Only rows whose column equals this value are read and changed (SQL
    /// stores; Keycloak's `TYPE = 'password'`). Other rows are never touched.
    pub only: Option<RowFilter>,
    /// How a file is read: `None` decides by its extension (`.csv`, else
    /// JSON lines).
    pub file_format: Option<FileFormat>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            table: "users".into(),
            id: "id".into(),
            hash: "hash".into(),
            salt: None,
            user: None,
            scheme: None,
            params_col: None,
            scheme_label: None,
            only: None,
            file_format: None,
        }
    }
}

/// `WHERE column = value`: the rows a store reads and changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowFilter {
    /// The column (a plain SQL identifier).
    pub column: String,
    /// The value it must hold (bound as a parameter, never spliced into SQL).
    pub value: String,
}

/// How a file store reads its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFormat {
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// A Firebase Auth export (`firebase auth:export users.json`):
    /// `{"users": [{"localId": …, "passwordHash": …, "salt": …, …}, …]}`.
    /// Users without a `passwordHash` are not rows: they are counted
    /// ([`Store::without_password`]) and written back as they were.
    FirebaseExport,
}

/// Where a known product keeps its passwords: the store's layout and columns
/// in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Preset {
    /// A Firebase Auth export file: id `localId`, hash `passwordHash`, salt
    /// `salt`, every user `firebase_scrypt`; the project's hash config comes
    /// from the policy's `[params]`.
    Firebase,
    /// Keycloak's `CREDENTIAL` table: id `ID`, hash `SECRET_DATA`, params
    /// column `CREDENTIAL_DATA`, only rows with `TYPE = 'password'`, every
    /// row `keycloak_pbkdf2`.
    Keycloak,
}

impl Preset {
    /// The preset's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Firebase => "firebase",
            Preset::Keycloak => "keycloak",
        }
    }

    /// The scheme every row of the preset is declared with.
    pub fn scheme_label(self) -> &'static str {
        match self {
            Preset::Firebase => "firebase_scrypt",
            Preset::Keycloak => "keycloak_pbkdf2",
        }
    }

    /// The columns (and layout) the preset means.
    pub fn columns(self) -> Columns {
        let label = Some(self.scheme_label().to_owned());
        match self {
            Preset::Firebase => Columns {
                table: "users".into(),
                id: "localId".into(),
                hash: "passwordHash".into(),
                salt: Some("salt".into()),
                scheme_label: label,
                file_format: Some(FileFormat::FirebaseExport),
                ..Columns::default()
            },
            // Keycloak's Liquibase changelog spells them in capitals: MySQL
            // and MariaDB keep `CREDENTIAL` as it is (table names are case
            // sensitive there), PostgreSQL folds it to `credential`, SQLite
            // ignores case.
            Preset::Keycloak => Columns {
                table: "CREDENTIAL".into(),
                id: "ID".into(),
                hash: "SECRET_DATA".into(),
                params_col: Some("CREDENTIAL_DATA".into()),
                scheme_label: label,
                only: Some(RowFilter { column: "TYPE".into(), value: "password".into() }),
                ..Columns::default()
            },
        }
    }
}

/// One credential row.
#[derive(Clone, Debug)]
pub struct Row {
    /// The row id, as text.
    pub id: String,
    /// The stored hash (or plaintext / ciphertext in those modes).
    pub hash: String,
    /// The separate salt column, if any.
    pub salt: Option<String>,
    /// The user-name column, if any.
    pub user: Option<String>,
    /// The row's declared scheme label: its scheme column, else the
    /// columns' [`Columns::scheme_label`].
    pub scheme: Option<String>,
    /// The row's params column ([`Columns::params_col`]), verbatim.
    pub params_col: Option<String>,
}

/// A compare-and-swap update: set `new` where the row still holds `old`.
#[derive(Clone, Debug)]
pub struct Update {
    /// The row id, as text.
    pub id: String,
    /// The value read: the swap happens only if the row still holds it.
    pub old: String,
    /// The value to write.
    pub new: String,
}

/// The declared capacity of the hash column (PostgreSQL and MySQL; SQLite
/// enforces none), and how to widen it.
#[derive(Clone, Debug)]
pub struct Capacity {
    /// Most characters the column holds.
    pub chars: u64,
    /// The `ALTER TABLE` statement that widens it, `{N}` standing for the width.
    pub alter_template: String,
}

impl Capacity {
    /// The statement that makes the column hold `n` characters.
    pub fn alter(&self, n: u64) -> String {
        self.alter_template.replace("{N}", &n.to_string())
    }
}

/// What a batch's commit did.
#[derive(Clone, Debug, Default)]
pub struct CommitOutcome {
    /// Rows written (and read back).
    pub changed: u64,
    /// Updates that lost their compare-and-swap to a concurrent change (SQL
    /// stores read those rows again before the run ends).
    pub lost: u64,
    /// Rows whose write failed, by id, with the reason.
    pub failed: Vec<(String, RowError)>,
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

/// `text` with every secret in it replaced by `***`, for messages: the
/// password of each `scheme://user:password@host` URL, and the value of each
/// `password=`, `sslpassword=` (any case, also as `ssl-password`, `passwd`,
/// `pwd`, or any key naming a secret or token) parameter. `text` is a bare URL
/// or any message quoting URLs (a database driver's error, say); in a message
/// a URL ends at white space or a quote. Key-file parameters (`sslkey`,
/// `ssl-key`) hold a path, not a secret, and are kept.
pub fn redact(text: &str) -> String {
    let bare = text.find("://").is_some_and(|p| {
        p > 0 && text[..p].chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    redact_params(&redact_userinfo(text, bare), bare)
}

/// The password of each URL's user information replaced by `***`.
fn redact_userinfo(text: &str, bare: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find("://") {
        let (head, after) = rest.split_at(p + 3);
        out.push_str(head);
        let end = if bare {
            after.len()
        } else {
            after
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
                .unwrap_or(after.len())
        };
        let token = &after[..end];
        // The user information ends at the last `@` before the query, or (a
        // password holding a raw `?`) at the last `@` of all.
        let query = token.find('?').unwrap_or(token.len());
        let at = token[..query].rfind('@').or_else(|| token.rfind('@'));
        match at.and_then(|at| token[..at].find(':').map(|colon| (colon, at))) {
            Some((colon, at)) => {
                out.push_str(&token[..=colon]);
                out.push_str("***");
                out.push_str(&token[at..]);
            }
            None => out.push_str(token),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Whether a parameter named `key` holds a secret.
fn secret_key(key: &str) -> bool {
    let k: String = key.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_ascii_lowercase();
    k.ends_with("password")
        || k.ends_with("passwd")
        || k == "pwd"
        || k == "pass"
        || k.contains("secret")
        || k.contains("token")
}

/// The value of each secret `key=value` parameter replaced by `***`; a value
/// ends at `&`, `#` or (in a message) white space or a quote.
fn redact_params(text: &str, bare: bool) -> String {
    let is_key = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let key_start = rest[..eq]
            .rfind(|c: char| !is_key(c))
            .map_or(0, |i| i + rest[i..].chars().next().map_or(1, char::len_utf8));
        let (head, value) = (&rest[..=eq], &rest[eq + 1..]);
        out.push_str(head);
        if !secret_key(&rest[key_start..eq]) {
            rest = value;
            continue;
        }
        let end = value
            .find(|c: char| {
                matches!(c, '&' | '#') || (!bare && (c.is_whitespace() || matches!(c, '"' | '\'' | '`')))
            })
            .unwrap_or(value.len());
        if end > 0 {
            out.push_str("***");
        }
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// A plain SQL identifier (or `schema.name`): the only names we splice into SQL.
pub fn check_ident(name: &str) -> Result<&str, Error> {
    let ok = !name.is_empty()
        && name.split('.').all(|part| {
            let mut c = part.chars();
            c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
                && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        });
    if ok {
        Ok(name)
    } else {
        Err(Error::BadIdentifier { name: name.to_owned() })
    }
}

/// The sqlx URL of a database `source`: a `postgres://` / `mysql://` /
/// `mariadb://` URL, `sqlite:…`, or a SQLite file (`.db`, `.sqlite`,
/// `.sqlite3`, which must exist).
pub fn database_url(source: &str) -> Result<String, Error> {
    let lower = source.to_ascii_lowercase();
    if lower.starts_with("postgres://")
        || lower.starts_with("postgresql://")
        || lower.starts_with("mysql://")
        || lower.starts_with("mariadb://")
        || lower.starts_with("sqlite:")
    {
        Ok(source.replacen("mariadb://", "mysql://", 1))
    } else if lower.ends_with(".db") || lower.ends_with(".sqlite") || lower.ends_with(".sqlite3") {
        if !std::path::Path::new(source).is_file() {
            return Err(Error::io(
                source,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such SQLite file"),
            ));
        }
        Ok(format!("sqlite://{source}"))
    } else {
        Err(Error::UnknownSource { source: redact(source) })
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
    ) -> Result<Store, Error> {
        let lower = source.to_ascii_lowercase();
        let is_url = lower.contains("://") || lower.starts_with("sqlite:");
        if cols.file_format.is_some() && is_url {
            return Err(Error::Unsupported("this layout is a file (a Firebase Auth export), not a database"));
        }
        if cols.file_format.is_some()
            || lower.ends_with(".csv")
            || lower.ends_with(".jsonl")
            || lower.ends_with(".ndjson")
        {
            if cols.only.is_some() {
                return Err(Error::Unsupported(
                    "a row filter (the keycloak preset's TYPE = 'password') needs a database source",
                ));
            }
            return Ok(Store::File(FileStore::open(source, cols, output)?));
        }
        let url = database_url(source)?;
        #[cfg(feature = "sql")]
        return Ok(Store::Sql(SqlStore::connect(&url, cols, lock_rows).await?));
        #[cfg(not(feature = "sql"))]
        {
            let _ = (url, lock_rows);
            Err(Error::NoDatabaseSupport)
        }
    }

    /// Rows in the store, if cheaply known.
    pub async fn count(&mut self) -> Result<u64, Error> {
        match self {
            Store::File(f) => Ok(f.count()),
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.count().await,
        }
    }

    /// Entries of the store that hold no password and are not rows: users of
    /// a Firebase export without a `passwordHash` (they sign in through a
    /// provider, or their hash was not exported). Left as they are.
    pub fn without_password(&self) -> u64 {
        match self {
            Store::File(f) => f.without_password(),
            #[cfg(feature = "sql")]
            Store::Sql(_) => 0,
        }
    }

    /// The next batch of up to `n` rows (claimed until commit or rollback).
    pub async fn next_batch(&mut self, n: usize) -> Result<Vec<Row>, Error> {
        match self {
            Store::File(f) => Ok(f.next_batch(n)),
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.next_batch(n).await,
        }
    }

    /// Apply compare-and-swap updates for the current batch and commit it.
    pub async fn commit(&mut self, updates: &[Update]) -> Result<CommitOutcome, Error> {
        match self {
            Store::File(f) => {
                let changed = f.commit(updates);
                Ok(CommitOutcome { changed, lost: updates.len() as u64 - changed, failed: Vec::new() })
            }
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.commit(updates).await,
        }
    }

    /// The hash column's declared capacity, if the store enforces one.
    pub fn capacity(&self) -> Option<&Capacity> {
        match self {
            Store::File(_) => None,
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.capacity(),
        }
    }

    /// Rows the store gave up on after retries (locked too long, or changed
    /// under every swap): they are as they were.
    pub fn left_behind(&self) -> u64 {
        match self {
            Store::File(_) => 0,
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.left_behind(),
        }
    }

    /// The database's plan for the next batch query (SQL stores).
    pub async fn explain_next_batch(&mut self, n: usize) -> Result<String, Error> {
        match self {
            Store::File(_) => {
                let _ = n; // used by the SQL stores only
                Err(Error::Unsupported("files have no query plan"))
            }
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.explain_next_batch(n).await,
        }
    }

    /// Read from the first row again (for a second pass).
    pub fn restart(&mut self) {
        match self {
            Store::File(f) => f.restart(),
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.restart(),
        }
    }

    /// Release the current batch unchanged.
    pub async fn rollback(&mut self) -> Result<(), Error> {
        match self {
            Store::File(_) => Ok(()),
            #[cfg(feature = "sql")]
            Store::Sql(s) => s.rollback().await,
        }
    }

    /// Write file output (atomically; never in a dry run) and close.
    pub async fn finish(self, changed: bool) -> Result<Option<PathBuf>, Error> {
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
        assert_eq!(redact("sqlite://data/a=b.db"), "sqlite://data/a=b.db");
        // A raw `@` or `:` in the password is hidden whole.
        assert_eq!(redact("postgres://bob:p@ss:w@db/x"), "postgres://bob:***@db/x");
        // An `@` in the query does not move the end of the user information.
        assert_eq!(
            redact("postgres://bob:pw@db/x?application_name=a@b"),
            "postgres://bob:***@db/x?application_name=a@b"
        );
        // A raw `?` in the password: still hidden.
        assert_eq!(redact("postgres://bob:p?w@db/x"), "postgres://bob:***@db/x");
    }

    #[test]
    fn secret_query_parameters_are_redacted() {
        assert_eq!(
            redact("postgres://db/x?user=bob&password=s3cret&sslmode=require"),
            "postgres://db/x?user=bob&password=***&sslmode=require"
        );
        assert_eq!(
            redact("postgres://db/x?sslmode=verify-full&SSLPassword=k3y&sslkey=/etc/k.pem"),
            "postgres://db/x?sslmode=verify-full&SSLPassword=***&sslkey=/etc/k.pem"
        );
        assert_eq!(redact("mysql://u:a@h/t?PASSWORD=z#frag"), "mysql://u:***@h/t?PASSWORD=***#frag");
        assert_eq!(
            redact("postgres://h/x?ssl-password=a&pwd=b&passwd=c"),
            "postgres://h/x?ssl-password=***&pwd=***&passwd=***"
        );
        // Keys that merely contain the word are not secrets unless they end in it.
        assert_eq!(redact("postgres://h/x?password_file=/p"), "postgres://h/x?password_file=/p");
        // In a bare URL a value runs to `&` even across a space.
        assert_eq!(redact("postgres://h/x?password=a b&x=1"), "postgres://h/x?password=***&x=1");
        assert_eq!(redact("postgres://h/x?password="), "postgres://h/x?password=");
    }

    #[test]
    fn urls_inside_error_text_are_redacted() {
        let e = "error with configuration: invalid port in \"postgres://bob:s3cret@db:54x2/x?sslpassword=k3y\": nope";
        let r = redact(e);
        assert!(!r.contains("s3cret") && !r.contains("k3y"), "{r}");
        assert_eq!(
            r,
            "error with configuration: invalid port in \"postgres://bob:***@db:54x2/x?sslpassword=***\": nope"
        );
        // Two URLs, a user without password, a parameter outside any URL (its
        // value runs to white space: a `)` could be part of the password).
        assert_eq!(
            redact("from mysql://a:b@h1/t to postgres://c@h2/u (password=xyz) done"),
            "from mysql://a:***@h1/t to postgres://c@h2/u (password=*** done"
        );
        // The text after a URL's end is not taken for user information.
        assert_eq!(
            redact("at postgres://h/x: user bob@corp: refused"),
            "at postgres://h/x: user bob@corp: refused"
        );
        assert_eq!(redact("no url; é=1 password é"), "no url; é=1 password é");
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(check_ident("users").is_ok());
        assert!(check_ident("auth.users_2").is_ok());
        assert!(check_ident("users; DROP TABLE x").is_err());
        assert!(check_ident("").is_err());
    }
}
