//! Onion wrapping of every legacy family in both vector waves: the wrapped
//! string verifies exactly when the original did, holds no legacy digest, and
//! a successful login upgrades it to a direct target hash. Version 2 strings
//! (`$rw2$…`) fit a VARCHAR(128) column; version 1 strings still verify.

mod common;

use rehash::{Error, Identified, Kind, Normalization, Pepper, Policy, Scheme, Stored, Target, Upgrade};

fn policy() -> Policy {
    Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .dangerous()
        .allow_below_owasp_floor()
        .build()
        .expect("policy")
}

/// The default target (Argon2id m=19456, t=2, p=1) with an 8-byte pepper key
/// id, which the length bound is stated for.
fn default_peppered() -> Policy {
    let id = b"\xffkey-id8";
    Policy::builder()
        .pepper(Pepper::new(id, &[7; 32]).expect("pepper"))
        .current_pepper(id)
        .build()
        .expect("policy")
}

/// A wrapped string as its row holds it: the row keeps its salt and user
/// columns, which a version 2 string does not copy.
fn row<'a>(v: &'a common::Vector, wrapped: &'a str) -> Stored<'a> {
    let mut s = Stored::new(wrapped);
    if let Some(x) = &v.salt {
        s = s.with_salt(x);
    }
    if let Some(u) = &v.user {
        s = s.with_user(u);
    }
    if let Some(p) = &v.params {
        s = s.with_params(p);
    }
    if let Some(c) = &v.params_col {
        s = s.with_params_col(c);
    }
    s
}

fn scheme_of(v: &common::Vector) -> Scheme {
    Scheme::from_name(v.family.as_deref().unwrap_or_default()).expect("family")
}

/// Families wrapped to 110 characters or fewer: nothing of the setting but
/// the family code is written (unsalted digests, and digests whose salt or
/// user name lives in its own column).
const UNSALTED: &[Scheme] = &[
    Scheme::Md5Hex,
    Scheme::Sha1Hex,
    Scheme::Sha256Hex,
    Scheme::Sha512Hex,
    Scheme::Md5Md5Hex,
    Scheme::Ntlm,
    Scheme::HexMd4,
    Scheme::Mysql41,
    Scheme::Mysql323,
    Scheme::PostgresMd5,
    Scheme::BsdNthash,
    Scheme::LdapMd5,
    Scheme::LdapSha1,
    Scheme::LdapHexMd5,
    Scheme::LdapHexSha1,
    Scheme::LdapSha384,
    Scheme::Sha1SaltPass,
    Scheme::Sha256SaltPass,
    Scheme::Sha512PassSalt,
    // wave 3: Dovecot
    Scheme::DovecotSha256,
    Scheme::DovecotSha512,
    Scheme::DovecotSha1,
    Scheme::DovecotLdapMd5,
    Scheme::DovecotPlainMd5,
    Scheme::DovecotPlainMd4,
    Scheme::DovecotCramMd5,
    Scheme::DovecotPlain,
    Scheme::DovecotCleartext,
    Scheme::SpringNoop,
    // wave 3: rows with a salt, params or params column
    Scheme::FirebaseScrypt,
    Scheme::GiteaPbkdf2,
    Scheme::GrafanaPbkdf2,
    Scheme::DiscoursePbkdf2,
    Scheme::AspnetMembershipSha1,
    Scheme::SymfonyMessageDigest,
    Scheme::DjangoUnsaltedMd5,
    Scheme::DjangoUnsaltedSha1,
    Scheme::MediawikiA,
];

/// Rows named in docs/wrap.md as not fitting 128 characters: GRUB's standard
/// 64-byte salt is 128 hex characters on its own, and ASP.NET Identity v3
/// rows with salts or subkeys longer than the standard 16 / 32 bytes
/// (standard rows are 84 characters long). Spring Security's
/// MessageDigestPasswordEncoder salt is the base64 text of 32 bytes (44
/// characters) and SCryptPasswordEncoder's 4.1 default salt 64 bytes (88):
/// rows with either cannot fit; `{scrypt@SpringSecurity_v5_8}` rows with its
/// default 16-byte salt (24 characters) do. 389-ds's `{PBKDF2_SHA256}` (a
/// 64-byte salt); 389-ds 2.x's standard-base64 PBKDF2 rows with other than
/// its default 10000 rounds (a 24-byte salt: 32 characters, plus the count);
/// hashcat's `$mysql$` notation of MySQL rows (a 40-hex salt).
fn exempt(scheme: Scheme, hash: &str) -> bool {
    let pbkdf2_389ds =
        matches!(scheme, Scheme::LdapPbkdf2Sha1Tag | Scheme::LdapPbkdf2Sha256 | Scheme::LdapPbkdf2Sha512)
            && hash.contains('=')
            && !hash.contains("}10000$");
    scheme == Scheme::GrubPbkdf2Sha512
        || (scheme == Scheme::AspnetIdentityV3 && hash.len() > 84)
        || scheme == Scheme::SpringMessageDigest
        || (scheme == Scheme::SpringScrypt && hash.split('$').nth(2).is_some_and(|salt| salt.len() > 24))
        || scheme == Scheme::LdapPbkdf2Sha256389ds
        || pbkdf2_389ds
        || (scheme == Scheme::MysqlCachingSha2 && hash.starts_with("$mysql$"))
}

/// Every valid vector of the three waves (pending wave-3 families aside) that a policy with the default target
/// wraps: legacy families, and modern rows below the target.
fn wrappable() -> Vec<common::Vector> {
    let d = Policy::default();
    let mut out = Vec::new();
    let Some(vs) = common::load_ready_valid_invalid() else { return Vec::new() };
    for v in vs.into_iter().filter(|v| v.expect == "valid") {
        let id: Identified = d.identify(common::stored(&v)).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        if id.scheme != Scheme::Disabled && d.target().needs_upgrade(&id) {
            out.push(v);
        }
    }
    out
}

#[test]
fn every_legacy_family_wraps_and_verifies() {
    let p = policy();
    let mut families = std::collections::BTreeSet::new();
    for v in wrappable() {
        let scheme = scheme_of(&v);
        if scheme.kind() != Kind::Legacy {
            continue;
        }
        let wrapped = p.wrap(common::stored(&v)).unwrap_or_else(|e| panic!("{} ({scheme}): {e}", v.id));
        assert!(wrapped.starts_with("$rw2$"), "{wrapped}");
        assert_eq!(p.wrap_len(common::stored(&v)).expect("wrap_len"), wrapped.len(), "{}", v.id);
        assert!(!wrapped.contains(&v.hash), "{}: the legacy string survives in the wrap", v.id);
        for s in [&v.salt, &v.user].into_iter().flatten() {
            assert!(!wrapped.contains(s.as_str()) || s.len() < 4, "{}: v2 copies a row column", v.id);
        }
        assert_eq!(p.identify(row(&v, &wrapped)).expect("identify").scheme, Scheme::RehashWrap);
        let ok = p.verify(&v.password, row(&v, &wrapped)).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        assert!(ok.is_valid() && ok.needs_upgrade(), "{} ({scheme}) should verify wrapped", v.id);
        assert_eq!(ok.identified().scheme, Scheme::RehashWrap);
        let mut wrong = v.password.clone();
        wrong.push(b'!');
        if scheme != Scheme::DesCrypt && scheme != Scheme::LdapDesCrypt && scheme != Scheme::DjangoDesCrypt {
            assert!(!p.verify(&wrong, row(&v, &wrapped)).expect("verify").is_valid(), "{}", v.id);
        }
        wrong[0] ^= 0x20;
        match p.verify(&wrong, row(&v, &wrapped)) {
            Ok(out) => assert!(!out.is_valid(), "{}", v.id),
            // A flipped lead byte of a non-ASCII password is not UTF-8, which
            // families that hash text (NFKC, UTF-16LE) refuse.
            Err(Error::PasswordNotUtf8 { .. }) => assert!(std::str::from_utf8(&wrong).is_err(), "{}", v.id),
            Err(e) => panic!("{}: {e}", v.id),
        }
        families.insert(scheme);
    }
    assert!(families.len() > 60 || families.is_empty(), "wrapped {} families", families.len());
}

/// A version 1 string as its row holds it: the row's installation settings
/// and params column (never in the string) beside it, not its salt or user.
fn row_v1<'a>(v: &'a common::Vector, wrapped: &'a str) -> Stored<'a> {
    let mut s = Stored::new(wrapped);
    if let Some(p) = &v.params {
        s = s.with_params(p);
    }
    if let Some(c) = &v.params_col {
        s = s.with_params_col(c);
    }
    s
}

#[test]
fn version_1_wraps_still_verify() {
    // Strings written before version 2 carry their salt column and user name
    // (and recipe) themselves and verify from the string alone (and the
    // row's params and params column, which no string holds).
    let p = policy();
    let mut n = 0;
    for v in wrappable() {
        let scheme = scheme_of(&v);
        let wrapped = p.wrap_v1_for_tests(common::stored(&v)).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        assert!(wrapped.starts_with(&format!("$rehash-wrap$v=1$inner={},", scheme.name())), "{wrapped}");
        assert!(!wrapped.contains(&v.hash), "{}", v.id);
        assert_eq!(p.identify(row_v1(&v, &wrapped)).expect("identify").scheme, Scheme::RehashWrap);
        let ok = p.verify(&v.password, row_v1(&v, &wrapped)).unwrap_or_else(|e| panic!("{}: {e}", v.id));
        assert!(ok.is_valid() && ok.needs_upgrade(), "{} ({scheme}) should verify v1-wrapped", v.id);
        let mut wrong = v.password.clone();
        wrong[0] ^= 0x20;
        match p.verify(&wrong, row_v1(&v, &wrapped)) {
            Ok(out) => assert!(!out.is_valid(), "{}", v.id),
            Err(Error::PasswordNotUtf8 { .. }) => assert!(std::str::from_utf8(&wrong).is_err(), "{}", v.id),
            Err(e) => panic!("{}: {e}", v.id),
        }
        assert!(matches!(p.wrap(wrapped.as_str()), Err(Error::Unsupported { .. })), "no double wrap");
        n += 1;
    }
    assert!(n > 100 || n == 0, "{n}");
}

#[test]
fn wrapped_lengths_fit_a_128_column() {
    // The bound of docs/wrap.md: default target, an 8-byte pepper key id.
    // `cargo test -p rehash --test wrap wrapped_lengths -- --nocapture`
    // prints the longest wrap per family (docs/wrap.md's table).
    let d = default_peppered();
    let mut longest: std::collections::BTreeMap<Scheme, (usize, String)> = Default::default();
    for v in wrappable() {
        let scheme = scheme_of(&v);
        let n = d.wrap_len(common::stored(&v)).unwrap_or_else(|e| panic!("{} ({scheme}): {e}", v.id));
        if !exempt(scheme, &v.hash) {
            let bound = if UNSALTED.contains(&scheme) { 110 } else { 128 };
            assert!(n <= bound, "{} ({scheme}): {n} > {bound}", v.id);
        }
        let e = longest.entry(scheme).or_insert((0, String::new()));
        if n > e.0 {
            *e = (n, v.id.clone());
        }
    }
    let mut rows: Vec<_> = longest.into_iter().collect();
    rows.sort_by_key(|(s, (n, _))| (core::cmp::Reverse(*n), s.name()));
    println!("| family | longest wrap | vector |\n|---|---:|---|");
    for (s, (n, id)) in rows {
        println!("| {} | {n} | {id} |", s.name());
    }
}

#[test]
fn wrap_len_is_exact_under_the_default_target() {
    // A few real wraps at m=19456, t=2 with the 8-byte pepper.
    let d = Policy::builder()
        .pepper(Pepper::new(b"\xffkey-id8", &[7; 32]).expect("pepper"))
        .current_pepper(b"\xffkey-id8")
        .declare(Scheme::Md5Hex)
        .build()
        .expect("policy");
    for (hash, pw) in [
        ("5f4dcc3b5aa765d61d8327deb882cf99", &b"password"[..]),
        ("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0", b"password"),
        ("$2b$04$7bkhCW7pNrQZYKfbwGfOBe6ZsRsWbXT2aO9eTqb2Q4LxgI7sIkQTi", b"x"),
    ] {
        let w = d.wrap(hash).expect("wrap");
        assert_eq!(w.len(), d.wrap_len(hash).expect("len"), "{w}");
        assert!(w.contains("$19456,2,1,/2tleS1pZDg$"), "{w}");
        if hash.starts_with("$2b$") {
            continue;
        }
        assert!(d.verify(pw, w.as_str()).expect("verify").is_valid(), "{w}");
        assert!(!d.verify(b"wrong", w.as_str()).expect("verify").is_valid(), "{w}");
    }
}

#[test]
fn the_docs_example_verifies() {
    // docs/wrap.md's example, written by `Policy::wrap` under the default target.
    let w = "$rw2$m1wHJImwTO$19456,2,1$Is660eiK_Ey0q_2zX_wzcJVshHDVEAsD8SjB14fpHzpFU5FRqj2z5dYdHKHbMI8a";
    let p = Policy::default();
    assert_eq!(p.wrap_len("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").expect("len"), w.len());
    assert!(p.verify(b"password", w).expect("verify").is_valid());
    assert!(!p.verify(b"passwore", w).expect("verify").is_valid());
}

#[test]
fn hash_len_is_exact_for_every_target() {
    let weak = |t: Target| Policy::builder().target(t).dangerous().allow_below_owasp_floor();
    let pepper = Pepper::new(b"\xffkey-id8", &[7; 32]).expect("pepper");
    let policies = [
        Policy::default(),
        weak(Target::Argon2id { m_kib: 64, t: 1, p: 1 }).build().expect("policy"),
        weak(Target::Argon2id { m_kib: 1024, t: 12, p: 3 })
            .pepper(pepper.clone())
            .current_pepper(pepper.id())
            .normalization(Normalization::Nfkc)
            .build()
            .expect("policy"),
        weak(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
            .normalization(Normalization::Nfc)
            .build()
            .expect("policy"),
        weak(Target::Bcrypt { cost: 4 }).build().expect("policy"),
        weak(Target::BcryptSha256 { cost: 4 }).build().expect("policy"),
        weak(Target::BcryptSha256 { cost: 10 }).build().expect("policy"),
        weak(Target::Scrypt { log_n: 4, r: 8, p: 1 }).build().expect("policy"),
        weak(Target::Scrypt { log_n: 10, r: 16, p: 12 }).build().expect("policy"),
        weak(Target::Pbkdf2Sha256 { iterations: 1000 }).build().expect("policy"),
    ];
    for p in policies {
        for pw in [&b"pw"[..], b"a much longer password than the others, still one line"] {
            let h = p.hash(pw).expect("hash");
            assert_eq!(p.hash_len(), h.len(), "{:?}: {h}", p.target());
        }
    }
}

#[test]
fn a_login_replaces_the_wrap_with_a_direct_hash() {
    let p = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .dangerous()
        .allow_below_owasp_floor()
        .declare(Scheme::Md5Hex)
        .build()
        .expect("policy");
    for wrapped in [
        p.wrap("5f4dcc3b5aa765d61d8327deb882cf99").expect("wrap"),
        p.wrap_v1_for_tests("5f4dcc3b5aa765d61d8327deb882cf99").expect("wrap"),
    ] {
        let up = p.verify_and_upgrade(b"password", wrapped.as_str()).expect("verify");
        let direct = up.new_hash().expect("upgrade").to_owned();
        assert!(direct.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert_eq!(
            p.verify_and_upgrade(b"password", direct.as_str()).expect("v"),
            Upgrade::Valid { new_hash: None }
        );
        assert_eq!(p.verify_and_upgrade(b"passw0rd", wrapped.as_str()).expect("v"), Upgrade::Invalid);
    }
}

#[test]
fn wrap_refuses_what_it_must_not_touch() {
    let p = policy();
    let w = p.wrap("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").expect("wrap");
    assert!(matches!(p.wrap(w.as_str()), Err(Error::Unsupported { .. })), "no double wrap");
    assert!(matches!(p.wrap_len(w.as_str()), Err(Error::Unsupported { .. })), "no double wrap");
    assert!(p.wrap("!$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").is_err(), "locked accounts stay locked");
    assert!(p.wrap_len("!$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").is_err(), "locked accounts stay locked");
    let bcrypt = Policy::builder().target(Target::Bcrypt { cost: 10 }).build().expect("policy");
    assert!(bcrypt.wrap("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").is_err());
    assert!(bcrypt.wrap_len("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").is_err());
}

#[test]
fn peppered_wrap_resists_shucking() {
    // With a pepper, the leaked inner digest alone cannot be tested against
    // the wrapped hash: the outer Argon2id needs the secret too.
    let pepper = Pepper::new(b"k1", &[42; 32]).expect("pepper");
    let p = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .dangerous()
        .allow_below_owasp_floor()
        .declare(Scheme::Md5Hex)
        .pepper(pepper)
        .current_pepper(b"k1")
        .build()
        .expect("policy");
    let wrapped = p.wrap("5f4dcc3b5aa765d61d8327deb882cf99").expect("wrap");
    assert!(wrapped.starts_with("$rw2$m5$64,1,1,azE$"), "{wrapped}");
    assert!(p.verify(b"password", wrapped.as_str()).expect("verify").is_valid());
    let v1 = p.wrap_v1_for_tests("5f4dcc3b5aa765d61d8327deb882cf99").expect("wrap");
    assert!(v1.contains(",keyid=azE$"), "{v1}");
    assert!(p.verify(b"password", v1.as_str()).expect("verify").is_valid());
    // An attacker who has the table but not the pepper:
    let attacker = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .dangerous()
        .allow_below_owasp_floor()
        .declare(Scheme::Md5Hex)
        .pepper(Pepper::new(b"k1", &[0; 32]).expect("pepper"))
        .build()
        .expect("policy");
    assert!(!attacker.verify(b"password", wrapped.as_str()).expect("verify").is_valid());
    assert!(!attacker.verify(b"password", v1.as_str()).expect("verify").is_valid());
}

#[test]
fn malformed_wraps_are_errors() {
    let p = policy();
    let good = p.wrap_v1_for_tests("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").expect("wrap");
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
fn malformed_v2_wraps_are_errors() {
    let p = policy();
    let good = p.wrap("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").expect("wrap");
    assert!(good.starts_with("$rw2$m1wHJImwTO$64,1,1$"), "{good}");
    let st = good.rsplit('$').next().expect("salt and tag").to_owned();
    let with = |inner: &str, params: &str, st: &str| format!("$rw2${inner}${params}${st}");
    let zeros = ".".repeat(22);
    for bad in [
        with("m1wHJImwTO", "64,1,1", &st[..63]),         // tag too short
        with("m1wHJImwTO", "64,1,1", &format!("{st}A")), // trailing garbage
        format!("{good}$"),                              // trailing separator
        with("m1wHJImwTO", "64,1,1,", &st),              // empty key id
        with("m1wHJImwTO", "64,1,1,azE,azE", &st),       // duplicate field
        with("m1wHJImwTO", "64,1", &st),                 // missing field
        with("m1wHJImwTO", "064,1,1", &st),              // non-canonical number
        with("m1wHJImwTO", "+64,1,1", &st),
        with("m1wHJImwTO", "4194304,1,1", &st), // over the ceilings
        with("m1wHJImwTO", "64,1000,1", &st),
        with("m1wHJImwTO", "64,1,1,AAAAAAAAAAAAAA", &st), // key id over 8 bytes
        with("zzwHJImwTO", "64,1,1", &st),                // unknown code
        with("m1wHJImwTO$", "64,1,1", &st),               // extra hole
        with("m1wHJImwTOx", "64,1,1", &st),               // bad inner salt (9 characters)
        with("m1wHJ:mwTO", "64,1,1", &st),                // bad inner salt (`:`; empty is md5-crypt's)
        with("m5wHJImwTO", "64,1,1", &st),                // text after a whole-setting code
        with(&format!("--md5_crypt:$1$wHJImwTO${zeros}"), "64,1,1", &st), // non-canonical spelling
        with("--md5_crypt:$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0", "64,1,1", &st), // a digest, not a setting
        with("--nope:$1$wHJImwTO$~.AW", "64,1,1", &st),
        with("--rehash_wrap:$1$wHJImwTO$~.AW", "64,1,1", &st),
        with("--md5_crypt:$1$wHJImwTO$~.A", "64,1,1", &st), // truncated run
        with("--md5_crypt:$1$wHJImwTO$~.__", "64,1,1", &st), // run too long for the setting
        with("rc!!:", "64,1,1", &st),                       // bad recipe notation
        "$rw2$".to_owned(),
        "$rw2$$$".to_owned(),
        "$rw2$m1$64,1,1$".to_owned(),
        "$rw2$\u{e9}$64,1,1$".to_owned(),
    ] {
        assert!(p.verify(b"password", bad.as_str()).is_err(), "{bad}");
        assert!(p.identify(bad.as_str()).is_err(), "{bad}");
    }
    assert!(p.verify(b"password", good.as_str()).expect("verify").is_valid());
}

#[test]
fn v2_uses_the_rows_salt_and_user() {
    // A v2 wrap of a column-salted row needs the row's salt to verify, like
    // the legacy hash; a different salt does not verify.
    let p = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
        .dangerous()
        .allow_below_owasp_floor()
        .build()
        .expect("policy");
    // postgres md5: "md5" + md5(password . user)
    let pg = "md5dc9478eb4e94a7dcf2bda02360188a52"; // "password", user "alice"
    let stored = Stored::new(pg).with_user("alice").with_scheme(Scheme::PostgresMd5);
    assert!(p.verify(b"password", stored).expect("verify").is_valid());
    let w = p.wrap(stored).expect("wrap");
    assert!(w.starts_with("$rw2$pm$"), "{w}");
    assert!(!w.contains("alice") && !w.contains("YWxpY2U"), "{w}");
    assert!(p.verify(b"password", Stored::new(&w)).is_err(), "no user: an error, as for the legacy row");
    assert!(p.verify(b"password", Stored::new(&w).with_user("alice")).expect("verify").is_valid());
    assert!(!p.verify(b"password", Stored::new(&w).with_user("bob")).expect("verify").is_valid());
    assert!(!p.verify(b"passw0rd", Stored::new(&w).with_user("alice")).expect("verify").is_valid());
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
        .dangerous()
        .allow_below_owasp_floor()
        .recipe(recipe())
        .build()
        .expect("policy");
    let real = {
        use sha2::{Digest, Sha256};
        let d = Sha256::new().chain_update(b"shop-secret").chain_update(b"pw").finalize();
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let w = p.wrap(Stored::new(&real).with_scheme(Scheme::Recipe)).expect("wrap");
    assert!(w.starts_with("$rw2$rc"), "{w}");
    assert_eq!(w.len(), p.wrap_len(Stored::new(&real).with_scheme(Scheme::Recipe)).expect("len"));
    assert!(!w.contains("shop-secret") && !w.contains("c2hvcC1zZWNyZXQ"), "the constant stays in the policy");
    assert!(p.verify(b"pw", w.as_str()).expect("verify").is_valid());
    assert!(!p.verify(b"pv", w.as_str()).expect("verify").is_valid());
    // A policy that does not declare the recipe cannot check it: a clear error.
    assert!(matches!(policy().verify(b"pw", w.as_str()), Err(Error::InvalidConfig(_))));
    // Version 1 recipe wraps still verify.
    let v1 = p.wrap_v1_for_tests(Stored::new(&real).with_scheme(Scheme::Recipe)).expect("wrap");
    assert!(v1.contains(",recipe="), "{v1}");
    assert!(p.verify(b"pw", v1.as_str()).expect("verify").is_valid());
    assert!(!p.verify(b"pv", v1.as_str()).expect("verify").is_valid());
}

#[test]
fn modern_families_below_target_wrap_too() {
    // The batch tool wraps every row below policy, modern ones included.
    let p = policy();
    let mut n = 0;
    let Some(vs) = common::load_ready_valid_invalid() else { return };
    for v in vs.iter().filter(|v| v.expect == "valid") {
        let scheme = Scheme::from_name(v.family.as_deref().unwrap_or_default()).expect("family");
        if scheme.kind() != Kind::Modern {
            continue;
        }
        let wrapped = p.wrap(common::stored(v)).unwrap_or_else(|e| panic!("{} ({scheme}): {e}", v.id));
        assert_eq!(p.wrap_len(common::stored(v)).expect("wrap_len"), wrapped.len(), "{}", v.id);
        assert!(p.verify(&v.password, row(v, &wrapped)).expect("verify").is_valid(), "{} ({scheme})", v.id);
        let mut wrong = v.password.clone();
        wrong.push(b'!');
        assert!(!p.verify(&wrong, row(v, &wrapped)).expect("verify").is_valid(), "{}", v.id);
        n += 1;
    }
    assert!(n > 50, "{n}");
}
