//! The errors of the library half: [`Error`] ends a run (the `rehash` binary
//! exits with code 2), [`RowError`] is one row's problem (reported by id, the
//! run goes on).
//!
//! No message holds a password, a hash value or a key. Every URL a message
//! may quote (a source, a database driver's error text) is stored already
//! redacted by [`crate::store::redact`].

use std::fmt;
use std::path::PathBuf;

/// Why a run failed (opening a store, reading it, committing to it).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The database could not be reached, or refused the connection
    /// (address, authentication, server gone).
    Connect {
        /// The URL, redacted.
        url: String,
        /// The driver's message, redacted.
        message: String,
    },
    /// The connection's TLS could not be set up: a certificate that does not
    /// verify, a CA file that cannot be read, a server without TLS where TLS
    /// is required.
    Tls {
        /// The URL, redacted.
        url: String,
        /// The driver's message, redacted.
        message: String,
    },
    /// The connection to the database was lost during the run.
    ConnectionLost {
        /// What rehash was doing (`select`, `commit`, …).
        context: String,
        /// The driver's message, redacted.
        message: String,
    },
    /// The database refused a statement that is not one row's write
    /// (inspecting the table, reading a batch, a session setting, …).
    Database {
        /// What rehash was doing (`select`, `inspect table`, …).
        context: String,
        /// The driver's message, redacted.
        message: String,
    },
    /// The source is neither a known kind of file nor a database URL.
    UnknownSource {
        /// The source, redacted.
        source: String,
    },
    /// This build has no database support (feature `sql`).
    NoDatabaseSupport,
    /// A store of this kind cannot do what was asked (a query plan of a file).
    Unsupported(&'static str),
    /// A table or column name that is not a plain SQL identifier.
    BadIdentifier {
        /// The name given.
        name: String,
    },
    /// The table does not exist (or this user sees none of its columns).
    TableNotFound {
        /// The table name given.
        table: String,
    },
    /// A column named in the configuration is not in the table.
    ColumnNotFound {
        /// The table.
        table: String,
        /// The missing column.
        column: String,
    },
    /// A column named in the configuration is not in a CSV file's header.
    HeaderColumnNotFound {
        /// The file.
        path: String,
        /// The missing column.
        column: String,
    },
    /// The id column is of a type rehash cannot page by.
    UnsupportedIdType {
        /// The id column.
        column: String,
        /// Its declared type.
        ty: String,
        /// True for a binary type (`bytea`, `varbinary`, …).
        binary: bool,
    },
    /// The id column does not name one row: some values appear more than once.
    IdNotUnique {
        /// The table.
        table: String,
        /// The id column.
        column: String,
        /// How many values appear more than once.
        duplicates: i64,
    },
    /// Some rows have no id (NULL): they cannot be updated by id.
    IdHasNull {
        /// The table.
        table: String,
        /// The id column.
        column: String,
        /// How many rows.
        rows: i64,
    },
    /// A file row with a missing or empty id.
    MissingId {
        /// The file.
        path: String,
        /// The line the row starts on.
        line: u64,
        /// The id field.
        field: String,
    },
    /// A file row whose id an earlier row already has.
    DuplicateId {
        /// The file.
        path: String,
        /// The line the row starts on.
        line: u64,
        /// The id.
        id: String,
        /// The line of the first row with that id.
        first: u64,
    },
    /// A file that is not valid CSV or JSON lines.
    BadFile {
        /// The file.
        path: String,
        /// The line, when known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// MySQL/MariaDB did not turn on strict mode (it would truncate values).
    StrictModeRefused {
        /// The session's `sql_mode`.
        sql_mode: String,
    },
    /// A file could not be read or written.
    Io {
        /// The file (or folder).
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// The decryption key is not 32 bytes (raw, hex or base64).
    BadKey(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connect { url, message } | Error::Tls { url, message } => {
                write!(f, "cannot connect to {url}: {message}")
            }
            Error::ConnectionLost { context, message } | Error::Database { context, message } => {
                write!(f, "{context}: {message}")
            }
            Error::UnknownSource { source } => write!(
                f,
                "{source}: unknown source kind (csv, jsonl, SQLite file, postgres:// or mysql:// URL)"
            ),
            Error::NoDatabaseSupport => f.write_str("this build has no database support (feature `sql`)"),
            Error::Unsupported(what) => f.write_str(what),
            Error::BadIdentifier { name } => write!(f, "`{name}` is not a plain SQL identifier"),
            Error::TableNotFound { table } => {
                write!(f, "table `{table}` not found (or it has no columns this user can see)")
            }
            Error::ColumnNotFound { table, column } => write!(f, "table `{table}` has no column `{column}`"),
            Error::HeaderColumnNotFound { path, column } => {
                write!(f, "{path}: no column `{column}` in the header")
            }
            Error::UnsupportedIdType { column, ty, binary: true } => {
                write!(f, "id column `{column}` is {ty}: binary ids are not supported")
            }
            Error::UnsupportedIdType { column, ty, binary: false } => {
                write!(f, "id column `{column}` has an unusual type `{ty}`")
            }
            Error::IdNotUnique { table, column, duplicates } => write!(
                f,
                "id column `{column}` of `{table}` is not unique ({duplicates} values appear more than once): \
                 rehash updates rows by id, so give --id-col a column that names one row \
                 (a primary key or a unique column)"
            ),
            Error::IdHasNull { table, column, rows } => write!(
                f,
                "id column `{column}` of `{table}` holds NULL in {rows} rows: those rows cannot be \
                 updated by id; give --id-col a column that names every row"
            ),
            Error::MissingId { path, line, field } => {
                write!(f, "{path}:{line}: empty or missing id (field `{field}`); every row needs one")
            }
            Error::DuplicateId { path, line, id, first } => {
                write!(f, "{path}:{line}: duplicate id `{id}` (first on line {first}); ids must be unique")
            }
            Error::BadFile { path, line: Some(line), message } => write!(f, "{path}:{line}: {message}"),
            Error::BadFile { path, line: None, message } => write!(f, "{path}: {message}"),
            Error::StrictModeRefused { sql_mode } => {
                write!(f, "the server refused strict mode (sql_mode = {sql_mode})")
            }
            Error::Io { path, error } => write!(f, "{}: {error}", path.display()),
            Error::BadKey(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl Error {
    /// True when the run failed on the database connection (could not
    /// connect, TLS, lost it): trying again later may succeed.
    pub fn is_connection(&self) -> bool {
        matches!(self, Error::Connect { .. } | Error::Tls { .. } | Error::ConnectionLost { .. })
    }

    /// True when the configuration or the source does not fit (unknown source
    /// kind, bad name, missing table or column, id column that does not name
    /// one row, bad file content, bad key): fix the command line or the data.
    pub fn is_configuration(&self) -> bool {
        matches!(
            self,
            Error::UnknownSource { .. }
                | Error::NoDatabaseSupport
                | Error::Unsupported(_)
                | Error::BadIdentifier { .. }
                | Error::TableNotFound { .. }
                | Error::ColumnNotFound { .. }
                | Error::HeaderColumnNotFound { .. }
                | Error::UnsupportedIdType { .. }
                | Error::IdNotUnique { .. }
                | Error::IdHasNull { .. }
                | Error::MissingId { .. }
                | Error::DuplicateId { .. }
                | Error::BadFile { .. }
                | Error::BadKey(_)
        )
    }

    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Error {
        Error::Io { path: path.into(), error }
    }
}

/// Why one row was not changed. The run goes on; reports carry the message
/// (`problems[].error`), which never holds the row's value.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RowError {
    /// The library refused the stored value (malformed, ambiguous, a
    /// parameter over a ceiling, …) or could not wrap or hash it.
    Refused(rehash::Error),
    /// An encrypted value that does not decrypt with the key.
    Undecryptable(&'static str),
    /// The new value would not fit the hash column.
    TooLong {
        /// The new value's length in characters.
        len: u64,
        /// The column's capacity in characters.
        capacity: u64,
    },
    /// The database refused the row's write (a constraint, a trigger, a
    /// value the server altered), or its commit.
    Write {
        /// What failed (`update`, `commit`).
        context: &'static str,
        /// The driver's message, redacted.
        message: String,
    },
    /// The thread planning the row panicked (a bug in rehash).
    WorkerPanicked,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowError::Refused(e) => write!(f, "{e}"),
            RowError::Undecryptable(what) => write!(f, "cannot decrypt: {what}"),
            RowError::TooLong { len, capacity } => {
                write!(f, "new value of {len} characters does not fit the column ({capacity})")
            }
            RowError::Write { context, message } => write!(f, "{context}: {message}"),
            RowError::WorkerPanicked => f.write_str("worker thread panicked"),
        }
    }
}

impl std::error::Error for RowError {}

impl From<rehash::Error> for RowError {
    fn from(e: rehash::Error) -> Self {
        RowError::Refused(e)
    }
}
