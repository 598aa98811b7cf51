//! One account by its login identifier, for `rehash serve`: a pool of
//! connections, one bound-parameter `SELECT` per login, and the optional
//! write-back after a verified login (a compare-and-swap `UPDATE` of the hash,
//! or of a migrated flag). Names are checked and the table inspected by
//! [`SqlStore::connect`] first (the id names one row, the hash column's
//! capacity); values are only ever bound, never spliced into SQL.
//!
//! Without a write-back the pool is read-only: SQLite opens the file with
//! `mode=ro`, PostgreSQL and MySQL sessions are set `READ ONLY`.

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor as _, Row as _};

use super::{check_ident, err, split_table, Dialect, SqlStore};
use crate::store::{Capacity, Columns, Row};
use crate::Error;

/// What a verified login writes back to the store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum OnSuccess {
    /// Nothing: the store is opened read-only.
    #[default]
    None,
    /// A new target hash, when the policy asks for an upgrade:
    /// `UPDATE … SET hash = :new WHERE id = :id AND hash = :old`.
    Upgrade,
    /// Set this column (boolean, integer or timestamp) to mark the row
    /// migrated: `UPDATE … SET col = TRUE WHERE id = :id AND hash = :old`.
    Mark(String),
}

/// A row found by its identifier.
#[derive(Clone, Debug)]
pub struct Account {
    /// The row (id, hash, salt, user, scheme label).
    pub row: Row,
    /// The migrated flag is already set (`--on-success mark`).
    pub marked: bool,
}

/// What a lookup found.
#[derive(Clone, Debug)]
pub enum Found {
    /// No row has this identifier.
    Nobody,
    /// Exactly one row.
    One(Account),
    /// More than one row: the identifier column is not unique for this value.
    Several,
}

/// What a write-back did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The row was written.
    Stored,
    /// The row no longer held the hash that was verified (a concurrent
    /// change won; nothing written).
    Lost,
}

/// Looks accounts up by login identifier and writes back verified logins.
#[derive(Clone, Debug)]
pub struct Lookup {
    pool: AnyPool,
    select: String,
    upgrade: Option<String>,
    mark: Option<String>,
    capacity: Option<Capacity>,
    scheme_label: Option<String>,
}

impl Lookup {
    /// Check the names and the table (through [`SqlStore::connect`]), find
    /// the mark column's type, and open a pool of up to `connections`
    /// connections. `cols.user` is the login identifier column.
    pub async fn open(
        url: &str,
        cols: &Columns,
        on_success: &OnSuccess,
        connections: u32,
    ) -> Result<Lookup, Error> {
        let login = cols
            .user
            .as_deref()
            .ok_or(Error::Unsupported("rehash serve needs --user-col: the column users log in with"))?;
        let mut store = SqlStore::connect(url, cols, false).await?;
        let mark_value = match on_success {
            OnSuccess::Mark(col) => {
                check_ident(col)?;
                Some(store.mark_literal(col).await?)
            }
            _ => None,
        };
        let (dialect, capacity) = (store.dialect, store.capacity.clone());
        let scheme_label = store.cols.scheme_label.clone();
        let c = &store.cols;
        let select = format!(
            "SELECT {}, {} FROM {} t WHERE t.{login} = {} LIMIT 2",
            store.select_list(),
            store.text_expr(match on_success {
                OnSuccess::Mark(col) => Some(col.as_str()),
                _ => None,
            }),
            c.table,
            store.ph(1)
        );
        // The swap compares byte-exact on MySQL, as the batch tool's does.
        let cas = |i: usize| match dialect {
            Dialect::Mysql => format!("CAST({} AS BINARY) = CAST({} AS BINARY)", c.hash, store.ph(i)),
            _ => format!("{} = {}", c.hash, store.ph(i)),
        };
        let upgrade = (*on_success == OnSuccess::Upgrade).then(|| {
            format!(
                "UPDATE {} SET {} = {} WHERE {} = {} AND {}",
                c.table,
                c.hash,
                store.ph(1),
                c.id,
                store.id_ph(2),
                cas(3)
            )
        });
        let mark = match (on_success, mark_value) {
            (OnSuccess::Mark(col), Some(v)) => Some(format!(
                "UPDATE {} SET {col} = {v} WHERE {} = {} AND {}",
                c.table,
                c.id,
                store.id_ph(1),
                cas(2)
            )),
            _ => None,
        };
        store.close().await;

        let read_only = *on_success == OnSuccess::None;
        let url = match (dialect, read_only) {
            (Dialect::Sqlite, true) => {
                format!("{url}{}mode=ro", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    let statements: &[&str] = match (dialect, read_only) {
                        (Dialect::Postgres, true) => &["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"],
                        (Dialect::Postgres, false) => &[],
                        (Dialect::Mysql, true) => &["SET SESSION TRANSACTION READ ONLY"],
                        (Dialect::Mysql, false) => &[
                            "SET SESSION sql_mode = TRIM(BOTH ',' FROM CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES'))",
                        ],
                        (Dialect::Sqlite, _) => &["PRAGMA busy_timeout = 10000"],
                    };
                    for s in statements {
                        conn.execute(*s).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| super::connect_err(&url, e))?;
        Ok(Lookup { pool, select, upgrade, mark, capacity, scheme_label })
    }

    /// The hash column's declared capacity (PostgreSQL, MySQL).
    pub fn capacity(&self) -> Option<&Capacity> {
        self.capacity.as_ref()
    }

    /// The row whose identifier column equals `identifier` (bound, never
    /// spliced).
    pub async fn find(&self, identifier: &str) -> Result<Found, Error> {
        let rows: Vec<AnyRow> = sqlx::query(&self.select)
            .bind(identifier)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| err("lookup", e))?;
        match rows.as_slice() {
            [] => Ok(Found::Nobody),
            [r] => {
                let row = SqlStore::decode_with(self.scheme_label.as_deref(), std::slice::from_ref(r))?
                    .pop()
                    .ok_or(Error::Unsupported("no row"))?;
                // The mark column follows select_list's six.
                let flag: Option<String> = r.try_get(6).map_err(|e| err("mark column", e))?;
                let marked = flag.is_some_and(|f| {
                    !matches!(f.trim().to_ascii_lowercase().as_str(), "" | "0" | "f" | "false")
                });
                Ok(Found::One(Account { row, marked }))
            }
            _ => Ok(Found::Several),
        }
    }

    /// Store `new` where row `id` still holds `old` (`--on-success upgrade`).
    pub async fn store_upgrade(&self, id: &str, old: &str, new: &str) -> Result<WriteOutcome, Error> {
        let Some(sql) = &self.upgrade else {
            return Err(Error::Unsupported("no upgrade write-back configured"));
        };
        let done = sqlx::query(sql)
            .bind(new.to_owned())
            .bind(id.to_owned())
            .bind(old.to_owned())
            .execute(&self.pool)
            .await
            .map_err(|e| err("upgrade", e))?;
        Ok(if done.rows_affected() > 0 { WriteOutcome::Stored } else { WriteOutcome::Lost })
    }

    /// Set the migrated flag of row `id` where it still holds `old`
    /// (`--on-success mark`).
    pub async fn mark(&self, id: &str, old: &str) -> Result<WriteOutcome, Error> {
        let Some(sql) = &self.mark else { return Err(Error::Unsupported("no mark write-back configured")) };
        let done = sqlx::query(sql)
            .bind(id.to_owned())
            .bind(old.to_owned())
            .execute(&self.pool)
            .await
            .map_err(|e| err("mark", e))?;
        Ok(if done.rows_affected() > 0 { WriteOutcome::Stored } else { WriteOutcome::Lost })
    }

    /// Close the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl SqlStore {
    /// The SQL literal that marks a row migrated in column `col`, from its
    /// declared type: `TRUE` (boolean), `1` (integer, or SQLite without a
    /// type), `CURRENT_TIMESTAMP` (date and time types).
    async fn mark_literal(&mut self, col: &str) -> Result<&'static str, Error> {
        let (schema, table) = split_table(&self.cols.table);
        let (schema, table) = (schema.map(str::to_owned), table.to_owned());
        let ty: Option<String> = match self.dialect {
            Dialect::Postgres => sqlx::query(
                "SELECT CAST(data_type AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2 AND column_name = $3",
            )
            .bind(schema.map(|s| s.to_lowercase()))
            .bind(table.to_lowercase())
            .bind(col.to_lowercase())
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| err("inspect table", e))?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(|e| err("inspect table", e))?,
            Dialect::Mysql => sqlx::query(
                "SELECT CAST(DATA_TYPE AS CHAR(64)) FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND LOWER(COLUMN_NAME) = LOWER(?)",
            )
            .bind(schema)
            .bind(table)
            .bind(col.to_owned())
            .fetch_optional(&mut self.conn)
            .await
            .map_err(|e| err("inspect table", e))?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(|e| err("inspect table", e))?,
            Dialect::Sqlite => {
                let sql = format!(
                    "SELECT type FROM {}pragma_table_info(?) WHERE name = ? COLLATE NOCASE",
                    schema.as_ref().map(|s| format!("{s}.")).unwrap_or_default()
                );
                sqlx::query(&sql)
                    .bind(table)
                    .bind(col.to_owned())
                    .fetch_optional(&mut self.conn)
                    .await
                    .map_err(|e| err("inspect table", e))?
                    .map(|r| r.try_get(0))
                    .transpose()
                    .map_err(|e| err("inspect table", e))?
            }
        };
        let Some(ty) = ty else {
            return Err(Error::ColumnNotFound { table: self.cols.table.clone(), column: col.to_owned() });
        };
        let ty = ty.to_ascii_lowercase();
        if ty.contains("bool") {
            Ok("TRUE")
        } else if ty.contains("int") || ty == "bit" || ty.is_empty() || ty == "numeric" {
            Ok("1")
        } else if ty.contains("time") || ty.contains("date") {
            Ok("CURRENT_TIMESTAMP")
        } else {
            Err(Error::Unsupported(
                "the --mark-col column must be boolean, integer or a date/time type (it is set to TRUE, 1 or \
                 CURRENT_TIMESTAMP)",
            ))
        }
    }
}
