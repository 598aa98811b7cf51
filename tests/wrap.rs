//! Onion wrapping of every legacy family in both vector waves: the wrapped
//! string verifies exactly when the original did, holds no legacy digest, and
//! a successful login upgrades it to a direct target hash.

mod common;

use rehash::{Error, Kind, Pepper, Policy, Scheme, Stored, Target, Upgrade};

fn policy() -> Policy {
    Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .allow_weak_target_for_tests()
        .build()
        .expect("policy")
}

#[test]
fn every_legacy_family_wraps_and_verifies() {
    let p = policy();
    let mut families = std::collections::BTreeSet::new();
    for file in ["valid_invalid.jsonl", "more_valid_invalid.jsonl"] {
        let Some(vs) = common::load(file) else { return };
        for v in vs.iter().filter(|v| v.expect == "valid") {
            let scheme = Scheme::from_name(v.family.as_deref().unwrap_or_default()).expect("family");
            if scheme.kind() != Kind::Legacy {
                continue;
            }
            let wrapped = p.wrap(common::stored(v)).unwrap_or_else(|e| panic!("{} ({scheme}): {e}", v.id));
            assert!(wrapped.starts_with(&format!("$rehash-wrap$v=1$inner={},", scheme.name())), "{wrapped}");
            assert!(!wrapped.contains(&v.hash), "{}: the legacy string survives in the wrap", v.id);
            let ok = p.verify(&v.password, wrapped.as_str()).unwrap_or_else(|e| panic!("{}: {e}", v.id));
            assert!(ok.is_valid() && ok.needs_upgrade(), "{} ({scheme}) should verify wrapped", v.id);
            assert_eq!(ok.identified().scheme, Scheme::RehashWrap);
            let mut wrong = v.password.clone();
            wrong.push(b'!');
            if scheme != Scheme::DesCrypt
                && scheme != Scheme::LdapDesCrypt
                && scheme != Scheme::DjangoDesCrypt
            {
                assert!(!p.verify(&wrong, wrapped.as_str()).expect("verify").is_valid(), "{}", v.id);
            }
            wrong[0] ^= 0x20;
            assert!(!p.verify(&wrong, wrapped.as_str()).expect("verify").is_valid(), "{}", v.id);
            families.insert(scheme);
        }
    }
    assert!(families.len() > 60, "wrapped {} families", families.len());
}

#[test]
fn a_login_replaces_the_wrap_with_a_direct_hash() {
    let p = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .allow_weak_target_for_tests()
        .declare(Scheme::Md5Hex)
        .build()
        .expect("policy");
    let wrapped = p.wrap("5f4dcc3b5aa765d61d8327deb882cf99").expect("wrap");
    let up = p.verify_and_upgrade(b"password", wrapped.as_str()).expect("verify");
    let direct = up.new_hash().expect("upgrade").to_owned();
    assert!(direct.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    assert_eq!(
        p.verify_and_upgrade(b"password", direct.as_str()).expect("v"),
        Upgrade::Valid { new_hash: None }
    );
    assert_eq!(p.verify_and_upgrade(b"passw0rd", wrapped.as_str()).expect("v"), Upgrade::Invalid);
}

#[test]
fn wrap_refuses_what_it_must_not_touch() {
    let p = policy();
    let w = p.wrap("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").expect("wrap");
    assert!(matches!(p.wrap(w.as_str()), Err(Error::Unsupported { .. })), "no double wrap");
    assert!(p.wrap("!$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").is_err(), "locked accounts stay locked");
    let bcrypt = Policy::builder().target(Target::Bcrypt { cost: 10 }).build().expect("policy");
    assert!(bcrypt.wrap("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").is_err());
}

#[test]
fn peppered_wrap_resists_shucking() {
    // With a pepper, the leaked inner digest alone cannot be tested against
    // the wrapped hash: the outer Argon2id needs the secret too.
    let pepper = Pepper::new(b"k1", &[42; 32]).expect("pepper");
    let p = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .allow_weak_target_for_tests()
        .declare(Scheme::Md5Hex)
        .pepper(pepper)
        .current_pepper(b"k1")
        .build()
        .expect("policy");
    let wrapped = p.wrap("5f4dcc3b5aa765d61d8327deb882cf99").expect("wrap");
    assert!(wrapped.contains(",keyid=azE$"), "{wrapped}");
    assert!(p.verify(b"password", wrapped.as_str()).expect("verify").is_valid());
    // An attacker who has the table but not the pepper:
    let attacker = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .allow_weak_target_for_tests()
        .declare(Scheme::Md5Hex)
        .pepper(Pepper::new(b"k1", &[0; 32]).expect("pepper"))
        .build()
        .expect("policy");
    assert!(!attacker.verify(b"password", wrapped.as_str()).expect("verify").is_valid());
}

#[test]
fn malformed_wraps_are_errors() {
    let p = policy();
    let good = p.wrap("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").expect("wrap");
    for bad in [
        "$rehash-wrap$v=2$inner=md5_crypt,s=JDEk$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
        "$rehash-wrap$v=1$inner=nope,s=JDEk$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
        "$rehash-wrap$v=1$inner=md5_crypt$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".to_owned(),
        good.replace("m=64", "m=4194304"),
        good.replace("argon2id$", "argon2i$"),
        good[..good.len() - 5].to_owned(),
    ] {
        assert!(p.verify(b"password", bad.as_str()).is_err(), "{bad}");
    }
}

#[test]
fn declared_recipes_wrap_and_keep_their_constant_secret() {
    use rehash::{DigestEncoding, Recipe, SaltLayout};
    // sha256($const.$pass), as tests/upgrade.rs: hashlib.sha256(b"shop-secret" + b"pw").hexdigest()
    let recipe = || {
        Recipe::new("sha256($const.$pass)", DigestEncoding::Hex, SaltLayout::None)
            .expect("recipe")
            .with_constant(b"shop-secret")
    };
    let p = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .allow_weak_target_for_tests()
        .recipe(recipe())
        .build()
        .expect("policy");
    let real = {
        use sha2::{Digest, Sha256};
        let d = Sha256::new().chain_update(b"shop-secret").chain_update(b"pw").finalize();
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let w = p.wrap(Stored::new(&real).with_scheme(Scheme::Recipe)).expect("wrap");
    assert!(w.contains(",recipe="), "{w}");
    assert!(!w.contains("shop-secret") && !w.contains("c2hvcC1zZWNyZXQ"), "the constant stays in the policy");
    assert!(p.verify(b"pw", w.as_str()).expect("verify").is_valid());
    assert!(!p.verify(b"pv", w.as_str()).expect("verify").is_valid());
    // A policy that does not declare the recipe cannot check it: a clear error.
    assert!(matches!(policy().verify(b"pw", w.as_str()), Err(Error::InvalidConfig(_))));
}

#[test]
fn modern_families_below_target_wrap_too() {
    // The batch tool wraps every row below policy, modern ones included.
    let p = policy();
    let mut n = 0;
    for file in ["valid_invalid.jsonl", "more_valid_invalid.jsonl"] {
        let Some(vs) = common::load(file) else { return };
        for v in vs.iter().filter(|v| v.expect == "valid") {
            let scheme = Scheme::from_name(v.family.as_deref().unwrap_or_default()).expect("family");
            if scheme.kind() != Kind::Modern {
                continue;
            }
            let wrapped = p.wrap(common::stored(v)).unwrap_or_else(|e| panic!("{} ({scheme}): {e}", v.id));
            assert!(
                p.verify(&v.password, wrapped.as_str()).expect("verify").is_valid(),
                "{} ({scheme})",
                v.id
            );
            let mut wrong = v.password.clone();
            wrong.push(b'!');
            assert!(!p.verify(&wrong, wrapped.as_str()).expect("verify").is_valid(), "{}", v.id);
            n += 1;
        }
    }
    assert!(n > 50, "{n}");
}
