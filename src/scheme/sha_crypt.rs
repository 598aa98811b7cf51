//! SHA-crypt (`$5$` SHA-256, `$6$` SHA-512): parsing and layout here, the
//! rounds in [`crate::primitives::sha_crypt`] (on `sha2`'s block compression,
//! rounds-only compression of the blocks that do not change for SHA-512;
//! faster than the `sha-crypt` crate it is tested against).

use std::borrow::Cow;

use base64ct::{Base64ShaCrypt, Encoding as _};

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{is_crypt64, is_crypt_salt, parse_decimal};
use crate::error::{Error, Result};
use crate::primitives::sha_crypt::{self, transpose, Hash, SHA256_ORDER, SHA512_ORDER};

pub(crate) struct ShaCrypt<'a> {
    s: &'a str,
    sha512: bool,
    rounds: u64,
    salt: &'a str,
    /// The checksum decoded, in SHA-crypt's transposed byte order.
    expected: Vec<u8>,
}

impl<'a> ShaCrypt<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let sha512 = s.starts_with("$6$");
        let scheme = if sha512 { Scheme::Sha512Crypt } else { Scheme::Sha256Crypt };
        let mut fields = s.get(3..).unwrap_or_default().split('$');
        let mut first = fields.next().unwrap_or_default();
        let mut rounds = 5000;
        if let Some(r) = first.strip_prefix("rounds=") {
            rounds = parse_decimal(r).ok_or(Error::malformed(scheme, "rounds"))?;
            first = fields.next().ok_or(Error::malformed(scheme, "missing salt"))?;
        }
        let salt = first;
        let checksum = fields.next().ok_or(Error::malformed(scheme, "missing checksum"))?;
        if fields.next().is_some() {
            return Err(Error::malformed(scheme, "too many fields"));
        }
        if salt.len() > 16 || !is_crypt_salt(salt) {
            return Err(Error::malformed(scheme, "salt must be at most 16 characters, no `$!*:;\\`"));
        }
        let want = if sha512 { 86 } else { 43 };
        if checksum.len() != want || !is_crypt64(checksum) {
            return Err(Error::malformed(scheme, "checksum length or alphabet"));
        }
        // glibc clamps and records rounds in 1000..=999_999_999.
        if !(1000..=999_999_999).contains(&rounds) {
            return Err(Error::too_big(scheme, "rounds", rounds, 999_999_999));
        }
        let expected = Base64ShaCrypt::decode_vec(checksum)
            .ok()
            .filter(|v| v.len() == if sha512 { 64 } else { 32 })
            .ok_or(Error::malformed(scheme, "checksum encoding"))?;
        Ok(ShaCrypt { s, sha512, rounds, salt, expected })
    }

    fn scheme(&self) -> Scheme {
        if self.sha512 {
            Scheme::Sha512Crypt
        } else {
            Scheme::Sha256Crypt
        }
    }
}

impl Family for ShaCrypt<'_> {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme(), Params::Rounds(self.rounds))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(self.scheme(), "rounds", self.rounds)
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let rounds = u32::try_from(self.rounds).map_err(|_| Error::malformed(self.scheme(), "rounds"))?;
        let salt = self.salt.as_bytes();
        Ok(if self.sha512 {
            transpose(&sha_crypt::sha_crypt(Hash::Sha512, password, salt, rounds), &SHA512_ORDER)
        } else {
            transpose(&sha_crypt::sha_crypt(Hash::Sha256, password, salt, rounds), &SHA256_ORDER)
        })
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        let n = if self.sha512 { 86 } else { 43 };
        Ok(format!("{}{}", self.s.get(..self.s.len() - n).unwrap_or_default(), ".".repeat(n)))
    }
}
