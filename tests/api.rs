//! Behaviour of the public API beyond the shared vectors: ambiguity, ceilings,
//! password limits, hashing into every target, redaction.

use rehash::{Ceilings, DigestEncoding, Error, Params, Policy, Recipe, SaltLayout, Scheme, Stored, Target};

fn weak(target: Target) -> Policy {
    Policy::builder().target(target).dangerous().allow_below_owasp_floor().build().expect("policy")
}

#[test]
fn bare_hex_is_ambiguous_until_declared() {
    let md5 = "5f4dcc3b5aa765d61d8327deb882cf99";
    match rehash::identify(md5) {
        Err(Error::Ambiguous { candidates }) => {
            assert!(candidates.contains(&Scheme::Md5Hex));
            assert!(candidates.contains(&Scheme::Ntlm));
            assert!(candidates.contains(&Scheme::Md5Md5Hex));
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    let p = Policy::builder().declare(Scheme::Ntlm).build().expect("policy");
    assert_eq!(p.identify(md5).expect("declared").scheme, Scheme::Ntlm);
    // Two declared candidates of one shape: still an error, never a guess.
    let p = Policy::builder().declare(Scheme::Ntlm).declare(Scheme::Md5Hex).build().expect("policy");
    assert!(matches!(p.identify(md5), Err(Error::Ambiguous { .. })));
    // The row's own scheme wins.
    let s = Stored::new(md5).with_scheme(Scheme::Md5Hex);
    assert!(p.verify(b"password", s).expect("verify").is_valid());
}

#[test]
fn self_describing_strings_need_no_hint() {
    for (s, scheme) in [
        ("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0", Scheme::Md5Crypt),
        ("{SHA}X5CF6A/5Ziu/m2u69hxalV2cB9Q=", Scheme::LdapSha1),
        ("$H$BbOpup1BA54sR/CHTnTBkfZZN4hJt2.", Scheme::Phpass),
    ] {
        assert_eq!(rehash::identify(s).expect("identify").scheme, scheme);
    }
    let id = rehash::identify("$6$rounds=5000$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/").expect("identify");
    assert_eq!(id, rehash::Identified::new(Scheme::Sha512Crypt, Params::Rounds(5000)));
}

#[test]
fn ceilings_refuse_before_work() {
    let c = Ceilings { bcrypt_cost: 8, ..Ceilings::default() };
    let p = Policy::builder().ceilings(c).build().expect("policy");
    let cost10 = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
    match p.verify(b"x", cost10) {
        Err(Error::ParameterOutOfRange { parameter: "cost", value: 10, limit: 8, .. }) => {}
        other => panic!("{other:?}"),
    }
    for s in [
        "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=65536,t=100,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        "$6$rounds=999999999$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
        "$scrypt$ln=30,r=8,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
        "pbkdf2_sha256$4000000000$salt$Tf5kJTrbiuJKqH4EiPz82XK1x7tiRSFaEQ3O4EE1PZc=",
    ] {
        let start = std::time::Instant::now();
        let r = Policy::default().verify(b"password", s);
        assert!(matches!(r, Err(Error::ParameterOutOfRange { .. })), "{s}: {r:?}");
        // Not a timing assertion on the KDF: a refused string must not run it at all.
        assert!(start.elapsed().as_secs() < 5);
    }
}

#[test]
fn password_length_limit() {
    let p = Policy::builder().max_password_bytes(16).build().expect("policy");
    let r = p.verify(&[b'a'; 17], "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0");
    assert_eq!(r, Err(Error::PasswordTooLong { len: 17, max: 16 }));
    assert!(matches!(Policy::default().hash(&[0u8; 4097]), Err(Error::PasswordTooLong { max: 4096, .. })));
}

#[test]
fn targets_hash_and_verify_round_trip() {
    for target in [
        Target::Argon2id { m_kib: 64, t: 1, p: 1 },
        Target::Bcrypt { cost: 4 },
        Target::BcryptSha256 { cost: 4 },
        Target::Scrypt { log_n: 4, r: 8, p: 1 },
        Target::Pbkdf2Sha256 { iterations: 10 },
    ] {
        let p = weak(target);
        let h = p.hash("pässwörd".as_bytes()).expect("hash");
        let v = p.verify("pässwörd".as_bytes(), h.as_str()).expect("verify");
        assert!(v.is_valid(), "{target:?}");
        assert!(!v.needs_upgrade(), "{target:?} should be at policy");
        assert_eq!(v.identified().scheme, target.scheme());
        assert!(!p.verify(b"passw0rd", h.as_str()).expect("verify").is_valid());
    }
}

#[test]
fn real_defaults_are_the_owasp_floor() {
    assert_eq!(*Policy::default().target(), Target::Argon2id { m_kib: 19_456, t: 2, p: 1 });
    let h = Policy::default().hash(b"hunter2").expect("hash");
    assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    for weak_target in [
        Target::Argon2id { m_kib: 19_455, t: 2, p: 1 },
        Target::Argon2id { m_kib: 65_536, t: 1, p: 1 },
        Target::Bcrypt { cost: 9 },
        Target::Scrypt { log_n: 16, r: 8, p: 1 },
        Target::Pbkdf2Sha256 { iterations: 599_999 },
    ] {
        assert!(Policy::builder().target(weak_target).build().is_err(), "{weak_target:?}");
    }
}

#[test]
fn bcrypt_target_never_truncates() {
    let p = weak(Target::Bcrypt { cost: 4 });
    assert!(matches!(p.hash(&[b'a'; 73]), Err(Error::PasswordTooLong { max: 72, .. })));
    let p = weak(Target::BcryptSha256 { cost: 4 });
    let long_a = [b'a'; 100];
    let mut long_b = long_a;
    long_b[99] = b'b';
    let h = p.hash(&long_a).expect("hash");
    assert!(p.verify(&long_a, h.as_str()).expect("verify").is_valid());
    assert!(!p.verify(&long_b, h.as_str()).expect("verify").is_valid());
}

#[test]
fn legacy_bcrypt_truncates_like_its_makers() {
    // python bcrypt 4 / crypt_blowfish used only the first 72 bytes.
    let p = weak(Target::Bcrypt { cost: 4 });
    let mut pw = vec![b'x'; 72];
    let h = p.hash(&pw).expect("hash");
    pw.extend_from_slice(b"ignored tail");
    assert!(p.verify(&pw, h.as_str()).expect("verify").is_valid());
}

#[test]
fn modern_hash_below_target_needs_upgrade() {
    let low = weak(Target::Bcrypt { cost: 4 }).hash(b"pw").expect("hash");
    let high = weak(Target::Bcrypt { cost: 5 });
    assert!(high.verify(b"pw", low.as_str()).expect("verify").needs_upgrade());
    let a_low = weak(Target::Argon2id { m_kib: 64, t: 1, p: 1 }).hash(b"pw").expect("hash");
    let a_high = weak(Target::Argon2id { m_kib: 128, t: 1, p: 1 });
    assert!(a_high.verify(b"pw", a_low.as_str()).expect("verify").needs_upgrade());
}

#[test]
fn declared_recipe_resolves_home_made_layouts() {
    // sha256($salt.$pass) with `salt$hash`, written by Python's hashlib:
    // hashlib.sha256(b"NaCl" + b"password").hexdigest()
    let r =
        Recipe::new("sha256($salt.$pass)", DigestEncoding::Hex, SaltLayout::SaltDollarHash).expect("recipe");
    let p = Policy::builder().recipe(r).build().expect("policy");
    let stored = "NaCl$b20ab74aa2549f7e13a0e886cb4471cc2e70fcd2ce8075c0ee6483abba6132f3";
    let v = p.verify(b"password", stored).expect("verify");
    assert!(v.is_valid() && v.needs_upgrade());
    assert_eq!(v.identified().scheme, Scheme::Recipe);
    assert!(!p.verify(b"passwore", stored).expect("verify").is_valid());
}

#[test]
fn errors_and_debug_never_echo_secrets() {
    let secret_hash = "$1$SECRETSA$NsqANW0ddjBi8pF1uTHrw0";
    let s = Stored::new(secret_hash).with_salt("SALTVALUE");
    let dbg = format!("{s:?}");
    assert!(!dbg.contains("SECRET") && !dbg.contains("SALTVALUE"), "{dbg}");
    for bad in ["$1$SECRETSALTTOOLONG$xx", "{SSHA}SECRET!!", "SECRET$$$", "$argon2id$v=19$m=SECRET"] {
        let e = Policy::default().verify(b"hunter2", bad).expect_err("malformed");
        let msg = e.to_string();
        assert!(!msg.contains("SECRET") && !msg.contains("hunter2"), "{msg}");
    }
}

#[test]
fn garbage_never_panics() {
    let p = Policy::builder().declare(Scheme::Md5Hex).declare(Scheme::DesCrypt).build().expect("policy");
    let seeds = ["$", "$$", "{", "}", "_", "*", ":", "$2b$", "$argon2id$", "scrypt:", "pbkdf2:", "md5$"];
    for a in seeds {
        for b in seeds {
            for tail in ["", "x", "0", "$", "aaaaaaaaaaaaaaaaaaaaaa", "€"] {
                let s = format!("{a}{b}{tail}");
                let _ = p.verify(b"pw", s.as_str());
                let _ = rehash::identify(&s);
            }
        }
    }
}

#[test]
fn locked_accounts_never_verify() {
    // Real hashes of "password" behind lock markers.
    let md5crypt = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0";
    assert!(Policy::default().verify(b"password", md5crypt).expect("verify").is_valid());
    for locked in [
        format!("!{md5crypt}"),
        format!("*{md5crypt}"),
        format!("*LK*{md5crypt}"),
        format!("{{CRYPT}}!{md5crypt}"),
        "!".to_owned(),
        "*".to_owned(),
        "!!".to_owned(),
        "!jBWKJDlBfyYGOcp5Cl9jpARWJWM6HDPJq5pYtrfD".to_owned(),
    ] {
        let v = Policy::default().verify(b"password", locked.as_str()).expect("verify");
        assert!(!v.is_valid() && !v.needs_upgrade(), "{locked}");
        assert_eq!(v.identified().scheme, Scheme::Disabled);
        assert_eq!(rehash::identify(&locked).expect("identify").scheme, Scheme::Disabled);
    }
    // `*` + 40 hex is MySQL 4.1's format, not a lock marker.
    let mysql = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";
    let p = Policy::builder().declare(Scheme::Mysql41).build().expect("policy");
    assert!(p.verify(b"password", mysql).expect("verify").is_valid());
    // `*` before garbage is malformed, not silently "locked".
    assert!(Policy::default().verify(b"x", "*AAAA").is_err());
}

#[test]
fn drupal_wrapped_md5_always_needs_upgrade() {
    // Drupal 7's U$S$ rows: drupal7 over hex(md5(pass)); legacy, so any
    // successful verify asks for a direct target hash.
    assert_eq!(Scheme::Drupal7WrappedMd5.kind(), rehash::Kind::Legacy);
    assert!(Policy::default()
        .target()
        .needs_upgrade(&rehash::Identified::new(Scheme::Drupal7WrappedMd5, Params::Rounds(1 << 15))));
}

#[test]
fn argon2_lanes_on_several_threads_make_the_same_hashes() {
    // p = 4: one policy fills the lanes on 4 threads, the other on 1; each
    // verifies the other's hashes, and the hashes are standard PHC strings.
    let target = Target::Argon2id { m_kib: 256, t: 2, p: 4 };
    let policy = |threads| {
        Policy::builder()
            .target(target)
            .dangerous()
            .allow_below_owasp_floor()
            .argon2_threads(threads)
            .build()
            .expect("policy")
    };
    let (one, four) = (policy(1), policy(4));
    assert_eq!(four.argon2_threads_for(4), 4);
    assert_eq!(four.argon2_threads_for(2), 2);
    assert_eq!(one.argon2_threads_for(4), 1);
    let by_four = four.hash(b"lanes").expect("hash");
    let by_one = one.hash(b"lanes").expect("hash");
    assert!(by_four.starts_with("$argon2id$v=19$m=256,t=2,p=4$"));
    assert!(one.verify(b"lanes", by_four.as_str()).expect("verify").is_valid());
    assert!(four.verify(b"lanes", by_one.as_str()).expect("verify").is_valid());
    assert!(!four.verify(b"lanez", by_one.as_str()).expect("verify").is_valid());
}

#[test]
fn argon2_path_is_one_the_cpu_has() {
    let path = rehash::argon2_path();
    assert!(["avx512", "avx2", "portable"].contains(&path));
    // scripts/test reruns the vector suites with the path forced.
    match std::env::var("REHASH_ARGON2_BACKEND").as_deref() {
        Ok("portable") => assert_eq!(path, "portable"),
        Ok("avx2") if rehash_argon2::Backend::Avx2.is_available() => assert_eq!(path, "avx2"),
        _ => {}
    }
    eprintln!("argon2 path: {path}");
}

#[test]
fn sha512_path_is_one_the_cpu_has() {
    let path = rehash::sha512_path();
    assert!(["avx2", "portable"].contains(&path));
    match std::env::var("REHASH_SHA512_BACKEND").as_deref() {
        Ok("portable") => assert_eq!(path, "portable"),
        _ => assert_eq!(path == "avx2", rehash_sha512::Backend::Avx2.is_available()),
    }
    eprintln!("sha512 path: {path}");
}
