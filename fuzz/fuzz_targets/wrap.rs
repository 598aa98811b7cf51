//! Wrapping: arbitrary rows through `Policy::wrap`, and arbitrary strings
//! behind the `$rw2$` (version 2) and `$rehash-wrap$v=1$` prefixes through
//! identify and verify (with the row's salt and user columns). Never
//! panics, and the round trip holds: when a row wraps, the wrapped string
//! identifies as `rehash_wrap` with the target's Argon2 parameters, and
//! verifies (with the row's salt and user columns) with a password exactly
//! when the original row did, and `wrap_len` is its length (the seeds carry
//! each vector's real password, so both outcomes are exercised).
//!
//! Input layout: see `rehash_fuzz::Input` (`stored\0salt\0user\0label\0password`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash::{Params, Scheme, Stored, Target};
use rehash_fuzz::{policies, Input};

const PREFIX: &str = "$rw2$";
const PREFIX_V1: &str = "$rehash-wrap$v=1$";

/// The row's salt and user columns around another stored string.
fn with_columns<'a>(hash: &'a str, input: &'a Input<'_>) -> Stored<'a> {
    let mut s = Stored::new(hash);
    if let Some(x) = &input.salt {
        s = s.with_salt(x);
    }
    if let Some(u) = &input.user {
        s = s.with_user(u);
    }
    s
}

fuzz_target!(|data: &[u8]| {
    let input = Input::parse(data);
    let pw = input.password;
    let all = policies();
    let policy = &all[usize::from(pw.first().copied().unwrap_or(0)) % all.len()];

    // Arbitrary text as a wrapped string of either version.
    let onion = if input.stored.starts_with(PREFIX) || input.stored.starts_with(PREFIX_V1) {
        input.stored.to_string()
    } else if pw.get(1).is_some_and(|b| b & 1 == 1) {
        format!("{PREFIX_V1}{}", input.stored)
    } else {
        format!("{PREFIX}{}", input.stored)
    };
    let _ = policy.identify(with_columns(&onion, &input)).map_err(|e| e.to_string());
    if let Ok(v) = policy.verify(pw, with_columns(&onion, &input)) {
        assert_eq!(v.identified().scheme, Scheme::RehashWrap);
        assert!(!v.is_valid() || v.needs_upgrade(), "a valid wrapped hash must ask for an upgrade");
    }
    assert!(policy.wrap(onion.as_str()).is_err(), "an already wrapped string was wrapped again");
    assert!(policy.wrap_len(onion.as_str()).is_err(), "an already wrapped string has a wrap length");

    // The row itself.
    let row = input.row();
    let Ok(wrapped) = policy.wrap(row) else { return };
    assert!(wrapped.starts_with(PREFIX), "wrap output lacks the prefix");
    assert_eq!(policy.wrap_len(row).ok(), Some(wrapped.len()), "wrap_len is not the wrap's length");
    let id = policy.identify(with_columns(&wrapped, &input)).expect("a fresh wrap identifies");
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
        let onion = policy.verify(password, with_columns(&wrapped, &input));
        if let Ok(o) = &original {
            let w =
                onion.unwrap_or_else(|e| panic!("the original verified ({o:?}) but its wrap failed: {e}"));
            assert_eq!(o.is_valid(), w.is_valid(), "the wrap verifies differently from the original");
        }
    }
});
