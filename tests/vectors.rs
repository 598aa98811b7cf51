//! Every vector of the core catalogue (../shared/vectors/valid_invalid.jsonl
//! and malformed.jsonl) through the library: valid ones verify, negatives do
//! not, malformed ones fail as their `expect` says. A family hint is given only
//! for the families that are not self-describing.

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
