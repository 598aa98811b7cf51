//! Every vector of the three waves (tests/vectors, a copy of ../shared/vectors)
//! through the library: valid ones verify, negatives do not, malformed ones
//! fail as their `expect` says. A family hint is given only for the families
//! that are not self-describing; salt, user, params and params_col as the
//! line carries them.

mod common;

use rehash::{Policy, Scheme, Verification};

fn run(vs: &[common::Vector]) -> Vec<String> {
    let policy = Policy::default();
    let mut failures = Vec::new();
    for v in vs {
        let got = policy.verify(&v.password, common::stored(v));
        let ok = match (v.expect.as_str(), &got) {
            ("valid", Ok(Verification::Valid { identified, .. })) => {
                v.family.as_deref() == Some(identified.scheme.name())
            }
            ("invalid", Ok(Verification::Invalid { identified })) => {
                v.family.as_deref() == Some(identified.scheme.name())
            }
            ("error", Err(_)) => true,
            ("not_valid", Err(_) | Ok(Verification::Invalid { .. })) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!("{} ({:?}, expect {}): got {:?}", v.id, v.family, v.expect, got));
        }
    }
    failures
}

#[test]
fn core_catalogue_valid_and_invalid() {
    let Some(vs) = common::load("valid_invalid.jsonl") else { return };
    assert!(vs.len() > 300);
    let failures = run(&vs);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn core_catalogue_malformed() {
    let Some(vs) = common::load("malformed.jsonl") else { return };
    let failures = run(&vs);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_core_family_is_in_the_catalogue() {
    let Some(vs) = common::load("valid_invalid.jsonl") else { return };
    for v in vs {
        let f = v.family.expect("family");
        assert!(Scheme::from_name(&f).is_some(), "family {f} missing from Scheme");
    }
}

#[test]
fn second_wave_valid_and_invalid() {
    let Some(vs) = common::load("more_valid_invalid.jsonl") else { return };
    assert!(vs.len() > 200);
    let failures = run(&vs);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn second_wave_malformed_and_locked() {
    let Some(vs) = common::load("more_malformed.jsonl") else { return };
    let failures = run(&vs);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_second_wave_family_is_in_the_catalogue() {
    let Some(vs) = common::load("more_valid_invalid.jsonl") else { return };
    for v in vs {
        let f = v.family.expect("family");
        assert!(Scheme::from_name(&f).is_some(), "family {f} missing from Scheme");
    }
}

#[test]
fn every_third_wave_family_is_in_the_catalogue() {
    let Some(vs) = common::load("wave3_valid_invalid.jsonl") else { return };
    let families: std::collections::BTreeSet<String> = vs.into_iter().filter_map(|v| v.family).collect();
    assert_eq!(families.len(), 63, "the third wave has 63 families");
    for f in families {
        assert!(Scheme::from_name(&f).is_some(), "family {f} missing from Scheme");
    }
}

#[test]
fn third_wave_valid_and_invalid() {
    let Some(vs) = common::load("wave3_valid_invalid.jsonl") else { return };
    assert!(vs.len() > 400);
    let failures = run(&vs);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn third_wave_malformed() {
    let Some(vs) = common::load("wave3_malformed.jsonl") else { return };
    let failures = run(&vs);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
