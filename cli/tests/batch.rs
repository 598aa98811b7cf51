//! `rehash scan` and `rehash wrap` over the bundled sample SQLite database,
//! CSV/JSON-lines files, encrypted and plaintext columns, a SIGKILL at any
//! moment, and — when their URLs are set — PostgreSQL (three workers sharing a
//! table) and MariaDB.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rehash::{Policy, Scheme, Stored};
use serde_json::Value;

const COLS: [&str; 6] = ["--salt-col", "salt", "--user-col", "username", "--scheme-col", "scheme"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rehash-batch-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn rehash(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rehash")).args(args).output().expect("run rehash")
}

fn passwords() -> Vec<(i64, String, String)> {
    let text =
        std::fs::read_to_string(root().join("samples/legacy-users.passwords.jsonl")).expect("passwords");
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json");
            (
                v["id"].as_i64().expect("id"),
                v["username"].as_str().expect("u").into(),
                v["password"].as_str().expect("p").into(),
            )
        })
        .collect()
}

struct DbRow {
    id: i64,
    username: String,
    hash: String,
    salt: Option<String>,
    scheme: Option<String>,
}

async fn rows_of(url: &str, table: &str) -> Vec<DbRow> {
    use sqlx::Row as _;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let sql = format!(
        "SELECT CAST(id AS {}), username, hash, salt, scheme FROM {table} ORDER BY id",
        if url.starts_with("mysql") {
            "SIGNED"
        } else if url.starts_with("postgres") {
            "BIGINT"
        } else {
            "INTEGER"
        }
    );
    let out = sqlx::query(&sql)
        .fetch_all(&pool)
        .await
        .expect("select")
        .iter()
        .map(|r| DbRow { id: r.get(0), username: r.get(1), hash: r.get(2), salt: r.get(3), scheme: r.get(4) })
        .collect();
    pool.close().await;
    out
}

/// Every row is its original value or a correct wrap of it; wrapped rows verify
/// with the known password and not with a wrong one.
fn check_rows(rows: &[DbRow], original: &[DbRow], must_be_done: bool) {
    let policy = Policy::default();
    let pw = passwords();
    for (r, o) in rows.iter().zip(original) {
        assert_eq!(r.id, o.id);
        let base = r.id.rem_euclid(100);
        let (_, _, password) = pw.iter().find(|(id, _, _)| *id == base).expect("known password");
        let hint = |s: &Option<String>| s.as_deref().and_then(Scheme::from_name);
        if r.hash == o.hash {
            let id =
                policy.identify(Stored::new(&o.hash).with_scheme(hint(&o.scheme).unwrap_or(Scheme::Recipe)));
            let wrappable = o.hash.starts_with('$')
                || o.scheme.is_some()
                || o.hash.starts_with('{')
                || o.hash.starts_with("pbkdf2");
            if must_be_done && wrappable && !o.hash.starts_with('!') && !o.hash.starts_with("$argon2id") {
                panic!("row {} ({:?}) was not wrapped: {id:?}", r.id, o.scheme);
            }
            continue;
        }
        assert!(r.hash.starts_with("$rw2$"), "row {} holds neither original nor wrap", r.id);
        let mut s = Stored::new(&r.hash);
        if let Some(x) = &r.salt {
            s = s.with_salt(x);
        }
        s = s.with_user(&r.username);
        let v = policy.verify(password.as_bytes(), s).unwrap_or_else(|e| panic!("row {}: {e}", r.id));
        assert!(v.is_valid(), "row {} wrapped but does not verify", r.id);
        assert!(!policy.verify(b"not the password", s).expect("verify").is_valid());
    }
}

fn sqlite_url(p: &Path) -> String {
    format!("sqlite://{}", p.display())
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_database_scan_wrap_scan() {
    let dir = tmpdir("sample");
    let db = dir.join("users.db");
    std::fs::copy(root().join("samples/legacy-users.db"), &db).expect("copy");
    let dbs = db.to_str().expect("path");
    let original = rows_of(&sqlite_url(&db), "users").await;

    let scan = rehash(&[&["scan", dbs, "--json"][..], &COLS].concat());
    assert!(scan.status.success(), "{}", String::from_utf8_lossy(&scan.stderr));
    let report: Value = serde_json::from_slice(&scan.stdout).expect("json");
    assert_eq!(report["rows"], 22);
    assert_eq!(report["disabled"], 1);
    assert_eq!(report["malformed"].as_array().expect("list").len(), 1);
    assert_eq!(report["malformed"][0]["id"], "21");
    assert_eq!(report["shared_digests"][0]["ids"].as_array().expect("group").len(), 3);
    assert_eq!(report["shared_digests"][0]["accounts"], 3);
    assert_eq!(
        (report["shared_digest_groups"].as_u64(), report["malformed_rows"].as_u64()),
        (Some(1), Some(1))
    );
    let text = String::from_utf8_lossy(&scan.stdout);
    assert!(!text.contains("5f4dcc3b"), "scan never prints hash values");

    // --dry-run changes nothing.
    let dry = rehash(&[&["wrap", dbs, "--dry-run", "--json"][..], &COLS].concat());
    let dr: Value = serde_json::from_slice(&dry.stdout).expect("json");
    assert_eq!(dr["wrapped"], 19);
    assert!(rows_of(&sqlite_url(&db), "users").await.iter().zip(&original).all(|(a, b)| a.hash == b.hash));

    let wrap = rehash(&[&["wrap", dbs, "--json"][..], &COLS].concat());
    // The malformed row is an error: reported by id, and the exit code says so.
    assert_eq!(wrap.status.code(), Some(1));
    let wr: Value = serde_json::from_slice(&wrap.stdout).expect("json");
    assert_eq!(
        (wr["wrapped"].as_u64(), wr["disabled"].as_u64(), wr["errors"].as_u64()),
        (Some(19), Some(1), Some(1))
    );
    assert_eq!(wr["problems"][0]["id"], "21");
    assert_eq!(wr["remaining_below_policy"], 0, "the malformed row is not known to be below policy");
    assert!(String::from_utf8_lossy(&wrap.stderr).contains("shucked"), "warns once without a pepper");
    let after = rows_of(&sqlite_url(&db), "users").await;
    check_rows(&after, &original, true);

    // Run again: nothing left to do, nothing wrapped twice.
    let again: Value =
        serde_json::from_slice(&rehash(&[&["wrap", dbs, "--json"][..], &COLS].concat()).stdout)
            .expect("json");
    assert_eq!((again["wrapped"].as_u64(), again["already_wrapped"].as_u64()), (Some(0), Some(19)));
    let scan2: Value =
        serde_json::from_slice(&rehash(&[&["scan", dbs, "--json"][..], &COLS].concat()).stdout)
            .expect("json");
    assert_eq!(scan2["below_policy"], scan2["wrapped"], "only wrapped rows remain below policy");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bigger copy of the sample: ids 1..=22, 101..=122, …
fn grow_sqlite(db: &Path, copies: i64) {
    let conn = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3;d=sqlite3.connect('{}');r=d.execute('select id,username,hash,salt,scheme from users').fetchall()\n\
             for k in range(1,{copies}):\n  d.executemany('insert into users values (?,?,?,?,?)',[(i+100*k,u+str(k),h,s,c) for (i,u,h,s,c) in r if c!='postgres_md5'])\n\
             d.commit()",
            db.display()
        ))
        .status()
        .expect("python3");
    assert!(conn.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_any_moment_then_resume() {
    let dir = tmpdir("kill");
    let db = dir.join("users.db");
    std::fs::copy(root().join("samples/legacy-users.db"), &db).expect("copy");
    grow_sqlite(&db, 4);
    let dbs = db.to_str().expect("path").to_owned();
    let original = rows_of(&sqlite_url(&db), "users").await;
    let mut seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.subsec_nanos());
    for _ in 0..6 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rehash"))
            .args([&["wrap", &dbs, "--batch-size", "3", "--jobs", "2", "--json"][..], &COLS].concat())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        std::thread::sleep(Duration::from_millis(20 + u64::from(seed % 250)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        check_rows(&rows_of(&sqlite_url(&db), "users").await, &original, false);
    }
    let done = rehash(&[&["wrap", &dbs, "--json"][..], &COLS].concat());
    let rep: Value = serde_json::from_slice(&done.stdout).expect("json");
    assert_eq!(rep["remaining_below_policy"], 0);
    assert_eq!(done.status.code(), Some(1), "the sample's malformed rows are errors");
    check_rows(&rows_of(&sqlite_url(&db), "users").await, &original, true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn files_are_written_anew_never_in_place_by_surprise() {
    let dir = tmpdir("files");
    let csv = dir.join("users.csv");
    std::fs::write(&csv, "id,hash,note\n1,$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0,a\n2,!locked,b\n")
        .expect("write");
    let jsonl = dir.join("users.jsonl");
    std::fs::write(&jsonl, "{\"id\":1,\"hash\":\"{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\"}\n").expect("write");
    for (input, out_name) in [(&csv, "users.rehash.csv"), (&jsonl, "users.rehash.jsonl")] {
        let before = std::fs::read(input).expect("read");
        let o = rehash(&["wrap", input.to_str().expect("p"), "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read(input).expect("read"), before, "input untouched");
        let out = std::fs::read_to_string(dir.join(out_name)).expect("output written");
        let wrapped = if out_name.ends_with("csv") {
            let mut r = csv::Reader::from_reader(out.as_bytes());
            r.records().next().expect("row").expect("record")[1].to_owned()
        } else {
            let v: Value = serde_json::from_str(out.lines().next().expect("line")).expect("json");
            v["hash"].as_str().expect("hash").to_owned()
        };
        assert!(wrapped.starts_with("$rw2$"), "{out}");
        assert!(Policy::default().verify(b"password", wrapped.as_str()).expect("verify").is_valid());
    }
    assert!(std::fs::read_to_string(dir.join("users.rehash.csv")).expect("csv").contains("2,!locked,b"));
    // --in-place replaces the input, atomically.
    let o = rehash(&["wrap", csv.to_str().expect("p"), "--in-place", "--json"]);
    assert!(o.status.success());
    assert!(std::fs::read_to_string(&csv).expect("csv").contains("$rw2$"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn encrypted_and_plaintext_columns_hash_straight_to_the_target() {
    let dir = tmpdir("enc");
    let data = root().join("cli/tests/data");
    let text = std::fs::read_to_string(data.join("encrypted.csv")).expect("csv");
    let key = data.join("encrypted.key");
    for (col, cipher) in [("gcm", "aes-256-gcm"), ("cbc", "aes-256-cbc"), ("password", "")] {
        let input = dir.join(format!("{col}.csv"));
        std::fs::write(&input, &text).expect("write");
        let mut args = vec!["wrap", input.to_str().expect("p"), "--hash-col", col, "--json"];
        if cipher.is_empty() {
            args.push("--plaintext");
        } else {
            args.extend(["--encrypted", cipher, "--key-file", key.to_str().expect("k")]);
        }
        let o = rehash(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let rep: Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(rep["rehashed"], 4, "{col}");
        let out = std::fs::read_to_string(dir.join(format!("{col}.rehash.csv"))).expect("out");
        let mut r = csv::Reader::from_reader(out.as_bytes());
        let headers = r.headers().expect("h").clone();
        let at = headers.iter().position(|h| h == col).expect("col");
        let pw_at = headers.iter().position(|h| h == "password").expect("pw");
        for rec in r.records() {
            let rec = rec.expect("record");
            let hash = &rec[at];
            assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
            let pw = if col == "password" { text_password(&text, &rec[0]) } else { rec[pw_at].to_owned() };
            assert!(Policy::default().verify(pw.as_bytes(), hash).expect("verify").is_valid());
        }
    }
    // A wrong key is an error per row, never a panic, never the ciphertext echoed.
    let input = dir.join("wrongkey.csv");
    std::fs::write(&input, &text).expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_rehash"))
        .args([
            "wrap",
            input.to_str().expect("p"),
            "--hash-col",
            "gcm",
            "--encrypted",
            "aes-256-gcm",
            "--key-env",
            "REHASH_TEST_KEY",
            "--json",
        ])
        .env("REHASH_TEST_KEY", "00".repeat(32))
        .output()
        .expect("run");
    let rep: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(rep["errors"], 4);
    assert!(!String::from_utf8_lossy(&o.stderr).contains(&text.lines().nth(1).expect("line")[8..30]));
    let _ = std::fs::remove_dir_all(&dir);
}

fn text_password(csv_text: &str, id: &str) -> String {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    r.records().map(|x| x.expect("rec")).find(|x| &x[0] == id).map(|x| x[4].to_owned()).expect("row")
}

/// Load the sample rows into a fresh table on a server.
async fn load_sample(url: &str, table: &str, copies: i64) -> Vec<DbRow> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let _ = sqlx::query(&format!("DROP TABLE IF EXISTS {table}")).execute(&pool).await;
    sqlx::query(&format!(
        "CREATE TABLE {table} (id BIGINT PRIMARY KEY, username VARCHAR(64) NOT NULL, hash VARCHAR(512) NOT NULL, salt VARCHAR(64), scheme VARCHAR(64))"
    ))
    .execute(&pool)
    .await
    .expect("create");
    let sample = rows_of(&sqlite_url(&root().join("samples/legacy-users.db")), "users").await;
    let ph = |i: usize| if url.starts_with("postgres") { format!("${i}") } else { "?".into() };
    let ins = format!("INSERT INTO {table} VALUES ({}, {}, {}, {}, {})", ph(1), ph(2), ph(3), ph(4), ph(5));
    for k in 0..copies {
        for r in &sample {
            sqlx::query(&ins)
                .bind(r.id + 100 * k)
                .bind(&r.username) // postgres_md5 salts with the user name
                .bind(&r.hash)
                .bind(r.salt.clone())
                .bind(r.scheme.clone())
                .execute(&pool)
                .await
                .expect("insert");
        }
    }
    pool.close().await;
    rows_of(url, table).await
}

async fn drop_table(url: &str, table: &str) {
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    let _ = sqlx::query(&format!("DROP TABLE IF EXISTS {table}")).execute(&pool).await;
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_three_workers_wrap_every_row_exactly_once() {
    let Ok(url) = std::env::var("REHASH_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED postgres test: REHASH_TEST_POSTGRES_URL is not set");
        return;
    };
    let table = format!("rehash_t{}", std::process::id());
    let original = load_sample(&url, &table, 6).await;
    let workers: Vec<_> = (0..3)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_rehash"))
                .args(
                    [
                        &[
                            "wrap",
                            "--url-env",
                            "REHASH_SRC",
                            "--table",
                            &table,
                            "--batch-size",
                            "4",
                            "--jobs",
                            "1",
                            "--json",
                        ][..],
                        &COLS,
                    ]
                    .concat(),
                )
                .env("REHASH_SRC", &url)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let (mut wrapped, mut lost) = (0, 0);
    for w in workers {
        let out = w.wait_with_output().expect("wait");
        let rep: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(rep["remaining_below_policy"], 0, "nothing left behind");
        // Exit 1 only for the sample's malformed rows (errors, reported by id).
        let code = if rep["errors"] == 0 { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(code));
        wrapped += rep["wrapped"].as_u64().expect("n");
        lost += rep["lost_swaps"].as_u64().expect("n");
    }
    assert_eq!(wrapped - lost, 6 * 19, "each wrappable row wrapped exactly once");
    eprintln!("postgres: 3 workers wrapped {wrapped} rows, {lost} lost swaps");
    check_rows(&rows_of(&url, &table).await, &original, true);
    drop_table(&url, &table).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_wrap() {
    let Ok(url) = std::env::var("REHASH_TEST_MYSQL_URL") else {
        eprintln!("SKIPPED mariadb test: REHASH_TEST_MYSQL_URL is not set");
        return;
    };
    let table = format!("rehash_t{}", std::process::id());
    let original = load_sample(&url, &table, 1).await;
    let out = Command::new(env!("CARGO_BIN_EXE_rehash"))
        .args([&["wrap", "--url-env", "REHASH_SRC", "--table", &table, "--json"][..], &COLS].concat())
        .env("REHASH_SRC", &url)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let rep: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!((rep["wrapped"].as_u64(), rep["errors"].as_u64()), (Some(19), Some(1)));
    check_rows(&rows_of(&url, &table).await, &original, true);
    drop_table(&url, &table).await;
}
