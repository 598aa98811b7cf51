//! The DES-based crypts: traditional crypt(3) (`des_crypt`, 13 characters,
//! first 8 password bytes) and BSDi extended DES (`_` + rounds + salt + hash).
//! The DES core lives in [`super::des_core`], written here because no
//! maintained crate offers crypt(3)'s salted DES.

use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::des_core;
use super::{Identified, Params, Scheme};
use crate::encoding::{crypt64_value, is_crypt64};
use crate::error::{Error, Result};
use crate::policy::Ceilings;

pub(crate) struct Parsed<'a> {
    scheme: Scheme,
    s: &'a str,
    rounds: u32,
    salt: u32,
}

/// 13 crypt64 characters: the shape of a traditional DES crypt.
pub(crate) fn looks_like_des(s: &str) -> bool {
    s.len() == 13 && is_crypt64(s)
}

fn crypt64_le_value(s: &str) -> Option<u32> {
    s.bytes().rev().try_fold(0u32, |acc, c| Some((acc << 6) | crypt64_value(c)?))
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse_des(s: &'a str) -> Result<Self> {
        if !looks_like_des(s) {
            return Err(Error::malformed(Scheme::DesCrypt, "must be 13 crypt64 characters"));
        }
        Ok(Parsed { scheme: Scheme::DesCrypt, s, rounds: 25, salt: 0 })
    }

    pub(crate) fn parse_bsdi(s: &'a str) -> Result<Self> {
        let sch = Scheme::BsdiCrypt;
        if s.len() != 20 || !is_crypt64(s.get(1..).unwrap_or("!")) {
            return Err(Error::malformed(sch, "must be `_` and 19 crypt64 characters"));
        }
        let rounds =
            crypt64_le_value(s.get(1..5).unwrap_or_default()).ok_or(Error::malformed(sch, "rounds"))?;
        let salt = crypt64_le_value(s.get(5..9).unwrap_or_default()).ok_or(Error::malformed(sch, "salt"))?;
        if rounds == 0 {
            return Err(Error::too_big(sch, "rounds", 0, 1));
        }
        Ok(Parsed { scheme: sch, s, rounds, salt })
    }

    pub(crate) fn identified(&self) -> Identified {
        let params =
            if self.scheme == Scheme::BsdiCrypt { Params::Rounds(self.rounds.into()) } else { Params::Fixed };
        Identified { scheme: self.scheme, params }
    }

    pub(crate) fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(self.scheme, "rounds", self.rounds.into())
    }

    pub(crate) fn verify(&self, password: &[u8]) -> Result<Choice> {
        let got = match self.scheme {
            Scheme::BsdiCrypt => des_core::bsdi_crypt(password, self.rounds, self.salt),
            _ => {
                let b = self.s.as_bytes();
                let salt = [b.first().copied().unwrap_or(b'.'), b.get(1).copied().unwrap_or(b'.')];
                des_core::des_crypt(password, salt)
            }
        }
        .map(Zeroizing::new)
        .ok_or(Error::malformed(self.scheme, "salt"))?;
        Ok(got.as_bytes().ct_eq(self.s.as_bytes()))
    }
}
