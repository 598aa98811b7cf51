//! Salted base64 digests that applications write in their own layouts:
//!
//! - ASP.NET `SqlMembershipProvider` (PasswordFormat 1, `aspnet_Membership`):
//!   `Password` = base64(SHA-1(base64-decoded `PasswordSalt` ‖ UTF-16LE(pw))).
//! - Symfony `MessageDigestPasswordHasher` with its defaults (also
//!   FOSUserBundle): SHA-512 over `pw{salt}`, then 4999 times over
//!   `digest ‖ pw{salt}` (5000 hashes in all), base64; salt column. An empty
//!   salt (PHP's `empty()`: also `"0"`) hashes the bare password; a salt
//!   holding `{` or `}` is refused, as Symfony refuses it.
//! - RabbitMQ `rabbit_password_hashing_sha256`: base64(salt4 ‖
//!   SHA-256(salt4 ‖ pw)), the salt inside the string.

use sha1::{Digest as _, Sha1};
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Extra, Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::encoding::{b64_decode, b64_encode_padded, b64_encode_unpadded};
use crate::error::{Error, Result};

/// Symfony's default iteration count (`MessageDigestPasswordHasher`).
const SYMFONY_ITERATIONS: u32 = 5000;

enum Kind {
    AspnetMembership,
    Symfony,
    Rabbitmq,
}

pub(crate) struct Parsed {
    kind: Kind,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl Parsed {
    /// `Password` (base64 of 20 bytes) and the base64 `PasswordSalt` column.
    pub(crate) fn parse_aspnet_membership(s: &str, extra: Extra<'_>) -> Result<Self> {
        let scheme = Scheme::AspnetMembershipSha1;
        let expected = b64_decode(s).filter(|h| h.len() == 20 && s.len() == 28);
        let expected = expected.ok_or(Error::malformed(scheme, "hash must be padded base64 of 20 bytes"))?;
        let salt = extra.salt.ok_or(Error::MissingInput { scheme, what: "salt" })?;
        let salt = b64_decode(salt).ok_or(Error::malformed(scheme, "salt column must be base64"))?;
        Ok(Parsed { kind: Kind::AspnetMembership, salt, expected })
    }

    /// The 88-character base64 hash and the salt column (used as text).
    pub(crate) fn parse_symfony(s: &str, extra: Extra<'_>) -> Result<Self> {
        let scheme = Scheme::SymfonyMessageDigest;
        // `isPasswordValid`: the encoded length must be the hasher's own and
        // a `$` is refused; the comparison is of the base64 text.
        let expected = b64_decode(s).filter(|h| h.len() == 64 && s.len() == 88);
        let expected = expected.ok_or(Error::malformed(scheme, "hash must be padded base64 of 64 bytes"))?;
        let salt = extra.salt.ok_or(Error::MissingInput { scheme, what: "salt" })?;
        if salt.contains(['{', '}']) {
            return Err(Error::malformed(scheme, "Symfony refuses `{` and `}` in a salt"));
        }
        Ok(Parsed { kind: Kind::Symfony, salt: salt.as_bytes().to_vec(), expected })
    }

    /// base64 of 36 bytes: the 4-byte salt and the SHA-256 digest.
    pub(crate) fn parse_rabbitmq(s: &str) -> Result<Self> {
        let scheme = Scheme::RabbitmqSha256;
        let raw = b64_decode(s).filter(|r| r.len() == 36 && s.len() == 48);
        let raw = raw.ok_or(Error::malformed(scheme, "hash must be base64 of a 4-byte salt and 32 bytes"))?;
        let (salt, digest) = raw.split_at(4);
        Ok(Parsed { kind: Kind::Rabbitmq, salt: salt.to_vec(), expected: digest.to_vec() })
    }

    fn scheme(&self) -> Scheme {
        match self.kind {
            Kind::AspnetMembership => Scheme::AspnetMembershipSha1,
            Kind::Symfony => Scheme::SymfonyMessageDigest,
            Kind::Rabbitmq => Scheme::RabbitmqSha256,
        }
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        let params = match self.kind {
            Kind::Symfony => Params::Rounds(SYMFONY_ITERATIONS.into()),
            _ => Params::Fixed,
        };
        Identified::new(self.scheme(), params)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(match self.kind {
            Kind::AspnetMembership => b64_encode_padded(&[0u8; 20]),
            Kind::Symfony => b64_encode_padded(&[0u8; 64]),
            Kind::Rabbitmq => {
                let mut raw = self.salt.clone();
                raw.resize(36, 0);
                b64_encode_unpadded(&raw)
            }
        })
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        Ok(match self.kind {
            Kind::AspnetMembership => {
                let pw = core::str::from_utf8(password)
                    .map_err(|_| Error::PasswordNotUtf8 { what: "ASP.NET Membership's UTF-16LE" })?;
                let mut h = Sha1::new_with_prefix(&self.salt);
                for unit in pw.encode_utf16() {
                    h.update(unit.to_le_bytes());
                }
                Zeroizing::new(h.finalize().to_vec())
            }
            Kind::Symfony => {
                // mergePasswordAndSalt: `pw{salt}`, or `pw` for an empty salt.
                let mut salted = Zeroizing::new(password.to_vec());
                if !self.salt.is_empty() && self.salt != b"0" {
                    salted.push(b'{');
                    salted.extend_from_slice(&self.salt);
                    salted.push(b'}');
                }
                let mut digest: Zeroizing<[u8; 64]> = Zeroizing::new(Sha512::digest(&*salted).into());
                for _ in 1..SYMFONY_ITERATIONS {
                    *digest = Sha512::new_with_prefix(*digest).chain_update(&*salted).finalize().into();
                }
                Zeroizing::new(digest.to_vec())
            }
            Kind::Rabbitmq => {
                Zeroizing::new(Sha256::new_with_prefix(&self.salt).chain_update(password).finalize().to_vec())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifies(p: &Parsed, pw: &[u8]) -> bool {
        p.derive(pw, Kdf { secret: None, threads: 1 }).is_ok_and(|d| d.as_slice() == &*p.expected())
    }

    #[test]
    fn rabbitmq_published_example() {
        let p = Parsed::parse_rabbitmq("kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR").expect("parse");
        assert!(verifies(&p, b"test12") && !verifies(&p, b"test13"));
        let masked = p.masked().expect("masked");
        assert!(masked.starts_with("kI3GC") && masked.ends_with(&"A".repeat(42)), "{masked}");
        // Too short, padded, not base64.
        for bad in [
            "/RJd4vVUXyY28w==",
            "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR==",
            "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2PO$",
        ] {
            assert!(Parsed::parse_rabbitmq(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aspnet_membership_refusals() {
        let hash = "owrfrh3z9mqGhqOY4GhtZNjZR4o=";
        let salt = Extra { salt: Some("cVUfRvBbUUygQ/Lx5fwI7g=="), ..Extra::default() };
        let p = Parsed::parse_aspnet_membership(hash, salt).expect("parse");
        assert!(verifies(&p, b"BJVabDd5t1YXx"));
        assert!(matches!(
            p.derive(b"\xff", Kdf { secret: None, threads: 1 }),
            Err(Error::PasswordNotUtf8 { .. })
        ));
        assert!(matches!(
            Parsed::parse_aspnet_membership(hash, Extra::default()),
            Err(Error::MissingInput { what: "salt", .. })
        ));
        let bad_salt = Extra { salt: Some("*VUfRvBbUUygQ/Lx5fwI7g=="), ..Extra::default() };
        assert!(Parsed::parse_aspnet_membership(hash, bad_salt).is_err());
        assert!(Parsed::parse_aspnet_membership("owrfrh3z9mqGhqOY4GhtZNjZR4o", salt).is_err());
    }

    #[test]
    fn symfony_salt_rules() {
        let hash = "LYzhiVjVxRom/EPwfNM8H0eLlNpjOL4LTWyXBc+GK8g+CLM0ejEupE5gV5M6R6cdELzLiLsUAFJMM74MEhDufQ==";
        let salt = |s| Extra { salt: Some(s), ..Extra::default() };
        let p = Parsed::parse_symfony(hash, salt("flm935b02ysr9xc5cd1s3aje4lalazy")).expect("parse");
        assert!(verifies(&p, b"4A36vBB") && !verifies(&p, b"4A36vBC"));
        assert!(Parsed::parse_symfony(hash, salt("a{b")).is_err());
        assert!(Parsed::parse_symfony(&hash[..86], salt("x")).is_err());
        // An empty salt and PHP's empty "0" both hash the bare password.
        let e = Parsed::parse_symfony(hash, salt("")).expect("parse");
        let z = Parsed::parse_symfony(hash, salt("0")).expect("parse");
        let kdf = Kdf { secret: None, threads: 1 };
        assert_eq!(e.derive(b"pw", kdf).expect("d").as_slice(), z.derive(b"pw", kdf).expect("d").as_slice());
    }
}
