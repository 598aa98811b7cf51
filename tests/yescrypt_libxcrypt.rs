//! yescrypt strings made by libxcrypt itself (tests/data/make_yescrypt_libxcrypt.py):
//! every cost `crypt_gensalt("$y$", 1..=7)` gives, and the other settings the
//! `$y$` encoding allows and the `yescrypt` crate computes (p > 1, t > 0,
//! the classic and WORM flavors, an empty salt, tiny N and r). Each verifies
//! with its password and not with a changed one; a changed hash never
//! verifies.

use rehash::{Policy, Scheme, Verification};

fn vectors() -> Vec<(String, String)> {
    include_str!("data/yescrypt_libxcrypt.jsonl")
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            (
                v["password"].as_str().expect("password").to_owned(),
                v["hash"].as_str().expect("hash").to_owned(),
            )
        })
        .collect()
}

#[test]
fn libxcrypt_hashes_verify_and_only_with_their_password() {
    let policy = Policy::default();
    let vs = vectors();
    assert!(vs.len() >= 80);
    for (pw, hash) in &vs {
        match policy.verify(pw.as_bytes(), hash.as_str()) {
            Ok(Verification::Valid { identified, .. }) => {
                assert_eq!(identified.scheme, Scheme::Yescrypt, "{hash}")
            }
            other => panic!("{hash} with {pw:?}: {other:?}"),
        }
        let mut wrong = pw.clone().into_bytes();
        match wrong.first_mut() {
            Some(c) => *c ^= 1,
            None => wrong.push(b'x'),
        }
        assert!(
            matches!(policy.verify(&wrong, hash.as_str()), Ok(Verification::Invalid { .. })),
            "{hash} with a changed password"
        );
    }
}

#[test]
fn a_changed_libxcrypt_hash_never_verifies() {
    let policy = Policy::default();
    // The hand-made (cheap) settings, one password each: one character of
    // the hash field changed.
    for (pw, hash) in vectors().iter().filter(|(_, h)| h.contains("$LdJM")).step_by(4) {
        let cut = hash.len() - 10;
        let mut changed = hash.clone();
        let c = if &hash[cut..=cut] == "a" { "b" } else { "a" };
        changed.replace_range(cut..=cut, c);
        let got = policy.verify(pw.as_bytes(), changed.as_str());
        assert!(!matches!(got, Ok(Verification::Valid { .. })), "{changed}: {got:?}");
    }
}
