//! Better Auth's (and Lucia v3's) scrypt rows, `account.password`:
//! `hex(salt16):hex(key)`, key = scrypt(NFKC(password), salt = the
//! 32-character hex text itself, N 16384, r 16, p 1, 64 bytes)
//! (`packages/better-auth/src/crypto/password.ts`).

use unicode_normalization::UnicodeNormalization as _;
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{hex_decode, is_hex};
use crate::error::{Error, Result};

const SCHEME: Scheme = Scheme::BetterAuthScrypt;
const LOG_N: u8 = 14;
const R: u32 = 16;

pub(crate) struct Parsed<'a> {
    salt: &'a str,
    expected: Vec<u8>,
}

fn shape(s: &str) -> Option<(&str, &str)> {
    let (salt, key) = s.split_once(':')?;
    (salt.len() == 32 && is_hex(salt) && key.len() == 128 && is_hex(key)).then_some((salt, key))
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let (salt, key) = shape(s).ok_or(Error::malformed(SCHEME, "expected hex(salt16):hex(key64)"))?;
        let expected = hex_decode(key).ok_or(Error::malformed(SCHEME, "key"))?;
        Ok(Parsed { salt, expected })
    }
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        Identified::new(SCHEME, Params::Scrypt { log_n: LOG_N, r: R, p: 1 })
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.memory_bytes(SCHEME, 128u128 * (1u128 << LOG_N) * u128::from(R))
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(format!("{}:{}", self.salt, "0".repeat(128)))
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let pw = core::str::from_utf8(password)
            .map_err(|_| Error::PasswordNotUtf8 { what: "Better Auth's NFKC normalization" })?;
        let normalized = Zeroizing::new(pw.nfkc().collect::<String>());
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        crate::primitives::scrypt::scrypt(normalized.as_bytes(), self.salt.as_bytes(), LOG_N, R, 1, &mut out);
        Ok(out)
    }
}

/// True when `s` has Better Auth's exact shape.
pub(crate) fn looks_like(s: &str) -> bool {
    shape(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let ok = format!("{}:{}", "ab".repeat(16), "cd".repeat(64));
        assert!(Parsed::parse(&ok).is_ok() && looks_like(&ok));
        for bad in [
            format!("{}:", "ab".repeat(16)),
            format!("{}:{}", "ab".repeat(15), "cd".repeat(64)),
            format!("{}:{}", "ab".repeat(16), "cd".repeat(63)),
            format!("{}:{}g", "ab".repeat(16), "cd".repeat(63)),
            format!("{}:{}:", "ab".repeat(16), "cd".repeat(64)),
        ] {
            assert!(Parsed::parse(&bad).is_err() && !looks_like(&bad), "{bad}");
        }
    }

    #[test]
    fn password_must_be_text() {
        let ok = format!("{}:{}", "ab".repeat(16), "cd".repeat(64));
        let p = Parsed::parse(&ok).expect("parse");
        let kdf = Kdf { secret: None, threads: 1 };
        assert!(matches!(p.derive(b"\xff", kdf), Err(Error::PasswordNotUtf8 { .. })));
    }
}
