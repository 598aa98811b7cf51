//! Cisco IOS `enable secret` types 8 and 9: `$8$` / `$9$` + a 14-character
//! salt + `$` + 43 characters, the 32-byte key in standard base64 bit order
//! over the crypt alphabet `./0-9A-Za-z` (hashcat modes 9200 and 9300).
//! Type 8 is PBKDF2-HMAC-SHA256 over the salt's text, 20000 iterations;
//! type 9 is scrypt over the salt's text, N 16384, r 1, p 1. The costs are
//! fixed by the type, not written in the string.

use std::borrow::Cow;

// Cisco writes standard (big-endian) base64 over the crypt alphabet: the
// encoding base64ct keeps, deprecated, as `Base64Crypt` (constant-time like
// its others), and no crypt(3) algorithm uses.
#[allow(deprecated)]
use base64ct::Base64Crypt;
use base64ct::Encoding as _;
use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::is_crypt64;
use crate::error::{Error, Result};
use crate::primitives::prf::Prf;

/// Type 8's PBKDF2 count.
const TYPE8_ITERATIONS: u32 = 20_000;
/// Type 9's scrypt parameters: log2 N, r, p.
const TYPE9: (u8, u32, u32) = (14, 1, 1);

pub(crate) struct Parsed<'a> {
    scheme: Scheme,
    /// The stored string up to and with the `$` before the key.
    setting: &'a str,
    salt: &'a str,
    expected: Vec<u8>,
}

impl<'a> Parsed<'a> {
    /// `$8$salt$key` or `$9$salt$key`.
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let scheme = if s.starts_with("$9$") { Scheme::CiscoType9 } else { Scheme::CiscoType8 };
        let mut f = s.split('$');
        let (salt, key) = match (f.next(), f.next(), f.next(), f.next(), f.next()) {
            (Some(""), Some("8" | "9"), Some(salt), Some(key), None) => (salt, key),
            _ => return Err(Error::malformed(scheme, "expected $type$salt$key")),
        };
        if salt.len() != 14 || !is_crypt64(salt) {
            return Err(Error::malformed(scheme, "salt must be 14 characters of ./0-9A-Za-z"));
        }
        #[allow(deprecated)]
        let expected = Base64Crypt::decode_vec(key).ok().filter(|k| k.len() == 32 && key.len() == 43);
        let expected =
            expected.ok_or(Error::malformed(scheme, "key must be 43 characters of ./0-9A-Za-z"))?;
        let setting = s.get(..s.len() - key.len()).ok_or(Error::malformed(scheme, "key"))?;
        Ok(Parsed { scheme, setting, salt, expected })
    }
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        let params = match self.scheme {
            Scheme::CiscoType9 => Params::Scrypt { log_n: TYPE9.0, r: TYPE9.1, p: TYPE9.2 },
            _ => Params::Rounds(TYPE8_ITERATIONS.into()),
        };
        Identified::new(self.scheme, params)
    }

    /// The costs are the type's own, yet a ceiling set below them still holds.
    fn check(&self, c: &Ceilings) -> Result<()> {
        match self.scheme {
            Scheme::CiscoType9 => {
                let (log_n, r, p) = TYPE9;
                c.parallelism(self.scheme, p.into())?;
                c.memory_bytes(self.scheme, 128u128 * (1u128 << log_n) * u128::from(r))
            }
            _ => c.iterations(self.scheme, "iterations", TYPE8_ITERATIONS.into()),
        }
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(format!("{}{}", self.setting, ".".repeat(43)))
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(vec![0u8; 32]);
        let salt = self.salt.as_bytes();
        match self.scheme {
            Scheme::CiscoType9 => {
                let (log_n, r, p) = TYPE9;
                scrypt::Params::new(log_n, r, p)
                    .map_err(|_| Error::malformed(self.scheme, "parameters rejected by scrypt"))?;
                crate::primitives::scrypt::scrypt(password, salt, log_n, r, p, &mut out);
            }
            _ => Prf::Sha256.derive(password, salt, TYPE8_ITERATIONS, &mut out),
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T8: &str = "$8$dGIkbx0RsOa9XF$hup98FDE7i9jn9dVetWDIqCHRDtteN29fCYrgd1Y6Ig";

    #[test]
    fn shapes_are_exact() {
        assert!(Parsed::parse(T8).is_ok());
        for bad in [
            "$8$GIkbx0RsOa9XF$hup98FDE7i9jn9dVetWDIqCHRDtteN29fCYrgd1Y6Ig", // 13-character salt
            "$8$ddGIkbx0RsOa9XF$hup98FDE7i9jn9dVetWDIqCHRDtteN29fCYrgd1Y6Ig", // 15
            "$8$dGIkbx0RsOa9X_$hup98FDE7i9jn9dVetWDIqCHRDtteN29fCYrgd1Y6Ig", // `_` in the salt
            "$8$dGIkbx0RsOa9XF$hup98FDE7i9jn9dVetWDIqCHRDtteN29fCYrgd1Y6I", // 42-character key
            "$8$dGIkbx0RsOa9XF$hup98FDE7i9jn9dVetWDIqCHRDtteN29fCYrgd1Y6I+", // `+`
            "$8$dGIkbx0RsOa9XF$hup98FDE7i9jn9dVetWDIqCHRDtteN29fCYrgd1Y6Ig$",
            "$8$dGIkbx0RsOa9XF",
        ] {
            assert!(Parsed::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fixed_costs_still_meet_the_ceilings() {
        let low = Ceilings { iterations: 10_000, memory_kib: 1024, ..Ceilings::default() };
        let t8 = Parsed::parse(T8).unwrap();
        assert!(matches!(t8.check(&low), Err(Error::ParameterOutOfRange { .. })));
        let t9 = Parsed::parse("$9$9GhavWMb6Hzh3X$I7qv13nd3.ihuM92MuZ43Vl742XOV5d079TlRV7kM0w").unwrap();
        assert!(matches!(t9.check(&low), Err(Error::ParameterOutOfRange { .. })));
        assert!(t8.check(&Ceilings::default()).is_ok() && t9.check(&Ceilings::default()).is_ok());
    }
}
