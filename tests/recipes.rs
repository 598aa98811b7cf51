//! Declared recipes against independent vectors: tests/recipes/vectors.jsonl
//! was written by Python's hashlib (tests/recipes/make_vectors.py), never by
//! rehash. Nested and iterated digests, an application constant, upper-case
//! hex and base64 output.

use rehash::{DigestEncoding, Policy, Recipe, SaltLayout, Scheme, Stored};
use serde_json::Value;

fn recipe_of(v: &Value) -> Recipe {
    let encoding = match v["encoding"].as_str() {
        Some("base64") => DigestEncoding::Base64,
        _ => DigestEncoding::Hex,
    };
    let layout = match v["layout"].as_str().expect("layout") {
        "hash_colon_salt" => SaltLayout::HashColonSalt,
        "salt_dollar_hash" => SaltLayout::SaltDollarHash,
        "separate" => SaltLayout::Separate,
        _ => SaltLayout::None,
    };
    let mut r = Recipe::new(v["notation"].as_str().expect("notation"), encoding, layout).expect("recipe");
    if let Some(rounds) = v["rounds"].as_u64() {
        r = r.with_rounds(rounds as u32, v["raw_rounds"].as_bool().unwrap_or(false)).expect("rounds");
    }
    if let Some(c) = v["constant"].as_str() {
        r = r.with_constant(c.as_bytes());
    }
    r
}

#[test]
fn hashlib_vectors_verify_and_negatives_do_not() {
    let text = include_str!("recipes/vectors.jsonl");
    let mut n = 0;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("json");
        let policy = Policy::builder().recipe(recipe_of(&v)).build().expect("policy");
        let hash = v["hash"].as_str().expect("hash");
        let mut stored = Stored::new(hash).with_scheme(Scheme::Recipe);
        if let Some(s) = v["salt"].as_str() {
            stored = stored.with_salt(s);
        }
        let pw = v["password"].as_str().expect("password");
        let ok = policy.verify(pw.as_bytes(), stored).unwrap_or_else(|e| panic!("{}: {e}", v["id"]));
        assert!(ok.is_valid(), "{} should verify", v["id"]);
        assert!(ok.needs_upgrade());
        let wrong = format!("{pw}x");
        assert!(!policy.verify(wrong.as_bytes(), stored).expect("verify").is_valid(), "{}", v["id"]);
        n += 1;
    }
    assert_eq!(n, 50);
}

#[test]
fn the_constant_is_redacted() {
    let r = Recipe::new("md5($const.$pass)", DigestEncoding::Hex, SaltLayout::None)
        .expect("recipe")
        .with_constant(b"TOPSECRETKEY");
    assert!(!format!("{r:?}").contains("TOPSECRET"));
}
