//! No stack overflow from input (issue #18, item 5): wrappers (`*` of a locked
//! account, `{CRYPT}`, and the inner setting of a wrapped `$rw2$` /
//! `$rehash-wrap$` string) nest at most a few deep; deeper strings are
//! `Error::Malformed`, whatever their length, also on a thread with a small stack.

use rehash::{Error, Policy, Scheme, Stored, Verification};

const MD5_CRYPT: &str = "$1$########$BTXbxyZ1vI4TivVy61i3y.";
const BCRYPT: &str = "$2b$04$N2Fsg6eGK3exrudvzkfONOTmEAapd67/1MXgGflZHCeaUVkpFWItm";

fn verify(hash: &str) -> rehash::Result<Verification> {
    Policy::default().verify(b"foobarbaz", Stored::new(hash))
}

#[track_caller]
fn assert_malformed(hash: &str) {
    let got = verify(hash);
    assert!(matches!(got, Err(Error::Malformed { .. })), "{}…: {got:?}", &hash[..hash.len().min(40)]);
    let id = rehash::identify(hash);
    assert!(matches!(id, Err(Error::Malformed { .. })), "{}…: {id:?}", &hash[..hash.len().min(40)]);
}

/// Every way of nesting `n` wrappers around a real hash.
fn nestings(n: usize) -> Vec<String> {
    vec![
        format!("{}{MD5_CRYPT}", "*".repeat(n)),
        format!("{}{MD5_CRYPT}", "{CRYPT}".repeat(n)),
        format!("{}{BCRYPT}", "*{CRYPT}".repeat(n.div_ceil(2))),
        format!("{}{BCRYPT}", "{CRYPT}*".repeat(n.div_ceil(2))),
        format!("*{}{MD5_CRYPT}", "{CRYPT}".repeat(n)),
    ]
}

#[test]
fn real_nestings_still_parse() {
    // The shapes real stores hold: a hash, `{CRYPT}` + hash, `*` + either.
    let policy = Policy::default();
    assert!(matches!(verify(MD5_CRYPT), Ok(Verification::Valid { .. })));
    match verify(&format!("{{CRYPT}}{MD5_CRYPT}")) {
        Ok(Verification::Valid { identified, .. }) => assert_eq!(identified.scheme, Scheme::LdapMd5Crypt),
        other => panic!("{other:?}"),
    }
    for locked in
        [format!("*{MD5_CRYPT}"), format!("*{{CRYPT}}{MD5_CRYPT}"), format!("{{CRYPT}}*{MD5_CRYPT}")]
    {
        assert!(matches!(verify(&locked), Ok(Verification::Invalid { .. })), "{locked}");
        assert_eq!(policy.identify(locked.as_str()).map(|i| i.scheme), Ok(Scheme::Disabled), "{locked}");
    }
    // Up to four wrappers are read.
    assert!(matches!(verify(&format!("****{MD5_CRYPT}")), Ok(Verification::Invalid { .. })));
}

#[test]
fn deep_nesting_is_malformed() {
    for n in [5, 6, 100, 1000, 30_000, 200_000] {
        for s in nestings(n) {
            assert_malformed(&s);
        }
    }
}

#[test]
fn deep_nesting_on_a_64_kib_stack() {
    let t = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(|| {
            for n in [5, 1000, 30_000] {
                for s in nestings(n) {
                    assert!(matches!(rehash::identify(&s), Err(Error::Malformed { .. })));
                    let policy = Policy::default();
                    let got = policy.verify(b"foobarbaz", Stored::new(&s));
                    assert!(matches!(got, Err(Error::Malformed { .. })), "{got:?}");
                }
            }
        })
        .expect("spawn");
    t.join().expect("no stack overflow, no panic");
}

/// A canonical `$rw2$` (generic code) and a `$rehash-wrap$v=1$` string whose
/// inner setting is `n` `{CRYPT}` in front of a masked md5-crypt.
fn forged_wraps(n: usize) -> [String; 2] {
    const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let crypts = "{CRYPT}".repeat(n);
    // The generic code writes the longest run (the 22 dots) as `~` `.` count.
    let v2 = format!("$rw2$--md5_crypt:{crypts}$1$########$~.AW$4096,1,1${}", "A".repeat(64));
    let setting = format!("{crypts}$1$########${}", ".".repeat(22));
    let b64url: String = setting
        .as_bytes()
        .chunks(3)
        .flat_map(|c| {
            let v = c.iter().enumerate().fold(0usize, |a, (i, b)| a | usize::from(*b) << (16 - 8 * i));
            (0..=c.len()).map(move |k| char::from(B64URL[(v >> (18 - 6 * k)) & 63]))
        })
        .collect();
    let v1 = format!(
        "$rehash-wrap$v=1$inner=md5_crypt,s={b64url}$argon2id$v=19$m=4096,t=1,p=1${}${}",
        "A".repeat(22),
        "A".repeat(43)
    );
    [v2, v1]
}

fn nested_too_deeply(r: &rehash::Result<impl std::fmt::Debug>) -> bool {
    matches!(r, Err(Error::Malformed { what, .. }) if what.contains("nested too deeply"))
}

#[test]
fn wrapped_strings_do_not_reopen_the_nesting() {
    // A wrapped string's inner setting is parsed again: deep nesting there is
    // refused for its depth, on a small stack too.
    for n in [5, 100, 500] {
        for forged in forged_wraps(n) {
            let got = Policy::default().verify(b"foobarbaz", Stored::new(&forged));
            assert!(nested_too_deeply(&got), "{n}: {got:?}");
            let t = std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || nested_too_deeply(&rehash::identify(&forged)))
                .expect("spawn");
            assert!(t.join().expect("no stack overflow"), "{n}");
        }
    }
    // Two `{CRYPT}` are within the limit: the same strings then fail later,
    // for another reason (the inner label is not md5_crypt's).
    for forged in forged_wraps(2) {
        let got = Policy::default().verify(b"foobarbaz", Stored::new(&forged));
        assert!(matches!(got, Err(Error::Malformed { .. })) && !nested_too_deeply(&got), "{got:?}");
    }
}
