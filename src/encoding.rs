//! Text encodings that stored hashes use: hex, the base64 flavours, and the
//! little-endian "crypt64" of md5-crypt, phpass and friends.
//!
//! Every decoder returns `None` on bad input; none panics.

use base64ct::{Base64Bcrypt, Base64Unpadded, Encoding};

/// The crypt(3) alphabet, also used by phpass and md5-crypt.
pub(crate) const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Value of one crypt64 character.
pub(crate) fn crypt64_value(c: u8) -> Option<u32> {
    match c {
        b'.' => Some(0),
        b'/' => Some(1),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 2),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 12),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 38),
        _ => None,
    }
}

/// True when every byte is in the crypt64 alphabet.
pub(crate) fn is_crypt64(s: &str) -> bool {
    s.bytes().all(|c| crypt64_value(c).is_some())
}

/// True when `s` may be the salt of an md5-crypt, apr1 or SHA-crypt setting
/// as glibc and libxcrypt read it: those take any byte up to the next `$` as
/// salt, so a salt need not be crypt64 (`$1$########$…` verifies there);
/// libxcrypt refuses `!`, `*`, `:`, `;`, `\` and white space anywhere in a
/// setting, and so does this. Control and non-ASCII bytes never reach here.
pub(crate) fn is_crypt_salt(s: &str) -> bool {
    s.bytes().all(|c| c.is_ascii_graphic() && !matches!(c, b'$' | b'!' | b'*' | b':' | b';' | b'\\'))
}

/// Append the `n` low 6-bit groups of `v`, least significant first (crypt's `to64`).
// The index is masked to the table's size (or, in const fns, a compile-time
// table walk): it cannot be out of bounds.
#[allow(clippy::indexing_slicing)]
pub(crate) fn push_crypt64(out: &mut String, mut v: u32, n: usize) {
    for _ in 0..n {
        out.push(char::from(CRYPT64[(v & 0x3f) as usize]));
        v >>= 6;
    }
}

/// Encode bytes the way md5-crypt and phpass do: three bytes at a time,
/// little-endian, in the byte order the caller already arranged.
pub(crate) fn crypt64_le(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut v = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            v |= u32::from(*b) << (8 * i);
        }
        push_crypt64(&mut out, v, chunk.len() + 1);
    }
    out
}

/// Decode hex of either case, without data-dependent branches or table
/// look-ups (RustCrypto `base16ct`): the stored digest's characters do not
/// show in the verify's timing.
pub(crate) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    base16ct::mixed::decode_vec(s).ok()
}

/// True when `s` is non-empty hex of either case.
pub(crate) fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Lower-case hex.
// The index is masked to the table's size (or, in const fns, a compile-time
// table walk): it cannot be out of bounds.
#[allow(clippy::indexing_slicing)]
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Standard base64; padding optional (stores differ), `=` only at the end.
pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let trimmed = s.trim_end_matches('=');
    if s.len() - trimmed.len() > 2 {
        return None;
    }
    Base64Unpadded::decode_vec(trimmed).ok()
}

/// Standard base64 with padding.
pub(crate) fn b64_encode_padded(bytes: &[u8]) -> String {
    base64ct::Base64::encode_string(bytes)
}

/// Standard base64 without padding (PHC strings).
pub(crate) fn b64_encode_unpadded(bytes: &[u8]) -> String {
    Base64Unpadded::encode_string(bytes)
}

/// passlib's "adapted base64": standard alphabet with `.` for `+`, no padding.
pub(crate) fn ab64_decode(s: &str) -> Option<Vec<u8>> {
    if s.contains('+') {
        return None;
    }
    b64_decode(&s.replace('.', "+"))
}

/// passlib's "adapted base64" encoder.
pub(crate) fn ab64_encode(bytes: &[u8]) -> String {
    Base64Unpadded::encode_string(bytes).replace('+', ".")
}

/// OpenBSD bcrypt's base64 (`./A-Za-z0-9`, no padding).
pub(crate) fn bcrypt64_decode(s: &str) -> Option<Vec<u8>> {
    Base64Bcrypt::decode_vec(s).ok()
}

/// OpenBSD bcrypt's base64 encoder.
pub(crate) fn bcrypt64_encode(bytes: &[u8]) -> String {
    Base64Bcrypt::encode_string(bytes)
}

/// Parse a decimal number made only of ASCII digits (no sign, no spaces),
/// saturating instead of overflowing so callers can report the value.
///
/// Strict, as the reference implementations read a stored string's numbers
/// (passlib's `ZeroPaddedRoundsError`, libxcrypt's SHA-crypt and sun-md5
/// rounds, the PHC string format): a leading zero is refused (`"0"` itself is
/// read; callers that forbid zero refuse it). Every decimal field of a stored
/// string goes through here; bcrypt's fixed two-digit cost is read apart.
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, c| acc.saturating_mul(10).saturating_add(u64::from(c - b'0'))))
}

/// `s` with its last `n` characters (the encoded key) replaced by `zero`,
/// padding kept: the same string for an all-zero key.
pub(crate) fn mask_tail(s: &str, n: usize, zero: char) -> String {
    let cut = s.len().saturating_sub(n);
    let head = s.get(..cut).unwrap_or_default();
    let tail: String =
        s.get(cut..).unwrap_or_default().chars().map(|c| if c == '=' { c } else { zero }).collect();
    format!("{head}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        assert_eq!(hex_decode("00ffAa").as_deref(), Some(&[0, 255, 170][..]));
        assert_eq!(hex_lower(&[0, 255, 170]), "00ffaa");
        assert!(hex_decode("0g").is_none());
        assert!(hex_decode("0").is_none());
        assert_eq!(hex_decode("").as_deref(), Some(&[][..]));
        // Every byte value, in both cases, against the standard library.
        for b in 0..=255u8 {
            assert_eq!(hex_decode(&format!("{b:02x}")), Some(vec![b]));
            assert_eq!(hex_decode(&format!("{b:02X}")), Some(vec![b]));
        }
        for c in (0..=255u8).filter(|c| !c.is_ascii_hexdigit()) {
            let s = String::from_utf8_lossy(&[b'0', c]).into_owned();
            assert!(s.len() != 2 || hex_decode(&s).is_none(), "{c:#x}");
        }
    }

    #[test]
    fn base64_flavours() {
        assert_eq!(b64_decode("aGFzaA==").as_deref(), Some(&b"hash"[..]));
        assert_eq!(b64_decode("aGFzaA").as_deref(), Some(&b"hash"[..]));
        assert!(b64_decode("aGFzaA===").is_none());
        assert!(b64_decode("not-base64").is_none());
        assert_eq!(ab64_encode(&[0xfb, 0xff]), "./8");
        assert_eq!(ab64_decode("./8").as_deref(), Some(&[0xfb, 0xff][..]));
    }

    #[test]
    fn decimal_saturates() {
        assert_eq!(parse_decimal("99999999999999999999"), Some(u64::MAX));
        assert_eq!(parse_decimal("-1"), None);
        assert_eq!(parse_decimal("42"), Some(42));
    }

    #[test]
    fn decimal_refuses_leading_zeros() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("10"), Some(10));
        for s in ["00", "01", "05", "010428", "0000000000000000000001", "", "+1", " 1", "1 "] {
            assert_eq!(parse_decimal(s), None, "{s:?}");
        }
    }
}
