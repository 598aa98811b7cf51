//! phpass portable hashes (`$P$` WordPress, `$H$` phpBB3): 2^n rounds of MD5
//! over the previous digest and the password. Written here: no maintained
//! crate provides it.

use md5::{Digest as _, Md5};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{Identified, Params, Scheme};
use crate::encoding::{crypt64_le, crypt64_value, is_crypt64};
use crate::error::{Error, Result};
use crate::policy::Ceilings;

pub(crate) struct Parsed<'a> {
    log2: u32,
    salt: &'a str,
    checksum: &'a str,
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let sch = Scheme::Phpass;
        if s.len() != 34 || !is_crypt64(s.get(3..).unwrap_or("!")) {
            return Err(Error::malformed(sch, "must be 34 characters: prefix, count, 8 salt, 22 checksum"));
        }
        let count_char = s.as_bytes().get(3).copied().unwrap_or(0);
        let log2 = crypt64_value(count_char).ok_or(Error::malformed(sch, "count"))?;
        // phpass itself accepts 7..=30.
        if !(7..=30).contains(&log2) {
            return Err(Error::too_big(sch, "log2_rounds", log2.into(), 30));
        }
        Ok(Parsed { log2, salt: s.get(4..12).unwrap_or_default(), checksum: s.get(12..).unwrap_or_default() })
    }

    pub(crate) fn identified(&self) -> Identified {
        Identified { scheme: Scheme::Phpass, params: Params::Rounds(1u64 << self.log2) }
    }

    pub(crate) fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(Scheme::Phpass, "rounds", 1u64 << self.log2)
    }

    pub(crate) fn verify(&self, password: &[u8]) -> Choice {
        let mut h: [u8; 16] = Md5::new().chain_update(self.salt).chain_update(password).finalize().into();
        for _ in 0..(1u64 << self.log2) {
            h = Md5::new().chain_update(h).chain_update(password).finalize().into();
        }
        let got = Zeroizing::new(crypt64_le(&h));
        h.iter_mut().for_each(|b| *b = 0);
        got.as_bytes().ct_eq(self.checksum.as_bytes())
    }
}
