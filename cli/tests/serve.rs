//! `rehash serve` over real HTTP(S): each test starts the binary on
//! 127.0.0.1 port 0 over its own store and talks to it with a tiny HTTP/1.1
//! client (tests/common/http.rs). The Okta and Kratos tests send the sample
//! request bodies of the products' documents and expect their documented
//! answers (docs/serve.md cites them). PostgreSQL and MariaDB write-back
//! tests run when REHASH_TEST_POSTGRES_URL / REHASH_TEST_MYSQL_URL are set
//! and say loudly when they are not.

#[path = "common/http.rs"]
mod http;

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::Reply;
use serde_json::{json, Value};
use sqlx::Connection as _;

const TOKEN: &str = "s3rve-t0ken-0123456789abcdef";

// Rows made by an independent tool (OpenSSL 3.0.19 `openssl passwd`), and a
// PHP md5 from the shared vectors (tests/vectors/valid_invalid.jsonl, p0002).
/// `openssl passwd -1 -salt abcdefgh Okta`: the Okta document's user and password.
const OKTA_HASH: &str = "$1$abcdefgh$2byZWanfzImMPqdFsnxQa.";
/// `openssl passwd -5 -salt saltsaltsalt the-password`: the Kratos document's.
const KRATOS_HASH: &str = "$5$saltsaltsalt$1VyiNX7.T9kvJ1GjFNim/wS57LFa63aymyAjBgV6u3C";
/// `openssl passwd -1 -salt k3yb0ard correct-horse`.
const MD5CRYPT: &str = "$1$k3yb0ard$v4LUgudgO0jwcSKF.NItL0";
/// md5("password"), a bare hex digest: needs the scheme column.
const MD5HEX: &str = "5f4dcc3b5aa765d61d8327deb882cf99";

/// The Okta document's sample request (developer.okta.com, "Password import
/// inline hook reference", "Sample JSON payload of request").
const OKTA_REQUEST: &str = r#"{
  "eventId": "3o9jBzq1SmOGmmsDsqyyeQ",
  "eventTime": "2020-01-17T21:23:56.000Z",
  "eventType": "com.okta.user.credential.password.import",
  "eventTypeVersion": "1.0",
  "contentType": "application/json",
  "cloudEventVersion": "0.1",
  "source": "https://${yourOktaDomain}/api/v1/inlineHooks/cal2xd5phv9fsPLcF0g7",
  "data": {
    "context": {
      "request": {
        "id": "XiIl6wn7005Rr@fjYqeC7AAABxw",
        "method": "POST",
        "url": {
          "value": "/api/v1/authn"
        },
        "ipAddress": "98.124.153.138"
      },
      "credential": {
        "username": "isaac.brock@example.com",
        "password": "Okta"
      }
    },
    "action": {
      "credential": "UNVERIFIED"
    }
  }
}"#;

/// The Okta document's sample response.
const OKTA_RESPONSE: &str = r#"{
  "commands":[
    {
      "type":"com.okta.action.update",
      "value":{
        "credential":"VERIFIED"
      }
    }
  ]
}"#;

/// The Ory document's default request body ("Password migration using a web hook").
const KRATOS_REQUEST: &str = r#"{
  "identifier": "pw-migration@example.org",
  "password": "the-password"
}"#;

/// The Ory document's answer to a matching password (with 200 OK).
const KRATOS_MATCH: &str = r#"{
  "status": "password_match"
}"#;

/// A unique scratch directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rehash-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A current hash of `password` under the default policy.
fn current_hash(password: &str) -> String {
    rehash::Policy::default().hash(password.as_bytes()).expect("hash")
}

/// The SQLite store of the tests: (id, email, hash, scheme, migrated).
async fn sqlite_store(dir: &Path) -> (PathBuf, String) {
    let path = dir.join("users.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
    sqlx::query(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, hash TEXT NOT NULL, \
         scheme TEXT, migrated BOOLEAN)",
    )
    .execute(&mut c)
    .await
    .expect("create");
    let current = current_hash("current-pass");
    for (id, email, hash, scheme) in [
        (1, "isaac.brock@example.com", OKTA_HASH, None),
        (2, "pw-migration@example.org", KRATOS_HASH, None),
        (3, "carol@example.com", MD5CRYPT, None),
        (4, "dave@example.com", MD5HEX, Some("md5_hex")),
        (5, "erin@example.com", current.as_str(), None),
        (6, "broken@example.com", "$1$broken", None),
    ] {
        sqlx::query("INSERT INTO users (id, email, hash, scheme) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(email)
            .bind(hash)
            .bind(scheme)
            .execute(&mut c)
            .await
            .expect("insert");
    }
    c.close().await.expect("close");
    (path.clone(), path.display().to_string())
}

/// A running `rehash serve`.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// The flags every test server gets: the store's columns and the token.
fn base_args(store: &str) -> Vec<String> {
    [
        "serve",
        "--store",
        store,
        "--table",
        "users",
        "--user-col",
        "email",
        "--hash-col",
        "hash",
        "--scheme-col",
        "scheme",
        "--token-env",
        "REHASH_SERVE_TEST_TOKEN",
        "--listen",
        "127.0.0.1:0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn rehash(args: &[String]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rehash"));
    cmd.args(args).env("REHASH_SERVE_TEST_TOKEN", TOKEN);
    cmd
}

impl Server {
    /// Start the binary; wait for its "listening on" line.
    fn start(args: &[String]) -> Server {
        let mut child = rehash(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rehash serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&log);
        let reader = std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                {
                    let mut l = sink.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
                // Sent after the line is in the log: the log has it once start() returns.
                if let Some(addr) = line.split("://").nth(1).filter(|_| line.contains("listening on")) {
                    let addr = addr.split_whitespace().next().unwrap_or_default().to_owned();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a.parse().expect("address"),
            Err(_) => {
                let _ = child.kill();
                let _ = reader.join();
                panic!("rehash serve did not start: {}", log.lock().unwrap());
            }
        };
        Server { child, addr, log, reader: Some(reader) }
    }

    async fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let stream = tokio::net::TcpStream::connect(self.addr).await.expect("connect");
        tokio::time::timeout(
            Duration::from_secs(60),
            http::request(stream, method, path, headers, body.as_bytes()),
        )
        .await
        .expect("answer in time")
        .expect("HTTP exchange")
    }

    /// POST with the bearer token.
    async fn post(&self, path: &str, body: &str) -> Reply {
        let auth = format!("Bearer {TOKEN}");
        self.send("POST", path, &[("Authorization", &auth)], body).await
    }

    async fn verify(&self, identifier: &str, password: &str) -> Reply {
        self.post("/v1/verify", &json!({ "identifier": identifier, "password": password }).to_string()).await
    }

    async fn metrics(&self) -> String {
        let auth = format!("Bearer {TOKEN}");
        let r = self.send("GET", "/metrics", &[("Authorization", &auth)], "").await;
        assert_eq!(r.status, 200, "{r:?}");
        r.body
    }

    /// Stop the server; everything it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        let log = self.log.lock().unwrap().clone();
        log
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of one sample line of the metrics text.
fn metric(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' ')?.trim().parse().ok())
}

fn no_secrets_in(log: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!log.contains(s), "the log holds a secret ({s:?}):\n{log}");
    }
}

async fn row_hash(db: &Path, id: i64) -> (String, Option<i64>) {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    let r: (String, Option<i64>) = sqlx::query_as("SELECT hash, migrated FROM users WHERE id = ?")
        .bind(id)
        .fetch_one(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn generic_endpoint_verifies_and_hides_what_the_row_holds() {
    let dir = scratch("generic");
    let (db, store) = sqlite_store(&dir).await;
    let before = row_hash(&db, 3).await;
    let server = Server::start(&base_args(&store));

    // A legacy row: valid, with the upgrade rehash would store.
    let r = server.verify("carol@example.com", "correct-horse").await;
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(v["result"], "valid");
    assert_eq!(v["scheme"], "md5_crypt");
    assert_eq!(v["needs_upgrade"], true);
    assert_eq!(v["id"], "3");
    let new_hash = v["new_hash"].as_str().expect("new_hash");
    assert!(new_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{new_hash}");
    assert!(rehash::Policy::default().verify(b"correct-horse", new_hash).unwrap().is_valid());

    // A bare md5 resolved through the scheme column; a current row needs nothing.
    let v = server.verify("dave@example.com", "password").await.json();
    assert_eq!((v["result"].as_str(), v["scheme"].as_str()), (Some("valid"), Some("md5_hex")));
    let v = server.verify("erin@example.com", "current-pass").await.json();
    assert_eq!(v, json!({ "result": "valid", "scheme": "argon2id", "needs_upgrade": false, "id": "5" }));

    // Wrong password (legacy row, current row), unknown user, unreadable row:
    // one answer, byte for byte.
    let wrong = server.verify("carol@example.com", "wrong").await;
    assert_eq!(wrong.status, 200);
    assert_eq!(wrong.json(), json!({ "result": "invalid", "scheme": null, "needs_upgrade": false }));
    for (who, pw) in [
        ("erin@example.com", "wrong"),
        ("nobody@example.com", "correct-horse"),
        ("broken@example.com", "x"),
        ("CAROL@example.com", "correct-horse"),
    ] {
        let r = server.verify(who, pw).await;
        assert_eq!((r.status, &r.body), (wrong.status, &wrong.body), "{who}");
    }

    // A body that is not the endpoint's JSON.
    let r = server.post("/v1/verify", r#"{"user":"carol@example.com"}"#).await;
    assert_eq!(r.status, 400, "{r:?}");

    // Read-only: the legacy row is as it was.
    assert_eq!(row_hash(&db, 3).await, before);

    let m = server.metrics().await;
    let count = |labels: &str| metric(&m, &format!("rehash_serve_verifies_total{{{labels}}}")).unwrap_or(0.0);
    assert_eq!(count(r#"endpoint="generic",result="valid",scheme="md5_crypt""#), 1.0, "{m}");
    assert_eq!(count(r#"endpoint="generic",result="invalid",scheme="md5_crypt""#), 1.0, "{m}");
    assert_eq!(count(r#"endpoint="generic",result="unknown",scheme="none""#), 2.0, "{m}");
    assert_eq!(count(r#"endpoint="generic",result="error",scheme="none""#), 1.0, "{m}");
    assert_eq!(metric(&m, "rehash_serve_verify_duration_seconds_count"), Some(8.0), "{m}");
    assert_eq!(metric(&m, r#"rehash_serve_verify_duration_seconds_bucket{le="+Inf"}"#), Some(8.0), "{m}");
    assert_eq!(metric(&m, "rehash_serve_limiter_queue"), Some(0.0), "{m}");

    let log = server.stop();
    // The unreadable row is named by id, with rehash's reason.
    assert!(log.contains("row 6: cannot verify the stored hash"), "{log}");
    no_secrets_in(
        &log,
        &[TOKEN, "correct-horse", "current-pass", MD5CRYPT, MD5HEX, "$1$broken", "carol@", "nobody@"],
    );
    no_secrets_in(&log, &[new_hash]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn okta_password_import_hook_with_the_documented_bodies() {
    let dir = scratch("okta");
    let (_, store) = sqlite_store(&dir).await;
    let mut args = base_args(&store);
    // Okta's "HTTP Headers" authentication sends the configured value as is,
    // in a header the administrator names.
    args.extend(["--auth-header".into(), "X-Okta-Secret".into()]);
    let server = Server::start(&args);

    let r = server.send("POST", "/okta/password-import", &[("X-Okta-Secret", TOKEN)], OKTA_REQUEST).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let expected: Value = serde_json::from_str(OKTA_RESPONSE).unwrap();
    assert_eq!(r.json(), expected);

    // A wrong password, and a user the store does not hold: UNVERIFIED, the
    // same command with the other value, and the same bytes for both.
    let unverified = json!({
        "commands": [{ "type": "com.okta.action.update", "value": { "credential": "UNVERIFIED" } }]
    });
    let wrong = OKTA_REQUEST.replace(r#""password": "Okta""#, r#""password": "Okta!""#);
    let r1 = server.send("POST", "/okta/password-import", &[("X-Okta-Secret", TOKEN)], &wrong).await;
    assert_eq!((r1.status, r1.json()), (200, unverified));
    let unknown = OKTA_REQUEST.replace("isaac.brock@example.com", "someone.else@example.com");
    let r2 = server.send("POST", "/okta/password-import", &[("X-Okta-Secret", TOKEN)], &unknown).await;
    assert_eq!((r2.status, &r2.body), (r1.status, &r1.body));

    // The default Authorization header is not the configured one here.
    let auth = format!("Bearer {TOKEN}");
    let r = server.send("POST", "/okta/password-import", &[("Authorization", &auth)], OKTA_REQUEST).await;
    assert_eq!(r.status, 401);
    no_secrets_in(&server.stop(), &[TOKEN, "Okta!", OKTA_HASH]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn kratos_password_migration_hook_with_the_documented_bodies() {
    let dir = scratch("kratos");
    let (_, store) = sqlite_store(&dir).await;
    let server = Server::start(&base_args(&store));
    // Kratos's `auth: {type: api_key, config: {name: Authorization, value: …}}`
    // sends the value as is.
    let r =
        server.send("POST", "/kratos/password-migration", &[("Authorization", TOKEN)], KRATOS_REQUEST).await;
    assert_eq!(r.status, 200, "{r:?}");
    let expected: Value = serde_json::from_str(KRATOS_MATCH).unwrap();
    assert_eq!(r.json(), expected);

    // Not matching: 403 Forbidden, whether the password or the user is wrong.
    let wrong = KRATOS_REQUEST.replace("the-password", "not-the-password");
    let r1 = server.send("POST", "/kratos/password-migration", &[("Authorization", TOKEN)], &wrong).await;
    assert_eq!(r1.status, 403, "{r1:?}");
    let unknown = KRATOS_REQUEST.replace("pw-migration@example.org", "nobody@example.org");
    let r2 = server.send("POST", "/kratos/password-migration", &[("Authorization", TOKEN)], &unknown).await;
    assert_eq!((r2.status, &r2.body), (r1.status, &r1.body));
    no_secrets_in(&server.stop(), &[TOKEN, "the-password", KRATOS_HASH]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_but_healthz_needs_the_secret() {
    let dir = scratch("auth");
    let (_, store) = sqlite_store(&dir).await;
    let server = Server::start(&base_args(&store));
    let body = json!({ "identifier": "carol@example.com", "password": "correct-horse" }).to_string();
    let almost = &TOKEN[..TOKEN.len() - 1];
    let longer = format!("{TOKEN}x");
    let bearer_almost = format!("Bearer {almost}");
    let basic = format!("Basic {TOKEN}");
    for headers in [
        vec![],
        vec![("Authorization", bearer_almost.as_str())],
        vec![("Authorization", longer.as_str())],
        vec![("Authorization", basic.as_str())],
        vec![("X-Other", TOKEN)],
    ] {
        for path in ["/v1/verify", "/okta/password-import", "/kratos/password-migration"] {
            let r = server.send("POST", path, &headers, &body).await;
            assert_eq!(r.status, 401, "{path} {headers:?}: {r:?}");
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        }
        let r = server.send("GET", "/metrics", &headers, "").await;
        assert_eq!(r.status, 401, "/metrics {headers:?}");
    }
    let r = server.send("GET", "/healthz", &[], "").await;
    assert_eq!((r.status, r.json()), (200, json!({ "status": "ok" })));
    // The lower-case scheme is the same scheme (RFC 7235).
    let lower = format!("bearer {TOKEN}");
    let r = server.send("POST", "/v1/verify", &[("Authorization", &lower)], &body).await;
    assert_eq!(r.json()["result"], "valid");
    let m = server.metrics().await;
    assert_eq!(metric(&m, "rehash_serve_unauthorized_total"), Some(20.0), "{m}");
    // Refused requests cost no verify.
    assert_eq!(metric(&m, "rehash_serve_verify_duration_seconds_count"), Some(1.0), "{m}");
    no_secrets_in(&server.stop(), &[TOKEN, almost, "correct-horse"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn body_limit_and_rate_limits() {
    let dir = scratch("limits");
    let (_, store) = sqlite_store(&dir).await;
    let mut args = base_args(&store);
    args.extend(
        [
            "--identifier-rate",
            "1/h",
            "--identifier-burst",
            "2",
            "--client-rate",
            "1/h",
            "--client-burst",
            "4",
        ]
        .map(String::from),
    );
    let server = Server::start(&args);

    // 16 KiB at most (refused before the handler: no rate token spent).
    let big = json!({ "identifier": "carol@example.com", "password": "x".repeat(20_000) }).to_string();
    let r = server.post("/v1/verify", &big).await;
    assert_eq!(r.status, 413, "{r:?}");

    // Two attempts for an identifier, then 429 with Retry-After; its case
    // variants share the bucket; another identifier has its own.
    assert_eq!(server.verify("carol@example.com", "a").await.json()["result"], "invalid");
    assert_eq!(server.verify("Carol@Example.com", "b").await.json()["result"], "invalid");
    let r = server.verify("carol@example.com", "correct-horse").await;
    assert_eq!(r.status, 429, "{r:?}");
    let retry: u64 = r.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((3500..=3600).contains(&retry), "{retry}");
    assert_eq!(server.verify("dave@example.com", "password").await.json()["result"], "valid");

    // The client's four requests are spent: the next is refused before any
    // lookup, whatever the identifier.
    let r = server.verify("erin@example.com", "current-pass").await;
    assert_eq!(r.status, 429, "{r:?}");
    let m = server.metrics().await;
    assert_eq!(metric(&m, r#"rehash_serve_rate_limited_total{key="identifier"}"#), Some(1.0), "{m}");
    assert_eq!(metric(&m, r#"rehash_serve_rate_limited_total{key="client"}"#), Some(1.0), "{m}");
    assert_eq!(metric(&m, "rehash_serve_verify_duration_seconds_count"), Some(3.0), "{m}");
    server.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn unsafe_starts_are_refused() {
    let dir = scratch("refusals");
    let (_, store) = sqlite_store(&dir).await;
    let run = |args: Vec<String>, token: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rehash"));
        cmd.args(&args).env_remove("REHASH_SERVE_TEST_TOKEN");
        if let Some(t) = token {
            cmd.env("REHASH_SERVE_TEST_TOKEN", t);
        }
        let o = cmd.output().expect("run");
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    // No secret at all.
    let without: Vec<String> = base_args(&store)
        .into_iter()
        .filter(|a| !a.contains("token") && !a.contains("REHASH_SERVE"))
        .collect();
    let (code, err) = run(without, Some(TOKEN));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--token-env") || err.contains("--token-file"), "{err}");
    // A variable that is not set; a short secret.
    let (code, err) = run(base_args(&store), None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("REHASH_SERVE_TEST_TOKEN is not set"), "{err}");
    let (code, err) = run(base_args(&store), Some("short"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("at least 16"), "{err}");
    // Plain HTTP beyond loopback.
    let mut open = base_args(&store);
    let at = open.iter().position(|a| a == "127.0.0.1:0").unwrap();
    open[at] = "0.0.0.0:0".into();
    let (code, err) = run(open, Some(TOKEN));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a loopback address"), "{err}");
    // A policy without equal-time failures.
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, "[timing]\nequal_time_failures = false\n").unwrap();
    let mut args = base_args(&store);
    args.extend(["--policy".into(), policy.display().to_string()]);
    let (code, err) = run(args, Some(TOKEN));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("equal_time_failures"), "{err}");
    // A column name that is not an identifier; a missing user column.
    let mut args = base_args(&store);
    let at = args.iter().position(|a| a == "email").unwrap();
    args[at] = "email; DROP TABLE users".into();
    let (code, err) = run(args, Some(TOKEN));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a plain SQL identifier"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_from_certificate_and_key_files() {
    use tokio_rustls::rustls;
    let dir = scratch("tls");
    let (_, store) = sqlite_store(&dir).await;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert_pem, key_pem) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let mut args = base_args(&store);
    args.extend([
        "--tls-cert".into(),
        cert_pem.display().to_string(),
        "--tls-key".into(),
        key_pem.display().to_string(),
    ]);
    let server = Server::start(&args);
    assert!(server.log.lock().unwrap().contains("listening on https://"));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let tls = connector.connect("localhost".try_into().unwrap(), tcp).await.expect("TLS handshake");
    let body = json!({ "identifier": "carol@example.com", "password": "correct-horse" }).to_string();
    let auth = format!("Bearer {TOKEN}");
    let r =
        http::request(tls, "POST", "/v1/verify", &[("Authorization", &auth)], body.as_bytes()).await.unwrap();
    assert_eq!((r.status, r.json()["result"].as_str()), (200, Some("valid")), "{r:?}");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let plain = tokio::time::timeout(
        Duration::from_secs(30),
        http::request(tcp, "POST", "/v1/verify", &[("Authorization", &auth)], body.as_bytes()),
    )
    .await
    .expect("the server closes");
    assert!(plain.is_err() || plain.as_ref().is_ok_and(|r| r.status != 200), "{plain:?}");
    no_secrets_in(&server.stop(), &[TOKEN, "correct-horse"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn auth0_login_script_calls_the_generic_endpoint() {
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".into());
    if Command::new(&node).arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED the Auth0 login script test: no `node` (Node.js 18 or later) on PATH (or set NODE)"
        );
        return;
    }
    let dir = scratch("auth0");
    let (_, store) = sqlite_store(&dir).await;
    let server = Server::start(&base_args(&store));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("../examples/auth0/login.js");
    let harness = root.join("tests/data/auth0_harness.js");
    let url = format!("http://{}/", server.addr);
    let login = |email: &'static str, password: &'static str, token: &'static str| {
        let (node, script, harness, url) = (node.clone(), script.clone(), harness.clone(), url.clone());
        async move {
            let o = tokio::process::Command::new(node)
                .arg(harness)
                .arg(script)
                .args([url.as_str(), token, email, password])
                .output()
                .await
                .expect("node");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            serde_json::from_slice::<Value>(&o.stdout).expect("one JSON line")
        }
    };
    assert_eq!(
        login("carol@example.com", "correct-horse", TOKEN).await,
        json!({ "profile": { "user_id": "legacy|3", "email": "carol@example.com" } })
    );
    let wrong = json!({ "error": "WrongUsernameOrPasswordError", "user": "carol@example.com" });
    assert_eq!(login("carol@example.com", "nope", TOKEN).await, wrong);
    assert_eq!(
        login("nobody@example.com", "nope", TOKEN).await,
        json!({ "error": "WrongUsernameOrPasswordError", "user": "nobody@example.com" })
    );
    // A wrong token is the verifier's refusal, not a wrong password.
    assert_eq!(
        login("carol@example.com", "correct-horse", "not-the-token-0123456789").await,
        json!({ "error": "Error", "user": null })
    );
    server.stop();
    let _ = std::fs::remove_dir_all(dir);
}

/// A legacy row, the password a reset writes, and the hash it leaves.
const RESET_PASSWORD: &str = "after-the-reset";

#[tokio::test(flavor = "multi_thread")]
async fn upgrade_write_back_on_sqlite() {
    let dir = scratch("upgrade");
    let (db, store) = sqlite_store(&dir).await;
    let mut args = base_args(&store);
    args.extend(["--on-success".into(), "upgrade".into()]);
    let server = Server::start(&args);
    // A wrong password changes nothing.
    assert_eq!(server.verify("carol@example.com", "wrong").await.json()["result"], "invalid");
    assert_eq!(row_hash(&db, 3).await.0, MD5CRYPT);
    // A right one stores the upgrade the answer carries.
    let v = server.verify("carol@example.com", "correct-horse").await.json();
    assert_eq!(v["needs_upgrade"], true);
    let stored = row_hash(&db, 3).await.0;
    assert_eq!(Some(stored.as_str()), v["new_hash"].as_str());
    // The row is current now: it verifies, with nothing more to do.
    let v = server.verify("carol@example.com", "correct-horse").await.json();
    assert_eq!(v, json!({ "result": "valid", "scheme": "argon2id", "needs_upgrade": false, "id": "3" }));
    assert_eq!(row_hash(&db, 3).await.0, stored);
    // The md5 row with its scheme label: the new hash is self-describing and
    // wins over the stale label.
    server.verify("dave@example.com", "password").await;
    let v = server.verify("dave@example.com", "password").await.json();
    assert_eq!((v["scheme"].as_str(), v["needs_upgrade"].as_bool()), (Some("argon2id"), Some(false)));
    let m = server.metrics().await;
    assert_eq!(
        metric(&m, r#"rehash_serve_writebacks_total{kind="upgrade",outcome="stored"}"#),
        Some(2.0),
        "{m}"
    );
    no_secrets_in(&server.stop(), &[&stored, "correct-horse", MD5CRYPT]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn mark_write_back_on_sqlite() {
    let dir = scratch("mark");
    let (db, store) = sqlite_store(&dir).await;
    let mut args = base_args(&store);
    args.extend(["--on-success", "mark", "--mark-col", "migrated"].map(String::from));
    let server = Server::start(&args);
    assert_eq!(server.verify("carol@example.com", "wrong").await.json()["result"], "invalid");
    assert_eq!(row_hash(&db, 3).await, (MD5CRYPT.to_owned(), None));
    let v = server.verify("carol@example.com", "correct-horse").await.json();
    assert_eq!(v["result"], "valid");
    // Marked, the hash untouched; a second login marks nothing more.
    assert_eq!(row_hash(&db, 3).await, (MD5CRYPT.to_owned(), Some(1)));
    assert_eq!(server.verify("carol@example.com", "correct-horse").await.json()["result"], "valid");
    let m = server.metrics().await;
    assert_eq!(
        metric(&m, r#"rehash_serve_writebacks_total{kind="mark",outcome="stored"}"#),
        Some(1.0),
        "{m}"
    );
    assert_eq!(row_hash(&db, 4).await.1, None, "other rows are not marked");
    server.stop();
    // --mark-col must name a column, and only with --on-success mark.
    let mut args = base_args(&store);
    args.extend(["--on-success", "mark", "--mark-col", "nope"].map(String::from));
    let o = rehash(&args).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no column `nope`"), "{o:?}");
    let mut args = base_args(&store);
    args.extend(["--mark-col", "migrated"].map(String::from));
    let o = rehash(&args).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_concurrent_reset_wins_over_the_write_back_on_sqlite() {
    let dir = scratch("cas-sqlite");
    let (db, store) = sqlite_store(&dir).await;
    let reset_hash = current_hash(RESET_PASSWORD);
    for mode in [vec!["--on-success", "upgrade"], vec!["--on-success", "mark", "--mark-col", "migrated"]] {
        // Put the legacy row back.
        let url = format!("sqlite://{}", db.display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE users SET hash = ?, migrated = NULL WHERE id = 3")
            .bind(MD5CRYPT)
            .execute(&mut c)
            .await
            .unwrap();
        let mut args = base_args(&store);
        args.extend(mode.iter().map(|s| s.to_string()));
        let server = Server::start(&args);
        // The reset's transaction: written, not committed; it holds SQLite's
        // write lock, so the server's write waits (busy timeout) until commit.
        sqlx::query("BEGIN IMMEDIATE").execute(&mut c).await.unwrap();
        sqlx::query("UPDATE users SET hash = ? WHERE id = 3")
            .bind(&reset_hash)
            .execute(&mut c)
            .await
            .unwrap();
        let addr = server.addr;
        let login = tokio::spawn(async move {
            let body = json!({ "identifier": "carol@example.com", "password": "correct-horse" }).to_string();
            let auth = format!("Bearer {TOKEN}");
            let s = tokio::net::TcpStream::connect(addr).await.unwrap();
            http::request(s, "POST", "/v1/verify", &[("Authorization", &auth)], body.as_bytes())
                .await
                .unwrap()
        });
        // SQLite shows no lock waits: give the server time to read the row
        // (committed: the legacy hash), verify and reach its write. Were the
        // commit first, the login would fail (asserted below), not pass.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!login.is_finished(), "the write-back did not wait for the reset's lock");
        sqlx::query("COMMIT").execute(&mut c).await.unwrap();
        let r = login.await.unwrap();
        assert_eq!(r.json()["result"], "valid", "{mode:?}: the login of the password current when it began");
        let (hash, migrated) = row_hash(&db, 3).await;
        assert_eq!(hash, reset_hash, "{mode:?}: the reset was overwritten");
        assert_eq!(migrated, None, "{mode:?}: a row whose password changed was marked migrated");
        let m = server.metrics().await;
        let kind = if mode.contains(&"upgrade") { "upgrade" } else { "mark" };
        assert_eq!(
            metric(&m, &format!("rehash_serve_writebacks_total{{kind=\"{kind}\",outcome=\"lost\"}}")),
            Some(1.0),
            "{m}"
        );
        let log = server.stop();
        assert!(log.contains("row 3: ") && log.contains("compare-and-swap lost"), "{log}");
        c.close().await.unwrap();
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Server2 {
    Postgres,
    Mysql,
}

impl Server2 {
    fn ph(self, i: usize) -> String {
        match self {
            Server2::Postgres => format!("${i}"),
            Server2::Mysql => "?".into(),
        }
    }

    fn int(self) -> &'static str {
        match self {
            Server2::Postgres => "BIGINT",
            Server2::Mysql => "SIGNED",
        }
    }
}

async fn any(url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url).await.expect("connect")
}

/// (hash, migrated) of row 3.
async fn row3(kind: Server2, url: &str, table: &str) -> (String, Option<i64>) {
    let mut c = any(url).await;
    let sql = format!(
        "SELECT hash, CAST(CASE WHEN migrated IS NULL THEN NULL WHEN migrated THEN 1 ELSE 0 END AS {}) FROM {table} WHERE id = 3",
        kind.int()
    );
    let r: (String, Option<i64>) = sqlx::query_as(&sql).fetch_one(&mut c).await.unwrap();
    c.close().await.unwrap();
    r
}

/// Whether a session of this database waits for a row lock.
async fn someone_waits(kind: Server2, c: &mut sqlx::AnyConnection) -> bool {
    let sql = match kind {
        Server2::Postgres => {
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        }
        // The server's swap, running (waiting for the row) in another session.
        Server2::Mysql => {
            "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE 'UPDATE rehash_serve%' AND ID <> CONNECTION_ID()"
        }
    };
    sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await.unwrap() > 0
}

/// Upgrade and mark write-backs on a server database, and a reset that lands
/// between a login's verify and its write: the reset's transaction holds the
/// row until the server's compare-and-swap is seen waiting for the lock, then
/// commits; the swap must find another hash and write nothing.
async fn write_back_on(kind: Server2, url: &str) {
    let table = format!("rehash_serve_{}_{:?}", std::process::id(), kind).to_lowercase();
    let mut c = any(url).await;
    sqlx::query(&format!("DROP TABLE IF EXISTS {table}")).execute(&mut c).await.unwrap();
    sqlx::query(&format!(
        "CREATE TABLE {table} (id BIGINT PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE, hash VARCHAR(255) NOT NULL, \
         scheme VARCHAR(32), migrated BOOLEAN)"
    ))
    .execute(&mut c)
    .await
    .unwrap();
    let reset_hash = current_hash(RESET_PASSWORD);
    let put_back = format!("UPDATE {table} SET hash = {}, migrated = NULL WHERE id = 3", kind.ph(1));
    sqlx::query(&format!(
        "INSERT INTO {table} (id, email, hash, scheme) VALUES (3, 'carol@example.com', {}, NULL), (4, 'dave@example.com', {}, 'md5_hex')",
        kind.ph(1),
        kind.ph(2)
    ))
    .bind(MD5CRYPT)
    .bind(MD5HEX)
    .execute(&mut c)
    .await
    .unwrap();
    for mode in [vec!["--on-success", "upgrade"], vec!["--on-success", "mark", "--mark-col", "migrated"]] {
        let kind_label = if mode.contains(&"upgrade") { "upgrade" } else { "mark" };
        let mut args = base_args(url);
        let at = args.iter().position(|a| a == "users").unwrap();
        args[at] = table.clone();
        args.extend(mode.iter().map(|s| s.to_string()));
        sqlx::query(&put_back).bind(MD5CRYPT).execute(&mut c).await.unwrap();
        let server = Server::start(&args);

        // The plain write-back.
        assert_eq!(server.verify("carol@example.com", "wrong").await.json()["result"], "invalid");
        assert_eq!(row3(kind, url, &table).await, (MD5CRYPT.to_owned(), None));
        let v = server.verify("carol@example.com", "correct-horse").await.json();
        assert_eq!(v["result"], "valid", "{kind:?} {mode:?}");
        let (hash, migrated) = row3(kind, url, &table).await;
        if kind_label == "upgrade" {
            assert_eq!(Some(hash.as_str()), v["new_hash"].as_str(), "{kind:?}");
            assert!(rehash::Policy::default().verify(b"correct-horse", hash.as_str()).unwrap().is_valid());
        } else {
            assert_eq!((hash.as_str(), migrated), (MD5CRYPT, Some(1)), "{kind:?}");
        }

        // The reset between verify and write.
        sqlx::query(&put_back).bind(MD5CRYPT).execute(&mut c).await.unwrap();
        sqlx::query("BEGIN").execute(&mut c).await.unwrap();
        sqlx::query(&format!("UPDATE {table} SET hash = {} WHERE id = 3", kind.ph(1)))
            .bind(&reset_hash)
            .execute(&mut c)
            .await
            .unwrap();
        let addr = server.addr;
        let login = tokio::spawn(async move {
            let body = json!({ "identifier": "carol@example.com", "password": "correct-horse" }).to_string();
            let auth = format!("Bearer {TOKEN}");
            let s = tokio::net::TcpStream::connect(addr).await.unwrap();
            http::request(s, "POST", "/v1/verify", &[("Authorization", &auth)], body.as_bytes())
                .await
                .unwrap()
        });
        let mut watcher = any(url).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !someone_waits(kind, &mut watcher).await {
            assert!(
                std::time::Instant::now() < deadline,
                "{kind:?} {mode:?}: the write-back never waited for the row"
            );
            assert!(
                !login.is_finished(),
                "{kind:?} {mode:?}: the login ended without writing: {:?}",
                login.await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        watcher.close().await.unwrap();
        sqlx::query("COMMIT").execute(&mut c).await.unwrap();
        let r = login.await.unwrap();
        assert_eq!(r.json()["result"], "valid", "{kind:?} {mode:?}");
        assert_eq!(
            row3(kind, url, &table).await,
            (reset_hash.clone(), None),
            "{kind:?} {mode:?}: the reset was overwritten"
        );
        let m = server.metrics().await;
        assert_eq!(
            metric(&m, &format!("rehash_serve_writebacks_total{{kind=\"{kind_label}\",outcome=\"lost\"}}")),
            Some(1.0),
            "{m}"
        );
        let log = server.stop();
        assert!(log.contains("compare-and-swap lost"), "{log}");
        no_secrets_in(&log, &["correct-horse", MD5CRYPT, &reset_hash]);
    }
    sqlx::query(&format!("DROP TABLE {table}")).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn write_back_on_postgres() {
    let Ok(url) = std::env::var("REHASH_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED rehash serve write-back on PostgreSQL: set REHASH_TEST_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test)");
        return;
    };
    write_back_on(Server2::Postgres, &url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn write_back_on_mariadb() {
    let Ok(url) = std::env::var("REHASH_TEST_MYSQL_URL") else {
        eprintln!("SKIPPED rehash serve write-back on MariaDB: set REHASH_TEST_MYSQL_URL (mysql://root@127.0.0.1:3306/test)");
        return;
    };
    write_back_on(Server2::Mysql, &url).await;
}
