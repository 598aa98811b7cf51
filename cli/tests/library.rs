//! The library half used as a library: typed errors, skip reasons, progress
//! through the `Progress` trait (the library prints nothing).

use rehash::Policy;
use rehash_cli::batch::{self, Mode, Progress, Skip, WrapOptions, WrapReport};
use rehash_cli::store::{Columns, FileOutput, Store};
use rehash_cli::{Error, RowError};

const MD5CRYPT: &str = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0";

fn cols() -> Columns {
    Columns::default()
}

fn tmpdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rehash-lib-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

#[derive(Default)]
struct Recorder {
    total: Option<u64>,
    batches: Vec<u64>,
    problems: Vec<(String, String)>,
    finished: bool,
}

impl Progress for Recorder {
    fn start(&mut self, total: u64) {
        self.total = Some(total);
    }
    fn batch(&mut self, report: &WrapReport) {
        self.batches.push(report.rows);
    }
    fn problem(&mut self, id: &str, error: &RowError) {
        self.problems.push((id.to_owned(), error.to_string()));
    }
    fn finish(&mut self) {
        self.finished = true;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrap_reports_through_the_progress_trait() {
    let dir = tmpdir("progress");
    let csv = dir.join("users.csv");
    std::fs::write(&csv, format!("id,hash\n1,{MD5CRYPT}\n2,!locked\n3,garbage\n4,{MD5CRYPT}\n"))
        .expect("write");
    let output = FileOutput { dry_run: true, ..FileOutput::default() };
    let mut st = Store::open(csv.to_str().expect("path"), &cols(), output, true).await.expect("open");
    let opts = WrapOptions { batch: 2, jobs: 2, dry_run: true, capacity: None };
    let mut rec = Recorder::default();
    let report =
        batch::wrap(&mut st, &Policy::default(), &Mode::Hashes, &opts, &mut rec).await.expect("wrap");
    assert_eq!((report.rows, report.wrapped, report.disabled, report.errors), (4, 2, 1, 1));
    assert_eq!(rec.total, Some(4));
    assert_eq!(rec.batches, [2, 4]);
    assert!(rec.finished);
    assert_eq!(rec.problems.len(), 1);
    assert_eq!(rec.problems[0].0, "3");
    assert_eq!(report.problems.len(), 1);
    assert_eq!(
        (report.problems[0].id.as_str(), report.problems[0].error.as_str()),
        ("3", rec.problems[0].1.as_str())
    );
    assert_eq!(st.finish(false).await.expect("finish"), None, "dry run writes nothing");

    // The JSON report keeps its count fields.
    let json = serde_json::to_value(&report).expect("json");
    for field in ["disabled", "already_wrapped", "at_policy", "empty", "errors", "too_long", "problems"] {
        assert!(json.get(field).is_some(), "{field}: {json}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn skip_reasons_count_under_their_fields() {
    let mut r = WrapReport::default();
    for why in
        [Skip::Disabled, Skip::Wrapped, Skip::Wrapped, Skip::AtPolicy, Skip::Empty, Skip::Empty, Skip::Empty]
    {
        r.skipped(why);
    }
    assert_eq!((r.disabled, r.already_wrapped, r.at_policy, r.empty), (1, 2, 1, 3));
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_typed_and_redacted() {
    let open =
        |s: &'static str| async move { Store::open(s, &cols(), FileOutput::default(), false).await.err() };
    let e = open("postgresx://bob:s3cret@db/x").await.expect("error");
    assert!(matches!(e, Error::UnknownSource { .. }) && e.is_configuration(), "{e:?}");
    assert!(!e.to_string().contains("s3cret"), "{e}");
    assert!(e.to_string().contains("unknown source kind"), "{e}");

    let e = open("/nonexistent/users.csv").await.expect("error");
    assert!(matches!(&e, Error::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound), "{e:?}");
    let e = open("/nonexistent/users.db").await.expect("error");
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert_eq!(e.to_string(), "/nonexistent/users.db: no such SQLite file");

    // A refused connection: a connection error, the password redacted.
    let e = open("postgres://bob:s3cret@127.0.0.1:1/x").await.expect("error");
    assert!(e.is_connection() && !e.is_configuration(), "{e:?}");
    assert!(!e.to_string().contains("s3cret") && e.to_string().contains("cannot connect to"), "{e}");

    let dir = tmpdir("errors");
    let csv = dir.join("dup.csv");
    std::fs::write(&csv, "id,hash\n1,a\n1,b\n").expect("write");
    let e =
        Store::open(csv.to_str().expect("p"), &cols(), FileOutput::default(), false).await.err().expect("e");
    assert!(matches!(e, Error::DuplicateId { line: 3, first: 2, .. }), "{e:?}");
    std::fs::write(&csv, "id,pw\n1,a\n").expect("write");
    let e =
        Store::open(csv.to_str().expect("p"), &cols(), FileOutput::default(), false).await.err().expect("e");
    assert!(matches!(&e, Error::HeaderColumnNotFound { column, .. } if column == "hash"), "{e:?}");

    // SQLite: a missing table, a missing column, a bad identifier.
    let db = dir.join("t.db");
    std::fs::write(&db, b"").expect("create");
    let url = format!("sqlite://{}", db.display());
    {
        use sqlx::Connection as _;
        let mut c = sqlx::SqliteConnection::connect(&url).await.expect("connect");
        sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, hash TEXT)")
            .execute(&mut c)
            .await
            .expect("create");
        c.close().await.expect("close");
    }
    let path = db.to_str().expect("p");
    let mut c = cols();
    c.table = "nope".into();
    let e = Store::open(path, &c, FileOutput::default(), false).await.err().expect("e");
    assert!(matches!(e, Error::TableNotFound { .. }), "{e:?}");
    c.table = "users".into();
    c.salt = Some("salt".into());
    let e = Store::open(path, &c, FileOutput::default(), false).await.err().expect("e");
    assert!(matches!(&e, Error::ColumnNotFound { column, .. } if column == "salt"), "{e:?}");
    c.salt = Some("salt; DROP TABLE users".into());
    let e = Store::open(path, &c, FileOutput::default(), false).await.err().expect("e");
    assert!(matches!(e, Error::BadIdentifier { .. }) && e.is_configuration(), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A certificate that does not verify is a TLS error, not any connection
/// error (with the servers of `cli/tests/tls.rs`; skipped loudly without them).
#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_ca_is_a_tls_error() {
    let (Ok(url), Ok(wrong_ca)) =
        (std::env::var("REHASH_TEST_POSTGRES_URL"), std::env::var("REHASH_TEST_PG_WRONG_CA"))
    else {
        eprintln!("SKIPPED: REHASH_TEST_POSTGRES_URL or REHASH_TEST_PG_WRONG_CA is not set");
        return;
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let bad = format!("{url}{sep}sslmode=verify-full&sslrootcert={wrong_ca}");
    let e = Store::open(&bad, &cols(), FileOutput::default(), false).await.err().expect("refused");
    assert!(matches!(e, Error::Tls { .. }) && e.is_connection(), "{e:?}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
}
