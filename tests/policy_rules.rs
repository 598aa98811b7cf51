//! The policy's own rules: one upgrade rule for every caller, a policy that
//! can never lock its users out, risky settings behind a door, and errors that
//! say exactly which bound broke.

use rehash::{Ceilings, Error, Normalization, Pepper, Policy, Recipe, Scheme, Stored, Target};

fn weak(target: Target) -> rehash::PolicyBuilder {
    Policy::builder().target(target).dangerous().allow_below_owasp_floor()
}

const SMALL: Target = Target::Argon2id { m_kib: 64, t: 1, p: 1 };

#[test]
fn one_upgrade_rule_for_verify_and_identify() {
    let k1 = Pepper::new(b"k1", &[1; 32]).expect("pepper");
    let k2 = Pepper::new(b"k2", &[2; 32]).expect("pepper");
    let old = weak(SMALL).pepper(k1.clone()).current_pepper(b"k1").build().expect("policy");
    let hash = old.hash(b"password").expect("hash");
    let id = old.identify(hash.as_str()).expect("identify");
    assert_eq!(id.key_id.map(|k| k.as_bytes().to_vec()), Some(b"k1".to_vec()));
    assert!(!old.needs_upgrade(&id));
    assert!(!old.verify(b"password", hash.as_str()).expect("verify").needs_upgrade());

    // k1 retired (still listed for verifying), k2 current: every caller agrees.
    let new = weak(SMALL).pepper(k1).pepper(k2).current_pepper(b"k2").build().expect("policy");
    let id = new.identify(hash.as_str()).expect("identify");
    assert!(new.needs_upgrade(&id), "a retired key asks for an upgrade");
    assert!(!new.target().needs_upgrade(&id), "the target alone would not see it");
    let v = new.verify(b"password", hash.as_str()).expect("verify");
    assert!(v.is_valid() && v.needs_upgrade());

    // Normalization changed: same answer from both.
    let nfc = weak(SMALL).normalization(Normalization::Nfc).build().expect("policy");
    let plain = nfc.identify(old.hash(b"x").expect("hash").as_str()).expect("identify");
    assert!(nfc.needs_upgrade(&plain));
    // A locked account never asks for one.
    assert!(!new.needs_upgrade(&new.identify("!locked").expect("identify")));
}

#[test]
fn a_policy_that_could_not_verify_its_own_hashes_is_refused() {
    // Over the policy's own memory ceiling: every upgraded user would be locked out.
    let e = Policy::builder().target(Target::Argon2id { m_kib: 300_000, t: 2, p: 1 }).build().unwrap_err();
    assert!(matches!(e, Error::InvalidConfig(ref m) if m.contains("ceiling")), "{e}");
    // Raise the ceiling and it is accepted.
    let c = Ceilings { memory_kib: 300_000, ..Ceilings::default() };
    Policy::builder()
        .target(Target::Argon2id { m_kib: 300_000, t: 2, p: 1 })
        .ceilings(c)
        .build()
        .expect("ok");
    // u32::MAX KiB would abort on allocation: refused, whatever the ceilings say.
    let huge = Ceilings { memory_kib: u64::MAX, ..Ceilings::default() };
    let e = Policy::builder()
        .target(Target::Argon2id { m_kib: u32::MAX, t: 2, p: 1 })
        .ceilings(huge)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("maximum"), "{e}");
    // Passes, lanes, bcrypt cost, PBKDF2 iterations over the ceilings.
    for t in [
        Target::Argon2id { m_kib: 19_456, t: 17, p: 1 },
        Target::Argon2id { m_kib: 19_456 * 17, t: 2, p: 17 },
        Target::Bcrypt { cost: 17 },
        Target::Pbkdf2Sha256 { iterations: 20_000_000 },
        Target::Scrypt { log_n: 22, r: 8, p: 1 },
    ] {
        let e = Policy::builder().target(t).build().unwrap_err();
        assert!(e.to_string().contains("ceiling"), "{t:?}: {e}");
    }
    // The policy file says the same.
    let e =
        Policy::from_toml("[target]\nscheme = \"argon2id\"\nm_kib = 4294967295\nt = 2\np = 1\n").unwrap_err();
    assert!(e.to_string().contains("maximum") || e.to_string().contains("ceiling"), "{e}");
    // Threads are bounded.
    assert!(Policy::builder().argon2_threads(0).build().is_err());
    assert!(Policy::builder().argon2_threads(65).build().is_err());
    assert_eq!(Policy::builder().argon2_threads(4).build().expect("ok").argon2_threads(), 4);
}

#[test]
fn each_broken_bound_names_itself() {
    let bcrypt = Policy::builder().target(Target::Bcrypt { cost: 32 }).build().unwrap_err().to_string();
    assert!(bcrypt.contains("above the maximum") && !bcrypt.contains("OWASP"), "{bcrypt}");
    let floor = Policy::builder().target(Target::Bcrypt { cost: 9 }).build().unwrap_err().to_string();
    assert!(floor.contains("OWASP"), "{floor}");

    // Argon2 strings: t = 0, p = 0 and m < 8p are three different messages.
    let p = Policy::default();
    let salt = "c29tZXNhbHRzb21lc2FsdA";
    let tag = "3OIBNaYsf6kLkgjqcfZXt8Pk1m9+DsPkxnsVX20+L9E";
    let msg = |params: &str| {
        p.identify(format!("$argon2id$v=19${params}${salt}${tag}").as_str()).unwrap_err().to_string()
    };
    let (t0, p0, m) = (msg("m=64,t=0,p=1"), msg("m=64,t=1,p=0"), msg("m=8,t=1,p=2"));
    assert!(t0.contains("parameter t=0") && t0.contains("below the minimum"), "{t0}");
    assert!(p0.contains("parameter p=0"), "{p0}");
    assert!(m.contains("m (at least 8 KiB per lane)=8") && m.contains("(16)"), "{m}");
    // Over a ceiling says so.
    let big = msg("m=1048576,t=1,p=1");
    assert!(big.contains("above the ceiling"), "{big}");
}

#[test]
fn a_password_that_is_not_utf8_is_its_own_error() {
    let nfc = weak(SMALL).normalization(Normalization::Nfc).build().expect("policy");
    assert!(matches!(nfc.hash(b"\xff\xfe"), Err(Error::PasswordNotUtf8 { .. })));
    // A recipe's UTF-16 step is not blamed on NTLM.
    let recipe = Recipe::new("md4(utf16le($pass))", rehash::DigestEncoding::Hex, rehash::SaltLayout::None)
        .expect("recipe");
    let p = Policy::builder().recipe(recipe).build().expect("policy");
    let e = p.verify(b"\xff", Stored::new("31d6cfe0d16ae931b73c59d7e0c089c0").with_scheme(Scheme::Recipe));
    let e = e.unwrap_err();
    assert!(matches!(e, Error::PasswordNotUtf8 { .. }), "{e:?}");
    assert!(!e.to_string().contains("ntlm"), "{e}");
}

#[test]
fn a_declared_salted_scheme_without_its_salt_says_so() {
    let p = Policy::builder().declare(Scheme::Sha256SaltPass).build().expect("policy");
    let hex64 = "a".repeat(64);
    let e = p.identify(hex64.as_str()).unwrap_err();
    assert!(matches!(e, Error::MissingInput { scheme: Scheme::Sha256SaltPass, what: "salt" }), "{e:?}");
    assert!(e.to_string().contains("needs the row's salt"), "{e}");
    // With the salt it resolves.
    let id = p.identify(Stored::new(&hex64).with_salt("s")).expect("identify");
    assert_eq!(id.scheme, Scheme::Sha256SaltPass);
}

#[test]
fn the_thread_setting_is_read_from_kdf_and_from_its_old_place() {
    let new = Policy::from_toml("[kdf]\nargon2_threads = 3\n").expect("policy");
    assert_eq!(new.argon2_threads(), 3);
    let old = Policy::from_toml("[ceilings]\nargon2_threads = 2\n").expect("policy");
    assert_eq!(old.argon2_threads(), 2);
    let both =
        Policy::from_toml("[ceilings]\nargon2_threads = 2\n[kdf]\nargon2_threads = 4\n").expect("policy");
    assert_eq!(both.argon2_threads(), 4);
    assert!(Policy::from_toml("[kdf]\nargon2_threads = 0\n").is_err());
}
