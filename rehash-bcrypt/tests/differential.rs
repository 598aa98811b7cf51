//! The EksBlowfish core against independent implementations: hashes made
//! by libxcrypt's C `crypt()` (crypt_blowfish's own test vectors among
//! them; `$2a$`, `$2b$`, `$2x$` and `$2y$`, high bytes, 0–255-byte
//! passwords) and, on random inputs, the `bcrypt` crate.

use proptest::prelude::*;
use rehash_bcrypt::{bcrypt, bcrypt_on, Backend, Variant};

const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// bcrypt's base64 (no padding) of `n` bytes from `text`.
fn decode(text: &str, n: usize) -> Vec<u8> {
    let mut bits = 0u32;
    let mut have = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("bcrypt64 character") as u32;
        bits = (bits << 6) | v;
        have += 6;
        if have >= 8 {
            have -= 8;
            out.push((bits >> have) as u8);
        }
    }
    out.truncate(n);
    out
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// (password, variant, cost, salt, 23-byte checksum) of a `$2?$NN$` string.
fn split(pw: Vec<u8>, hash: &str) -> (Vec<u8>, Variant, u32, [u8; 16], Vec<u8>) {
    let variant = match &hash[..4] {
        "$2a$" => Variant::A,
        "$2b$" | "$2y$" => Variant::B,
        "$2x$" => Variant::X,
        other => panic!("variant {other}"),
    };
    let cost = hash[4..6].parse().expect("cost");
    let salt: [u8; 16] = decode(&hash[7..29], 16).try_into().expect("salt");
    (pw, variant, cost, salt, decode(&hash[29..], 23))
}

#[test]
fn every_libxcrypt_hash() {
    let text = include_str!("libxcrypt.tsv");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut f = line.split('\t');
        let (pw, hash) = (hex(f.next().expect("password")), f.next().expect("hash"));
        let (pw, variant, cost, salt, sum) = split(pw, hash);
        for backend in Backend::available() {
            assert_eq!(
                &bcrypt_on(backend, &pw, &salt, cost, variant)[..23],
                &sum[..],
                "{backend:?}: {hash} for {pw:02x?}"
            );
        }
        n += 1;
    }
    assert!(n >= 180, "{n} hashes");
}

/// A wrong password, a wrong salt bit or a lower cost changes the checksum.
/// The CPU running the tests has the x86 backend where it can (so CI tests
/// both paths), and an unavailable backend falls back to the portable one.
#[test]
fn backends() {
    assert!(Backend::available().contains(&Backend::Portable));
    #[cfg(target_arch = "x86_64")]
    assert_eq!(Backend::Bmi1.is_available(), std::arch::is_x86_feature_detected!("bmi1"));
    let salt = [3u8; 16];
    assert_eq!(
        bcrypt(b"pw", &salt, 4, Variant::B),
        bcrypt_on(Backend::Portable, b"pw", &salt, 4, Variant::B)
    );
    assert_eq!(
        bcrypt_on(Backend::Bmi1, b"pw", &salt, 4, Variant::B),
        bcrypt_on(Backend::Portable, b"pw", &salt, 4, Variant::B)
    );
}

#[test]
fn every_input_counts() {
    let salt = [7u8; 16];
    let sum = bcrypt(b"password", &salt, 4, Variant::B);
    assert_ne!(sum, bcrypt(b"passwore", &salt, 4, Variant::B));
    let mut other = salt;
    other[15] ^= 1;
    assert_ne!(sum, bcrypt(b"password", &other, 4, Variant::B));
    assert_ne!(sum, bcrypt(b"password", &salt, 5, Variant::B));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// `$2b$` equals the `bcrypt` crate for any password (NULs included:
    /// both use the bytes as given, then a NUL, the first 72) and salt.
    #[test]
    fn matches_the_bcrypt_crate(pw in proptest::collection::vec(any::<u8>(), 0..90), salt in any::<[u8; 16]>()) {
        let theirs = bcrypt::hash_with_salt(&pw, 4, salt).expect("bcrypt").format_for_version(bcrypt::Version::TwoB);
        for backend in Backend::available() {
            let ours = bcrypt_on(backend, &pw, &salt, 4, Variant::B);
            prop_assert_eq!(&ours[..23], &decode(&theirs[29..], 23)[..]);
        }
    }

    /// For ASCII passwords the three variants agree.
    #[test]
    fn variants_agree_on_ascii(pw in "[ -~]{0,80}", salt in any::<[u8; 16]>()) {
        let b = bcrypt(pw.as_bytes(), &salt, 4, Variant::B);
        prop_assert_eq!(b, bcrypt(pw.as_bytes(), &salt, 4, Variant::A));
        prop_assert_eq!(b, bcrypt(pw.as_bytes(), &salt, 4, Variant::X));
    }
}
