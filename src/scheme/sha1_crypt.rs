//! NetBSD's sha1crypt: `$sha1$rounds$salt$checksum` (HMAC-SHA1 iterated).
//! Its core lives in [`crate::primitives::crypt3`].

use std::borrow::Cow;

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::error::{Error, Result};
use crate::primitives::crypt3;

pub(crate) struct Sha1Crypt<'a> {
    s: &'a str,
    rounds: u32,
    salt: &'a [u8],
    checksum: &'a str,
}

impl<'a> Sha1Crypt<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let (rounds, salt, checksum) = crypt3::parse_sha1_crypt(s)
            .ok_or(Error::malformed(Scheme::Sha1Crypt, "expected $sha1$rounds$salt$checksum"))?;
        Ok(Sha1Crypt { s, rounds, salt, checksum })
    }
}

impl Family for Sha1Crypt<'_> {
    fn identified(&self) -> Identified {
        Identified::new(Scheme::Sha1Crypt, Params::Rounds(self.rounds.into()))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(Scheme::Sha1Crypt, "rounds", self.rounds.into())
    }

    /// The checksum characters.
    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.checksum.as_bytes())
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        Ok(Zeroizing::new(crypt3::sha1_crypt_checksum(password, self.salt, self.rounds).into_bytes()))
    }

    /// The string with its checksum replaced by `.`.
    fn masked(&self) -> Result<String> {
        let head = self.s.get(..self.s.len() - self.checksum.len()).unwrap_or_default();
        Ok(format!("{head}{}", ".".repeat(self.checksum.len())))
    }
}
