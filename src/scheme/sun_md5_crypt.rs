//! Solaris's Sun MD5 crypt: `$md5[,rounds=N]$salt$[$]checksum`. Its core
//! lives in [`crate::primitives::crypt3`].

use std::borrow::Cow;

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::error::{Error, Result};
use crate::primitives::crypt3;

pub(crate) struct SunMd5Crypt<'a> {
    s: &'a str,
    prefix: &'a [u8],
    rounds: u32,
    checksum: &'a str,
}

impl<'a> SunMd5Crypt<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let (prefix, rounds, checksum) = crypt3::parse_sun_md5_crypt(s)
            .ok_or(Error::malformed(Scheme::SunMd5Crypt, "expected $md5[,rounds=N]$salt$[$]checksum"))?;
        Ok(SunMd5Crypt { s, prefix, rounds, checksum })
    }

    fn rounds(&self) -> u64 {
        4096 + u64::from(self.rounds)
    }
}

impl Family for SunMd5Crypt<'_> {
    fn identified(&self) -> Identified {
        Identified::new(Scheme::SunMd5Crypt, Params::Rounds(self.rounds()))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(Scheme::SunMd5Crypt, "rounds", self.rounds())
    }

    /// The checksum characters.
    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.checksum.as_bytes())
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        Ok(Zeroizing::new(crypt3::sun_md5_crypt_checksum(password, self.prefix, self.rounds).into_bytes()))
    }

    /// The string with its checksum replaced by `.`.
    fn masked(&self) -> Result<String> {
        let head = self.s.get(..self.s.len() - self.checksum.len()).unwrap_or_default();
        Ok(format!("{head}{}", ".".repeat(self.checksum.len())))
    }
}
