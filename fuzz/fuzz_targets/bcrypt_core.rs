//! Differential: rehash-bcrypt on every backend this CPU has against the
//! `bcrypt` crate (`$2b$`), and the variants against each other: `$2a$` and
//! `$2x$` equal `$2b$` on ASCII keys, and every backend gives the same bytes
//! for every variant. Cost 4 (the work per round does not depend on it).
//!
//! Layout: one byte choosing the variant, 16 bytes of salt (zero-padded when
//! short), then the password (at most 100 bytes: past 72 nothing counts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash_bcrypt::{bcrypt_on, Backend, Variant};

fuzz_target!(|data: &[u8]| {
    let (variant, rest) = match data.split_first() {
        Some((v, rest)) => ([Variant::A, Variant::B, Variant::X][usize::from(v % 3)], rest),
        None => (Variant::B, data),
    };
    let (salt_bytes, pw) = rest.split_at(rest.len().min(16));
    let mut salt = [0u8; 16];
    salt[..salt_bytes.len()].copy_from_slice(salt_bytes);
    let pw = &pw[..pw.len().min(100)];

    let portable = bcrypt_on(Backend::Portable, pw, &salt, 4, variant);
    for backend in Backend::available() {
        assert_eq!(bcrypt_on(backend, pw, &salt, 4, variant), portable, "{backend:?} {variant:?}");
    }
    if variant == Variant::B {
        let text =
            bcrypt::hash_with_salt(pw, 4, salt).expect("bcrypt").format_for_version(bcrypt::Version::TwoB);
        assert_eq!(decode23(&text[29..]), portable[..23], "$2b$ against the bcrypt crate");
    } else if pw.iter().all(u8::is_ascii) {
        assert_eq!(portable, bcrypt_on(Backend::Portable, pw, &salt, 4, Variant::B), "{variant:?} on ASCII");
    }
});

/// bcrypt's base64 of the 23-byte checksum.
fn decode23(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let (mut bits, mut have, mut out) = (0u32, 0, Vec::new());
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("bcrypt64") as u32;
        bits = (bits << 6) | v;
        have += 6;
        if have >= 8 {
            have -= 8;
            out.push((bits >> have) as u8);
        }
    }
    out.truncate(23);
    out
}
