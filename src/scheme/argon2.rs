//! Argon2 (RFC 9106) PHC strings, bare or in Django's `argon2$` wrapper.
//! The KDF is rehash's own SIMD core (the `rehash-argon2` workspace crate:
//! AVX-512F / AVX2 / portable, chosen at run time, tested against the
//! `argon2` crate and RFC 9106); parameters are checked against the ceilings
//! here, before any memory is allocated.
//!
//! Two optional PHC fields carry rehash's marks: `keyid=` names the pepper
//! (Argon2's secret input K) a hash was made with, and `data=` is Argon2's
//! associated data, which rehash sets to `nfc` or `nfkc` when the password was
//! Unicode-normalized before hashing. Verify applies exactly what they record.

use rehash_argon2::{Algorithm, Inputs, Version};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, KeyId, Normalization, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{b64_decode, b64_encode_unpadded, parse_decimal};
use crate::error::{Error, Result};
use crate::primitives::argon2::run;
pub(crate) use crate::primitives::argon2::{argon2id_raw, prewarm};

pub(crate) struct Parsed {
    scheme: Scheme,
    alg: Algorithm,
    version: Version,
    m: u32,
    t: u32,
    p: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
    keyid: Option<Vec<u8>>,
    data: Option<Vec<u8>>,
    masked: String,
}

fn num(scheme: Scheme, name: &'static str, s: &str) -> Result<u32> {
    let v = parse_decimal(s).ok_or(Error::malformed(scheme, name))?;
    u32::try_from(v).map_err(|_| Error::too_big(scheme, name, v, u32::MAX.into()))
}

impl Parsed {
    /// `$argon2id$v=19$m=…,t=…,p=…$salt$hash`; `wrapper` is
    /// `Some(DjangoArgon2)` when the string came in Django's `argon2$` prefix
    /// (then the leading `$` is absent).
    pub(crate) fn parse(s: &str, wrapper: Option<Scheme>) -> Result<Self> {
        let body = s.strip_prefix('$').unwrap_or(s);
        let mut f = body.split('$');
        let alg_name = f.next().unwrap_or_default();
        let (own, alg) = match alg_name {
            "argon2id" => (Scheme::Argon2id, Algorithm::Argon2id),
            "argon2i" => (Scheme::Argon2i, Algorithm::Argon2i),
            "argon2d" => (Scheme::Argon2d, Algorithm::Argon2d),
            _ => return Err(Error::malformed(wrapper.unwrap_or(Scheme::Argon2id), "algorithm")),
        };
        let scheme = wrapper.unwrap_or(own);
        let mut next = f.next().ok_or(Error::malformed(scheme, "missing parameters"))?;
        let version = match next.strip_prefix("v=") {
            Some(v) => {
                next = f.next().ok_or(Error::malformed(scheme, "missing parameters"))?;
                match v {
                    "19" => Version::V0x13,
                    "16" => Version::V0x10,
                    _ => return Err(Error::malformed(scheme, "version")),
                }
            }
            None => Version::V0x10,
        };
        let mut kv = next.split(',');
        let mut field = |key: &str| -> Result<u32> {
            let item = kv.next().and_then(|x| x.strip_prefix(key));
            num(scheme, "parameter", item.ok_or(Error::malformed(scheme, "parameters must be m=,t=,p="))?)
        };
        let (m, t, p) = (field("m=")?, field("t=")?, field("p=")?);
        let (mut keyid, mut data) = (None, None);
        for extra in kv {
            let bytes = |v: &str, max: usize| {
                b64_decode(v).filter(|b| !b.is_empty() && b.len() <= max && !v.contains('='))
            };
            match extra.split_once('=') {
                Some(("keyid", v)) if keyid.is_none() && data.is_none() => {
                    keyid = Some(bytes(v, 8).ok_or(Error::malformed(scheme, "keyid"))?);
                }
                Some(("data", v)) if data.is_none() => {
                    data = Some(bytes(v, 32).ok_or(Error::malformed(scheme, "data"))?);
                }
                _ => return Err(Error::malformed(scheme, "parameters must be m, t, p[, keyid][, data]")),
            }
        }
        let (salt, hash_text) = match (f.next(), f.next(), f.next()) {
            (Some(s), Some(h), None) => (s, h),
            _ => return Err(Error::malformed(scheme, "expected salt and hash")),
        };
        if salt.contains('=') || hash_text.contains('=') {
            return Err(Error::malformed(scheme, "PHC base64 has no padding"));
        }
        let salt = b64_decode(salt).filter(|s| s.len() >= 8 && s.len() <= 64);
        let salt = salt.ok_or(Error::malformed(scheme, "salt must be base64 of 8-64 bytes"))?;
        let expected = b64_decode(hash_text).filter(|h| h.len() >= 4 && h.len() <= 128);
        let expected = expected.ok_or(Error::malformed(scheme, "hash must be base64 of 4-128 bytes"))?;
        // Each broken bound names itself (RFC 9106: t >= 1, p >= 1, m >= 8p).
        if t == 0 {
            return Err(Error::too_big(scheme, "t", 0, 1));
        }
        if p == 0 {
            return Err(Error::too_big(scheme, "p", 0, 1));
        }
        if u64::from(m) < 8 * u64::from(p) {
            return Err(Error::too_big(scheme, "m (at least 8 KiB per lane)", m.into(), 8 * u64::from(p)));
        }
        // Django stores "argon2" + the PHC string; `s` came without that prefix.
        let prefix = if wrapper.is_some() {
            if s.starts_with('$') {
                "argon2"
            } else {
                "argon2$"
            }
        } else {
            ""
        };
        let masked = format!("{prefix}{}", crate::encoding::mask_tail(s, hash_text.len(), 'A'));
        Ok(Parsed { scheme, alg, version, m, t, p, salt, expected, keyid, data, masked })
    }
}

impl Family for Parsed {
    /// The pepper key id and associated data this hash records.
    fn marks(&self) -> (Option<&[u8]>, Option<&[u8]>) {
        (self.keyid.as_deref(), self.data.as_deref())
    }

    fn identified(&self) -> Identified {
        let version = match self.version {
            Version::V0x10 => 16,
            Version::V0x13 => 19,
        };
        Identified {
            key_id: self.keyid.as_deref().and_then(KeyId::new),
            normalization: Normalization::from_mark(self.data.as_deref()),
            ..Identified::new(self.scheme, Params::Argon2 { m_kib: self.m, t: self.t, p: self.p, version })
        }
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.parallelism(self.scheme, self.p.into())?;
        c.memory_bytes(self.scheme, u128::from(self.m) * 1024)?;
        if u64::from(self.t) > u64::from(c.argon2_passes) {
            return Err(Error::too_big(self.scheme, "t", self.t.into(), c.argon2_passes.into()));
        }
        Ok(())
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(self.masked.clone())
    }

    /// `kdf.secret` is the pepper the hash's `keyid` names (the caller looked
    /// it up); lanes run on up to `kdf.threads` threads.
    fn derive(&self, password: &[u8], kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let inputs = Inputs {
            password,
            salt: &self.salt,
            secret: kdf.secret.unwrap_or_default(),
            ad: self.data.as_deref().unwrap_or_default(),
        };
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        run(self.alg, self.version, (self.m, self.t, self.p), &inputs, &mut out, kdf.threads).map_err(
            |e| match e {
                rehash_argon2::Error::Params(what) => Error::malformed(self.scheme, what),
                _ => Error::Internal("argon2 computation failed"),
            },
        )?;
        Ok(out)
    }
}

/// What a new Argon2id hash is made with, beyond its cost parameters.
pub(crate) struct Marks<'a> {
    /// The pepper's key id and secret (Argon2's secret input).
    pub pepper: Option<(&'a [u8], &'a [u8])>,
    /// Associated data recording a Unicode normalization form.
    pub data: Option<&'a [u8]>,
}

/// A new `$argon2id$v=19$…` string with a 32-byte tag.
pub(crate) fn hash_argon2id(
    password: &[u8],
    (m, t, p): (u32, u32, u32),
    salt: &[u8],
    marks: &Marks<'_>,
    threads: u32,
) -> Result<String> {
    let keyid = marks.pepper.map(|(id, _)| id);
    if keyid.is_some_and(|k| k.is_empty() || k.len() > 8)
        || marks.data.is_some_and(|d| d.is_empty() || d.len() > 32)
    {
        return Err(Error::InvalidConfig("argon2 keyid must be 1-8 bytes and data 1-32 bytes".into()));
    }
    let inputs = Inputs {
        password,
        salt,
        secret: marks.pepper.map(|(_, k)| k).unwrap_or_default(),
        ad: marks.data.unwrap_or_default(),
    };
    let mut out = Zeroizing::new([0u8; 32]);
    run(Algorithm::Argon2id, Version::V0x13, (m, t, p), &inputs, out.as_mut_slice(), threads)
        .map_err(|e| Error::InvalidConfig(format!("argon2: {e}")))?;
    let mut s = format!("$argon2id$v=19$m={m},t={t},p={p}");
    if let Some(k) = keyid {
        s.push_str(",keyid=");
        s.push_str(&b64_encode_unpadded(k));
    }
    if let Some(d) = marks.data {
        s.push_str(",data=");
        s.push_str(&b64_encode_unpadded(d));
    }
    s.push('$');
    s.push_str(&b64_encode_unpadded(salt));
    s.push('$');
    s.push_str(&b64_encode_unpadded(out.as_slice()));
    Ok(s)
}
