//! yescrypt (`$y$`, libxcrypt's default on Debian and Fedora): the
//! `yescrypt` crate does the work; parameters are checked first.

use std::borrow::Cow;

use base64ct::{Base64ShaCrypt, Encoding as _};

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::is_crypt64;
use crate::error::{Error, Result};

/// `$y$params$salt$hash`.
pub(crate) struct Yescrypt<'a> {
    s: &'a str,
    log_n: u8,
    r: u32,
    p: u32,
    params: yescrypt::Params,
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
        let parsed: yescrypt::Params = params.parse().map_err(|_| Error::malformed(sch, "parameters"))?;
        let n = parsed.n();
        if !n.is_power_of_two() || n < 2 {
            return Err(Error::malformed(sch, "N must be a power of two"));
        }
        let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| Error::malformed(sch, "N"))?;
        let (r, p) = (parsed.r(), parsed.p());
        let salt = Base64ShaCrypt::decode_vec(salt).map_err(|_| Error::malformed(sch, "salt encoding"))?;
        let expected = Base64ShaCrypt::decode_vec(hash)
            .ok()
            .filter(|h| h.len() == 32)
            .ok_or(Error::malformed(sch, "hash encoding"))?;
        Ok(Yescrypt { s, log_n, r, p, params: parsed, salt, expected })
    }
}

impl Family for Yescrypt<'_> {
    fn identified(&self) -> Identified {
        Identified::new(Scheme::Yescrypt, Params::Yescrypt { log_n: self.log_n, r: self.r, p: self.p })
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.parallelism(Scheme::Yescrypt, u64::from(self.p))?;
        let bytes = 128u128 * (1u128 << self.log_n) * u128::from(self.r);
        c.memory_bytes(Scheme::Yescrypt, bytes)
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; 32]);
        yescrypt::yescrypt(password, &self.salt, &self.params, &mut out)
            .map_err(|_| Error::malformed(Scheme::Yescrypt, "parameters rejected by yescrypt"))?;
        Ok(out)
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
        let y = y.ok().map(|y| (y.log_n, y.r, y.p));
        assert_eq!(y, Some((12, 32, 1)));
    }
}
