//! SQLite, PostgreSQL and MySQL/MariaDB through sqlx's `Any` driver.
//!
//! Before any change the table is inspected: the id column must identify one
//! row (a primary key or single-column unique index, else no duplicate and no
//! NULL value), and the hash column's declared capacity (PostgreSQL and MySQL;
//! SQLite has none) is read so that no value is written that the column cannot
//! hold. MySQL/MariaDB sessions run in strict mode.
//!
//! Rows are paged by the id column itself (keyset pagination on its own type
//! and order: `WHERE t.id > CAST(:last AS <its type>) ORDER BY t.id`), so every
//! engine walks the id index, whatever the id type (integer, text, UUID).
//!
//! A batch is one transaction: its rows are read (PostgreSQL and MySQL with
//! `FOR UPDATE SKIP LOCKED`, so several workers share a table without waiting
//! on each other; SQLite with `BEGIN IMMEDIATE` and a busy timeout), updated
//! with compare-and-swap (`UPDATE … SET hash = :new WHERE id = :id AND hash =
//! :old`), every write read back before commit, and committed. Rows a batch
//! skipped because another transaction held them are found (the ids in the
//! batch's range that it did not return) and retried at the end, waiting for
//! their locks. A row filter (`Columns::only`: Keycloak's `TYPE = 'password'`)
//! is part of every read, of the retries and of the update itself, so a row
//! outside it is never read nor changed. A batch whose write fails is retried row by row, so one bad row
//! fails alone. A crash at any moment leaves each row as it was or as a
//! committed batch left it.

mod lookup;

use std::collections::VecDeque;
use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Connection as _, Row as _};

use super::{check_ident, redact, Capacity, Columns, CommitOutcome, Row, Update};
use crate::{Error, RowError};
pub use lookup::{Account, Found, Lookup, OnSuccess, WriteOutcome};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

/// A database table through sqlx's `Any` driver.
pub struct SqlStore {
    conn: AnyConnection,
    dialect: Dialect,
    cols: Columns,
    lock_rows: bool,
    /// `CAST(<placeholder> AS <id type>)` pattern: the id column's own type.
    id_cast: IdCast,
    capacity: Option<Capacity>,
    /// Keyset cursor: the last id read (as text).
    after: Option<String>,
    in_tx: bool,
    /// Ids a batch skipped because they were locked, or whose swap was lost.
    retry: VecDeque<String>,
    /// How often each id has been put back on the retry queue.
    retried: std::collections::HashMap<String, u8>,
    /// True once the main pass is over and batches come from the retry queue.
    retry_pass: bool,
    /// Rows given up on: still locked after waiting, or changed under every swap.
    given_up: u64,
}

/// How a bound id value is turned into the id column's type.
#[derive(Clone, Debug)]
enum IdCast {
    /// Bind as text and compare as is.
    Text,
    /// `CAST(? AS <type>)`.
    As(String),
}

/// A run error: the connection lost, or a statement the database refused.
fn err(what: &str, e: sqlx::Error) -> Error {
    // sqlx errors can quote the URL; they never hold row values we bound.
    let (context, message) = (what.to_owned(), redact(&e.to_string()));
    if is_lost(&e) {
        Error::ConnectionLost { context, message }
    } else {
        Error::Database { context, message }
    }
}

/// One row's write failed (the run goes on).
fn row_err(context: &'static str, e: sqlx::Error) -> RowError {
    RowError::Write { context, message: redact(&e.to_string()) }
}

/// The connection itself failed (rather than a statement on it).
fn is_lost(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::WorkerCrashed
    )
}

/// Connecting failed: a TLS error (certificate, CA file, TLS required but
/// not offered) or any other reason.
fn connect_err(url: &str, e: sqlx::Error) -> Error {
    let (url, message) = (redact(url), redact(&e.to_string()));
    let lower = message.to_ascii_lowercase();
    if matches!(e, sqlx::Error::Tls(_))
        || lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("ssl")
    {
        Error::Tls { url, message }
    } else {
        Error::Connect { url, message }
    }
}

/// A database refused one row's write (a constraint, a trigger, a value too
/// long): the batch can be retried row by row. Anything else (the connection,
/// the protocol) ends the run.
fn is_row_error(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(_))
}

fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("5" | "6" | "261" | "517"))
                || d.message().contains("database is locked")
        }
        _ => false,
    }
}

/// Column `i` as text. MySQL and MariaDB send a `TEXT` / `LONGTEXT` value
/// (Keycloak's `SECRET_DATA`, even through `CAST(… AS CHAR)`) as a blob that
/// sqlx's `Any` driver will not decode as a string: take its bytes, which
/// are the connection's UTF-8.
fn text_at(r: &AnyRow, i: usize) -> Result<Option<String>, sqlx::Error> {
    match r.try_get::<Option<String>, _>(i) {
        Ok(v) => Ok(v),
        Err(sqlx::Error::ColumnDecode { .. }) => match r.try_get::<Option<Vec<u8>>, _>(i)? {
            None => Ok(None),
            Some(b) => String::from_utf8(b).map(Some).map_err(|_| sqlx::Error::ColumnDecode {
                index: i.to_string(),
                source: "the value is not UTF-8 text".into(),
            }),
        },
        Err(e) => Err(e),
    }
}

/// `schema.table` split; `None` schema means the connection's default.
/// One catalog row per column: (name, declared type, max characters, extra type text).
type ColumnInfo = (String, String, Option<i64>, String);

/// Decode the four columns of an `information_schema` query.
fn column_info(rows: &[AnyRow]) -> Result<Vec<ColumnInfo>, Error> {
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0).map_err(|e| err("inspect", e))?,
                r.try_get(1).map_err(|e| err("inspect", e))?,
                r.try_get(2).map_err(|e| err("inspect", e))?,
                r.try_get(3).map_err(|e| err("inspect", e))?,
            ))
        })
        .collect()
}

fn split_table(table: &str) -> (Option<&str>, &str) {
    match table.rsplit_once('.') {
        Some((s, t)) => (Some(s), t),
        None => (None, table),
    }
}

impl SqlStore {
    /// Connect to `url`, check names, inspect the table (id uniqueness, id
    /// type, hash column capacity) and, on MySQL, turn on strict mode.
    pub async fn connect(url: &str, cols: &Columns, lock_rows: bool) -> Result<SqlStore, Error> {
        sqlx::any::install_default_drivers();
        for c in [&cols.table, &cols.id, &cols.hash] {
            check_ident(c)?;
        }
        let only = cols.only.as_ref().map(|f| &f.column);
        for c in
            [cols.salt.as_ref(), cols.user.as_ref(), cols.scheme.as_ref(), cols.params_col.as_ref(), only]
                .into_iter()
                .flatten()
        {
            check_ident(c)?;
        }
        let dialect = if url.starts_with("postgres") {
            Dialect::Postgres
        } else if url.starts_with("mysql") {
            Dialect::Mysql
        } else {
            Dialect::Sqlite
        };
        let mut conn = AnyConnection::connect(url).await.map_err(|e| connect_err(url, e))?;
        match dialect {
            Dialect::Mysql => {
                // A non-strict server truncates a too-long value and reports
                // success: never let that happen to a credential.
                sqlx::query(
                    "SET SESSION sql_mode = TRIM(BOTH ',' FROM CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES'))",
                )
                .execute(&mut conn)
                .await
                .map_err(|e| err("cannot turn on strict mode", e))?;
                let row = sqlx::query("SELECT CAST(@@SESSION.sql_mode AS CHAR)")
                    .fetch_one(&mut conn)
                    .await
                    .map_err(|e| err("sql_mode", e))?;
                let mode: String = row.try_get(0).map_err(|e| err("sql_mode", e))?;
                if !mode.contains("STRICT_ALL_TABLES") {
                    return Err(Error::StrictModeRefused { sql_mode: mode });
                }
            }
            Dialect::Sqlite => {
                sqlx::query("PRAGMA busy_timeout = 10000")
                    .execute(&mut conn)
                    .await
                    .map_err(|e| err("busy_timeout", e))?;
            }
            Dialect::Postgres => {}
        }
        let mut s = SqlStore {
            conn,
            dialect,
            cols: cols.clone(),
            lock_rows,
            id_cast: IdCast::Text,
            capacity: None,
            after: None,
            in_tx: false,
            retry: VecDeque::new(),
            retried: std::collections::HashMap::new(),
            retry_pass: false,
            given_up: 0,
        };
        s.inspect().await?;
        Ok(s)
    }

    fn ph(&self, i: usize) -> String {
        match self.dialect {
            Dialect::Postgres => format!("${i}"),
            _ => "?".into(),
        }
    }

    /// The placeholder `i` as a value of the id column's type.
    fn id_ph(&self, i: usize) -> String {
        match &self.id_cast {
            IdCast::Text => self.ph(i),
            IdCast::As(t) => format!("CAST({} AS {t})", self.ph(i)),
        }
    }

    fn text_type(&self) -> &'static str {
        match self.dialect {
            Dialect::Mysql => "CHAR",
            _ => "TEXT",
        }
    }

    fn text_expr(&self, col: Option<&str>) -> String {
        match col {
            None => "NULL".into(),
            Some(c) => format!("CAST(t.{c} AS {})", self.text_type()),
        }
    }

    async fn scalar_i64(&mut self, sql: &str, binds: &[&str]) -> Result<i64, Error> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        let row = q.fetch_one(&mut self.conn).await.map_err(|e| err("inspect table", e))?;
        row.try_get::<i64, _>(0).map_err(|e| err("inspect table", e))
    }

    /// Check the id column identifies one row, learn its type and the hash
    /// column's capacity.
    async fn inspect(&mut self) -> Result<(), Error> {
        let (schema, table) = split_table(&self.cols.table);
        let (schema, table) = (schema.map(str::to_owned), table.to_owned());
        let (id, hash) = (self.cols.id.clone(), self.cols.hash.clone());
        let full = self.cols.table.clone();
        // (column name, declared type, max characters, extra type text)
        let mut info: Vec<ColumnInfo> = Vec::new();
        match self.dialect {
            Dialect::Postgres => {
                // Unquoted identifiers fold to lower case in PostgreSQL.
                let sql = "SELECT CAST(column_name AS TEXT), CAST(udt_name AS TEXT), \
                           CAST(character_maximum_length AS BIGINT), CAST(is_nullable AS TEXT) \
                           FROM information_schema.columns \
                           WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2";
                let rows = sqlx::query(sql)
                    .bind(schema.as_ref().map(|s| s.to_lowercase()))
                    .bind(table.to_lowercase())
                    .fetch_all(&mut self.conn)
                    .await
                    .map_err(|e| err("inspect table", e))?;
                info = column_info(&rows)?;
            }
            Dialect::Mysql => {
                let sql = "SELECT CAST(COLUMN_NAME AS CHAR(255)), CAST(DATA_TYPE AS CHAR(255)), \
                           CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED), \
                           CAST(CONCAT(COLUMN_TYPE, '|', IS_NULLABLE, '|', IFNULL(CHARACTER_SET_NAME, ''), '|', IFNULL(COLLATION_NAME, '')) AS CHAR(512)) \
                           FROM information_schema.COLUMNS \
                           WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?";
                let rows = sqlx::query(sql)
                    .bind(schema.clone())
                    .bind(table.clone())
                    .fetch_all(&mut self.conn)
                    .await
                    .map_err(|e| err("inspect table", e))?;
                info = column_info(&rows)?;
            }
            Dialect::Sqlite => {
                let sql = format!(
                    "SELECT name, type, pk FROM {}pragma_table_info(?)",
                    schema.as_ref().map(|s| format!("{s}.")).unwrap_or_default()
                );
                let rows = sqlx::query(&sql)
                    .bind(table.clone())
                    .fetch_all(&mut self.conn)
                    .await
                    .map_err(|e| err("inspect table", e))?;
                for r in rows {
                    let pk: i64 = r.try_get(2).map_err(|e| err("inspect", e))?;
                    info.push((
                        r.try_get(0).map_err(|e| err("inspect", e))?,
                        r.try_get(1).map_err(|e| err("inspect", e))?,
                        None,
                        pk.to_string(),
                    ));
                }
            }
        }
        if info.is_empty() {
            return Err(Error::TableNotFound { table: full });
        }
        let find = |name: &str| info.iter().find(|c| c.0.eq_ignore_ascii_case(name)).cloned();
        for c in [Some(&self.cols.id), Some(&self.cols.hash)]
            .into_iter()
            .chain(
                [&self.cols.salt, &self.cols.user, &self.cols.scheme, &self.cols.params_col]
                    .map(Option::as_ref),
            )
            .chain([self.cols.only.as_ref().map(|f| &f.column)])
            .flatten()
        {
            if find(c).is_none() && !(self.dialect == Dialect::Sqlite && c.eq_ignore_ascii_case("rowid")) {
                return Err(Error::ColumnNotFound { table: full, column: c.clone() });
            }
        }
        let id_info = find(&id);
        let hash_info =
            find(&hash).ok_or_else(|| Error::ColumnNotFound { table: full.clone(), column: hash.clone() })?;

        // The id's own type, for keyset pagination that walks its index.
        let id_type = id_info.as_ref().map(|c| c.1.to_ascii_lowercase()).unwrap_or_else(|| "integer".into());
        self.id_cast = match self.dialect {
            Dialect::Postgres => {
                let unsupported =
                    |binary| Error::UnsupportedIdType { column: id.clone(), ty: id_type.clone(), binary };
                check_ident(&id_type).map_err(|_| unsupported(false))?;
                if id_type == "bytea" {
                    return Err(unsupported(true));
                }
                IdCast::As(id_type.clone())
            }
            Dialect::Mysql => {
                let unsigned =
                    id_info.as_ref().is_some_and(|c| c.3.to_ascii_lowercase().contains("unsigned"));
                match id_type.as_str() {
                    "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
                        IdCast::As(if unsigned { "UNSIGNED" } else { "SIGNED" }.into())
                    }
                    "binary" | "varbinary" | "blob" | "tinyblob" | "mediumblob" | "longblob" => {
                        return Err(Error::UnsupportedIdType {
                            column: id,
                            ty: id_type.clone(),
                            binary: true,
                        })
                    }
                    _ => IdCast::Text,
                }
            }
            Dialect::Sqlite => {
                if id_type.contains("int") {
                    IdCast::As("INTEGER".into())
                } else {
                    IdCast::Text
                }
            }
        };

        // Capacity of the hash column, and the statement that would widen it.
        if let Some(max) = hash_info.2.filter(|n| *n > 0) {
            let alter = |n: &str| match self.dialect {
                Dialect::Postgres => format!("ALTER TABLE {full} ALTER COLUMN {hash} TYPE varchar({n});"),
                _ => {
                    let mut parts = hash_info.3.split('|');
                    let (_, nullable, charset, collation) =
                        (parts.next(), parts.next(), parts.next(), parts.next());
                    let mut s = format!("ALTER TABLE {full} MODIFY {hash} VARCHAR({n})");
                    if let Some(cs) = charset.filter(|c| !c.is_empty()) {
                        s.push_str(&format!(" CHARACTER SET {cs}"));
                    }
                    if let Some(co) = collation.filter(|c| !c.is_empty()) {
                        s.push_str(&format!(" COLLATE {co}"));
                    }
                    if nullable == Some("NO") {
                        s.push_str(" NOT NULL");
                    }
                    s.push(';');
                    s
                }
            };
            let max = u64::try_from(max).unwrap_or(u64::MAX);
            self.capacity = Some(Capacity { chars: max, alter_template: alter("{N}") });
        }

        // The id must name one row.
        let unique = match self.dialect {
            Dialect::Postgres => {
                let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_index i \
                           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
                           WHERE i.indrelid = CAST($1 AS regclass) AND i.indisunique AND i.indnkeyatts = 1 \
                           AND i.indpred IS NULL AND a.attname = $2";
                self.scalar_i64(sql, &[&full, &id.to_lowercase()]).await? > 0
            }
            Dialect::Mysql => {
                let sql = "SELECT CAST(COUNT(*) AS SIGNED) FROM (SELECT INDEX_NAME FROM information_schema.STATISTICS \
                           WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND NON_UNIQUE = 0 \
                           GROUP BY INDEX_NAME HAVING COUNT(*) = 1 AND LOWER(MAX(COLUMN_NAME)) = LOWER(?)) u";
                let mut q = sqlx::query(sql);
                q = q.bind(schema.clone()).bind(table.clone()).bind(id.clone());
                let row = q.fetch_one(&mut self.conn).await.map_err(|e| err("inspect table", e))?;
                row.try_get::<i64, _>(0).map_err(|e| err("inspect table", e))? > 0
            }
            Dialect::Sqlite => {
                let pks = info.iter().filter(|c| c.3 != "0").count();
                let id_pk = id_info.as_ref().is_some_and(|c| c.3 == "1");
                let prefix = schema.as_ref().map(|s| format!("{s}.")).unwrap_or_default();
                let sql = format!(
                    "SELECT COUNT(*) FROM {prefix}pragma_index_list(?) l WHERE l.\"unique\" = 1 AND \
                     (SELECT COUNT(*) FROM {prefix}pragma_index_info(l.name)) = 1 AND \
                     (SELECT name FROM {prefix}pragma_index_info(l.name)) = ? COLLATE NOCASE"
                );
                id.eq_ignore_ascii_case("rowid")
                    || (pks == 1 && id_pk)
                    || self.scalar_i64(&sql, &[&table, &id]).await? > 0
            }
        };
        if !unique {
            // No declared uniqueness: accept the column only if its values are
            // unique now (and say how to make it safe for good).
            let dup =
                format!("SELECT COUNT(*) FROM (SELECT {id} FROM {full} GROUP BY {id} HAVING COUNT(*) > 1) d");
            let dups = self.scalar_i64(&dup, &[]).await?;
            if dups > 0 {
                return Err(Error::IdNotUnique { table: full, column: id, duplicates: dups });
            }
        }
        let nulls = self.scalar_i64(&format!("SELECT COUNT(*) FROM {full} WHERE {id} IS NULL"), &[]).await?;
        if nulls > 0 {
            return Err(Error::IdHasNull { table: full, column: id, rows: nulls });
        }
        Ok(())
    }

    /// The hash column's declared capacity, if the engine enforces one.
    pub fn capacity(&self) -> Option<&Capacity> {
        self.capacity.as_ref()
    }

    /// Rows in the store.
    pub async fn count(&mut self) -> Result<u64, Error> {
        let (sql, binds) = match &self.cols.only {
            None => (format!("SELECT COUNT(*) FROM {}", self.cols.table), Vec::new()),
            Some(f) => (
                format!("SELECT COUNT(*) FROM {} t WHERE {}", self.cols.table, self.only_cond(1)),
                vec![f.value.clone()],
            ),
        };
        let binds: Vec<&str> = binds.iter().map(String::as_str).collect();
        let n = self.scalar_i64(&sql, &binds).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn select_list(&self) -> String {
        let c = &self.cols;
        format!(
            "CAST(t.{} AS {}) AS rehash_id, {}, {}, {}, {}, {}",
            c.id,
            self.text_type(),
            self.text_expr(Some(&c.hash)),
            self.text_expr(c.salt.as_deref()),
            self.text_expr(c.user.as_deref()),
            self.text_expr(c.scheme.as_deref()),
            self.text_expr(c.params_col.as_deref()),
        )
    }

    /// The row filter's condition (`t.TYPE = <placeholder i>`), when there
    /// is a filter; its value is bound at `i`.
    fn only_cond(&self, i: usize) -> String {
        match &self.cols.only {
            Some(f) => format!("t.{} = {}", f.column, self.ph(i)),
            None => String::new(),
        }
    }

    /// The row filter's value, for binding (`None`: no filter).
    fn only_value(&self) -> Option<String> {
        self.cols.only.as_ref().map(|f| f.value.clone())
    }

    async fn begin(&mut self) -> Result<(), Error> {
        let stmt = if self.dialect == Dialect::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
        let mut tries = 0;
        loop {
            match sqlx::query(stmt).execute(&mut self.conn).await {
                Ok(_) => break,
                // Another writer holds SQLite past the busy timeout: wait and retry.
                Err(e) if is_busy(&e) && tries < 30 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => return Err(err("begin", e)),
            }
        }
        self.in_tx = true;
        Ok(())
    }

    async fn end(&mut self, commit: bool) -> Result<(), sqlx::Error> {
        if !self.in_tx {
            return Ok(());
        }
        self.in_tx = false;
        sqlx::query(if commit { "COMMIT" } else { "ROLLBACK" }).execute(&mut self.conn).await.map(|_| ())
    }

    fn decode(&self, rows: &[AnyRow]) -> Result<Vec<Row>, Error> {
        Self::decode_with(self.cols.scheme_label.as_deref(), rows)
    }

    /// Rows of [`SqlStore::select_list`]'s six columns; `scheme_label` is the
    /// scheme of rows whose scheme column is empty or absent (a preset's).
    fn decode_with(scheme_label: Option<&str>, rows: &[AnyRow]) -> Result<Vec<Row>, Error> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let id = text_at(r, 0).map_err(|e| err("id column", e))?;
            let scheme = text_at(r, 4).map_err(|e| err("scheme column", e))?;
            out.push(Row {
                id: id.unwrap_or_default(),
                hash: text_at(r, 1).map_err(|e| err("hash column", e))?.unwrap_or_default(),
                salt: text_at(r, 2).map_err(|e| err("salt column", e))?,
                user: text_at(r, 3).map_err(|e| err("user column", e))?,
                scheme: scheme.or_else(|| scheme_label.map(str::to_owned)),
                params_col: text_at(r, 5).map_err(|e| err("params column", e))?,
            });
        }
        Ok(out)
    }

    /// The next batch of up to `n` rows: the main pass in id order, then the
    /// rows it had to skip (locked by another transaction, or changed under a
    /// swap), now waiting for their locks.
    pub async fn next_batch(&mut self, n: usize) -> Result<Vec<Row>, Error> {
        self.rollback().await?;
        if !self.retry_pass {
            let rows = self.next_in_order(n).await?;
            if !rows.is_empty() || !self.lock_rows {
                return Ok(rows);
            }
            self.retry_pass = true;
        }
        self.next_retry(n).await
    }

    /// The main pass's batch query (cursor bound first when there is one,
    /// then the limit).
    fn batch_sql(&self) -> String {
        // Placeholders in bind order: the filter's value, the cursor, the limit.
        let mut conds = Vec::new();
        if self.cols.only.is_some() {
            conds.push(self.only_cond(conds.len() + 1));
        }
        if self.after.is_some() {
            conds.push(format!("t.{} > {}", self.cols.id, self.id_ph(conds.len() + 1)));
        }
        let limit_ph = self.ph(conds.len() + 1);
        let where_ = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
        let mut sql = format!(
            "SELECT {} FROM {} t {where_} ORDER BY t.{} LIMIT {limit_ph}",
            self.select_list(),
            self.cols.table,
            self.cols.id,
        );
        if self.lock_rows && self.dialect != Dialect::Sqlite {
            sql.push_str(match self.dialect {
                Dialect::Postgres => " FOR UPDATE OF t SKIP LOCKED",
                _ => " FOR UPDATE SKIP LOCKED",
            });
        }
        sql
    }

    /// The database's plan for the next batch query (`EXPLAIN`), for checking
    /// that batches walk the id column's index.
    pub async fn explain_next_batch(&mut self, n: usize) -> Result<String, Error> {
        let sql = format!("EXPLAIN {}", self.batch_sql());
        let mut q = sqlx::query(&sql);
        if let Some(v) = self.only_value() {
            q = q.bind(v);
        }
        if let Some(a) = &self.after {
            q = q.bind(a.clone());
        }
        q = q.bind(i64::try_from(n).unwrap_or(i64::MAX));
        let rows = q.fetch_all(&mut self.conn).await.map_err(|e| err("explain", e))?;
        let mut out = String::new();
        for r in rows {
            for i in 0..r.len() {
                if let Ok(Some(v)) = r.try_get::<Option<String>, _>(i) {
                    out.push_str(&v);
                    out.push(' ');
                }
            }
            out.push('\n');
        }
        Ok(out)
    }

    async fn next_in_order(&mut self, n: usize) -> Result<Vec<Row>, Error> {
        let sql = self.batch_sql();
        let locking = self.lock_rows && self.dialect != Dialect::Sqlite;
        // PostgreSQL and MySQL hold the batch's rows from here to commit.
        // SQLite reads without a transaction and takes its write lock only
        // to write (compare-and-swap keeps that safe), so the application's
        // own writes are not held up while the KDF runs.
        if locking {
            self.begin().await?;
        }
        let mut q = sqlx::query(&sql);
        if let Some(v) = self.only_value() {
            q = q.bind(v);
        }
        if let Some(a) = &self.after {
            q = q.bind(a.clone());
        }
        q = q.bind(i64::try_from(n).unwrap_or(i64::MAX));
        let fetched = q.fetch_all(&mut self.conn).await.map_err(|e| err("select", e))?;
        let rows = self.decode(&fetched)?;
        if locking {
            self.find_skipped(&rows, n).await?;
        }
        if let Some(last) = rows.last() {
            self.after = Some(last.id.clone());
        }
        Ok(rows)
    }

    /// Ids in this batch's range that `SKIP LOCKED` passed over: queued for
    /// the retry pass. The read takes no lock (it sees committed rows).
    async fn find_skipped(&mut self, rows: &[Row], n: usize) -> Result<(), Error> {
        let id = &self.cols.id;
        let mut conds = Vec::new();
        let mut binds = Vec::new();
        if let Some(v) = self.only_value() {
            binds.push(v);
            conds.push(self.only_cond(binds.len()));
        }
        if let Some(a) = &self.after {
            binds.push(a.clone());
            conds.push(format!("t.{id} > {}", self.id_ph(binds.len())));
        }
        // A full batch covers ids up to its last; a short one covers the rest of the table.
        if rows.len() >= n {
            if let Some(last) = rows.last() {
                binds.push(last.id.clone());
                conds.push(format!("t.{id} <= {}", self.id_ph(binds.len())));
            }
        }
        let sql = format!(
            "SELECT CAST(t.{id} AS {}) FROM {} t{}{}",
            self.text_type(),
            self.cols.table,
            if conds.is_empty() { "" } else { " WHERE " },
            conds.join(" AND ")
        );
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let seen = q.fetch_all(&mut self.conn).await.map_err(|e| err("select", e))?;
        if seen.len() == rows.len() {
            return Ok(());
        }
        let got: std::collections::HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        for r in &seen {
            let sid = text_at(r, 0).map_err(|e| err("id column", e))?;
            if let Some(sid) = sid.filter(|s| !got.contains(s.as_str())) {
                self.requeue(sid);
            }
        }
        Ok(())
    }

    /// Put an id back for the retry pass (at most three times).
    fn requeue(&mut self, id: String) -> bool {
        let n = self.retried.entry(id.clone()).or_insert(0);
        if *n >= 3 {
            self.given_up += 1;
            return false;
        }
        *n += 1;
        self.retry.push_back(id);
        true
    }

    async fn next_retry(&mut self, n: usize) -> Result<Vec<Row>, Error> {
        loop {
            let take = n.min(self.retry.len());
            if take == 0 {
                return Ok(Vec::new());
            }
            let ids: Vec<String> = self.retry.drain(..take).collect();
            let list = (1..=ids.len()).map(|i| self.id_ph(i)).collect::<Vec<_>>().join(", ");
            let only = if self.cols.only.is_some() {
                format!(" AND {}", self.only_cond(ids.len() + 1))
            } else {
                String::new()
            };
            let mut sql = format!(
                "SELECT {} FROM {} t WHERE t.{} IN ({list}){only} ORDER BY t.{}",
                self.select_list(),
                self.cols.table,
                self.cols.id,
                self.cols.id
            );
            self.begin().await?;
            // Wait for the locks this time, but not forever.
            match self.dialect {
                Dialect::Postgres => {
                    sql.push_str(" FOR UPDATE OF t");
                    sqlx::query("SET LOCAL lock_timeout = '60s'")
                        .execute(&mut self.conn)
                        .await
                        .map_err(|e| err("lock_timeout", e))?;
                }
                Dialect::Mysql => {
                    sql.push_str(" FOR UPDATE");
                    sqlx::query("SET SESSION innodb_lock_wait_timeout = 60")
                        .execute(&mut self.conn)
                        .await
                        .map_err(|e| err("lock wait timeout", e))?;
                }
                Dialect::Sqlite => {}
            }
            let mut q = sqlx::query(&sql);
            for id in &ids {
                q = q.bind(id.clone());
            }
            if let Some(v) = self.only_value() {
                q = q.bind(v);
            }
            match q.fetch_all(&mut self.conn).await {
                // None of these ids is there any more (deleted, or out of
                // the row filter now): go on with the next ones rather than
                // end the run with ids still queued.
                Ok(rows) if rows.is_empty() => self.end(false).await.map_err(|e| err("rollback", e))?,
                Ok(rows) => return self.decode(&rows),
                // A lock wait timed out: those rows stay as they are and are
                // counted as left behind; go on with the next ones.
                Err(e) if is_row_error(&e) => {
                    self.end(false).await.map_err(|e| err("rollback", e))?;
                    self.given_up += ids.len() as u64;
                }
                Err(e) => return Err(err("select", e)),
            }
        }
    }

    fn update_sql(&self) -> String {
        let c = &self.cols;
        let cas = match self.dialect {
            // Byte-exact: a case-insensitive or PAD SPACE collation must not
            // let a different value pass for the one we read.
            Dialect::Mysql => format!("CAST({} AS BINARY) = CAST({} AS BINARY)", c.hash, self.ph(3)),
            _ => format!("{} = {}", c.hash, self.ph(3)),
        };
        // The filter again: a row that stopped matching it is not touched.
        let only = match &c.only {
            Some(f) => format!(" AND {} = {}", f.column, self.ph(4)),
            None => String::new(),
        };
        format!(
            "UPDATE {} SET {} = {} WHERE {} = {} AND {cas}{only}",
            c.table,
            c.hash,
            self.ph(1),
            c.id,
            self.id_ph(2)
        )
    }

    fn readback_sql(&self) -> String {
        let c = &self.cols;
        format!(
            "SELECT CAST({} AS {}) FROM {} WHERE {} = {}",
            c.hash,
            self.text_type(),
            c.table,
            c.id,
            self.id_ph(1)
        )
    }

    /// One compare-and-swap update, read back: `Ok(true)` written and
    /// confirmed, `Ok(false)` the row no longer held the old value.
    async fn apply(&mut self, u: &Update) -> Result<bool, sqlx::Error> {
        let sql = self.update_sql();
        let mut q = sqlx::query(&sql).bind(u.new.clone()).bind(u.id.clone()).bind(u.old.clone());
        if let Some(v) = self.only_value() {
            q = q.bind(v);
        }
        let r = q.execute(&mut self.conn).await?;
        match r.rows_affected() {
            0 => return Ok(false),
            1 => {}
            n => {
                return Err(sqlx::Error::Protocol(format!(
                    "the update of one id changed {n} rows (the id column is not unique)"
                )))
            }
        }
        let back = text_at(
            &sqlx::query(&self.readback_sql()).bind(u.id.clone()).fetch_one(&mut self.conn).await?,
            0,
        )?;
        if back.as_deref() != Some(u.new.as_str()) {
            return Err(sqlx::Error::Protocol(format!(
                "the value read back differs from the value written ({} of {} characters): the server \
                 altered it (truncation?)",
                back.as_deref().map_or(0, |b| b.chars().count()),
                u.new.chars().count()
            )));
        }
        Ok(true)
    }

    /// Apply compare-and-swap updates for the current batch and commit it. If
    /// a write fails, the batch is rolled back and its updates retried one
    /// row per transaction, so only the failing rows fail.
    pub async fn commit(&mut self, updates: &[Update]) -> Result<CommitOutcome, Error> {
        if !self.in_tx {
            self.begin().await?;
        }
        let mut out = CommitOutcome::default();
        let mut lost = Vec::new();
        let mut failed = false;
        for u in updates {
            match self.apply(u).await {
                Ok(true) => out.changed += 1,
                Ok(false) => lost.push(u.id.clone()),
                Err(e) if is_row_error(&e) || matches!(e, sqlx::Error::Protocol(_)) => {
                    failed = true;
                    break;
                }
                Err(e) => {
                    let _ = self.end(false).await;
                    return Err(err("update", e));
                }
            }
        }
        if !failed {
            match self.end(true).await {
                Ok(()) => {
                    out.lost = lost.len() as u64;
                    for id in lost {
                        self.requeue(id);
                    }
                    return Ok(out);
                }
                Err(e) if !is_row_error(&e) => return Err(err("commit", e)),
                Err(_) => {}
            }
        }
        self.end(false).await.map_err(|e| err("rollback", e))?;
        // Row by row: each update its own transaction.
        let mut out = CommitOutcome::default();
        for u in updates {
            self.begin().await?;
            match self.apply(u).await {
                Ok(true) => match self.end(true).await {
                    Ok(()) => out.changed += 1,
                    Err(e) if is_row_error(&e) => out.failed.push((u.id.clone(), row_err("commit", e))),
                    Err(e) => return Err(err("commit", e)),
                },
                Ok(false) => {
                    self.end(false).await.map_err(|e| err("rollback", e))?;
                    self.requeue(u.id.clone());
                    out.lost += 1;
                }
                Err(e) if is_row_error(&e) || matches!(e, sqlx::Error::Protocol(_)) => {
                    self.end(false).await.map_err(|e| err("rollback", e))?;
                    out.failed.push((u.id.clone(), row_err("update", e)));
                }
                Err(e) => return Err(err("update", e)),
            }
        }
        Ok(out)
    }

    /// Release the current batch unchanged.
    pub async fn rollback(&mut self) -> Result<(), Error> {
        self.end(false).await.map_err(|e| err("rollback", e))
    }

    /// Start reading from the first row again (a second pass of `scan`).
    pub fn restart(&mut self) {
        self.after = None;
        self.retry.clear();
        self.retry_pass = false;
    }

    /// Rows given up on (still locked after waiting, or changed under every
    /// swap) and rows still queued for a retry: left as they were.
    pub fn left_behind(&self) -> u64 {
        self.given_up + self.retry.len() as u64
    }

    /// Roll back any open batch and close the connection.
    pub async fn close(mut self) {
        let _ = self.rollback().await;
        let _ = self.conn.close().await;
    }
}
