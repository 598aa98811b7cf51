//! TLS to the database. PostgreSQL: with the server's TLS on (`scripts/pg-tls`,
//! which `.ci/run` runs and whose CA paths it exports), `sslmode=require`
//! really encrypts, `verify-full` with the right CA connects, and with a wrong
//! CA fails cleanly with exit code 2. MariaDB: `ssl-mode=DISABLED` and
//! `PREFERRED` connect, and `REQUIRED` does what the server's TLS support says.
//! Each test says loudly when its environment variables are missing.

use std::process::{Command, Output};

use serde_json::Value;
use sqlx::Connection as _;

const MD5CRYPT: &str = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0";
const SHA1: &str = "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=";

fn rehash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rehash")).args(args).output().expect("run rehash")
}

/// `url` with `params` added to its query.
fn with(url: &str, params: &str) -> String {
    format!("{url}{}{params}", if url.contains('?') { '&' } else { '?' })
}

/// `rehash scan URL --table T --json`: the rows it counted, or the exit code and message.
fn scan(url: &str, table: &str) -> Result<u64, (Option<i32>, String)> {
    let o = rehash(&["scan", url, "--table", table, "--json"]);
    if !o.status.success() {
        return Err((o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned()));
    }
    let rep: Value = serde_json::from_slice(&o.stdout).expect("json report");
    Ok(rep["rows"].as_u64().expect("rows"))
}

/// Whether the connection sqlx makes with `url` is encrypted, per the server.
async fn pg_ssl(url: &str) -> bool {
    let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut c)
        .await
        .expect("pg_stat_ssl");
    c.close().await.expect("close");
    ssl
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_over_tls() {
    let (Ok(url), Ok(ca), Ok(wrong_ca)) = (
        std::env::var("REHASH_TEST_POSTGRES_URL"),
        std::env::var("REHASH_TEST_PG_CA"),
        std::env::var("REHASH_TEST_PG_WRONG_CA"),
    ) else {
        eprintln!(
            "SKIPPED postgres TLS test: set REHASH_TEST_POSTGRES_URL, REHASH_TEST_PG_CA and \
             REHASH_TEST_PG_WRONG_CA (scripts/pg-tls makes the CAs; .ci/run sets all three)"
        );
        return;
    };
    let table = format!("rehash_tls{}", std::process::id());
    let plain = with(&url, "sslmode=disable");
    let mut c = sqlx::PgConnection::connect(&plain).await.expect("connect");
    sqlx::query(&format!("DROP TABLE IF EXISTS {table}")).execute(&mut c).await.expect("drop");
    sqlx::query(&format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, hash TEXT NOT NULL)"))
        .execute(&mut c)
        .await
        .expect("create");
    sqlx::query(&format!("INSERT INTO {table} VALUES (1, $1), (2, $2), (3, '!locked')"))
        .bind(MD5CRYPT)
        .bind(SHA1)
        .execute(&mut c)
        .await
        .expect("insert");

    // The check below can tell: a plaintext connection says so.
    assert!(!pg_ssl(&plain).await, "sslmode=disable must not encrypt");

    // require: encrypted, certificate not checked.
    let require = with(&url, "sslmode=require");
    assert_eq!(scan(&require, &table), Ok(3));
    assert!(pg_ssl(&require).await, "sslmode=require must encrypt");
    // prefer (the default) takes TLS when the server offers it.
    assert!(pg_ssl(&with(&url, "sslmode=prefer")).await, "sslmode=prefer must encrypt when it can");

    // verify-ca and verify-full with the CA that signed the server's certificate.
    for mode in ["verify-ca", "verify-full"] {
        let good = with(&url, &format!("sslmode={mode}&sslrootcert={ca}"));
        assert_eq!(scan(&good, &table), Ok(3), "{mode}");
        assert!(pg_ssl(&good).await, "{mode}");
    }
    // The certificate names localhost too.
    let by_name = url.replacen("127.0.0.1", "localhost", 1);
    if by_name != url {
        assert_eq!(scan(&with(&by_name, &format!("sslmode=verify-full&sslrootcert={ca}")), &table), Ok(3));
    }

    // A CA that did not sign it: refused, exit code 2, a message that says why.
    for mode in ["verify-ca", "verify-full"] {
        let bad = with(&url, &format!("sslmode={mode}&sslrootcert={wrong_ca}"));
        let (code, message) = scan(&bad, &table).expect_err(mode);
        assert_eq!(code, Some(2), "{mode}: {message}");
        assert!(message.to_lowercase().contains("certificate"), "{mode}: {message}");
        assert!(message.starts_with("rehash: "), "{mode}: {message}");
        assert!(sqlx::PgConnection::connect(&bad).await.is_err(), "{mode}");
    }
    // A CA file that is not there is an error too, not a silent downgrade.
    let (code, _) = scan(&with(&url, "sslmode=verify-full&sslrootcert=/nonexistent/ca.crt"), &table)
        .expect_err("missing CA");
    assert_eq!(code, Some(2));

    sqlx::query(&format!("DROP TABLE {table}")).execute(&mut c).await.expect("drop");
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_ssl_modes() {
    let Ok(url) = std::env::var("REHASH_TEST_MYSQL_URL") else {
        eprintln!("SKIPPED mariadb TLS test: REHASH_TEST_MYSQL_URL is not set");
        return;
    };
    let table = format!("rehash_tls{}", std::process::id());
    let plain = with(&url, "ssl-mode=DISABLED");
    let mut c = sqlx::MySqlConnection::connect(&plain).await.expect("connect");
    sqlx::query(&format!("DROP TABLE IF EXISTS {table}")).execute(&mut c).await.expect("drop");
    sqlx::query(&format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, hash VARCHAR(255) NOT NULL)"))
        .execute(&mut c)
        .await
        .expect("create");
    sqlx::query(&format!("INSERT INTO {table} VALUES (1, ?), (2, ?)"))
        .bind(MD5CRYPT)
        .bind(SHA1)
        .execute(&mut c)
        .await
        .expect("insert");
    let have_ssl: (String, String) =
        sqlx::query_as("SHOW VARIABLES LIKE 'have_ssl'").fetch_one(&mut c).await.expect("have_ssl");
    let server_tls = have_ssl.1.eq_ignore_ascii_case("YES");

    assert_eq!(scan(&plain, &table), Ok(2));
    assert_eq!(scan(&with(&url, "ssl-mode=PREFERRED"), &table), Ok(2));
    let required = scan(&with(&url, "ssl-mode=REQUIRED"), &table);
    if server_tls {
        assert_eq!(required, Ok(2));
    } else {
        let (code, message) = required.expect_err("REQUIRED without server TLS");
        assert_eq!(code, Some(2), "{message}");
        eprintln!("mariadb has no TLS: ssl-mode=REQUIRED refused as it should: {message}");
    }

    sqlx::query(&format!("DROP TABLE {table}")).execute(&mut c).await.expect("drop");
    c.close().await.expect("close");
}
