//! Wrapping: arbitrary rows through `Policy::wrap`, and arbitrary strings
//! behind the `$rehash-wrap$v=1$` prefix through identify and verify. Never
//! panics, and the round trip holds: when a row wraps, the wrapped string
//! identifies as `rehash_wrap` with the target's Argon2 parameters, and
//! verifies with a password exactly when the original row did (the seeds carry
//! each vector's real password, so both outcomes are exercised).
//!
//! Input layout: see `rehash_fuzz::Input` (`stored\0salt\0user\0label\0password`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash::{Params, Scheme, Target};
use rehash_fuzz::{policies, Input};

const PREFIX: &str = "$rehash-wrap$v=1$";

fuzz_target!(|data: &[u8]| {
    let input = Input::parse(data);
    let pw = input.password;
    let all = policies();
    let policy = &all[usize::from(pw.first().copied().unwrap_or(0)) % all.len()];

    // Arbitrary text as a wrapped string.
    let onion = if input.stored.starts_with(PREFIX) {
        input.stored.to_string()
    } else {
        format!("{PREFIX}{}", input.stored)
    };
    let _ = policy.identify(onion.as_str()).map_err(|e| e.to_string());
    if let Ok(v) = policy.verify(pw, onion.as_str()) {
        assert_eq!(v.identified().scheme, Scheme::RehashWrap);
        assert!(!v.is_valid() || v.needs_upgrade(), "a valid wrapped hash must ask for an upgrade");
    }
    assert!(policy.wrap(onion.as_str()).is_err(), "an already wrapped string was wrapped again");

    // The row itself.
    let row = input.row();
    let Ok(wrapped) = policy.wrap(row) else { return };
    assert!(wrapped.starts_with(PREFIX), "wrap output lacks the prefix");
    let id = policy.identify(wrapped.as_str()).expect("a fresh wrap identifies");
    assert_eq!(id.scheme, Scheme::RehashWrap);
    let &Target::Argon2id { m_kib, t, p } = policy.target() else { unreachable!("argon2id policies") };
    assert!(
        matches!(id.params, Params::Argon2 { m_kib: m2, t: t2, p: p2, .. } if (m2, t2, p2) == (m_kib, t, p)),
        "outer parameters {:?} are not the target's",
        id.params
    );
    let mut wrong = pw.to_vec();
    wrong.push(b'!');
    for password in [pw, wrong.as_slice()] {
        let original = policy.verify(password, row);
        let onion = policy.verify(password, wrapped.as_str());
        if let Ok(o) = &original {
            let w =
                onion.unwrap_or_else(|e| panic!("the original verified ({o:?}) but its wrap failed: {e}"));
            assert_eq!(o.is_valid(), w.is_valid(), "the wrap verifies differently from the original");
        }
    }
});
