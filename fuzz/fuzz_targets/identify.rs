//! Any bytes, as lossy UTF-8, through `rehash::identify` and `Policy::identify`
//! (plain, with declared schemes and a recipe, and with every declarable
//! scheme as the row's hint). Identification parses only, so it must never
//! panic, and it must be stable: the same string gives the same answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash::{Scheme, Stored};
use rehash_fuzz::policies;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let first = rehash::identify(&s);
    let again = rehash::identify(&s);
    match (&first, &again) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "identify is not stable"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "identify is not stable"),
        _ => panic!("identify is not stable: {first:?} then {again:?}"),
    }
    if let Err(e) = &first {
        let _ = e.to_string();
    }
    for policy in policies() {
        let _ = policy.identify(s.as_ref()).map_err(|e| e.to_string());
    }
    // Every declarable scheme as the row's hint, with and without a salt and
    // user column (taken from the string itself after a ':' if it has one).
    let (hash, extra) = s.split_once('\u{1}').unwrap_or((&s, ""));
    for &scheme in Scheme::ALL.iter().filter(|s| s.needs_declaration()) {
        let row = Stored::new(hash).with_scheme(scheme);
        let _ = policies()[0].identify(row).map_err(|e| e.to_string());
        let row = row.with_salt(extra).with_user(extra);
        let _ = policies()[1].identify(row).map_err(|e| e.to_string());
    }
});
