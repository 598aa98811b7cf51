//! The shared secret every request but `/healthz` must carry, compared in
//! constant time. Accepted forms of the header's value: `Bearer <secret>`
//! (RFC 6750; the scheme in any case) and the bare secret (what Okta's
//! "HTTP Headers" authentication sends: the configured value as is). Both
//! sides are hashed with SHA-256 first, so the comparison takes the same time
//! whatever the length of the value sent.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

/// Shortest secret accepted.
pub const MIN_SECRET_BYTES: usize = 16;

/// The expected secret, kept as its SHA-256 only.
pub struct Secret {
    digest: [u8; 32],
}

impl Secret {
    /// From the bytes of a token file or variable: surrounding white space
    /// (a final newline) is not part of it.
    pub fn new(raw: &[u8]) -> Result<Secret, String> {
        let start = raw.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(raw.len());
        let end = raw.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
        let secret = Zeroizing::new(raw[start..end].to_vec());
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the token has {} bytes; use at least {MIN_SECRET_BYTES} random bytes (for example \
                 `openssl rand -hex 32`)",
                secret.len()
            ));
        }
        if secret.iter().any(|b| b.is_ascii_control() || !b.is_ascii()) {
            return Err("the token must be printable ASCII (it travels in an HTTP header)".into());
        }
        Ok(Secret { digest: Sha256::digest(&*secret).into() })
    }

    /// Whether the header value `value` carries the secret.
    pub fn matches(&self, value: &[u8]) -> bool {
        let bearer = value.len() > 7 && value[..7].eq_ignore_ascii_case(b"bearer ");
        let presented = if bearer { &value[7..] } else { value };
        let digest: [u8; 32] = Sha256::digest(presented).into();
        digest.ct_eq(&self.digest).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_header_forms_and_nothing_else() {
        let s = Secret::new(b"0123456789abcdef0123\n").unwrap();
        assert!(s.matches(b"Bearer 0123456789abcdef0123"));
        assert!(s.matches(b"bearer 0123456789abcdef0123"));
        assert!(s.matches(b"0123456789abcdef0123"));
        assert!(!s.matches(b"Bearer 0123456789abcdef012"));
        assert!(!s.matches(b"Bearer 0123456789abcdef01234"));
        assert!(!s.matches(b"Basic 0123456789abcdef0123"));
        assert!(!s.matches(b""));
        assert!(Secret::new(b"short\n").is_err());
        assert!(Secret::new(b"0123456789abcdef\x01").is_err());
    }
}
