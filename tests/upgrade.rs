//! Upgrade on login: needs_upgrade rules, exactly-one new hash, pepper
//! rotation, the dummy verify, bcrypt truncation, normalization, and the
//! policy file.

use rehash::config::SecretSource;
use rehash::{Error, Normalization, Pepper, Policy, Scheme, Stored, Target, Upgrade};
use zeroize::Zeroizing;

fn weak(b: rehash::PolicyBuilder) -> Policy {
    b.dangerous().allow_below_owasp_floor().build().expect("policy")
}

const SMALL: Target = Target::Argon2id { m_kib: 64, t: 1, p: 1 };

#[test]
fn legacy_valid_login_returns_a_target_hash() {
    let p = weak(Policy::builder().target(SMALL).declare(Scheme::Md5Hex));
    let up = p.verify_and_upgrade(b"password", "5f4dcc3b5aa765d61d8327deb882cf99").expect("verify");
    let new = up.new_hash().expect("upgrade due").to_owned();
    assert!(new.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    // The new hash is at policy: no further upgrade.
    assert_eq!(
        p.verify_and_upgrade(b"password", new.as_str()).expect("verify"),
        Upgrade::Valid { new_hash: None }
    );
    assert_eq!(p.verify_and_upgrade(b"Password", new.as_str()).expect("verify"), Upgrade::Invalid);
    assert_eq!(
        p.verify_and_upgrade(b"wrong", "5f4dcc3b5aa765d61d8327deb882cf99").expect("v"),
        Upgrade::Invalid
    );
}

#[test]
fn bcrypt_cost_10_under_a_cost_12_policy_is_upgraded() {
    let cost10 = Policy::builder().target(Target::Bcrypt { cost: 10 }).build().expect("policy");
    let h = cost10.hash(b"hunter2").expect("hash");
    let cost12 = Policy::builder().target(Target::Bcrypt { cost: 12 }).build().expect("policy");
    let v = cost12.verify(b"hunter2", h.as_str()).expect("verify");
    assert!(v.is_valid() && v.needs_upgrade());
    assert!(!cost10.verify(b"hunter2", h.as_str()).expect("verify").needs_upgrade());
}

#[test]
fn weaker_argon2_and_pbkdf2_are_upgraded() {
    let low = weak(Policy::builder().target(SMALL)).hash(b"pw").expect("hash");
    for stronger in [
        Target::Argon2id { m_kib: 128, t: 1, p: 1 },
        Target::Argon2id { m_kib: 64, t: 2, p: 1 },
        Target::Bcrypt { cost: 4 },
    ] {
        assert!(weak(Policy::builder().target(stronger))
            .verify(b"pw", low.as_str())
            .expect("v")
            .needs_upgrade());
    }
    let p1000 = weak(Policy::builder().target(Target::Pbkdf2Sha256 { iterations: 1000 }));
    let p2000 = weak(Policy::builder().target(Target::Pbkdf2Sha256 { iterations: 2000 }));
    let h = p1000.hash(b"pw").expect("hash");
    assert!(p2000.verify(b"pw", h.as_str()).expect("v").needs_upgrade());
    assert!(!p1000.verify(b"pw", h.as_str()).expect("v").needs_upgrade());
}

fn pepper(id: &str, byte: u8) -> Pepper {
    Pepper::new(id.as_bytes(), &[byte; 32]).expect("pepper")
}

#[test]
fn pepper_rotation_and_unknown_keys() {
    let old = weak(Policy::builder().target(SMALL).pepper(pepper("k1", 1)).current_pepper(b"k1"));
    let h = old.hash(b"pw").expect("hash");
    assert!(h.contains(",keyid=azE$"), "{h}"); // base64("k1")
    assert!(!h.contains("AQEBAQEBAQEB"), "the secret never appears in the string");
    assert!(old.verify(b"pw", h.as_str()).expect("v").is_valid());
    assert!(!old.verify(b"pw", h.as_str()).expect("v").needs_upgrade());

    let rotated = weak(
        Policy::builder().target(SMALL).pepper(pepper("k1", 1)).pepper(pepper("k2", 2)).current_pepper(b"k2"),
    );
    let up = rotated.verify_and_upgrade(b"pw", h.as_str()).expect("verify");
    let new = up.new_hash().expect("retired key means upgrade").to_owned();
    assert!(new.contains(",keyid=azI$"), "{new}");
    assert_eq!(
        rotated.verify_and_upgrade(b"pw", new.as_str()).expect("v"),
        Upgrade::Valid { new_hash: None }
    );

    // Without the key the hash cannot be checked at all: a clear error.
    let forgot = weak(Policy::builder().target(SMALL).pepper(pepper("k2", 2)).current_pepper(b"k2"));
    assert_eq!(forgot.verify(b"pw", h.as_str()), Err(Error::UnknownPepper { key_id: "k1".into() }));
    // The wrong secret under the right id does not verify.
    let wrong = weak(Policy::builder().target(SMALL).pepper(pepper("k1", 9)).current_pepper(b"k1"));
    assert!(!wrong.verify(b"pw", h.as_str()).expect("v").is_valid());
    // Pepper debug output is redacted.
    assert!(!format!("{:?}", pepper("k1", 0x41)).contains("AAAA"));
}

#[test]
fn pepper_and_normalization_need_the_argon2_target() {
    let r = Policy::builder()
        .target(Target::Bcrypt { cost: 4 })
        .pepper(pepper("k1", 1))
        .current_pepper(b"k1")
        .dangerous()
        .allow_below_owasp_floor()
        .build();
    assert!(matches!(r, Err(Error::InvalidConfig(_))));
    assert!(Policy::builder().current_pepper(b"nope").build().is_err());
}

#[test]
fn dummy_verify_answers_invalid() {
    let p = weak(Policy::builder().target(SMALL));
    assert_eq!(p.verify_dummy(b"anything"), Upgrade::Invalid);
    assert_eq!(p.verify_dummy(&[b'x'; 10_000]), Upgrade::Invalid);
}

#[test]
fn legacy_bcrypt_truncates_at_72_bytes_like_libxcrypt() {
    let p = Policy::default();
    let text = include_str!("data/bcrypt_long.jsonl");
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        let (pw, hash) = (v["password"].as_str().expect("pw"), v["hash"].as_str().expect("hash"));
        assert!(p.verify(pw.as_bytes(), hash).expect("verify").is_valid(), "{line}");
        // Only the first 72 bytes count: anything after them is ignored...
        let mut longer = pw.as_bytes()[..72].to_vec();
        longer.extend_from_slice(b"-tail-ignored-by-bcrypt");
        assert!(p.verify(&longer, hash).expect("verify").is_valid());
        // ...and byte 72 itself matters.
        let mut changed = pw.as_bytes()[..72].to_vec();
        changed[71] ^= 1;
        assert!(!p.verify(&changed, hash).expect("verify").is_valid());
    }
}

#[test]
fn normalization_is_recorded_and_applied_exactly() {
    let composed = "caf\u{e9}".as_bytes();
    let decomposed = "cafe\u{301}".as_bytes();
    let nfc = weak(Policy::builder().target(SMALL).normalization(Normalization::Nfc));
    let h = nfc.hash(decomposed).expect("hash");
    assert!(h.contains(",data=bmZj$"), "{h}"); // data = "nfc"
    assert!(nfc.verify(composed, h.as_str()).expect("v").is_valid());
    assert!(nfc.verify(decomposed, h.as_str()).expect("v").is_valid());
    // A policy without normalization still verifies the marked hash (the mark
    // decides), and asks for an upgrade to its own form.
    let plain = weak(Policy::builder().target(SMALL));
    let v = plain.verify(composed, h.as_str()).expect("v");
    assert!(v.is_valid() && v.needs_upgrade());
    // An unmarked hash is never retried in another form.
    let unmarked = plain.hash(decomposed).expect("hash");
    assert!(!nfc.verify(composed, unmarked.as_str()).expect("v").is_valid());
    // Off by default.
    assert!(!Policy::default().hash(b"x").expect("hash").contains("data="));
}

struct FakeSecrets;

impl SecretSource for FakeSecrets {
    fn env(&self, name: &str) -> Option<Zeroizing<Vec<u8>>> {
        match name {
            "PEPPER_K1" => Some(Zeroizing::new(vec![7; 32])),
            "SHOP_KEY" => Some(Zeroizing::new(b"shop-secret".to_vec())),
            _ => None,
        }
    }

    fn file(&self, _path: &str) -> Option<Zeroizing<Vec<u8>>> {
        None
    }
}

#[test]
fn policy_file_loads_and_is_used() {
    let text = r#"
        [target]
        scheme = "argon2id"
        m_kib = 19456
        t = 2
        p = 1

        [legacy]
        declare = ["md5_hex", "sha1_salt_pass"]

        [[legacy.recipe]]
        notation = "sha256($const.$pass)"
        constant_env = "SHOP_KEY"

        [ceilings]
        bcrypt_cost = 14

        [password]
        max_bytes = 1024
        normalize = "nfkc"

        [pepper]
        current = "k1"
        keys = [{ id = "k1", env = "PEPPER_K1" }]
    "#;
    let p = Policy::from_toml_with(text, &FakeSecrets).expect("policy file");
    assert_eq!(*p.target(), Target::Argon2id { m_kib: 19_456, t: 2, p: 1 });
    assert_eq!(p.ceilings().bcrypt_cost, 14);
    let v = p.verify(b"password", "5f4dcc3b5aa765d61d8327deb882cf99").expect("declared md5_hex");
    assert!(v.is_valid());
    // The recipe's constant came from the (fake) environment:
    // hashlib.sha256(b"shop-secret" + b"pw").hexdigest()
    let stored = Stored::new("e2612b8510bc9fcb707f912fb4cb6962d9ea05d3a57da97c9664080dc0d05d6b");
    assert!(p.verify(b"pw", stored).expect("recipe").is_valid());
    assert!(!p.verify(b"pv", stored).expect("recipe").is_valid());
    assert!(matches!(
        p.verify(&[b'a'; 1025], "5f4dcc3b5aa765d61d8327deb882cf99"),
        Err(Error::PasswordTooLong { .. })
    ));
}

#[test]
fn policy_file_errors_are_clear() {
    let cases = [
        ("[target]\nschem = \"argon2id\"", "schem"),
        ("[target]\nscheme = \"md5\"", "target.scheme"),
        ("[target]\nscheme = \"argon2id\"\nm_kib = 1024", "OWASP"),
        ("[target]\nscheme = \"bcrypt\"", "cost"),
        ("[target]\nscheme = \"bcrypt\"\ncost = 12\nm_kib = 5", "m_kib"),
        ("[legacy]\ndeclare = [\"md6_hex\"]", "md6_hex"),
        ("[password]\nnormalize = \"nfd\"", "nfd"),
        ("[pepper]\ncurrent = \"k9\"\nkeys = [{ id = \"k9\", env = \"MISSING\" }]", "k9"),
        ("[[legacy.recipe]]\nnotation = \"crc32($pass)\"", "legacy.recipe[0]"),
    ];
    for (text, needle) in cases {
        match Policy::from_toml_with(text, &FakeSecrets) {
            Err(Error::InvalidConfig(msg)) => assert!(msg.contains(needle), "{text:?}: {msg}"),
            other => panic!("{text:?}: expected InvalidConfig, got {other:?}"),
        }
    }
}

#[test]
fn policy_file_params_table_reads_values_and_secrets() {
    let ok = r#"
        [params]
        rounds = 8
        base64_salt_separator = "Bw=="
        strict = true
        pepper = { env = "SHOP_KEY" }
    "#;
    let p = Policy::from_toml_with(ok, &FakeSecrets).expect("params table");
    // The secret never shows in Debug output.
    assert!(!format!("{p:?}").contains("shop-secret"));
    for (bad, says) in [
        ("[params]\npepper = { env = \"MISSING\" }\n", "params.pepper"),
        ("[params]\npepper = { env = \"SHOP_KEY\", file = \"/x\" }\n", "exactly one of env or file"),
        ("[params]\nratio = 1.5\n", "params.ratio"),
        ("[params]\nlist = [1, 2]\n", "params.list"),
    ] {
        let e = Policy::from_toml_with(bad, &FakeSecrets).expect_err(bad).to_string();
        assert!(e.contains(says), "{bad}: {e}");
    }
}
