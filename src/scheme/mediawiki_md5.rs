//! MediaWiki's MD5 types (`user.user_password`): `:A:` + hex md5(password)
//! (`MWOldPassword`) and `:B:salt:` + hex md5(salt `-` hex md5(password))
//! (`MWSaltedPassword`, salt `MWCryptRand::generateHex(8)`).
//!
//! `:A:salt:hash` is the type-B computation under the type name A: older
//! MediaWiki (before the `MediaWiki\Password` namespace) computed it so when
//! `$wgPasswordSalt` was on (the default) and the hash had exactly one
//! argument. MediaWiki compares the whole string it
//! rebuilds, so upper-case hex and a `:B:` hash without a salt never verified
//! there; they are refused here, as are an empty salt and more than one
//! argument, which MediaWiki never writes.

use md5::{Digest as _, Md5};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::encoding::{hex_decode, hex_lower};
use crate::error::{Error, Result};

pub(crate) struct Parsed<'a> {
    scheme: Scheme,
    salt: Option<&'a str>,
    expected: [u8; 16],
}

impl<'a> Parsed<'a> {
    /// `:A:hex`, `:A:salt:hex` or `:B:salt:hex`.
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let (scheme, rest) = if let Some(r) = s.strip_prefix(":A:") {
            (Scheme::MediawikiA, r)
        } else if let Some(r) = s.strip_prefix(":B:") {
            (Scheme::MediawikiB, r)
        } else {
            return Err(Error::Malformed { scheme: None, what: "unknown MediaWiki password type" });
        };
        let mut f = rest.split(':');
        let (salt, hash) = match (f.next(), f.next(), f.next()) {
            (Some(h), None, None) if scheme == Scheme::MediawikiA => (None, h),
            (Some(salt), Some(h), None) if !salt.is_empty() => (Some(salt), h),
            _ => return Err(Error::malformed(scheme, "expected [salt:]hash with one non-empty salt")),
        };
        let lower_hex =
            hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let expected = hex_decode(hash)
            .filter(|_| lower_hex)
            .and_then(|v| <[u8; 16]>::try_from(v).ok())
            .ok_or(Error::malformed(scheme, "hash is not 32 lower-case hex"))?;
        Ok(Parsed { scheme, salt, expected })
    }
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme, Params::Fixed)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        let tag = if self.scheme == Scheme::MediawikiA { "A" } else { "B" };
        Ok(match self.salt {
            Some(salt) => format!(":{tag}:{salt}:{}", "0".repeat(32)),
            None => format!(":{tag}:{}", "0".repeat(32)),
        })
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let inner = Zeroizing::new(Md5::digest(password).to_vec());
        let Some(salt) = self.salt else { return Ok(inner) };
        let inner_hex = Zeroizing::new(hex_lower(&inner));
        let mut h = Md5::new();
        h.update(salt.as_bytes());
        h.update(b"-");
        h.update(inner_hex.as_bytes());
        Ok(Zeroizing::new(h.finalize().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifies(s: &str, pw: &[u8]) -> bool {
        let kdf = Kdf { secret: None, threads: 1 };
        Parsed::parse(s).and_then(|p| p.verify(pw, kdf)).map(bool::from).unwrap_or(false)
    }

    #[test]
    fn both_types_and_b_under_a() {
        assert!(verifies(":A:5f4dcc3b5aa765d61d8327deb882cf99", b"password"));
        assert!(verifies(":B:salt:9842afc7cb949c440c51347ed809362f", b"password"));
        assert!(verifies(":A:salt:9842afc7cb949c440c51347ed809362f", b"password"));
        // MediaWiki's failing case: not md5(salt . md5(pass)) without the `-`.
        assert!(!verifies(":B:salt:d529e941509eb9e9b9cfaeae1fe7ca23", b"password"));
    }

    #[test]
    fn refusals() {
        for bad in [
            ":A:5F4DCC3B5AA765D61D8327DEB882CF99",
            ":A:5f4dcc3b5aa765d61d8327deb882cf9",
            ":B:5f4dcc3b5aa765d61d8327deb882cf99",
            ":B::5f4dcc3b5aa765d61d8327deb882cf99",
            ":B:a:b:5f4dcc3b5aa765d61d8327deb882cf99",
            ":C:5f4dcc3b5aa765d61d8327deb882cf99",
        ] {
            assert!(Parsed::parse(bad).is_err(), "{bad}");
        }
    }
}
