//! scrypt as passlib (`$scrypt$ln=…`), Django (`scrypt$salt$N$r$p$…`) and
//! Werkzeug (`scrypt:N:r:p$salt$hex`) store it. The `scrypt` crate validates
//! the parameters; the KDF is `primitives::scrypt` (pooled memory, scalar Salsa20/8).

use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{b64_decode, b64_encode_unpadded, hex_decode, is_hex, parse_decimal};
use crate::error::{Error, Result};

pub(crate) struct Parsed {
    scheme: Scheme,
    log_n: u8,
    r: u32,
    p: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
    masked: String,
}

fn small(scheme: Scheme, name: &'static str, s: &str) -> Result<u32> {
    let v = parse_decimal(s).ok_or(Error::malformed(scheme, name))?;
    if v == 0 || v > u64::from(u32::MAX) {
        return Err(Error::too_big(scheme, name, v, u32::MAX.into()));
    }
    Ok(v as u32)
}

fn log2_of_n(scheme: Scheme, s: &str) -> Result<u8> {
    let n = parse_decimal(s).ok_or(Error::malformed(scheme, "N"))?;
    if n < 2 || !n.is_power_of_two() {
        return Err(Error::malformed(scheme, "N must be a power of two"));
    }
    Ok(n.trailing_zeros() as u8)
}

impl Parsed {
    /// `$scrypt$ln=16,r=8,p=1$salt$hash` (base64 without padding).
    pub(crate) fn parse_passlib(s: &str) -> Result<Self> {
        let scheme = Scheme::ScryptPasslib;
        let mut f = s.split('$');
        let (params, salt, hash) = match (f.next(), f.next(), f.next(), f.next(), f.next(), f.next()) {
            (Some(""), Some("scrypt"), Some(p), Some(s), Some(h), None) => (p, s, h),
            _ => return Err(Error::malformed(scheme, "expected $scrypt$params$salt$hash")),
        };
        let mut kv = params.split(',');
        let get = |kv: Option<&str>, key: &str| kv.and_then(|x| x.strip_prefix(key)).map(str::to_owned);
        let (ln, r, p) = (get(kv.next(), "ln="), get(kv.next(), "r="), get(kv.next(), "p="));
        let (ln, r, p) = match (ln, r, p, kv.next()) {
            (Some(ln), Some(r), Some(p), None) => (ln, r, p),
            _ => return Err(Error::malformed(scheme, "parameters")),
        };
        let ln = parse_decimal(&ln).ok_or(Error::malformed(scheme, "ln"))?;
        if !(1..=63).contains(&ln) {
            return Err(Error::too_big(scheme, "ln", ln, 63));
        }
        let salt = b64_decode(salt).ok_or(Error::malformed(scheme, "salt"))?;
        let expected = b64_decode(hash).filter(|h| (16..=64).contains(&h.len()));
        let expected = expected.ok_or(Error::malformed(scheme, "hash"))?;
        Ok(Parsed {
            scheme,
            log_n: ln as u8,
            r: small(scheme, "r", &r)?,
            p: small(scheme, "p", &p)?,
            salt,
            expected,
            masked: crate::encoding::mask_tail(s, hash.len(), 'A'),
        })
    }

    /// `scrypt$N$salt$r$p$base64(64 bytes)` (salt used as text), Django's order.
    pub(crate) fn parse_django(s: &str) -> Result<Self> {
        let scheme = Scheme::DjangoScrypt;
        let f: Vec<&str> = s.splitn(7, '$').collect();
        let [_, n, salt, r, p, hash] = f.as_slice() else {
            return Err(Error::malformed(scheme, "expected scrypt$N$salt$r$p$hash"));
        };
        let log_n = log2_of_n(scheme, n)?;
        let expected = b64_decode(hash).filter(|h| h.len() == 64);
        let expected = expected.ok_or(Error::malformed(scheme, "hash is not base64 of 64 bytes"))?;
        if salt.is_empty() {
            return Err(Error::malformed(scheme, "empty salt"));
        }
        Ok(Parsed {
            scheme,
            log_n,
            r: small(scheme, "r", r)?,
            p: small(scheme, "p", p)?,
            salt: salt.as_bytes().to_vec(),
            expected,
            masked: crate::encoding::mask_tail(s, hash.len(), 'A'),
        })
    }

    /// `scrypt:N:r:p$salt$hex(64 bytes)` (salt used as text).
    pub(crate) fn parse_werkzeug(s: &str) -> Result<Self> {
        let scheme = Scheme::WerkzeugScrypt;
        let f: Vec<&str> = s.splitn(4, '$').collect();
        let [method, salt, hash] = f.as_slice() else {
            return Err(Error::malformed(scheme, "expected method$salt$hash"));
        };
        let m: Vec<&str> = method.splitn(5, ':').collect();
        let [_, n, r, p] = m.as_slice() else {
            return Err(Error::Unsupported { scheme, what: "scrypt method without explicit N:r:p" });
        };
        let log_n = log2_of_n(scheme, n)?;
        if salt.is_empty() || !is_hex(hash) || hash.len() != 128 {
            return Err(Error::malformed(scheme, "salt or hex digest"));
        }
        let expected = hex_decode(hash).ok_or(Error::malformed(scheme, "hex digest"))?;
        Ok(Parsed {
            scheme,
            log_n,
            r: small(scheme, "r", r)?,
            p: small(scheme, "p", p)?,
            salt: salt.as_bytes().to_vec(),
            expected,
            masked: crate::encoding::mask_tail(s, hash.len(), '0'),
        })
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme, Params::Scrypt { log_n: self.log_n, r: self.r, p: self.p })
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.parallelism(self.scheme, self.p.into())?;
        let bytes = 128u128 * (1u128 << self.log_n) * u128::from(self.r);
        c.memory_bytes(self.scheme, bytes)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(self.masked.clone())
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        scrypt::Params::new(self.log_n, self.r, self.p)
            .map_err(|_| Error::malformed(self.scheme, "parameters rejected by scrypt"))?;
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        crate::primitives::scrypt::scrypt(password, &self.salt, self.log_n, self.r, self.p, &mut out);
        Ok(out)
    }
}

/// A new passlib/PHC-format `$scrypt$` string with a 32-byte key.
pub(crate) fn hash_passlib(password: &[u8], log_n: u8, r: u32, p: u32, salt: &[u8]) -> Result<String> {
    scrypt::Params::new(log_n, r, p).map_err(|_| Error::InvalidConfig("scrypt parameters".into()))?;
    let mut out = Zeroizing::new([0u8; 32]);
    crate::primitives::scrypt::scrypt(password, salt, log_n, r, p, out.as_mut_slice());
    Ok(format!(
        "$scrypt$ln={log_n},r={r},p={p}${}${}",
        b64_encode_unpadded(salt),
        b64_encode_unpadded(out.as_slice())
    ))
}
