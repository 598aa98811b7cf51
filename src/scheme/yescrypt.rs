//! yescrypt (`$y$`, libxcrypt's default on Debian and Fedora): rehash's own
//! core (src/primitives/yescrypt.rs: pooled, wiped memory; tested against the
//! `yescrypt` crate and libxcrypt's hashes) does the work, after the
//! parameters pass the ceilings.

use std::borrow::Cow;

use base64ct::{Base64ShaCrypt, Encoding as _};

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::is_crypt64;
use crate::error::{Error, Result};
use crate::primitives::yescrypt as core_kdf;

/// `$y$params$salt$hash`.
pub(crate) struct Yescrypt<'a> {
    s: &'a str,
    params: core_kdf::Params,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl<'a> Yescrypt<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let sch = Scheme::Yescrypt;
        let mut f = s.get(3..).unwrap_or_default().split('$');
        let params = f.next().unwrap_or_default();
        let salt = f.next().ok_or(Error::malformed(sch, "missing salt"))?;
        let hash = f.next().ok_or(Error::malformed(sch, "missing hash"))?;
        if f.next().is_some() || !is_crypt64(salt) || hash.len() != 43 || !is_crypt64(hash) {
            return Err(Error::malformed(sch, "fields"));
        }
        // Exactly the settings the `yescrypt` crate accepts (the core's tests
        // hold the two decoders to each other).
        let params = core_kdf::Params::decode(params).ok_or(Error::malformed(sch, "parameters"))?;
        let salt = Base64ShaCrypt::decode_vec(salt).map_err(|_| Error::malformed(sch, "salt encoding"))?;
        let expected = Base64ShaCrypt::decode_vec(hash)
            .ok()
            .filter(|h| h.len() == 32)
            .ok_or(Error::malformed(sch, "hash encoding"))?;
        Ok(Yescrypt { s, params, salt, expected })
    }
}

impl Family for Yescrypt<'_> {
    fn identified(&self) -> Identified {
        let core_kdf::Params { log_n, r, p, .. } = self.params;
        Identified::new(Scheme::Yescrypt, Params::Yescrypt { log_n, r, p })
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.parallelism(Scheme::Yescrypt, u64::from(self.params.p))?;
        // yescrypt's time factor t multiplies the work over the same memory,
        // as Argon2's passes do (t ≥ 2 runs SMix2 N·(t − 1) more times): one
        // ceiling for both, or a hostile `$y$j9T/zzzzzz$…` (t ≈ 2^30) runs forever.
        if self.params.t > c.argon2_passes {
            return Err(Error::too_big(Scheme::Yescrypt, "t", self.params.t.into(), c.argon2_passes.into()));
        }
        let bytes = 128u128 * (1u128 << self.params.log_n) * u128::from(self.params.r);
        c.memory_bytes(Scheme::Yescrypt, bytes)
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new([0u8; 32]);
        core_kdf::yescrypt(password, &self.salt, &self.params, &mut out);
        Ok(Zeroizing::new(out.to_vec()))
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(format!("{}{}", self.s.get(..self.s.len() - 43).unwrap_or_default(), ".".repeat(43)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yescrypt_params_of_debian_default() {
        // `j9T`: flavor j, N = 2^12, r = 32.
        let y = Yescrypt::parse("$y$j9T$rY7B4.J/oqqBijSi3Kg8c0$XoBTmffDpNVJPt0ULPAJC4kPklgMLIc78O5z41kvAA5");
        let y = y.ok().map(|y| (y.params.log_n, y.params.r, y.params.p));
        assert_eq!(y, Some((12, 32, 1)));
    }

    /// The time factor is checked before any work: `/` says a t field
    /// follows, `E` is t = 17 (one over the default ceiling), `D` t = 16,
    /// and `zzzzzz` a t past 2^30, which would otherwise run for weeks.
    #[test]
    fn time_factor_has_a_ceiling() {
        let tail = "$LdJMENpBABJJ3hIHjB1Bi.$mRGERvP8XWC7Sz98RQ.lClFFXWuBy7yfkyiWU8fYrJ2";
        let c = Ceilings::default();
        let t = |field: &str| {
            Yescrypt::parse(&format!("$y$j75/{field}{tail}")).map(|y| (y.params.t, y.check(&c)))
        };
        assert!(matches!(t("."), Ok((1, Ok(())))));
        assert!(matches!(t("D"), Ok((16, Ok(())))));
        assert!(matches!(t("E"), Ok((17, Err(Error::ParameterOutOfRange { .. })))));
        assert!(matches!(t("zzzzzz"), Ok((big, Err(Error::ParameterOutOfRange { .. }))) if big > 1 << 30));
    }
}
