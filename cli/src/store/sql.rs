//! SQLite, PostgreSQL and MySQL/MariaDB through sqlx's `Any` driver.
//!
//! A batch is one transaction: its rows are read (PostgreSQL and MySQL with
//! `FOR UPDATE SKIP LOCKED`, so several workers on one or many machines share
//! a table without waiting on each other or doing a row twice), updated with
//! compare-and-swap (`UPDATE … SET hash = :new WHERE id = :id AND hash = :old`)
//! and committed. A crash at any moment leaves each row as it was or as a
//! committed batch left it.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row as _, Transaction};

use super::{check_ident, redact, Columns, Row, Update};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

/// A database table through sqlx's `Any` driver.
pub struct SqlStore {
    pool: AnyPool,
    dialect: Dialect,
    cols: Columns,
    lock_rows: bool,
    after: Option<i64>,
    tx: Option<Transaction<'static, sqlx::Any>>,
}

fn err(what: &str, e: sqlx::Error) -> String {
    // sqlx errors can quote the URL; they never hold row values we bound.
    format!("{what}: {}", redact(&e.to_string()))
}

impl SqlStore {
    /// Connect to `url`, checking column and table names are plain identifiers.
    pub async fn connect(url: &str, cols: &Columns, lock_rows: bool) -> Result<SqlStore, String> {
        sqlx::any::install_default_drivers();
        for c in [Some(&cols.table), Some(&cols.id), Some(&cols.hash)].into_iter().flatten() {
            check_ident(c)?;
        }
        for c in [&cols.salt, &cols.user, &cols.scheme].into_iter().flatten() {
            check_ident(c)?;
        }
        let dialect = if url.starts_with("postgres") {
            Dialect::Postgres
        } else if url.starts_with("mysql") {
            Dialect::Mysql
        } else {
            Dialect::Sqlite
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 1 } else { 2 })
            .connect(url)
            .await
            .map_err(|e| err(&format!("cannot connect to {}", redact(url)), e))?;
        Ok(SqlStore { pool, dialect, cols: cols.clone(), lock_rows, after: None, tx: None })
    }

    fn ph(&self, i: usize) -> String {
        match self.dialect {
            Dialect::Postgres => format!("${i}"),
            _ => "?".into(),
        }
    }

    fn id_expr(&self) -> String {
        match self.dialect {
            Dialect::Postgres => format!("CAST({} AS BIGINT)", self.cols.id),
            Dialect::Mysql => format!("CAST({} AS SIGNED)", self.cols.id),
            Dialect::Sqlite => format!("CAST({} AS INTEGER)", self.cols.id),
        }
    }

    fn text_expr(&self, col: &Option<String>) -> String {
        match (col, self.dialect) {
            (None, _) => "NULL".into(),
            (Some(c), Dialect::Mysql) => format!("CAST({c} AS CHAR)"),
            (Some(c), _) => format!("CAST({c} AS TEXT)"),
        }
    }

    /// Rows in the store.
    pub async fn count(&mut self) -> Result<u64, String> {
        let sql = format!("SELECT COUNT(*) FROM {}", self.cols.table);
        let row = sqlx::query(&sql).fetch_one(&self.pool).await.map_err(|e| err("count", e))?;
        let n: i64 = row.try_get(0).map_err(|e| err("count", e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The next batch of up to `n` rows.
    pub async fn next_batch(&mut self, n: usize) -> Result<Vec<Row>, String> {
        self.rollback().await?;
        let c = &self.cols;
        let hash = self.text_expr(&Some(c.hash.clone()));
        let mut sql = format!(
            "SELECT {}, {hash}, {}, {}, {} FROM {} WHERE {} > {} ORDER BY {} LIMIT {}",
            self.id_expr(),
            self.text_expr(&c.salt),
            self.text_expr(&c.user),
            self.text_expr(&c.scheme),
            c.table,
            c.id,
            self.ph(1),
            c.id,
            self.ph(2),
        );
        if self.lock_rows && self.dialect != Dialect::Sqlite {
            sql.push_str(" FOR UPDATE SKIP LOCKED");
        }
        let mut tx = self.pool.begin().await.map_err(|e| err("begin", e))?;
        let rows: Vec<AnyRow> = sqlx::query(&sql)
            .bind(self.after.unwrap_or(i64::MIN))
            .bind(i64::try_from(n).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| err("select", e))?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get(0).map_err(|e| err("id column", e))?;
            out.push(Row {
                id: id.to_string(),
                hash: r
                    .try_get::<Option<String>, _>(1)
                    .map_err(|e| err("hash column", e))?
                    .unwrap_or_default(),
                salt: r.try_get(2).map_err(|e| err("salt column", e))?,
                user: r.try_get(3).map_err(|e| err("user column", e))?,
                scheme: r.try_get(4).map_err(|e| err("scheme column", e))?,
            });
            self.after = Some(id);
        }
        self.tx = Some(tx);
        Ok(out)
    }

    /// Apply compare-and-swap updates for the current batch (and commit it); returns rows changed.
    pub async fn commit(&mut self, updates: &[Update]) -> Result<u64, String> {
        let Some(mut tx) = self.tx.take() else { return Ok(0) };
        let sql = format!(
            "UPDATE {} SET {} = {} WHERE {} = {} AND {} = {}",
            self.cols.table,
            self.cols.hash,
            self.ph(1),
            self.cols.id,
            self.ph(2),
            self.cols.hash,
            self.ph(3)
        );
        let mut changed = 0;
        for u in updates {
            let id: i64 = u.id.parse().map_err(|_| format!("row id `{}` is not an integer", u.id))?;
            let r = sqlx::query(&sql)
                .bind(&u.new)
                .bind(id)
                .bind(&u.old)
                .execute(&mut *tx)
                .await
                .map_err(|e| err("update", e))?;
            changed += r.rows_affected();
        }
        tx.commit().await.map_err(|e| err("commit", e))?;
        Ok(changed)
    }

    /// Release the current batch unchanged.
    pub async fn rollback(&mut self) -> Result<(), String> {
        if let Some(tx) = self.tx.take() {
            tx.rollback().await.map_err(|e| err("rollback", e))?;
        }
        Ok(())
    }

    /// Roll back any open batch and close the pool.
    pub async fn close(mut self) {
        let _ = self.rollback().await;
        self.pool.close().await;
    }
}
