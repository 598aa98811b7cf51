//! The `django_argon2` target: new hashes in Django's own Argon2 format
//! (`argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash`, the salt 22 letters and
//! digits as Django's `salt()` makes it), the upgrade rule, and
//! `hash_with_salt`. That Django's stock hasher verifies these strings is
//! tested with Django itself (bindings/python/tests/test_django.py).

use rehash::{Error, Pepper, Policy, Scheme, Target, Upgrade};

fn b64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = A.iter().position(|&a| a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn small() -> Policy {
    Policy::builder()
        .target(Target::DjangoArgon2 { m_kib: 64, t: 1, p: 2 })
        .declare(Scheme::Md5Hex)
        .dangerous()
        .allow_below_owasp_floor()
        .build()
        .expect("policy")
}

#[test]
fn writes_django_format_with_a_django_salt() {
    let policy = small();
    let h = policy.hash(b"password").expect("hash");
    assert!(h.starts_with("argon2$argon2id$v=19$m=64,t=1,p=2$"), "{h}");
    assert_eq!(h.len(), policy.hash_len());
    let fields: Vec<&str> = h.split('$').collect();
    assert_eq!(fields.len(), 6);
    let salt = b64_decode(fields[4]);
    assert_eq!(salt.len(), 22);
    assert!(salt.iter().all(u8::is_ascii_alphanumeric));
    assert_eq!(b64_decode(fields[5]).len(), 32);
    let v = policy.verify(b"password", h.as_str()).expect("verify");
    assert!(v.is_valid() && !v.needs_upgrade());
    assert_eq!(v.identified().scheme, Scheme::DjangoArgon2);
    assert!(!policy.verify(b"passwore", h.as_str()).expect("verify").is_valid());
    assert_ne!(h, policy.hash(b"password").expect("hash"));
}

#[test]
fn upgrade_rule() {
    let policy = small();
    // Legacy rows and rehash's own Argon2id strings upgrade to Django's format.
    match policy.verify_and_upgrade(b"password", "5f4dcc3b5aa765d61d8327deb882cf99").expect("md5") {
        Upgrade::Valid { new_hash: Some(h) } => assert!(h.starts_with("argon2$argon2id$v=19$m=64,t=1,p=2$")),
        other => panic!("{other:?}"),
    }
    let plain = Policy::builder()
        .target(Target::Argon2id { m_kib: 64, t: 1, p: 2 })
        .dangerous()
        .allow_below_owasp_floor()
        .build()
        .expect("policy")
        .hash(b"password")
        .expect("hash");
    assert!(policy.verify(b"password", plain.as_str()).expect("verify").needs_upgrade());
    // Weaker costs in Django's format upgrade; equal or stronger ones do not.
    let weaker = Policy::builder()
        .target(Target::DjangoArgon2 { m_kib: 32, t: 1, p: 2 })
        .dangerous()
        .allow_below_owasp_floor()
        .build()
        .expect("policy")
        .hash(b"password")
        .expect("hash");
    assert!(policy.verify(b"password", weaker.as_str()).expect("verify").needs_upgrade());
    let id = policy.identify(weaker.as_str()).expect("identify");
    assert!(policy.needs_upgrade(&id));
    let wrapped = policy.wrap("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").expect("wrap");
    assert!(wrapped.starts_with("$rw2$m1wHJImwTO$64,1,2$"));
    assert!(policy.verify(b"password", wrapped.as_str()).expect("verify").needs_upgrade());
}

#[test]
fn policy_file_and_defaults() {
    let p = Policy::from_toml("[target]\nscheme = \"django_argon2\"\n").expect("toml");
    assert_eq!(*p.target(), Target::DJANGO_ARGON2);
    assert_eq!(*p.target(), Target::DjangoArgon2 { m_kib: 102_400, t: 2, p: 8 });
    assert_eq!(p.hash_len(), "argon2$argon2id$v=19$m=102400,t=2,p=8$".len() + 30 + 1 + 43);
    let p = Policy::from_toml("[target]\nscheme = \"django_argon2\"\nm_kib = 19456\np = 1\n").expect("toml");
    assert_eq!(*p.target(), Target::DjangoArgon2 { m_kib: 19_456, t: 2, p: 1 });
    let err = Policy::from_toml("[target]\nscheme = \"django_argon2\"\ncost = 12\n").expect_err("cost");
    assert!(err.to_string().contains("cost"), "{err}");
    // Under the OWASP floor, over the ceilings: refused as for argon2id.
    assert!(matches!(
        Policy::builder().target(Target::DjangoArgon2 { m_kib: 1024, t: 2, p: 1 }).build(),
        Err(Error::InvalidConfig(_))
    ));
    assert!(matches!(
        Policy::builder().target(Target::DjangoArgon2 { m_kib: 1 << 20, t: 2, p: 1 }).build(),
        Err(Error::InvalidConfig(_))
    ));
    // Django's format has no place for a pepper's key id.
    let peppered = Policy::builder()
        .target(Target::DJANGO_ARGON2)
        .pepper(Pepper::new(b"k1", &[7; 32]).expect("pepper"))
        .current_pepper(b"k1")
        .build();
    assert!(matches!(peppered, Err(Error::InvalidConfig(_))));
}

#[test]
fn hash_with_salt() {
    let policy = small();
    let a = policy.hash_with_salt(b"password", b"seasalt0seasalt0").expect("hash");
    assert_eq!(a, policy.hash_with_salt(b"password", b"seasalt0seasalt0").expect("hash"));
    assert!(a.starts_with("argon2$argon2id$v=19$m=64,t=1,p=2$c2Vhc2FsdDBzZWFzYWx0MA$"), "{a}");
    assert!(policy.verify(b"password", a.as_str()).expect("verify").is_valid());
    for bad in [&b"short"[..], &[0u8; 65][..]] {
        assert!(matches!(policy.hash_with_salt(b"password", bad), Err(Error::InvalidConfig(_))));
    }
    let bcrypt = Policy::builder().target(Target::Bcrypt { cost: 4 }).dangerous().allow_below_owasp_floor();
    let bcrypt = bcrypt.build().expect("bcrypt");
    assert!(matches!(bcrypt.hash_with_salt(b"pw", &[1; 15]), Err(Error::InvalidConfig(_))));
    let h = bcrypt.hash_with_salt(b"pw", &[1; 16]).expect("bcrypt");
    assert!(bcrypt.verify(b"pw", h.as_str()).expect("verify").is_valid());
    let too_long = vec![b'x'; 5000];
    assert!(matches!(policy.hash_with_salt(&too_long, b"seasalt0"), Err(Error::PasswordTooLong { .. })));
}
