//! `rehash wrap` over tables shaped as the frameworks ship them — Django's
//! `auth_user` (`password VARCHAR(128)`), UUID and text primary keys — on
//! SQLite, PostgreSQL and MariaDB (strict and non-strict), reading back every
//! value written. Also: locked rows are waited for, one failing row does not
//! stop a run, a non-unique id column is refused, PostgreSQL pages through the
//! primary key's index, SQLite keeps going while another writer commits.
//! Server tests run when `REHASH_TEST_POSTGRES_URL` / `REHASH_TEST_MYSQL_URL`
//! are set and say they skipped otherwise.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rehash::{Policy, Stored};
use serde_json::Value;
use sqlx::Row as _;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rehash-stores-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

/// A known password and its stored hash, as a framework wrote it.
#[derive(Clone, Debug)]
struct Known {
    family: String,
    password: Vec<u8>,
    hash: String,
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Valid vectors of the given families (both core waves), made by independent tools.
fn vectors(families: &[&str]) -> Option<Vec<Known>> {
    let dir =
        std::env::var_os("REHASH_VECTORS").map(PathBuf::from).unwrap_or_else(|| root().join("tests/vectors"));
    if !dir.is_dir() {
        eprintln!("SKIPPED: vectors folder {} is absent", dir.display());
        return None;
    }
    let mut out = Vec::new();
    for f in ["valid_invalid.jsonl", "more_valid_invalid.jsonl"] {
        let text = std::fs::read_to_string(dir.join(f)).expect("vectors");
        for l in text.lines() {
            let v: Value = serde_json::from_str(l).expect("json");
            let fam = v["family"].as_str().unwrap_or_default();
            if v["expect"] == "valid" && families.contains(&fam) && v.get("salt").is_none() {
                out.push(Known {
                    family: fam.into(),
                    password: hex(v["password_hex"].as_str().expect("pw")),
                    hash: v["hash"].as_str().expect("hash").into(),
                });
            }
        }
    }
    Some(out)
}

/// Django's hashers that `wrap` must fit into `auth_user.password`.
const DJANGO: &[&str] = &[
    "django_pbkdf2_sha256",
    "django_pbkdf2_sha1",
    "django_salted_md5",
    "django_salted_sha1",
    "django_bcrypt",
    "django_bcrypt_sha256",
    "django_des_crypt",
    "md5_crypt",
    "sha512_crypt",
    "phpass",
];

fn rehash(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rehash"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run rehash")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!("no JSON: {} / {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    })
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Engine {
    Sqlite,
    Postgres,
    Mysql,
}

/// The engines to test: SQLite always (a file in `dir`), servers when set.
fn engines(dir: &std::path::Path, tag: &str) -> Vec<(Engine, String)> {
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

/// Insert `(id, hash)` rows; ids are text and cast by the engine.
async fn insert(e: Engine, url: &str, table: &str, idcol: &str, hashcol: &str, rows: &[(String, String)]) {
    let p = pool(url).await;
    let cast = match e {
        Engine::Postgres => format!("CAST({} AS {})", ph(e, 1), pg_id_type(url, table, idcol, &p).await),
        _ => ph(e, 1),
    };
    let sql = format!("INSERT INTO {table} ({idcol}, {hashcol}) VALUES ({cast}, {})", ph(e, 2));
    for (id, h) in rows {
        sqlx::query(&sql).bind(id.clone()).bind(h.clone()).execute(&p).await.expect("insert");
    }
    p.close().await;
}

async fn pg_id_type(_url: &str, table: &str, col: &str, p: &sqlx::AnyPool) -> String {
    let r = sqlx::query(
        "SELECT CAST(udt_name AS TEXT) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
    )
    .bind(table.to_owned())
    .bind(col.to_owned())
    .fetch_one(p)
    .await
    .expect("id type");
    r.get(0)
}

/// Every `(id, hash)` in the table, read back as text.
async fn read_all(e: Engine, url: &str, table: &str, idcol: &str, hashcol: &str) -> Vec<(String, String)> {
    let t = if e == Engine::Mysql { "CHAR" } else { "TEXT" };
    let p = pool(url).await;
    let rows = sqlx::query(&format!(
        "SELECT CAST({idcol} AS {t}), CAST({hashcol} AS {t}) FROM {table} ORDER BY {idcol}"
    ))
    .fetch_all(&p)
    .await
    .expect("select");
    p.close().await;
    rows.iter().map(|r| (r.get::<Option<String>, _>(0).unwrap_or_default(), r.get(1))).collect()
}

/// Check every row: wrapped rows fit `width` and verify with the right
/// password only; unchanged rows must be listed in `allowed_unchanged`.
fn check(rows: &[(String, String)], known: &[(String, Known)], width: usize, must_change: bool) -> usize {
    let policy = Policy::default();
    let mut wrapped = 0;
    for (id, hash) in rows {
        let (_, k) = known.iter().find(|(i, _)| i == id).unwrap_or_else(|| panic!("row {id} unknown"));
        if hash == &k.hash {
            assert!(!must_change, "row {id} ({}) was not wrapped", k.family);
            continue;
        }
        assert!(hash.chars().count() <= width, "row {id}: {} chars in a {width}-char column", hash.len());
        let v = policy.verify(&k.password, Stored::new(hash)).unwrap_or_else(|e| panic!("row {id}: {e}"));
        assert!(v.is_valid() && v.needs_upgrade(), "row {id} ({}) wrapped but does not verify", k.family);
        let mut wrong = k.password.clone();
        wrong.push(b'!');
        wrong[0] ^= 0x20;
        assert!(!policy.verify(&wrong, Stored::new(hash)).expect("verify").is_valid());
        wrapped += 1;
    }
    wrapped
}

fn django_table(e: Engine, table: &str) -> String {
    // As Django's migrations create auth_user (the columns rehash touches).
    match e {
        Engine::Sqlite => format!(
            "CREATE TABLE {table} (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"password\" varchar(128) NOT NULL, \"username\" varchar(150) NOT NULL UNIQUE)"
        ),
        Engine::Postgres => format!(
            "CREATE TABLE {table} (id integer NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, password varchar(128) NOT NULL, username varchar(150) NOT NULL UNIQUE)"
        ),
        Engine::Mysql => format!(
            "CREATE TABLE {table} (id integer AUTO_INCREMENT NOT NULL PRIMARY KEY, password varchar(128) NOT NULL, username varchar(150) NOT NULL UNIQUE)"
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn django_auth_user_varchar128_on_every_engine() {
    let Some(vs) = vectors(DJANGO) else { return };
    let dir = tmpdir("django");
    let table = format!("auth_user_{}", std::process::id());
    for (e, url) in engines(&dir, "django") {
        exec(&url, &[format!("DROP TABLE IF EXISTS {table}"), django_table(e, &table)]).await;
        let p = pool(&url).await;
        let mut known = Vec::new();
        for (i, k) in vs.iter().enumerate() {
            let id = (i + 1).to_string();
            sqlx::query(&format!(
                "INSERT INTO {table} (id, password, username) VALUES ({}, {}, {})",
                if e == Engine::Postgres { "CAST($1 AS integer)".into() } else { ph(e, 1) },
                ph(e, 2),
                ph(e, 3)
            ))
            .bind(id.clone())
            .bind(k.hash.clone())
            .bind(format!("user{i}"))
            .execute(&p)
            .await
            .expect("insert");
            known.push((id, k.clone()));
        }
        p.close().await;
        let args = ["wrap", &url, "--table", &table, "--hash-col", "password", "--json"];
        let o = rehash(&args, &[]);
        let rep = json(&o);
        assert_eq!(o.status.code(), Some(0), "{e:?}: {rep}");
        assert_eq!(rep["too_long"], 0, "{e:?}");
        let rows = read_all(e, &url, &table, "id", "password").await;
        assert_eq!(check(&rows, &known, 128, true), vs.len(), "{e:?}");
        // Scan agrees: the column fits everything rehash writes.
        let s = json(&rehash(&["scan", &url, "--table", &table, "--hash-col", "password", "--json"], &[]));
        if e != Engine::Sqlite {
            assert_eq!(s["column"]["capacity"], 128, "{e:?}");
            assert!(s["column"]["alter"].is_null(), "{e:?}: {s}");
        }
        exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A column too narrow for the wraps: every row is refused by id before any
/// write, the ALTER TABLE is suggested, nothing changes.
#[tokio::test(flavor = "multi_thread")]
async fn a_too_narrow_column_refuses_rows_and_says_how_to_widen_it() {
    let Some(vs) = vectors(&["md5_crypt", "phpass"]) else { return };
    let dir = tmpdir("narrow");
    let table = format!("narrow_{}", std::process::id());
    for (e, url) in engines(&dir, "narrow") {
        if e == Engine::Sqlite {
            continue; // SQLite declares no capacity.
        }
        exec(
            &url,
            &[
                format!("DROP TABLE IF EXISTS {table}"),
                format!("CREATE TABLE {table} (id bigint PRIMARY KEY, hash varchar(90) NOT NULL)"),
            ],
        )
        .await;
        let rows: Vec<(String, String)> =
            vs.iter().enumerate().map(|(i, k)| ((i + 1).to_string(), k.hash.clone())).collect();
        insert(e, &url, &table, "id", "hash", &rows).await;
        let scan = json(&rehash(&["scan", &url, "--table", &table, "--json"], &[]));
        let alter = scan["column"]["alter"].as_str().unwrap_or_else(|| panic!("{e:?}: {scan}"));
        assert!(alter.starts_with(&format!("ALTER TABLE {table} ")), "{alter}");
        // A new target hash (97 characters) would not fit either: wrap refuses to start.
        let o = rehash(&["wrap", &url, "--table", &table, "--json"], &[]);
        assert_eq!(o.status.code(), Some(2), "{e:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("ALTER TABLE"), "{e:?}");
        assert_eq!(read_all(e, &url, &table, "id", "hash").await, rows, "{e:?}: nothing written");
        exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// UUID and text primary keys, on every engine (MariaDB's native UUID type too).
#[tokio::test(flavor = "multi_thread")]
async fn uuid_and_text_ids() {
    let Some(vs) = vectors(&["md5_crypt", "phpass", "django_pbkdf2_sha256"]) else { return };
    let dir = tmpdir("ids");
    let table = format!("ids_{}", std::process::id());
    for (e, url) in engines(&dir, "ids") {
        let types: &[&str] = match e {
            Engine::Sqlite => &["text", "varchar(36)"],
            Engine::Postgres => &["uuid", "text", "varchar(64)"],
            Engine::Mysql => &["char(36)", "uuid", "varchar(64)"],
        };
        for ty in types {
            exec(
                &url,
                &[
                    format!("DROP TABLE IF EXISTS {table}"),
                    format!("CREATE TABLE {table} (id {ty} PRIMARY KEY, hash varchar(255) NOT NULL)"),
                ],
            )
            .await;
            let mut known = Vec::new();
            let mut rows = Vec::new();
            for (i, k) in vs.iter().enumerate() {
                let id = if ty.contains("uuid") || ty.contains("36") {
                    format!("{:08x}-0000-4000-8000-{:012x}", (i * 2_654_435_761) % 0xffff_ffff, i)
                } else {
                    format!("user-{}", (b'z' - i as u8) as char)
                };
                rows.push((id.clone(), k.hash.clone()));
                known.push((id, k.clone()));
            }
            insert(e, &url, &table, "id", "hash", &rows).await;
            let o = rehash(&["wrap", &url, "--table", &table, "--batch-size", "2", "--json"], &[]);
            let rep = json(&o);
            assert_eq!(o.status.code(), Some(0), "{e:?} {ty}: {rep}");
            assert_eq!(rep["wrapped"].as_u64(), Some(vs.len() as u64), "{e:?} {ty}");
            let after = read_all(e, &url, &table, "id", "hash").await;
            assert_eq!(check(&after, &known, 255, true), vs.len());
            // Run again: every row visited once, nothing to do.
            let again = json(&rehash(&["wrap", &url, "--table", &table, "--batch-size", "2", "--json"], &[]));
            assert_eq!(again["already_wrapped"].as_u64(), Some(vs.len() as u64), "{e:?} {ty}: {again}");
        }
        exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_column_that_is_not_unique_is_refused_before_any_change() {
    let dir = tmpdir("dup");
    let table = format!("dup_{}", std::process::id());
    let md5crypt = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0".to_owned();
    for (e, url) in engines(&dir, "dup") {
        for (rows, what) in [
            (vec![("1".to_owned(), md5crypt.clone()), ("1".into(), md5crypt.clone())], "not unique"),
            (vec![("2".to_owned(), md5crypt.clone())], "NULL"),
        ] {
            exec(
                &url,
                &[
                    format!("DROP TABLE IF EXISTS {table}"),
                    format!("CREATE TABLE {table} (id bigint, hash varchar(255) NOT NULL)"),
                ],
            )
            .await;
            insert(e, &url, &table, "id", "hash", &rows).await;
            if what == "NULL" {
                exec(&url, &[format!("INSERT INTO {table} (hash) VALUES ('x')")]).await;
            }
            let o = rehash(&["wrap", &url, "--table", &table], &[]);
            assert_eq!(o.status.code(), Some(2), "{e:?}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains(what), "{e:?}: {err}");
            let after = read_all(e, &url, &table, "id", "hash").await;
            assert!(after.iter().all(|(_, h)| h == &md5crypt || h == "x"), "{e:?}: nothing changed");
        }
        exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A row held by another transaction (a login's write, a killed worker's
/// batch still rolling back) is waited for at the end of the run, never
/// skipped silently.
#[tokio::test(flavor = "multi_thread")]
async fn locked_rows_are_retried_before_the_run_ends() {
    let Some(vs) = vectors(&["md5_crypt", "phpass"]) else { return };
    let dir = tmpdir("locked");
    let table = format!("locked_{}", std::process::id());
    for (e, url) in engines(&dir, "locked") {
        if e == Engine::Sqlite {
            continue; // No row locks.
        }
        exec(
            &url,
            &[
                format!("DROP TABLE IF EXISTS {table}"),
                format!("CREATE TABLE {table} (id bigint PRIMARY KEY, hash varchar(255) NOT NULL)"),
            ],
        )
        .await;
        let mut known = Vec::new();
        let mut rows = Vec::new();
        for i in 0..12 {
            let k = vs[i % vs.len()].clone();
            rows.push(((i + 1).to_string(), k.hash.clone()));
            known.push(((i + 1).to_string(), k));
        }
        insert(e, &url, &table, "id", "hash", &rows).await;
        // Hold rows 3 and 12 (the last: the end of the table) in an open transaction.
        sqlx::any::install_default_drivers();
        let mut holder = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.expect("connect");
        sqlx::query("BEGIN").execute(&mut holder).await.expect("begin");
        sqlx::query(&format!("SELECT hash FROM {table} WHERE id IN (3, 12) FOR UPDATE"))
            .fetch_all(&mut holder)
            .await
            .expect("lock");
        let child = Command::new(env!("CARGO_BIN_EXE_rehash"))
            .args(["wrap", &url, "--table", &table, "--batch-size", "2", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        tokio::time::sleep(Duration::from_millis(2500)).await;
        sqlx::query("COMMIT").execute(&mut holder).await.expect("release");
        let o = child.wait_with_output().expect("wait");
        let rep = json(&o);
        assert_eq!(o.status.code(), Some(0), "{e:?}: {rep}");
        assert_eq!((rep["wrapped"].as_u64(), rep["remaining_below_policy"].as_u64()), (Some(12), Some(0)));
        let after = read_all(e, &url, &table, "id", "hash").await;
        assert_eq!(check(&after, &known, 255, true), 12, "{e:?}: every row wrapped, the locked ones too");
        exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// One row whose write the server refuses (a trigger here) fails alone,
/// reported by id; the run goes on and says so in its exit code.
#[tokio::test(flavor = "multi_thread")]
async fn one_failing_write_fails_alone() {
    let Some(vs) = vectors(&["md5_crypt"]) else { return };
    let Ok(url) = std::env::var("REHASH_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: REHASH_TEST_POSTGRES_URL is not set");
        return;
    };
    let table = format!("fails_{}", std::process::id());
    exec(
        &url,
        &[
            format!("DROP TABLE IF EXISTS {table}"),
            format!("CREATE TABLE {table} (id bigint PRIMARY KEY, hash varchar(255) NOT NULL)"),
            format!(
                "CREATE OR REPLACE FUNCTION {table}_f() RETURNS trigger AS $$ BEGIN \
                 IF NEW.id = 3 THEN RAISE EXCEPTION 'row 3 is frozen'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            format!("CREATE TRIGGER {table}_t BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_f()"),
        ],
    )
    .await;
    let rows: Vec<(String, String)> = (1..=6).map(|i| (i.to_string(), vs[0].hash.clone())).collect();
    let known: Vec<(String, Known)> = rows.iter().map(|(i, _)| (i.clone(), vs[0].clone())).collect();
    insert(Engine::Postgres, &url, &table, "id", "hash", &rows).await;
    let o = rehash(&["wrap", &url, "--table", &table, "--batch-size", "4", "--json"], &[]);
    let rep = json(&o);
    assert_eq!(o.status.code(), Some(1), "{rep}");
    assert_eq!((rep["wrapped"].as_u64(), rep["errors"].as_u64()), (Some(5), Some(1)), "{rep}");
    assert_eq!(rep["remaining_below_policy"], 1);
    assert_eq!(rep["problems"][0]["id"], "3");
    let after = read_all(Engine::Postgres, &url, &table, "id", "hash").await;
    assert_eq!(after[2].1, vs[0].hash, "row 3 is as it was");
    assert_eq!(check(&after, &known, 255, false), 5);
    exec(&url, &[format!("DROP TABLE IF EXISTS {table}"), format!("DROP FUNCTION IF EXISTS {table}_f")])
        .await;
}

/// A MariaDB server in non-strict mode would cut a too-long value and report
/// success. rehash's session is strict, refuses what the column cannot hold
/// before writing, and reads every write back: a trigger that alters the
/// value makes that row fail, never a lost account.
#[tokio::test(flavor = "multi_thread")]
async fn mariadb_non_strict_server_never_truncates_an_account() {
    let Some(vs) = vectors(&["md5_crypt", "phpass"]) else { return };
    let Ok(url) = std::env::var("REHASH_TEST_MYSQL_URL") else {
        eprintln!("SKIPPED: REHASH_TEST_MYSQL_URL is not set");
        return;
    };
    let table = format!("nonstrict_{}", std::process::id());
    let p = pool(&url).await;
    let before: String =
        sqlx::query("SELECT CAST(@@GLOBAL.sql_mode AS CHAR)").fetch_one(&p).await.expect("mode").get(0);
    sqlx::query("SET GLOBAL sql_mode = ''").execute(&p).await.expect("non-strict");
    p.close().await;
    exec(
        &url,
        &[
            format!("DROP TABLE IF EXISTS {table}"),
            format!("CREATE TABLE {table} (id int PRIMARY KEY, hash varchar(128) NOT NULL)"),
            // Cut row 2's new value, as a server-side rule or a narrower
            // column in a view might.
            format!(
                "CREATE TRIGGER {table}_t BEFORE UPDATE ON {table} FOR EACH ROW \
                 SET NEW.hash = IF(NEW.id = 2, LEFT(NEW.hash, 60), NEW.hash)"
            ),
        ],
    )
    .await;
    let rows: Vec<(String, String)> =
        (1..=4).map(|i| (i.to_string(), vs[i % vs.len()].hash.clone())).collect();
    let known: Vec<(String, Known)> = (1..=4).map(|i| (i.to_string(), vs[i % vs.len()].clone())).collect();
    insert(Engine::Mysql, &url, &table, "id", "hash", &rows).await;
    let o = rehash(&["wrap", &url, "--table", &table, "--json"], &[]);
    let rep = json(&o);
    let p = pool(&url).await;
    sqlx::query(&format!("SET GLOBAL sql_mode = '{before}'")).execute(&p).await.expect("restore");
    p.close().await;
    assert_eq!(o.status.code(), Some(1), "{rep}");
    assert_eq!((rep["wrapped"].as_u64(), rep["errors"].as_u64()), (Some(3), Some(1)), "{rep}");
    assert_eq!(rep["problems"][0]["id"], "2");
    assert!(rep["problems"][0]["error"].as_str().expect("e").contains("read back"), "{rep}");
    let after = read_all(Engine::Mysql, &url, &table, "id", "hash").await;
    assert_eq!(after[1].1, rows[1].1, "row 2 keeps its legacy hash");
    assert_eq!(check(&after, &known, 128, false), 3);
    exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
}

/// PostgreSQL pages through the primary key's index (integer and UUID ids):
/// no sequential scan, no sort.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_batches_walk_the_primary_key_index() {
    let Ok(url) = std::env::var("REHASH_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: REHASH_TEST_POSTGRES_URL is not set");
        return;
    };
    let table = format!("explain_{}", std::process::id());
    for (ty, gen) in [("integer", "g"), ("uuid", "md5(g::text)::uuid"), ("varchar(40)", "'u' || g")] {
        exec(
            &url,
            &[
                format!("DROP TABLE IF EXISTS {table}"),
                format!("CREATE TABLE {table} (id {ty} PRIMARY KEY, hash varchar(128) NOT NULL)"),
                format!("INSERT INTO {table} SELECT {gen}, md5(g::text) FROM generate_series(1, 200000) g"),
                format!("ANALYZE {table}"),
            ],
        )
        .await;
        let cols =
            rehash_cli::store::Columns { table: table.clone(), ..rehash_cli::store::Columns::default() };
        for lock in [false, true] {
            let mut st =
                rehash_cli::store::Store::open(&url, &cols, Default::default(), lock).await.expect("open");
            let first = st.next_batch(64).await.expect("batch");
            assert_eq!(first.len(), 64);
            let plan = st.explain_next_batch(64).await.expect("explain");
            assert!(plan.contains("Index"), "{ty}: {plan}");
            assert!(!plan.contains("Seq Scan") && !plan.contains("Sort"), "{ty}: {plan}");
            st.finish(false).await.expect("close");
        }
    }
    exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
}

/// SQLite in WAL mode while another writer commits all the time: the run
/// waits for the lock (busy timeout, batch retry) instead of aborting.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_wal_with_a_concurrent_writer() {
    let Some(vs) = vectors(&["md5_crypt", "phpass"]) else { return };
    let dir = tmpdir("wal");
    let db = dir.join("wal.db");
    std::fs::File::create(&db).expect("create");
    let url = format!("sqlite://{}", db.display());
    exec(
        &url,
        &[
            "PRAGMA journal_mode = WAL".into(),
            "CREATE TABLE users (id integer PRIMARY KEY, hash text NOT NULL)".into(),
            "CREATE TABLE sessions (id integer PRIMARY KEY, seen integer)".into(),
        ],
    )
    .await;
    let rows: Vec<(String, String)> =
        (1..=24).map(|i| (i.to_string(), vs[i % vs.len()].hash.clone())).collect();
    let known: Vec<(String, Known)> = (1..=24).map(|i| (i.to_string(), vs[i % vs.len()].clone())).collect();
    insert(Engine::Sqlite, &url, "users", "id", "hash", &rows).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (url, stop) = (url.clone(), stop.clone());
        tokio::spawn(async move {
            let p = pool(&url).await;
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = sqlx::query("INSERT OR REPLACE INTO sessions VALUES (1, ?)")
                    .bind(n as i64)
                    .execute(&p)
                    .await;
                let _ = sqlx::query("UPDATE users SET hash = hash WHERE id = 1").execute(&p).await;
                n += 1;
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
            p.close().await;
            n
        })
    };
    let o = tokio::task::spawn_blocking({
        let url = url.clone();
        move || rehash(&["wrap", &url, "--batch-size", "3", "--json"], &[])
    })
    .await
    .expect("run");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.await.expect("writer");
    let rep = json(&o);
    assert_eq!(o.status.code(), Some(0), "{rep} {}", String::from_utf8_lossy(&o.stderr));
    assert!(writes > 10, "the other writer kept committing ({writes})");
    let after = read_all(Engine::Sqlite, &url, "users", "id", "hash").await;
    assert_eq!(check(&after, &known, usize::MAX, true), 24);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Plaintext mode hashes every non-empty value, whatever it looks like:
/// `!`- and `*`-prefixed passwords are passwords here, not lock markers.
#[test]
fn plaintext_mode_hashes_values_that_look_like_lock_markers() {
    let dir = tmpdir("plain");
    let csv = dir.join("users.csv");
    let passwords = ["!QAZ2wsx", "*LK*secret", "!", "*", "$1$abc", "plain"];
    let mut text = String::from("id,password\n");
    for (i, p) in passwords.iter().enumerate() {
        text.push_str(&format!("{},\"{p}\"\n", i + 1));
    }
    text.push_str("7,\n");
    std::fs::write(&csv, &text).expect("write");
    let o =
        rehash(&["wrap", csv.to_str().expect("p"), "--hash-col", "password", "--plaintext", "--json"], &[]);
    let rep = json(&o);
    assert_eq!(o.status.code(), Some(0), "{rep}");
    assert_eq!((rep["rehashed"].as_u64(), rep["empty"].as_u64()), (Some(6), Some(1)), "{rep}");
    let out = std::fs::read_to_string(dir.join("users.rehash.csv")).expect("output");
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let policy = Policy::default();
    for (rec, pw) in r.records().map(|x| x.expect("rec")).zip(passwords) {
        assert!(policy.verify(pw.as_bytes(), &rec[1]).expect("verify").is_valid(), "{pw}");
    }
    // Run again over the output: nothing is hashed twice.
    let out_path = dir.join("users.rehash.csv");
    let again = json(&rehash(
        &["wrap", out_path.to_str().expect("p"), "--hash-col", "password", "--plaintext", "--json"],
        &[],
    ));
    assert_eq!((again["rehashed"].as_u64(), again["at_policy"].as_u64()), (Some(0), Some(6)), "{again}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// PostgreSQL: workers SIGKILLed at random moments, each followed at once by
/// the next (the killed one's transaction may still hold its rows); the last
/// run leaves nothing below policy, and every row is original or a correct wrap
/// at every point.
#[tokio::test(flavor = "multi_thread")]
async fn postgres_sigkill_then_resume_leaves_nothing_behind() {
    let Some(vs) = vectors(&["md5_crypt", "phpass", "django_salted_sha1"]) else { return };
    let Ok(url) = std::env::var("REHASH_TEST_POSTGRES_URL") else {
        eprintln!("SKIPPED: REHASH_TEST_POSTGRES_URL is not set");
        return;
    };
    let table = format!("killed_{}", std::process::id());
    exec(
        &url,
        &[
            format!("DROP TABLE IF EXISTS {table}"),
            format!("CREATE TABLE {table} (id bigint PRIMARY KEY, hash varchar(255) NOT NULL)"),
        ],
    )
    .await;
    let rows: Vec<(String, String)> =
        (1..=40).map(|i| (i.to_string(), vs[i % vs.len()].hash.clone())).collect();
    let known: Vec<(String, Known)> = (1..=40).map(|i| (i.to_string(), vs[i % vs.len()].clone())).collect();
    insert(Engine::Postgres, &url, &table, "id", "hash", &rows).await;
    let mut seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.subsec_nanos());
    for _ in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rehash"))
            .args(["wrap", &url, "--table", &table, "--batch-size", "4", "--jobs", "1", "--json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        std::thread::sleep(Duration::from_millis(100 + u64::from(seed % 400)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        check(&read_all(Engine::Postgres, &url, &table, "id", "hash").await, &known, 255, false);
    }
    let o = rehash(&["wrap", &url, "--table", &table, "--batch-size", "4", "--json"], &[]);
    let rep = json(&o);
    assert_eq!(o.status.code(), Some(0), "{rep}");
    assert_eq!(rep["remaining_below_policy"], 0);
    assert_eq!(check(&read_all(Engine::Postgres, &url, &table, "id", "hash").await, &known, 255, true), 40);
    exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
}

/// Two workers at once on each server (SKIP LOCKED): every row wrapped
/// exactly once, nothing left behind, every value read back verifies.
#[tokio::test(flavor = "multi_thread")]
async fn two_workers_share_a_table_on_each_server() {
    let Some(vs) = vectors(&["md5_crypt", "phpass", "django_salted_sha1"]) else { return };
    let dir = tmpdir("two");
    let table = format!("two_{}", std::process::id());
    for (e, url) in engines(&dir, "two") {
        if e == Engine::Sqlite {
            continue;
        }
        exec(
            &url,
            &[
                format!("DROP TABLE IF EXISTS {table}"),
                format!("CREATE TABLE {table} (id varchar(40) PRIMARY KEY, hash varchar(128) NOT NULL)"),
            ],
        )
        .await;
        let rows: Vec<(String, String)> =
            (1..=30).map(|i| (format!("u{i:03}"), vs[i % vs.len()].hash.clone())).collect();
        let known: Vec<(String, Known)> =
            (1..=30).map(|i| (format!("u{i:03}"), vs[i % vs.len()].clone())).collect();
        insert(e, &url, &table, "id", "hash", &rows).await;
        let workers: Vec<_> = (0..2)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_rehash"))
                    .args(["wrap", &url, "--table", &table, "--batch-size", "3", "--jobs", "1", "--json"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        let (mut wrapped, mut lost) = (0, 0);
        for w in workers {
            let o = w.wait_with_output().expect("wait");
            let rep = json(&o);
            assert_eq!(o.status.code(), Some(0), "{e:?}: {rep}");
            wrapped += rep["wrapped"].as_u64().expect("n");
            lost += rep["lost_swaps"].as_u64().expect("n");
        }
        assert_eq!(wrapped - lost, 30, "{e:?}: each row wrapped exactly once");
        assert_eq!(check(&read_all(e, &url, &table, "id", "hash").await, &known, 128, true), 30);
        exec(&url, &[format!("DROP TABLE IF EXISTS {table}")]).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
