//! The login example over real HTTP: each test has its own in-memory database
//! and its own server on 127.0.0.1:0, and talks to it with a tiny HTTP/1.1
//! client over a TcpStream.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rehash::limit::Limiter;
use rehash_login_example::{
    app, connect, demo_policy, seed, seed_data, AppState, Db, PauseHook, LIMITER_BUDGET_BYTES,
};
use sqlx::SqlitePool;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(30);

struct Server {
    addr: SocketAddr,
    pool: SqlitePool,
    pause: Option<PauseHook>,
}

async fn start(with_pause: bool) -> Server {
    let pool = connect(&Db::Memory).await.unwrap();
    assert_eq!(seed(&pool).await.unwrap(), seed_data().users.len());
    let pause = with_pause.then(|| Arc::new((Notify::new(), Notify::new())));
    let state = AppState {
        policy: Arc::new(demo_policy().unwrap()),
        limiter: Limiter::new(LIMITER_BUDGET_BYTES),
        pool: pool.clone(),
        pause: pause.clone(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
    Server { addr, pool, pause }
}

#[derive(Debug, PartialEq, Eq)]
struct Reply {
    status: u16,
    content_type: Option<String>,
    body: String,
}

/// POST a JSON body over HTTP/1.1 with `Connection: close` and read it all.
async fn post(addr: SocketAddr, path: &str, body: &str) -> Reply {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut raw)).await.expect("response in time").unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut content_type = None;
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_string());
        }
        assert!(!name.eq_ignore_ascii_case("transfer-encoding"), "this client reads whole bodies only");
    }
    Reply { status, content_type, body: body.to_string() }
}

async fn login(addr: SocketAddr, username: &str, password: &str) -> Reply {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    post(addr, "/login", &body).await
}

type Row = (i64, String, String, Option<String>, Option<String>);

async fn row(pool: &SqlitePool, username: &str) -> Row {
    sqlx::query_as("SELECT id, username, hash, salt, scheme FROM users WHERE username = ?1")
        .bind(username)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn all_rows(pool: &SqlitePool) -> Vec<Row> {
    sqlx::query_as("SELECT id, username, hash, salt, scheme FROM users ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

fn is_ok(r: &Reply) -> bool {
    r.status == 200 && r.body == r#"{"ok":true}"#
}

fn is_denied(r: &Reply) -> bool {
    r.status == 401 && r.body == r#"{"ok":false}"#
}

#[tokio::test(flavor = "multi_thread")]
async fn every_seeded_user_logs_in_and_is_upgraded_to_argon2id() {
    let s = start(false).await;
    let users = seed_data().users;
    let before = all_rows(&s.pool).await;
    assert!(before.iter().all(|r| !r.2.starts_with("$argon2")), "the seed holds legacy hashes only");

    for u in &users {
        let r = login(s.addr, &u.username, &u.password).await;
        assert!(is_ok(&r), "{} ({}): {r:?}", u.username, u.made_by);
    }

    let after = all_rows(&s.pool).await;
    assert_eq!(after.len(), users.len());
    for (id, name, hash, salt, scheme) in &after {
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{name} (id {id}) not upgraded");
        assert_eq!((salt, scheme), (&None, &None), "{name}: salt and scheme are cleared");
    }

    // The new hashes verify, and at policy they are left alone.
    for u in &users {
        let r = login(s.addr, &u.username, &u.password).await;
        assert!(is_ok(&r), "{} again: {r:?}", u.username);
    }
    assert_eq!(all_rows(&s.pool).await, after, "hashes at policy are not rewritten");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_401_and_changes_nothing() {
    let s = start(false).await;
    let before = all_rows(&s.pool).await;
    for u in seed_data().users {
        let r = login(s.addr, &u.username, &format!("{}x", u.password)).await;
        assert!(is_denied(&r), "{}: {r:?}", u.username);
    }
    assert_eq!(all_rows(&s.pool).await, before, "rows are byte-for-byte unchanged");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_user_gets_exactly_the_wrong_password_response() {
    let s = start(false).await;
    let wrong = login(s.addr, "alice", "not-her-password").await;
    let unknown = login(s.addr, "mallory", "not-her-password").await;
    assert!(is_denied(&wrong), "{wrong:?}");
    assert_eq!(unknown, wrong, "status, content type and body are the same");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_reset_between_verify_and_store_wins() {
    let s = start(true).await;
    let hook = s.pause.clone().unwrap();
    let seed = seed_data();
    let alice = seed.users.iter().find(|u| u.username == "alice").unwrap().clone();

    let addr = s.addr;
    let pending = tokio::spawn(async move { login(addr, &alice.username, &alice.password).await });
    timeout(WAIT, hook.0.notified()).await.expect("the login reached the store");

    // An administrator resets alice's password meanwhile.
    sqlx::query("UPDATE users SET hash = ?1, salt = NULL, scheme = NULL WHERE username = 'alice'")
        .bind(&seed.reset.hash)
        .execute(&s.pool)
        .await
        .unwrap();
    hook.1.notify_one();

    let r = timeout(WAIT, pending).await.unwrap().unwrap();
    assert!(is_ok(&r), "a lost compare-and-swap does not fail the login: {r:?}");
    let (_, _, hash, salt, scheme) = row(&s.pool, "alice").await;
    assert_eq!((hash.as_str(), salt, scheme), (seed.reset.hash.as_str(), None, None), "the reset stands");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_error_on_store_does_not_fail_a_verified_login() {
    let s = start(true).await;
    let hook = s.pause.clone().unwrap();
    let erin = seed_data().users.into_iter().find(|u| u.username == "erin").unwrap();
    let before = row(&s.pool, "erin").await;

    let (addr, name, password) = (s.addr, erin.username.clone(), erin.password.clone());
    let pending = tokio::spawn(async move { login(addr, &name, &password).await });
    timeout(WAIT, hook.0.notified()).await.expect("the login reached the store");
    sqlx::query("ALTER TABLE users RENAME TO users_elsewhere").execute(&s.pool).await.unwrap();
    hook.1.notify_one();

    let r = timeout(WAIT, pending).await.unwrap().unwrap();
    assert!(is_ok(&r), "a failed write does not fail the login: {r:?}");

    // Nothing was written; the legacy hash still verifies next time.
    sqlx::query("ALTER TABLE users_elsewhere RENAME TO users").execute(&s.pool).await.unwrap();
    assert_eq!(row(&s.pool, "erin").await, before);
    let again = tokio::spawn(async move { login(s.addr, &erin.username, &erin.password).await });
    timeout(WAIT, hook.0.notified()).await.expect("the second login reached the store");
    hook.1.notify_one();
    assert!(is_ok(&timeout(WAIT, again).await.unwrap().unwrap()));
    assert!(row(&s.pool, "erin").await.2.starts_with("$argon2id$"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_stored_hash_is_a_generic_500() {
    let s = start(false).await;
    let junk = "$1$toolongsaltvalue$notreally";
    sqlx::query("UPDATE users SET hash = ?1 WHERE username = 'carol'")
        .bind(junk)
        .execute(&s.pool)
        .await
        .unwrap();
    let r = login(s.addr, "carol", "hunter2").await;
    assert_eq!(r.status, 500, "{r:?}");
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body, serde_json::json!({ "ok": false, "error": "internal error" }));
    assert!(!r.body.contains("toolongsalt"));
}
