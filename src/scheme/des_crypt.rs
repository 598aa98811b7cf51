//! The DES-based crypt(3) families: traditional DES crypt (13 characters),
//! BSDi extended DES (`_` + 19) and bigcrypt (13 + 11k). Their core lives in
//! [`crate::primitives::crypt3`] (written here: no maintained crate offers it).

use std::borrow::Cow;

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::error::{Error, Result};
use crate::primitives::crypt3;

enum Kind {
    Des([u8; 2]),
    Bsdi { rounds: u32, salt: u32 },
    Bigcrypt { salt: [u8; 2], segments: usize },
}

pub(crate) struct DesCrypt<'a> {
    scheme: Scheme,
    s: &'a str,
    kind: Kind,
}

/// 13 crypt64 characters: the shape of a traditional DES crypt.
pub(crate) fn looks_like_des(s: &str) -> bool {
    crypt3::parse_des_crypt(s).is_some()
}

/// 13 + 11k crypt64 characters (k ≥ 1): the shape of bigcrypt.
pub(crate) fn looks_like_bigcrypt(s: &str) -> bool {
    crypt3::parse_bigcrypt(s).is_some_and(|(_, n)| n > 1)
}

impl<'a> DesCrypt<'a> {
    pub(crate) fn parse_des(s: &'a str) -> Result<Self> {
        let salt = crypt3::parse_des_crypt(s)
            .ok_or(Error::malformed(Scheme::DesCrypt, "must be 13 crypt64 characters"))?;
        Ok(DesCrypt { scheme: Scheme::DesCrypt, s, kind: Kind::Des(salt) })
    }

    pub(crate) fn parse_bigcrypt(s: &'a str) -> Result<Self> {
        let (salt, segments) = crypt3::parse_bigcrypt(s)
            .filter(|(_, n)| *n <= 16)
            .ok_or(Error::malformed(Scheme::Bigcrypt, "must be 13 + 11k crypt64 characters, k < 16"))?;
        Ok(DesCrypt { scheme: Scheme::Bigcrypt, s, kind: Kind::Bigcrypt { salt, segments } })
    }

    pub(crate) fn parse_bsdi(s: &'a str) -> Result<Self> {
        let sch = Scheme::BsdiCrypt;
        let (rounds, salt) = crypt3::parse_bsdi_crypt(s)
            .ok_or(Error::malformed(sch, "must be `_` and 19 crypt64 characters"))?;
        if rounds == 0 {
            return Err(Error::too_big(sch, "rounds", 0, 1));
        }
        Ok(DesCrypt { scheme: sch, s, kind: Kind::Bsdi { rounds, salt } })
    }

    fn rounds(&self) -> Option<u64> {
        match self.kind {
            Kind::Des(_) | Kind::Bigcrypt { .. } => None,
            Kind::Bsdi { rounds, .. } => Some(rounds.into()),
        }
    }
}

impl Family for DesCrypt<'_> {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme, self.rounds().map_or(Params::Fixed, Params::Rounds))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        self.rounds().map_or(Ok(()), |r| c.iterations(self.scheme, "rounds", r))
    }

    /// The bytes verify compares: the whole string.
    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.s.as_bytes())
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let got = match self.kind {
            Kind::Des(salt) => crypt3::des_crypt(password, salt),
            Kind::Bsdi { rounds, salt } => crypt3::bsdi_crypt(password, rounds, salt),
            // bigcrypt's output length follows the password: a password of
            // another segment count cannot match (not an error).
            Kind::Bigcrypt { salt, segments } => {
                Some(crypt3::bigcrypt(password, salt, segments).unwrap_or_default())
            }
        };
        Ok(Zeroizing::new(got.ok_or(Error::malformed(self.scheme, "salt"))?.into_bytes()))
    }

    /// The string with its password-derived characters replaced by `.`.
    fn masked(&self) -> Result<String> {
        let keep = match self.kind {
            Kind::Des(_) | Kind::Bigcrypt { .. } => 2,
            Kind::Bsdi { .. } => 9,
        };
        let head = self.s.get(..keep).unwrap_or_default();
        Ok(format!("{head}{}", ".".repeat(self.s.len() - head.len())))
    }
}
