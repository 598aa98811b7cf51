//! phpass portable hashes (`$P$` WordPress, `$H$` phpBB3: 2^n rounds of MD5)
//! and Drupal 7's SHA-512 variant (`$S$`, and `U$S$` for the Drupal 6 md5
//! hashes Drupal 7 wrapped on import). Written here: no maintained crate
//! provides them.

use md5::Md5;
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{crypt64_le, crypt64_value, hex_lower, is_crypt64};
use crate::error::{Error, Result};

pub(crate) struct Parsed<'a> {
    scheme: Scheme,
    log2: u32,
    salt: &'a str,
    checksum: &'a str,
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let (scheme, body, len) = if let Some(rest) = s.strip_prefix("U$S$") {
            (Scheme::Drupal7WrappedMd5, rest, 55 - 3)
        } else if let Some(rest) = s.strip_prefix("$S$") {
            (Scheme::Drupal7, rest, 55 - 3)
        } else {
            let rest = s.get(3..).unwrap_or_default();
            (Scheme::Phpass, rest, 34 - 3)
        };
        if body.len() != len || !is_crypt64(body) {
            return Err(Error::malformed(scheme, "length or alphabet (count, 8 salt, checksum)"));
        }
        let log2 = body.bytes().next().and_then(crypt64_value).ok_or(Error::malformed(scheme, "count"))?;
        // phpass and Drupal accept 7..=30.
        if !(7..=30).contains(&log2) {
            return Err(Error::too_big(scheme, "log2_rounds", log2.into(), 30));
        }
        Ok(Parsed {
            scheme,
            log2,
            salt: body.get(1..9).unwrap_or_default(),
            checksum: body.get(9..).unwrap_or_default(),
        })
    }
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme, Params::Rounds(1u64 << self.log2))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(self.scheme, "rounds", 1u64 << self.log2)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.checksum.as_bytes())
    }

    fn masked(&self) -> Result<String> {
        let prefix = match self.scheme {
            Scheme::Drupal7WrappedMd5 => "U$S$",
            Scheme::Drupal7 => "$S$",
            _ => "$P$",
        };
        let count = crate::encoding::CRYPT64.get(self.log2 as usize).copied().unwrap_or(b'.');
        Ok(format!("{prefix}{}{}{}", char::from(count), self.salt, ".".repeat(self.checksum.len())))
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let got = match self.scheme {
            Scheme::Phpass => iterate::<Md5>(self.salt.as_bytes(), password, self.log2),
            Scheme::Drupal7 => iterate::<Sha512>(self.salt.as_bytes(), password, self.log2),
            _ => {
                let inner = Zeroizing::new(hex_lower(&Md5::digest(password)));
                iterate::<Sha512>(self.salt.as_bytes(), inner.as_bytes(), self.log2)
            }
        };
        let n = self.checksum.len();
        Ok(Zeroizing::new(got.as_bytes().get(..n).unwrap_or_default().to_vec()))
    }
}

/// h = D(salt ‖ pw); 2^log2 times h = D(h ‖ pw); crypt64 of h.
fn iterate<D: Digest>(salt: &[u8], password: &[u8], log2: u32) -> Zeroizing<String> {
    let mut h = Zeroizing::new(D::new().chain_update(salt).chain_update(password).finalize().to_vec());
    for _ in 0..(1u64 << log2) {
        *h = D::new().chain_update(&*h).chain_update(password).finalize().to_vec();
    }
    Zeroizing::new(crypt64_le(&h))
}
