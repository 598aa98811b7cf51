//! The older crypt(3) families whose cores live in [`super::des_core`]
//! (written here because no maintained crate offers them): traditional DES
//! crypt, BSDi extended DES, bigcrypt, Sun MD5 crypt and NetBSD sha1crypt.

use zeroize::Zeroizing;

use super::des_core;
use super::{Identified, Params, Scheme};
use crate::error::{Error, Result};
use crate::policy::Ceilings;

enum Kind<'a> {
    Des([u8; 2]),
    Bsdi { rounds: u32, salt: u32 },
    Bigcrypt { salt: [u8; 2], segments: usize },
    SunMd5 { prefix: &'a [u8], rounds: u32, checksum: &'a str },
    Sha1Crypt { rounds: u32, salt: &'a [u8], checksum: &'a str },
}

pub(crate) struct Parsed<'a> {
    scheme: Scheme,
    s: &'a str,
    kind: Kind<'a>,
}

/// 13 crypt64 characters: the shape of a traditional DES crypt.
pub(crate) fn looks_like_des(s: &str) -> bool {
    des_core::parse_des_crypt(s).is_some()
}

/// 13 + 11k crypt64 characters (k ≥ 1): the shape of bigcrypt.
pub(crate) fn looks_like_bigcrypt(s: &str) -> bool {
    des_core::parse_bigcrypt(s).is_some_and(|(_, n)| n > 1)
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse_des(s: &'a str) -> Result<Self> {
        let salt = des_core::parse_des_crypt(s)
            .ok_or(Error::malformed(Scheme::DesCrypt, "must be 13 crypt64 characters"))?;
        Ok(Parsed { scheme: Scheme::DesCrypt, s, kind: Kind::Des(salt) })
    }

    pub(crate) fn parse_bigcrypt(s: &'a str) -> Result<Self> {
        let (salt, segments) = des_core::parse_bigcrypt(s)
            .filter(|(_, n)| *n <= 16)
            .ok_or(Error::malformed(Scheme::Bigcrypt, "must be 13 + 11k crypt64 characters, k < 16"))?;
        Ok(Parsed { scheme: Scheme::Bigcrypt, s, kind: Kind::Bigcrypt { salt, segments } })
    }

    pub(crate) fn parse_bsdi(s: &'a str) -> Result<Self> {
        let sch = Scheme::BsdiCrypt;
        let (rounds, salt) = des_core::parse_bsdi_crypt(s)
            .ok_or(Error::malformed(sch, "must be `_` and 19 crypt64 characters"))?;
        if rounds == 0 {
            return Err(Error::too_big(sch, "rounds", 0, 1));
        }
        Ok(Parsed { scheme: sch, s, kind: Kind::Bsdi { rounds, salt } })
    }

    pub(crate) fn parse_sun_md5(s: &'a str) -> Result<Self> {
        let (prefix, rounds, checksum) = des_core::parse_sun_md5_crypt(s)
            .ok_or(Error::malformed(Scheme::SunMd5Crypt, "expected $md5[,rounds=N]$salt$[$]checksum"))?;
        Ok(Parsed { scheme: Scheme::SunMd5Crypt, s, kind: Kind::SunMd5 { prefix, rounds, checksum } })
    }

    pub(crate) fn parse_sha1_crypt(s: &'a str) -> Result<Self> {
        let (rounds, salt, checksum) = des_core::parse_sha1_crypt(s)
            .ok_or(Error::malformed(Scheme::Sha1Crypt, "expected $sha1$rounds$salt$checksum"))?;
        Ok(Parsed { scheme: Scheme::Sha1Crypt, s, kind: Kind::Sha1Crypt { rounds, salt, checksum } })
    }

    fn rounds(&self) -> Option<u64> {
        match self.kind {
            Kind::Des(_) | Kind::Bigcrypt { .. } => None,
            Kind::Bsdi { rounds, .. } | Kind::Sha1Crypt { rounds, .. } => Some(rounds.into()),
            Kind::SunMd5 { rounds, .. } => Some(4096 + u64::from(rounds)),
        }
    }

    pub(crate) fn identified(&self) -> Identified {
        Identified { scheme: self.scheme, params: self.rounds().map_or(Params::Fixed, Params::Rounds) }
    }

    pub(crate) fn check(&self, c: &Ceilings) -> Result<()> {
        self.rounds().map_or(Ok(()), |r| c.iterations(self.scheme, "rounds", r))
    }

    /// The bytes verify compares: the whole string for the DES crypts, the
    /// checksum for Sun MD5 and sha1crypt.
    pub(crate) fn expected(&self) -> &[u8] {
        match self.kind {
            Kind::SunMd5 { checksum, .. } | Kind::Sha1Crypt { checksum, .. } => checksum.as_bytes(),
            _ => self.s.as_bytes(),
        }
    }

    pub(crate) fn derive(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let got = match self.kind {
            Kind::Des(salt) => des_core::des_crypt(password, salt),
            Kind::Bsdi { rounds, salt } => des_core::bsdi_crypt(password, rounds, salt),
            // bigcrypt's output length follows the password: a password of
            // another segment count cannot match (not an error).
            Kind::Bigcrypt { salt, segments } => {
                Some(des_core::bigcrypt(password, salt, segments).unwrap_or_default())
            }
            Kind::SunMd5 { prefix, rounds, .. } => {
                Some(des_core::sun_md5_crypt_checksum(password, prefix, rounds))
            }
            Kind::Sha1Crypt { rounds, salt, .. } => {
                Some(des_core::sha1_crypt_checksum(password, salt, rounds))
            }
        };
        Ok(Zeroizing::new(got.ok_or(Error::malformed(self.scheme, "salt"))?.into_bytes()))
    }

    /// The string with its password-derived characters replaced by `.`.
    pub(crate) fn masked(&self) -> String {
        let keep = match self.kind {
            Kind::Des(_) | Kind::Bigcrypt { .. } => 2,
            Kind::Bsdi { .. } => 9,
            Kind::SunMd5 { checksum, .. } | Kind::Sha1Crypt { checksum, .. } => self.s.len() - checksum.len(),
        };
        let head = self.s.get(..keep).unwrap_or_default();
        format!("{head}{}", ".".repeat(self.s.len() - head.len()))
    }
}
