#![forbid(unsafe_code)]
//! A login server over SQLite that verifies legacy password hashes with
//! rehash and upgrades them to Argon2id on a successful login.
//!
//! The handler is [`app`]'s `POST /login`. Its rules:
//!
//! - an unknown user costs a dummy verify and gets exactly the response of a
//!   wrong password (401 `{"ok":false}`);
//! - a right password is 200 `{"ok":true}`; when rehash returns a new hash,
//!   it is stored with compare-and-swap
//!   (`UPDATE users SET hash = ?1, salt = NULL, scheme = NULL WHERE id = ?2 AND hash = ?3`),
//!   and a lost swap or a failed write is logged, never turned into a failed
//!   login: the old hash still verifies next time;
//! - a stored hash rehash cannot read is a 500 with a generic body.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use rehash::limit::{Limiter, OwnedStored};
use rehash::{Policy, Scheme, Upgrade};
use serde::Deserialize;
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};
use tokio::sync::Notify;
use zeroize::Zeroizing;

/// A test hook: `.0` is notified when a verified login with a new hash to
/// store has reached the point between verify and store; the handler then
/// waits for `.1` ("resume") before it writes.
pub type PauseHook = Arc<(Notify, Notify)>;

/// What the handler shares.
pub struct AppState {
    /// The hashing policy (target, declared legacy schemes, ceilings).
    pub policy: Arc<Policy>,
    /// Bounds the memory of concurrent KDF work and runs it off the executor.
    pub limiter: Limiter,
    /// The credential store.
    pub pool: SqlitePool,
    /// Tests only: pause between verify and store. `None` in production.
    pub pause: Option<PauseHook>,
}

/// The demo policy: Argon2id at rehash's defaults (m=19456 KiB, t=2, p=1),
/// with bare md5 hex digests declared, since the table holds some.
pub fn demo_policy() -> rehash::Result<Policy> {
    Policy::builder().declare(Scheme::Md5Hex).build()
}

/// The limiter's budget: 256 MiB of KDF memory in flight.
pub const LIMITER_BUDGET_BYTES: u64 = 256 * 1024 * 1024;

/// The router: `POST /login`.
pub fn app(state: AppState) -> Router {
    Router::new().route("/login", post(login)).with_state(Arc::new(state))
}

#[derive(Deserialize)]
struct LoginRequest {
    username: String,
    password: String,
}

fn denied() -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({ "ok": false }))).into_response()
}

fn accepted() -> Response {
    (StatusCode::OK, Json(json!({ "ok": true }))).into_response()
}

fn internal() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "ok": false, "error": "internal error" })))
        .into_response()
}

async fn login(State(state): State<Arc<AppState>>, Json(req): Json<LoginRequest>) -> Response {
    let LoginRequest { username, password } = req;
    // The String's buffer moves into the wrapper: wiped when dropped.
    let password = Zeroizing::new(password.into_bytes());

    let row = sqlx::query("SELECT id, hash, salt, scheme FROM users WHERE username = ?1")
        .bind(&username)
        .fetch_optional(&state.pool)
        .await;
    let row = match row {
        Ok(Some(row)) => row,
        Ok(None) => {
            // Same work, same answer as a wrong password.
            if let Err(e) = state.limiter.verify_dummy(&state.policy, password).await {
                eprintln!("login: dummy verify failed: {e}");
            }
            return denied();
        }
        Err(e) => {
            eprintln!("login: database error while reading a user: {e}");
            return internal();
        }
    };
    let read = (|| -> Result<_, sqlx::Error> {
        Ok((
            row.try_get::<i64, _>("id")?,
            row.try_get::<String, _>("hash")?,
            row.try_get::<Option<String>, _>("salt")?,
            row.try_get::<Option<String>, _>("scheme")?,
        ))
    })();
    let (id, hash, salt, label) = match read {
        Ok(fields) => fields,
        Err(e) => {
            eprintln!("login: cannot read a user row: {e}");
            return internal();
        }
    };
    let scheme = match label.as_deref().map(|l| (l, Scheme::from_name(l))) {
        None => None,
        Some((_, Some(scheme))) => Some(scheme),
        Some((l, None)) => {
            eprintln!("login: user id {id}: unknown scheme label {l:?} in the scheme column");
            return internal();
        }
    };

    let old_hash = hash.clone();
    let stored = OwnedStored { hash, salt, scheme, ..OwnedStored::default() };
    match state.limiter.verify_and_upgrade(&state.policy, password, stored).await {
        Ok(Upgrade::Invalid) => denied(),
        Ok(Upgrade::Valid { new_hash }) => {
            if let Some(new_hash) = new_hash {
                if let Some(hook) = &state.pause {
                    hook.0.notify_one();
                    hook.1.notified().await;
                }
                store_upgrade(&state.pool, id, &new_hash, &old_hash).await;
            }
            accepted()
        }
        Err(rehash::Error::PasswordTooLong { .. }) => {
            // An unknown user's over-long password is a plain 401 after a
            // dummy verify; a known user's must look the same.
            let _ = state.limiter.verify_dummy(&state.policy, Zeroizing::new(Vec::new())).await;
            denied()
        }
        Err(e) => {
            // rehash's messages never hold password or hash bytes.
            eprintln!("login: user id {id}: cannot verify the stored hash: {e}");
            internal()
        }
    }
}

/// Store an upgraded hash with compare-and-swap. A lost swap (a password reset
/// landed since the row was read) or a database error is logged and ignored:
/// the login already succeeded, and the old hash still verifies next time.
async fn store_upgrade(pool: &SqlitePool, id: i64, new_hash: &str, old_hash: &str) {
    let result =
        sqlx::query("UPDATE users SET hash = ?1, salt = NULL, scheme = NULL WHERE id = ?2 AND hash = ?3")
            .bind(new_hash)
            .bind(id)
            .bind(old_hash)
            .execute(pool)
            .await;
    match result {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => eprintln!(
            "login: user id {id}: upgrade not stored: the hash changed since it was read \
             (compare-and-swap lost); the login stands"
        ),
        Err(e) => eprintln!("login: user id {id}: upgrade not stored: database error: {e}; the login stands"),
    }
}

/// Where the database lives.
#[derive(Clone, Debug)]
pub enum Db {
    /// A private in-memory database, gone when the pool closes.
    Memory,
    /// A SQLite file, created if missing.
    File(PathBuf),
}

/// Open a pool. An in-memory database lives as long as a connection to it,
/// so its pool holds exactly one connection for good.
pub async fn connect(db: &Db) -> Result<SqlitePool, sqlx::Error> {
    match db {
        Db::Memory => {
            let options: SqliteConnectOptions = "sqlite::memory:".parse()?;
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
        }
        Db::File(path) => {
            let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
            SqlitePoolOptions::new().connect_with(options).await
        }
    }
}

/// One demo user of `seed/users.json`, made by `seed/make_seed.py` with
/// hashlib and passlib, not with rehash.
#[derive(Clone, Debug, Deserialize)]
pub struct SeedUser {
    /// The login name.
    pub username: String,
    /// The demo password (public demo data).
    pub password: String,
    /// The legacy hash.
    pub hash: String,
    /// The separate salt column, where the scheme has one.
    pub salt: Option<String>,
    /// The scheme label, for strings that are not self-describing.
    pub scheme: Option<String>,
    /// The tool that made the hash.
    pub made_by: String,
}

/// A hash a password reset writes, used by the tests.
#[derive(Clone, Debug, Deserialize)]
pub struct SeedReset {
    /// Its password.
    pub password: String,
    /// The hash (passlib md5_crypt).
    pub hash: String,
}

/// The contents of `seed/users.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct SeedData {
    /// The demo users.
    pub users: Vec<SeedUser>,
    /// A reset hash for the compare-and-swap test.
    pub reset: SeedReset,
}

/// The committed seed file, parsed.
pub fn seed_data() -> SeedData {
    serde_json::from_str(include_str!("../seed/users.json")).expect("seed/users.json is valid")
}

/// Create the `users` table if missing and, when it is empty, insert the
/// seed users. Returns the number of users inserted (0 when it had rows).
pub async fn seed(pool: &SqlitePool) -> Result<usize, sqlx::Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS users (\
           id INTEGER PRIMARY KEY, \
           username TEXT UNIQUE, \
           hash TEXT NOT NULL, \
           salt TEXT, \
           scheme TEXT)",
    )
    .execute(pool)
    .await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?;
    if count > 0 {
        return Ok(0);
    }
    let users = seed_data().users;
    let mut tx = pool.begin().await?;
    for u in &users {
        sqlx::query("INSERT INTO users (username, hash, salt, scheme) VALUES (?1, ?2, ?3, ?4)")
            .bind(&u.username)
            .bind(&u.hash)
            .bind(&u.salt)
            .bind(&u.scheme)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(users.len())
}
