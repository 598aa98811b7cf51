//! Property tests: hash→verify round trips for every target, identify's
//! stability, wrap→verify over legacy vectors, and "verify never panics" on
//! mutated vector strings. Case counts are modest so the file stays fast in a
//! debug build (the KDF crates are optimised even there).

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rehash::{Ceilings, Kind, Params, Policy, Scheme, Stored, Target};

const OUTER: Target = Target::Argon2id { m_kib: 64, t: 1, p: 1 };

fn targets() -> [Target; 5] {
    [
        OUTER,
        Target::Bcrypt { cost: 4 },
        Target::BcryptSha256 { cost: 4 },
        Target::Scrypt { log_n: 4, r: 8, p: 1 },
        Target::Pbkdf2Sha256 { iterations: 10 },
    ]
}

fn weak(target: Target) -> Policy {
    Policy::builder().target(target).dangerous().allow_below_owasp_floor().build().expect("policy")
}

/// The policies of the round-trip tests, one per target.
fn policies() -> &'static [Policy] {
    static P: OnceLock<Vec<Policy>> = OnceLock::new();
    P.get_or_init(|| targets().into_iter().map(weak).collect())
}

/// Low ceilings, so no mutated vector can make a case slow.
fn cheap_policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        Policy::builder()
            .target(OUTER)
            .dangerous()
            .allow_below_owasp_floor()
            .declare(Scheme::Md5Hex)
            .declare(Scheme::DesCrypt)
            .ceilings(Ceilings {
                memory_kib: 2048,
                argon2_passes: 2,
                parallelism: 2,
                bcrypt_cost: 6,
                iterations: 20_000,
            })
            .argon2_threads(2)
            .build()
            .expect("policy")
    })
}

/// A different password: one ASCII byte among the first eight (DES crypts
/// read only eight, legacy bcrypt 72) changed in its low seven bits (DES
/// drops the eighth). `None` when no such change is certain to matter.
fn mutate(password: &[u8], pick: usize, xor: u8) -> Option<Vec<u8>> {
    let mut wrong = password.to_vec();
    let ascii: Vec<usize> = (0..wrong.len().min(8)).filter(|&i| wrong[i].is_ascii()).collect();
    if ascii.is_empty() {
        wrong.insert(0, b'x');
        return Some(wrong);
    }
    let i = ascii[pick % ascii.len()];
    let (old, new) = (wrong[i], wrong[i] ^ (xor % 0x7f + 1));
    // mysql323 skips spaces and tabs: turning one into the other changes nothing.
    if [old, new].iter().all(|c| *c == b' ' || *c == b'\t') {
        return None;
    }
    wrong[i] = new;
    Some(wrong)
}

proptest! {
    #![proptest_config(Config { cases: 96, ..Config::default() })]

    /// Every target: a fresh hash verifies with its password, needs no
    /// upgrade, identifies as the target scheme, and a wrong password fails.
    #[test]
    fn hash_verify_round_trip(
        which in 0..5usize,
        password in proptest::collection::vec(any::<u8>(), 0..=100),
        pick in any::<usize>(),
        xor in any::<u8>(),
    ) {
        let policy = &policies()[which];
        let target = *policy.target();
        let hash = match policy.hash(&password) {
            Err(rehash::Error::PasswordTooLong { max: 72, .. })
                if matches!(target, Target::Bcrypt { .. }) && password.len() > 72 =>
            {
                return Ok(());
            }
            other => other.map_err(|e| TestCaseError::fail(format!("{target:?}: hash: {e}")))?,
        };
        let v = policy.verify(&password, hash.as_str()).expect("verify");
        prop_assert!(v.is_valid(), "{:?}: the fresh hash does not verify", target);
        prop_assert!(!v.needs_upgrade(), "{:?}: the fresh hash needs an upgrade", target);
        prop_assert_eq!(v.identified().scheme, target.scheme());
        prop_assert_eq!(rehash::identify(&hash).expect("identify").scheme, target.scheme());
        if let Some(wrong) = mutate(&password, pick, xor) {
            let w = policy.verify(&wrong, hash.as_str()).expect("verify wrong");
            prop_assert!(!w.is_valid(), "{:?}: a wrong password verifies", target);
        }
    }

    /// Identifying the same string twice gives the same answer, for arbitrary
    /// text and for the hashes the targets make.
    #[test]
    fn identify_is_stable(s in "\\PC{0,80}|\\$[0-9a-z$=,./]{0,60}|\\{[A-Z0-9-]{0,8}\\}[A-Za-z0-9+/=]{0,40}") {
        prop_assert_eq!(rehash::identify(&s), rehash::identify(&s));
        let p = cheap_policy();
        prop_assert_eq!(p.identify(s.as_str()), p.identify(s.as_str()));
    }
}

fn vectors(files: &[&str]) -> Option<Vec<common::Vector>> {
    let mut out = Vec::new();
    for f in files {
        out.extend(common::load(f)?);
    }
    Some(out)
}

/// Up to two valid vectors of every legacy family.
fn legacy_sample() -> Option<Vec<common::Vector>> {
    let mut per: BTreeMap<Scheme, Vec<common::Vector>> = BTreeMap::new();
    for v in vectors(&["valid_invalid.jsonl", "more_valid_invalid.jsonl"])? {
        let Some(scheme) = v.family.as_deref().and_then(Scheme::from_name) else { continue };
        let slot = per.entry(scheme).or_default();
        if v.expect == "valid" && scheme.kind() == Kind::Legacy && slot.len() < 2 {
            slot.push(v);
        }
    }
    Some(per.into_values().flatten().collect())
}

/// wrap→verify over legacy vectors: the wrap identifies as `rehash_wrap` with
/// the target's Argon2 parameters, verifies with the vector's password, and
/// fails with a mutated one, exactly as the original does.
#[test]
fn wrap_then_verify_legacy_vectors() {
    let Some(sample) = legacy_sample() else { return };
    assert!(sample.len() > 60, "only {} legacy vectors", sample.len());
    let policy = weak(OUTER);
    let mut runner = TestRunner::new(Config { cases: 64, failure_persistence: None, ..Config::default() });
    let strategy = (0..sample.len(), any::<usize>(), any::<u8>());
    runner
        .run(&strategy, |(i, pick, xor)| {
            let v = &sample[i];
            let row = common::stored(v);
            let wrapped =
                policy.wrap(row).map_err(|e| TestCaseError::fail(format!("{}: wrap: {e}", v.id)))?;
            // A v2 wrap is verified with the row's own salt and user columns.
            let mut wrapped_row = Stored::new(&wrapped);
            if let Some(s) = &v.salt {
                wrapped_row = wrapped_row.with_salt(s);
            }
            if let Some(u) = &v.user {
                wrapped_row = wrapped_row.with_user(u);
            }
            let id = policy.identify(wrapped_row).expect("the wrap identifies");
            prop_assert_eq!(id.scheme, Scheme::RehashWrap);
            prop_assert_eq!(id.params, Params::Argon2 { m_kib: 64, t: 1, p: 1, version: 19 });
            let ok = policy.verify(&v.password, wrapped_row).expect("verify wrapped");
            prop_assert!(ok.is_valid() && ok.needs_upgrade(), "{}: the wrap does not verify", v.id);
            let Some(wrong) = mutate(&v.password, pick, xor) else { return Ok(()) };
            let original = policy.verify(&wrong, row).expect("verify original");
            let onion = policy.verify(&wrong, wrapped_row).expect("verify wrapped");
            prop_assert!(!original.is_valid(), "{}: the mutated password verifies the original", v.id);
            prop_assert!(!onion.is_valid(), "{}: the mutated password verifies the wrap", v.id);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// One edit of a stored string.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, char),
    Truncate(usize),
    Insert(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let c = prop_oneof![
        proptest::char::range(' ', '~'),
        Just('$'),
        Just('0'),
        Just('\0'),
        Just('é'),
        Just('\u{10ffff}'),
    ];
    prop_oneof![
        (any::<usize>(), c.clone()).prop_map(|(i, c)| Edit::Replace(i, c)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), c).prop_map(|(i, c)| Edit::Insert(i, c)),
    ]
}

fn apply(s: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    for e in edits {
        let n = chars.len();
        match *e {
            Edit::Replace(_, c) if n == 0 => chars.push(c),
            Edit::Replace(i, c) => chars[i % n] = c,
            Edit::Truncate(i) => chars.truncate(i % (n + 1)),
            Edit::Insert(i, c) => chars.insert(i % (n + 1), c),
        }
    }
    chars.into_iter().collect()
}

/// Verify (and identify and wrap) never panic on vector strings with random
/// single-character replacements, truncations and insertions, with the
/// vector's password or arbitrary bytes. Results may be Ok or Err.
#[test]
fn verify_never_panics_on_mutated_vectors() {
    let Some(all) = vectors(&[
        "valid_invalid.jsonl",
        "more_valid_invalid.jsonl",
        "malformed.jsonl",
        "more_malformed.jsonl",
    ]) else {
        return;
    };
    let policy = cheap_policy();
    let mut runner = TestRunner::new(Config { cases: 384, failure_persistence: None, ..Config::default() });
    let password = prop_oneof![Just(None), proptest::collection::vec(any::<u8>(), 0..40).prop_map(Some)];
    let strategy = (0..all.len(), proptest::collection::vec(edit(), 1..4), password, any::<bool>());
    runner
        .run(&strategy, |(i, edits, password, with_columns)| {
            let v = &all[i];
            let hash = apply(&v.hash, &edits);
            let password = password.unwrap_or_else(|| v.password.clone());
            let mut row = Stored::new(&hash);
            if with_columns {
                if let Some(x) = &v.salt {
                    row = row.with_salt(x);
                }
                if let Some(u) = &v.user {
                    row = row.with_user(u);
                }
                if let Some(f) = v.family.as_deref().and_then(Scheme::from_name) {
                    row = row.with_scheme(f);
                }
            }
            let _ = policy.identify(row).map_err(|e| e.to_string());
            let _ = policy.verify(&password, row).map_err(|e| e.to_string());
            let _ = policy.verify_and_upgrade(&password, row).map_err(|e| e.to_string());
            if let Ok(w) = policy.wrap(row) {
                let _ = policy.verify(&password, w.as_str()).map_err(|e| e.to_string());
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
