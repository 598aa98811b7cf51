//! What the importers' shapes need from the batch tool: the params column
//! (`--params-col`) on every store, a Firebase Auth export read and written
//! back in its own shape (`--preset firebase`), and Keycloak's `CREDENTIAL`
//! table as Keycloak ships it (`--preset keycloak`: only `TYPE = 'password'`
//! rows, `CREDENTIAL_DATA` as the params column) on SQLite, PostgreSQL and
//! MariaDB. Server tests run when `REHASH_TEST_POSTGRES_URL` /
//! `REHASH_TEST_MYSQL_URL` are set and say they skipped otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rehash_cli::batch;
use rehash_cli::store::{Columns, FileOutput, Preset, Store, Update};
use serde_json::Value;
use sqlx::Row as _;

const MD5CRYPT: &str = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rehash-importers-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn rehash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rehash")).args(args).output().expect("run rehash")
}

/// A valid wave-3 vector with the row's other inputs.
#[derive(Clone, Debug)]
struct Vector {
    id: String,
    password: Vec<u8>,
    hash: String,
    salt: Option<String>,
    params: Option<Value>,
    params_col: Option<String>,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// The valid vectors of a wave-3 family.
fn wave3(family: &str) -> Vec<Vector> {
    let text =
        std::fs::read_to_string(root().join("tests/vectors/wave3_valid_invalid.jsonl")).expect("vectors");
    let out: Vec<Vector> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .filter(|v| v["family"] == family && v["expect"] == "valid")
        .map(|v| Vector {
            id: v["id"].as_str().expect("id").into(),
            password: hex(v["password_hex"].as_str().expect("pw")),
            hash: v["hash"].as_str().expect("hash").into(),
            salt: v["salt"].as_str().map(str::to_owned),
            params: v.get("params").cloned(),
            params_col: v["params_col"].as_str().map(str::to_owned),
        })
        .collect();
    assert!(!out.is_empty(), "no valid {family} vector");
    out
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Engine {
    Sqlite,
    Postgres,
    Mysql,
}

/// The engines to test: SQLite always (a file in `dir`), servers when set.
fn engines(dir: &Path, tag: &str) -> Vec<(Engine, String)> {
    let db = dir.join(format!("{tag}.db"));
    std::fs::File::create(&db).expect("sqlite file");
    let mut v = vec![(Engine::Sqlite, format!("sqlite://{}", db.display()))];
    match std::env::var("REHASH_TEST_POSTGRES_URL") {
        Ok(u) => v.push((Engine::Postgres, u)),
        Err(_) => eprintln!("SKIPPED the PostgreSQL part: REHASH_TEST_POSTGRES_URL is not set"),
    }
    match std::env::var("REHASH_TEST_MYSQL_URL") {
        Ok(u) => v.push((Engine::Mysql, u)),
        Err(_) => eprintln!("SKIPPED the MariaDB part: REHASH_TEST_MYSQL_URL is not set"),
    }
    v
}

async fn pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(2).connect(url).await.expect("connect")
}

async fn exec(url: &str, sql: &[String]) {
    let p = pool(url).await;
    for s in sql {
        sqlx::query(s).execute(&p).await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    p.close().await;
}

fn ph(e: Engine, i: usize) -> String {
    if e == Engine::Postgres {
        format!("${i}")
    } else {
        "?".into()
    }
}

/// `--params-col` reaches the library from every store: the row carries the
/// column verbatim and `batch::stored` hands it to `Stored::with_params_col`;
/// an empty CSV field or a NULL is no params column.
#[tokio::test(flavor = "multi_thread")]
async fn the_params_column_reaches_the_library_from_every_store() {
    let dir = tmpdir("params-col");
    let cols = Columns { params_col: Some("algo".into()), ..Columns::default() };
    let check = |rows: &[rehash_cli::store::Row], what: &str| {
        assert_eq!(rows.len(), 2, "{what}");
        let (a, b) = (&rows[0], &rows[1]);
        assert_eq!((a.id.as_str(), a.params_col.as_deref()), ("1", Some("pbkdf2$50000$50")), "{what}");
        assert_eq!((b.id.as_str(), b.params_col.as_deref()), ("2", None), "{what}");
        // Stored's Debug redacts the value but shows that it is there.
        let shown = format!("{:?}", batch::stored(a));
        assert!(
            shown.contains("params_col: Some(\"<redacted>\")") && !shown.contains("50000"),
            "{what}: {shown}"
        );
        assert!(format!("{:?}", batch::stored(b)).contains("params_col: None"), "{what}");
    };

    let csv = dir.join("users.csv");
    std::fs::write(&csv, format!("id,hash,algo\n1,{MD5CRYPT},pbkdf2$50000$50\n2,{MD5CRYPT},\n"))
        .expect("write");
    let jsonl = dir.join("users.jsonl");
    std::fs::write(
        &jsonl,
        format!(
            "{{\"id\":1,\"hash\":\"{MD5CRYPT}\",\"algo\":\"pbkdf2$50000$50\"}}\n{{\"id\":2,\"hash\":\"{MD5CRYPT}\",\"algo\":null}}\n"
        ),
    )
    .expect("write");
    for f in [&csv, &jsonl] {
        let mut st = Store::open(p(f), &cols, FileOutput::default(), false).await.expect("open");
        check(&st.next_batch(10).await.expect("batch"), p(f));
    }

    let table = format!("pc_{}", std::process::id());
    for (e, url) in engines(&dir, "params-col") {
        exec(
            &url,
            &[
                format!("DROP TABLE IF EXISTS {table}"),
                format!("CREATE TABLE {table} (id integer PRIMARY KEY, hash varchar(128) NOT NULL, algo varchar(64))"),
            ],
        )
        .await;
        let pl = pool(&url).await;
        let sql = format!(
            "INSERT INTO {table} (id, hash, algo) VALUES (1, {}, {}), (2, {}, NULL)",
            ph(e, 1),
            ph(e, 2),
            ph(e, 3)
        );
        sqlx::query(&sql)
            .bind(MD5CRYPT)
            .bind("pbkdf2$50000$50")
            .bind(MD5CRYPT)
            .execute(&pl)
            .await
            .expect("insert");
        pl.close().await;
        let cols = Columns { table: table.clone(), ..cols.clone() };
        for lock in [false, true] {
            let mut st = Store::open(&url, &cols, FileOutput::default(), lock).await.expect("open");
            check(&st.next_batch(10).await.expect("batch"), &format!("{e:?}"));
            st.finish(false).await.expect("close");
        }
        exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `rehash scan` and `rehash wrap` take `--params-col`; a column the store
/// does not have is refused before anything is read or written.
#[test]
fn a_params_column_the_store_lacks_is_refused() {
    let dir = tmpdir("params-col-missing");
    let csv = dir.join("users.csv");
    std::fs::write(&csv, format!("id,hash,algo\n1,{MD5CRYPT},x\n")).expect("write");
    let o = rehash(&["scan", p(&csv), "--params-col", "algo", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rep: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(rep["rows"], 1);
    for cmd in ["scan", "wrap"] {
        let o = rehash(&[cmd, p(&csv), "--params-col", "nope", "--json"]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("no column `nope` in the header"), "{cmd}: {err}");
    }
    let db = dir.join("users.db");
    std::fs::File::create(&db).expect("create");
    let url = format!("sqlite://{}", db.display());
    tokio::runtime::Runtime::new()
        .expect("rt")
        .block_on(exec(&url, &["CREATE TABLE users (id integer PRIMARY KEY, hash text NOT NULL)".into()]));
    for cmd in ["scan", "wrap"] {
        let o = rehash(&[cmd, p(&db), "--params-col", "nope", "--json"]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("table `users` has no column `nope`"), "{cmd}: {err}");
        let o = rehash(&[cmd, p(&db), "--params-col", "a;b", "--json"]);
        assert!(String::from_utf8_lossy(&o.stderr).contains("not a plain SQL identifier"), "{cmd}");
    }
    assert!(std::fs::read_dir(&dir).expect("ls").count() == 2, "nothing written");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Firebase Auth export as `firebase auth:export users.json` writes it:
/// users with a password hash are rows (id `localId`, salt `salt`, scheme
/// firebase_scrypt); users without one (a provider sign-in, a hash Firebase
/// did not export) are counted and left alone.
fn firebase_export() -> (String, Vec<Vector>) {
    let vs = wave3("firebase_scrypt");
    let (a, b) = (&vs[0], &vs[1]);
    let salt = |v: &Vector| v.salt.clone().expect("firebase vectors have a salt");
    let text = format!(
        "{{\"users\": [\n\
         {{\"localId\":\"u1\",\"email\":\"ada@example.com\",\"emailVerified\":true,\"passwordHash\":\"{}\",\"salt\":\"{}\",\"lastSignedInAt\":\"1700000000000\",\"createdAt\":\"1600000000000\",\"providerUserInfo\":[{{\"providerId\":\"password\",\"rawId\":\"ada@example.com\",\"email\":\"ada@example.com\"}}]}},\n\
         {{\"localId\":\"u2\",\"email\":\"bob@example.com\",\"emailVerified\":false,\"createdAt\":\"1600000000001\",\"providerUserInfo\":[{{\"providerId\":\"google.com\",\"rawId\":\"1234567890\"}}]}},\n\
         {{\"localId\":\"u3\",\"email\":\"cy@example.com\",\"passwordHash\":\"\",\"salt\":\"\",\"createdAt\":\"1600000000002\"}},\n\
         {{\"localId\":\"u4\",\"phoneNumber\":\"+15555550100\",\"passwordHash\":\"{}\",\"salt\":\"{}\",\"customAttributes\":\"{{\\\"role\\\": \\\"admin\\\"}}\",\"disabled\":false}}\n\
         ]}}\n",
        a.hash,
        salt(a),
        b.hash,
        salt(b)
    );
    (text, vec![a.clone(), b.clone()])
}

#[tokio::test(flavor = "multi_thread")]
async fn a_firebase_export_is_read_and_written_back_in_its_own_shape() {
    let dir = tmpdir("firebase");
    let (text, vs) = firebase_export();
    let input = dir.join("users.json");
    std::fs::write(&input, &text).expect("write");
    #[cfg(unix)]
    std::fs::set_permissions(&input, std::os::unix::fs::PermissionsExt::from_mode(0o640)).expect("chmod");
    let out = dir.join("out.json");
    let cols = Preset::Firebase.columns();
    let output = FileOutput { path: Some(out.clone()), ..FileOutput::default() };
    let mut st = Store::open(p(&input), &cols, output, true).await.expect("open");
    assert_eq!((st.count().await.expect("count"), st.without_password()), (2, 2));
    let mut rows = st.next_batch(1).await.expect("batch");
    rows.extend(st.next_batch(10).await.expect("batch"));
    assert!(st.next_batch(10).await.expect("batch").is_empty());
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["u1", "u4"]);
    for (r, v) in rows.iter().zip(&vs) {
        assert_eq!((&r.hash, &r.salt), (&v.hash, &v.salt));
        assert_eq!(r.scheme.as_deref(), Some("firebase_scrypt"));
        assert_eq!(r.params_col, None);
    }
    // Compare-and-swap by localId: a user without a password is never changed.
    let up = |id: &str, old: &str, new: &str| Update { id: id.into(), old: old.into(), new: new.into() };
    let done = st
        .commit(&[
            up("u1", &vs[0].hash, "$rw2$new-u1"),
            up("u2", "", "x"),
            up("u3", "", "x"),
            up("u4", "stale", "x"),
        ])
        .await
        .expect("commit");
    assert_eq!((done.changed, done.lost), (1, 3));
    assert_eq!(st.finish(true).await.expect("finish"), Some(out.clone()));

    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out).expect("meta").permissions())
            & 0o777,
        0o640
    );
    let written = std::fs::read_to_string(&out).expect("read");
    let (before, after): (Value, Value) =
        (serde_json::from_str(&text).expect("json"), serde_json::from_str(&written).expect("json"));
    let (bu, au) = (before["users"].as_array().expect("users"), after["users"].as_array().expect("users"));
    assert_eq!(bu.len(), au.len());
    let mut expected = bu[0].clone();
    expected["passwordHash"] = Value::from("$rw2$new-u1");
    assert_eq!(au[0], expected);
    assert_eq!(&au[1..], &bu[1..], "the other users are as they were");
    // One user a line, fields in their order, values byte for byte.
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 6, "{written}");
    assert_eq!(lines[0], "{\"users\":[");
    assert_eq!(lines[5], "]}");
    for (line, orig) in lines[2..5].iter().zip(text.lines().skip(2)) {
        assert_eq!(*line, orig, "unchanged users are written as they were read");
    }
    assert!(lines[1].starts_with("{\"localId\":\"u1\",\"email\":\"ada@example.com\",\"emailVerified\":true,\"passwordHash\":\"$rw2$new-u1\",\"salt\":"));
    // Nothing to change: no file unless one was asked for.
    let st = Store::open(p(&input), &cols, FileOutput::default(), false).await.expect("open");
    assert_eq!(st.finish(false).await.expect("finish"), None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_that_is_not_a_firebase_export_is_refused_without_quoting_it() {
    let dir = tmpdir("firebase-bad");
    let cols = Preset::Firebase.columns();
    let cases: &[(&str, &str)] = &[
        (
            r#"{"users":[{"localId":"a","passwordHash":"SECRET1","passwordHash":"SECRET2"}]}"#,
            "naming each field once",
        ),
        (r#"{"users":[{"localId":"a","localId":"b","passwordHash":"SECRET1"}]}"#, "naming each field once"),
        (r#"{"users":["SECRET1"]}"#, "not a Firebase Auth export"),
        (r#"{"users":{"localId":"SECRET1"}}"#, "not a Firebase Auth export"),
        (r#"{"accounts":[]}"#, "not a Firebase Auth export"),
        (r#"["SECRET1"]"#, "not a Firebase Auth export"),
        ("{\"users\": [\n{\"localId\":\"SECRET1\"", "users.json:2: not valid JSON"),
        (
            r#"{"users":[{"email":"e","passwordHash":"SECRET1"}]}"#,
            "users[0]: empty or missing id (field `localId`)",
        ),
        (
            r#"{"users":[{"localId":"u","passwordHash":"SECRET1"},{"localId":"v"},{"localId":"u"}]}"#,
            "users[2]: duplicate id `u` (first users[0])",
        ),
    ];
    let path = dir.join("users.json");
    for (text, want) in cases {
        std::fs::write(&path, text).expect("write");
        let e = match Store::open(p(&path), &cols, FileOutput::default(), false).await {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(want), "{text}: {e}");
        assert!(!e.contains("SECRET"), "{text}: {e}");
    }
    // An export without users is an empty store, and a database URL is no export.
    std::fs::write(&path, "{\"users\": []}").expect("write");
    let mut st = Store::open(p(&path), &cols, FileOutput::default(), false).await.expect("open");
    assert_eq!((st.count().await.expect("count"), st.without_password()), (0, 0));
    let e = Store::open("postgres://127.0.0.1/x", &cols, FileOutput::default(), false)
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("Firebase Auth export"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Keycloak's CREDENTIAL table as its Liquibase changelog leaves it (ID
/// VARCHAR(36) primary key, SECRET_DATA and CREDENTIAL_DATA as CLOB: text on
/// PostgreSQL and SQLite, LONGTEXT on MySQL/MariaDB, the legacy SALT column).
fn keycloak_table(e: Engine, table: &str) -> String {
    match e {
        Engine::Sqlite => format!(
            "CREATE TABLE {table} (ID VARCHAR(36) NOT NULL, SALT BLOB, TYPE VARCHAR(255), USER_ID VARCHAR(36), \
             CREATED_DATE BIGINT, USER_LABEL VARCHAR(255), SECRET_DATA TEXT, CREDENTIAL_DATA TEXT, PRIORITY INT, \
             CONSTRAINT CONSTRAINT_F PRIMARY KEY (ID))"
        ),
        Engine::Postgres => format!(
            "CREATE TABLE {table} (id character varying(36) NOT NULL, salt bytea, type character varying(255), \
             user_id character varying(36), created_date bigint, user_label character varying(255), \
             secret_data text, credential_data text, priority integer, \
             CONSTRAINT constraint_f_{table} PRIMARY KEY (id))"
        ),
        Engine::Mysql => format!(
            "CREATE TABLE {table} (`ID` varchar(36) NOT NULL, `SALT` tinyblob, `TYPE` varchar(255) DEFAULT NULL, \
             `USER_ID` varchar(36) DEFAULT NULL, `CREATED_DATE` bigint DEFAULT NULL, \
             `USER_LABEL` varchar(255) DEFAULT NULL, `SECRET_DATA` longtext, `CREDENTIAL_DATA` longtext, \
             `PRIORITY` int DEFAULT NULL, PRIMARY KEY (`ID`), KEY `IDX_USER_CREDENTIAL` (`USER_ID`)) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        ),
    }
}

/// A credential row: (id, type, secret_data, credential_data).
type Credential = (String, &'static str, String, String);

/// Three password rows (the keycloak_pbkdf2 vectors), an OTP secret and a
/// password-history entry, which must never be read or changed.
fn credentials() -> Vec<Credential> {
    let mut rows: Vec<Credential> = wave3("keycloak_pbkdf2")
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            (
                format!("7c3e0f44-0000-4000-8000-00000000000{i}"),
                "password",
                v.hash,
                v.params_col.expect("params_col"),
            )
        })
        .collect();
    rows.push((
        "7c3e0f44-0000-4000-8000-0000000000a0".into(),
        "otp",
        r#"{"value":"JBSWY3DPEHPK3PXP"}"#.into(),
        r#"{"subType":"totp","digits":6,"counter":0,"period":30,"algorithm":"HmacSHA1"}"#.into(),
    ));
    rows.push((
        "7c3e0f44-0000-4000-8000-0000000000b0".into(),
        "password-history",
        rows[0].2.clone(),
        rows[0].3.clone(),
    ));
    rows.sort();
    rows
}

async fn insert_credentials(e: Engine, url: &str, table: &str, rows: &[Credential]) {
    let pl = pool(url).await;
    let sql = format!(
        "INSERT INTO {table} (ID, TYPE, USER_ID, CREATED_DATE, SECRET_DATA, CREDENTIAL_DATA, PRIORITY) \
         VALUES ({}, {}, 'b89fdb86-b9f5-4f3b-98a5-044ae2a59299', 1611230477358, {}, {}, 10)",
        ph(e, 1),
        ph(e, 2),
        ph(e, 3),
        ph(e, 4)
    );
    for (id, ty, secret, data) in rows {
        sqlx::query(&sql)
            .bind(id.clone())
            .bind(*ty)
            .bind(secret.clone())
            .bind(data.clone())
            .execute(&pl)
            .await
            .expect("insert");
    }
    pl.close().await;
}

/// A text column; MariaDB sends LONGTEXT as a blob the `Any` driver does not
/// decode as a string.
fn text(r: &sqlx::any::AnyRow, i: usize) -> String {
    r.try_get::<String, _>(i)
        .or_else(|_| r.try_get::<Vec<u8>, _>(i).map(|b| String::from_utf8(b).expect("utf-8")))
        .expect("text")
}

/// Every (id, type, secret_data, credential_data), read back as text.
async fn read_credentials(e: Engine, url: &str, table: &str) -> Vec<Credential> {
    let t = if e == Engine::Mysql { "CHAR" } else { "TEXT" };
    let pl = pool(url).await;
    let rows = sqlx::query(&format!(
        "SELECT CAST(ID AS {t}), CAST(TYPE AS {t}), CAST(SECRET_DATA AS {t}), CAST(CREDENTIAL_DATA AS {t}) \
         FROM {table} ORDER BY ID"
    ))
    .fetch_all(&pl)
    .await
    .expect("select");
    pl.close().await;
    rows.iter()
        .map(|r| {
            let ty: String = r.get(1);
            let ty: &'static str = match ty.as_str() {
                "password" => "password",
                "otp" => "otp",
                "password-history" => "password-history",
                other => panic!("type {other}"),
            };
            (r.get(0), ty, text(r, 2), text(r, 3))
        })
        .collect()
}

/// Keycloak's CREDENTIAL table on every engine: only the password rows are
/// read (paged with the filter), each with its credential_data as the params
/// column and keycloak_pbkdf2 declared; a swap addressed to any other row
/// changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn keycloak_credential_rows_on_every_engine() {
    let dir = tmpdir("keycloak");
    let all = credentials();
    let passwords: Vec<&Credential> = all.iter().filter(|c| c.1 == "password").collect();
    for (e, url) in engines(&dir, "keycloak") {
        // MySQL keeps the capitals Keycloak creates the table with; the
        // others fold or ignore case.
        exec(&url, &["DROP TABLE IF EXISTS CREDENTIAL".into(), keycloak_table(e, "CREDENTIAL")]).await;
        insert_credentials(e, &url, "CREDENTIAL", &all).await;
        for lock in [false, true] {
            let mut st = Store::open(&url, &Preset::Keycloak.columns(), FileOutput::default(), lock)
                .await
                .expect("open");
            assert_eq!(st.count().await.expect("count"), 3, "{e:?}");
            let mut rows = Vec::new();
            loop {
                let b = st.next_batch(2).await.expect("batch");
                if b.is_empty() {
                    break;
                }
                rows.extend(b);
            }
            assert_eq!(rows.len(), 3, "{e:?}");
            for (r, c) in rows.iter().zip(&passwords) {
                assert_eq!((&r.id, &r.hash, r.params_col.as_ref()), (&c.0, &c.2, Some(&c.3)), "{e:?}");
                assert_eq!(r.scheme.as_deref(), Some("keycloak_pbkdf2"));
                assert_eq!((r.salt.as_deref(), r.user.as_deref()), (None, None));
            }
            st.finish(false).await.expect("close");
        }
        // The compare-and-swap: the password row changes; the OTP and the
        // history row do not, even addressed with their own values.
        let mut st =
            Store::open(&url, &Preset::Keycloak.columns(), FileOutput::default(), true).await.expect("open");
        let first = st.next_batch(1).await.expect("batch");
        assert_eq!(first[0].id, passwords[0].0);
        let up = |c: &Credential, new: &str| Update { id: c.0.clone(), old: c.2.clone(), new: new.into() };
        let others: Vec<&Credential> = all.iter().filter(|c| c.1 != "password").collect();
        let done = st
            .commit(&[up(passwords[0], "$rw2$new"), up(others[0], "$rw2$no"), up(others[1], "$rw2$no")])
            .await
            .expect("commit");
        assert_eq!((done.changed, done.lost, done.failed.len()), (1, 2, 0), "{e:?}");
        // The lost swaps are read again, through the filter: nothing comes back for them.
        let mut rest = Vec::new();
        loop {
            let b = st.next_batch(10).await.expect("batch");
            if b.is_empty() {
                break;
            }
            rest.extend(b);
        }
        assert!(rest.iter().all(|r| passwords.iter().any(|c| c.0 == r.id)), "{e:?}: {rest:?}");
        st.finish(false).await.expect("close");
        let after = read_credentials(e, &url, "CREDENTIAL").await;
        let mut expected = all.clone();
        if let Some(c) = expected.iter_mut().find(|c| c.0 == passwords[0].0) {
            c.2 = "$rw2$new".into();
        }
        assert_eq!(after, expected, "{e:?}");
        exec(&url, &["DROP TABLE IF EXISTS CREDENTIAL".into()]).await;
    }
    // A file is no Keycloak database.
    let csv = dir.join("credential.csv");
    std::fs::write(&csv, "ID,SECRET_DATA\n").expect("write");
    let e = Store::open(p(&csv), &Preset::Keycloak.columns(), FileOutput::default(), false)
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("needs a database"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The policy's secrets in a test: the Firebase signer key by name.
struct Secrets(String);

impl rehash::config::SecretSource for Secrets {
    fn env(&self, name: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        (name == "REHASH_TEST_FIREBASE_KEY").then(|| zeroize::Zeroizing::new(self.0.clone().into_bytes()))
    }
    fn file(&self, _: &str) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        None
    }
}

/// A policy file with the vector's project hash config in `[params]`, the
/// signer key read from the environment.
fn firebase_policy(params: &Value) -> (String, String) {
    let key = params["base64_signer_key"].as_str().expect("key").to_owned();
    let toml = format!(
        "[timing]\nequal_time_failures = false\n\n[params]\nbase64_signer_key = {{ env = \"REHASH_TEST_FIREBASE_KEY\" }}\n\
         base64_salt_separator = \"{}\"\nrounds = {}\nmem_cost = {}\n",
        params["base64_salt_separator"].as_str().expect("separator"),
        params["rounds"],
        params["mem_cost"]
    );
    (toml, key)
}

fn rehash_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rehash"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run rehash")
}

fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!("no JSON: {} / {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    })
}

/// `rehash scan` and `rehash wrap --preset firebase` over a Firebase Auth
/// export: the project's config from the policy's `[params]`, every user
/// with a password wrapped, the export written back in its shape, and every
/// wrapped hash verifying with its salt and the same config (and only with
/// the right password).
#[test]
fn firebase_export_scan_wrap_then_verify() {
    let dir = tmpdir("firebase-e2e");
    let (text, vs) = firebase_export();
    let input = dir.join("users.json");
    std::fs::write(&input, &text).expect("write");
    let (toml, key) = firebase_policy(vs[0].params.as_ref().expect("params"));
    let policy_file = dir.join("firebase.toml");
    std::fs::write(&policy_file, &toml).expect("write");
    let env = [("REHASH_TEST_FIREBASE_KEY", key.as_str())];
    let pf = p(&policy_file);

    let o = rehash_env(&["scan", p(&input), "--preset", "firebase", "--policy", pf, "--json"], &env);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rep = report(&o);
    assert_eq!((rep["rows"].as_u64(), rep["without_password"].as_u64()), (Some(2), Some(2)), "{rep}");
    assert_eq!((rep["malformed_rows"].as_u64(), rep["below_policy"].as_u64()), (Some(0), Some(2)), "{rep}");
    assert_eq!(rep["schemes"][0]["scheme"], "firebase_scrypt", "{rep}");
    let o = rehash_env(&["scan", p(&input), "--preset", "firebase", "--policy", pf], &env);
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(shown.contains(": 2 rows, users without a password: 2 (left alone)"), "{shown}");

    // Without the project's config every row says what it lacks, by id.
    let o = rehash(&["scan", p(&input), "--preset", "firebase", "--json"]);
    let rep = report(&o);
    assert_eq!(rep["malformed_rows"].as_u64(), Some(2), "{rep}");
    let problems = rep["malformed"].to_string();
    assert!(problems.contains("u1") && problems.contains("params"), "{problems}");
    assert!(!problems.contains(&vs[0].hash) && !problems.contains(&key), "{problems}");

    let out = dir.join("users.wrapped.json");
    let o = rehash_env(
        &["wrap", p(&input), "--preset", "firebase", "--policy", pf, "--output", p(&out), "--json"],
        &env,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rep = report(&o);
    assert_eq!((rep["wrapped"].as_u64(), rep["without_password"].as_u64()), (Some(2), Some(2)), "{rep}");
    assert_eq!((rep["errors"].as_u64(), rep["remaining_below_policy"].as_u64()), (Some(0), Some(0)), "{rep}");
    assert_eq!(std::fs::read_to_string(&input).expect("read"), text, "the input is untouched");

    let (before, after): (Value, Value) = (
        serde_json::from_str(&text).expect("json"),
        serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json"),
    );
    let policy = rehash::Policy::from_toml_with(&toml, &Secrets(key.clone())).expect("policy");
    let firebase = rehash::Scheme::from_name("firebase_scrypt").expect("family");
    for (i, b) in before["users"].as_array().expect("users").iter().enumerate() {
        let a = &after["users"][i];
        let Some(v) = vs.iter().find(|v| b["passwordHash"] == v.hash.as_str()) else {
            assert_eq!(a, b, "a user without a password is as it was");
            continue;
        };
        let wrapped = a["passwordHash"].as_str().expect("hash");
        assert!(wrapped.starts_with("$rw2$") && wrapped.len() <= 128, "{wrapped}");
        let mut rest = a.clone();
        rest["passwordHash"] = b["passwordHash"].clone();
        assert_eq!(&rest, b, "only passwordHash changes");
        let row =
            rehash::Stored::new(wrapped).with_salt(v.salt.as_deref().expect("salt")).with_scheme(firebase);
        let ok = policy.verify(&v.password, row).expect("verify");
        assert!(ok.is_valid() && ok.needs_upgrade(), "{}", v.id);
        let mut wrong = v.password.clone();
        wrong[0] ^= 0x20;
        assert!(!policy.verify(&wrong, row).expect("verify").is_valid(), "{}", v.id);
    }
    // The wrapped export scans as wrapped; a second wrap changes nothing.
    let o =
        rehash_env(&["wrap", p(&out), "--preset", "firebase", "--policy", pf, "--in-place", "--json"], &env);
    let rep = report(&o);
    assert_eq!((rep["already_wrapped"].as_u64(), rep["wrapped"].as_u64()), (Some(2), Some(0)), "{rep}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `rehash scan` and `rehash wrap --preset keycloak` on Keycloak's table on
/// every engine: the password rows are wrapped (SECRET_DATA only), the OTP
/// and history rows and every CREDENTIAL_DATA stay as they were, and each
/// wrapped value verifies with its credential_data and the right password.
#[tokio::test(flavor = "multi_thread")]
async fn keycloak_table_scan_wrap_then_verify() {
    let dir = tmpdir("keycloak-e2e");
    let all = credentials();
    let vs = wave3("keycloak_pbkdf2");
    let policy_file = dir.join("keycloak.toml");
    std::fs::write(&policy_file, "[timing]\nequal_time_failures = false\n").expect("write");
    let policy = rehash::Policy::from_toml("[timing]\nequal_time_failures = false\n").expect("policy");
    let keycloak = rehash::Scheme::from_name("keycloak_pbkdf2").expect("family");
    for (e, url) in engines(&dir, "keycloak-e2e") {
        exec(&url, &["DROP TABLE IF EXISTS CREDENTIAL".into(), keycloak_table(e, "CREDENTIAL")]).await;
        insert_credentials(e, &url, "CREDENTIAL", &all).await;
        let pf = p(&policy_file);
        let o = rehash(&["scan", &url, "--preset", "keycloak", "--policy", pf, "--json"]);
        assert!(o.status.success(), "{e:?}: {}", String::from_utf8_lossy(&o.stderr));
        let rep = report(&o);
        assert_eq!(
            (rep["rows"].as_u64(), rep["malformed_rows"].as_u64()),
            (Some(3), Some(0)),
            "{e:?}: {rep}"
        );
        assert!(rep["schemes"].as_array().expect("schemes").iter().all(|s| s["scheme"] == "keycloak_pbkdf2"));
        let o =
            rehash(&["wrap", &url, "--preset", "keycloak", "--policy", pf, "--batch-size", "2", "--json"]);
        assert!(o.status.success(), "{e:?}: {}", String::from_utf8_lossy(&o.stderr));
        let rep = report(&o);
        assert_eq!((rep["wrapped"].as_u64(), rep["errors"].as_u64()), (Some(3), Some(0)), "{e:?}: {rep}");
        let after = read_credentials(e, &url, "CREDENTIAL").await;
        assert_eq!(after.len(), all.len());
        for (a, b) in after.iter().zip(&all) {
            assert_eq!((&a.0, a.1, &a.3), (&b.0, b.1, &b.3), "{e:?}: only SECRET_DATA may change");
            if b.1 != "password" {
                assert_eq!(a.2, b.2, "{e:?}: {} untouched", b.1);
                continue;
            }
            assert!(a.2.starts_with("$rw2$"), "{e:?}: {}", a.2);
            let v = vs.iter().find(|v| v.hash == b.2).expect("vector");
            let row = rehash::Stored::new(&a.2).with_params_col(&a.3).with_scheme(keycloak);
            let ok = policy.verify(&v.password, row).expect("verify");
            assert!(ok.is_valid() && ok.needs_upgrade(), "{e:?}: {}", v.id);
            let mut wrong = v.password.clone();
            wrong[0] ^= 0x20;
            assert!(!policy.verify(&wrong, row).expect("verify").is_valid(), "{e:?}: {}", v.id);
        }
        // Run again: nothing left to do.
        let o = rehash(&["wrap", &url, "--preset", "keycloak", "--policy", pf, "--json"]);
        let rep = report(&o);
        assert_eq!(
            (rep["already_wrapped"].as_u64(), rep["wrapped"].as_u64()),
            (Some(3), Some(0)),
            "{e:?}: {rep}"
        );
        exec(&url, &["DROP TABLE IF EXISTS CREDENTIAL".into()]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--params-col` end to end with Gitea's `user` table (`passwd`, `salt`,
/// `passwd_hash_algo`) on every engine and as a CSV export: without the flag
/// every row lacks its params column (the library says so, by id); with it
/// the rows verify, wrap, and the wrapped values verify with the same salt
/// and params column.
#[tokio::test(flavor = "multi_thread")]
async fn gitea_rows_need_and_get_their_params_column() {
    let dir = tmpdir("gitea");
    let vs = wave3("gitea_pbkdf2");
    let policy_text = "[legacy]\ndeclare = [\"gitea_pbkdf2\"]\n[timing]\nequal_time_failures = false\n";
    let policy_file = dir.join("gitea.toml");
    std::fs::write(&policy_file, policy_text).expect("write");
    let pf = p(&policy_file);
    let policy = rehash::Policy::from_toml(policy_text).expect("policy");
    let cols = ["--hash-col", "passwd", "--salt-col", "salt"];
    // (source, table args, how to read the rows back)
    let table = format!("gitea_user_{}", std::process::id());
    let csv = dir.join("user.csv");
    let mut csv_text = String::from("id,lower_name,passwd,passwd_hash_algo,salt\n");
    for (i, v) in vs.iter().enumerate() {
        let salt = v.salt.as_deref().expect("salt");
        csv_text.push_str(&format!(
            "{},u{i},{},{},{salt}\n",
            i + 1,
            v.hash,
            v.params_col.as_deref().expect("col")
        ));
    }
    std::fs::write(&csv, &csv_text).expect("write");
    let mut sources: Vec<(String, Option<(Engine, String)>)> = vec![(p(&csv).to_owned(), None)];
    for (e, url) in engines(&dir, "gitea") {
        let ty = "varchar(255)";
        exec(
            &url,
            &[
                format!("DROP TABLE IF EXISTS {table}"),
                format!(
                    "CREATE TABLE {table} (id bigint NOT NULL PRIMARY KEY, lower_name {ty} NOT NULL, passwd {ty}, \
                     passwd_hash_algo {ty} NOT NULL DEFAULT 'argon2', salt varchar(32))"
                ),
            ],
        )
        .await;
        let pl = pool(&url).await;
        let sql = format!(
            "INSERT INTO {table} (id, lower_name, passwd, passwd_hash_algo, salt) VALUES ({}, {}, {}, {}, {})",
            if e == Engine::Postgres { "CAST($1 AS bigint)".into() } else { ph(e, 1) },
            ph(e, 2),
            ph(e, 3),
            ph(e, 4),
            ph(e, 5)
        );
        for (i, v) in vs.iter().enumerate() {
            sqlx::query(&sql)
                .bind((i + 1).to_string())
                .bind(format!("u{i}"))
                .bind(v.hash.clone())
                .bind(v.params_col.clone())
                .bind(v.salt.clone())
                .execute(&pl)
                .await
                .expect("insert");
        }
        pl.close().await;
        sources.push((url.clone(), Some((e, url))));
    }
    for (source, db) in &sources {
        let mut args: Vec<&str> = vec![source.as_str(), "--policy", pf];
        args.extend(cols);
        if db.is_some() {
            args.extend(["--table", table.as_str()]);
        }
        let run = |cmd: &str, extra: &[&str]| rehash(&[&[cmd][..], &args, extra, &["--json"]].concat());
        let rep = report(&run("scan", &[]));
        assert_eq!(rep["malformed_rows"].as_u64(), Some(vs.len() as u64), "{source}: {rep}");
        assert!(rep["malformed"].to_string().contains("params_col"), "{source}: {rep}");
        let rep = report(&run("scan", &["--params-col", "passwd_hash_algo"]));
        assert_eq!(rep["malformed_rows"].as_u64(), Some(0), "{source}: {rep}");
        assert_eq!(rep["schemes"][0]["scheme"], "gitea_pbkdf2", "{source}: {rep}");
        let out = dir.join("user.rehash.csv");
        let o = run("wrap", &["--params-col", "passwd_hash_algo", "--output", p(&out)]);
        assert!(o.status.success(), "{source}: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(report(&o)["wrapped"].as_u64(), Some(vs.len() as u64), "{source}");
        // The rows as they are now: (passwd, passwd_hash_algo, salt) by id.
        let rows: Vec<(String, String, String)> = match db {
            None => {
                let mut r = csv::Reader::from_path(&out).expect("csv");
                r.records()
                    .map(|rec| {
                        let rec = rec.expect("record");
                        (rec[2].to_owned(), rec[3].to_owned(), rec[4].to_owned())
                    })
                    .collect()
            }
            Some((e, url)) => {
                let t = if *e == Engine::Mysql { "CHAR" } else { "TEXT" };
                let pl = pool(url).await;
                let rows = sqlx::query(&format!(
                    "SELECT CAST(passwd AS {t}), CAST(passwd_hash_algo AS {t}), CAST(salt AS {t}) FROM {table} ORDER BY id"
                ))
                .fetch_all(&pl)
                .await
                .expect("select");
                pl.close().await;
                rows.iter().map(|r| (text(r, 0), text(r, 1), text(r, 2))).collect()
            }
        };
        assert_eq!(rows.len(), vs.len());
        for ((hash, algo, salt), v) in rows.iter().zip(&vs) {
            assert!(hash.starts_with("$rw2$"), "{source}: {hash}");
            assert_eq!((Some(algo), Some(salt)), (v.params_col.as_ref(), v.salt.as_ref()), "{source}");
            let row = rehash::Stored::new(hash).with_salt(salt).with_params_col(algo);
            let ok = policy.verify(&v.password, row).expect("verify");
            assert!(ok.is_valid() && ok.needs_upgrade(), "{source}: {}", v.id);
            let mut wrong = v.password.clone();
            wrong[0] ^= 0x20;
            assert!(!policy.verify(&wrong, row).expect("verify").is_valid(), "{source}: {}", v.id);
        }
        if let Some((_, url)) = db {
            exec(url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
