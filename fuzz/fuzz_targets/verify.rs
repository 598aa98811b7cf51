//! Arbitrary (stored, salt, user, scheme hint, password) through
//! `Policy::verify` and `Policy::verify_and_upgrade` under low ceilings and a
//! tiny Argon2id target, so every run is fast. Never panics, and:
//! - verify and verify_and_upgrade agree on validity;
//! - an upgrade's new hash verifies with the password and needs no upgrade;
//! - a hash the policy just made with `hash(pw)` verifies with pw, and not
//!   with another password.
//!
//! Input layout: see `rehash_fuzz::Input` (`stored\0salt\0user\0label\0password`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash::{Upgrade, Verification};
use rehash_fuzz::{policies, Input, MAX_PASSWORD};

fuzz_target!(|data: &[u8]| {
    let input = Input::parse(data);
    let pw = input.password;
    let all = policies();
    let policy = &all[usize::from(pw.first().copied().unwrap_or(0)) % all.len()];
    let row = input.row();

    let v = policy.verify(pw, row);
    let up = policy.verify_and_upgrade(pw, row);
    match (&v, &up) {
        (Ok(v), Ok(up)) => {
            assert_eq!(v.is_valid(), up.is_valid(), "verify and verify_and_upgrade disagree");
            if let Verification::Valid { needs_upgrade, .. } = v {
                assert_eq!(
                    *needs_upgrade,
                    up.new_hash().is_some(),
                    "upgrade without need, or need without upgrade"
                );
            }
            if let Upgrade::Valid { new_hash: Some(h) } = up {
                let again = policy.verify(pw, h.as_str()).expect("the upgraded hash verifies");
                assert!(again.is_valid(), "the upgraded hash does not verify with its password");
                assert!(!again.needs_upgrade(), "the upgraded hash asks for another upgrade");
            }
        }
        (Err(a), Err(b)) => {
            let _ = (a.to_string(), b.to_string());
        }
        // verify_and_upgrade may fail where verify succeeded only when the
        // new hash cannot be made (e.g. a password NFKC cannot normalize).
        (Ok(v), Err(_)) => assert!(v.needs_upgrade(), "verify_and_upgrade failed where verify said {v:?}"),
        (Err(e), Ok(up)) => panic!("verify failed ({e}) but verify_and_upgrade said {up:?}"),
    }

    // The oracle, on the cheap path: hash(pw) verifies with pw only.
    if pw.len() < MAX_PASSWORD {
        if let Ok(h) = policy.hash(pw) {
            let ok = policy.verify(pw, h.as_str()).expect("a fresh hash verifies");
            assert!(ok.is_valid() && !ok.needs_upgrade(), "a fresh hash does not verify with its password");
            assert_eq!(
                policy.identify(h.as_str()).expect("a fresh hash identifies").scheme,
                policy.target().scheme()
            );
            let mut wrong = pw.to_vec();
            wrong.push(b'!');
            if let Ok(bad) = policy.verify(&wrong, h.as_str()) {
                assert!(!bad.is_valid(), "a fresh hash verifies with another password");
            }
        }
    }
});
