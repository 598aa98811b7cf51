//! Argon2 (RFC 9106) PHC strings, bare or in Django's `argon2$` wrapper.
//! The KDF is the `argon2` crate's; parameters are checked against the
//! ceilings here, before the crate allocates anything.
//!
//! Two optional PHC fields carry rehash's marks: `keyid=` names the pepper
//! (Argon2's secret input K) a hash was made with, and `data=` is Argon2's
//! associated data, which rehash sets to `nfc` or `nfkc` when the password was
//! Unicode-normalized before hashing. Verify applies exactly what they record.

use std::sync::Mutex;

use argon2::{Algorithm, Argon2, AssociatedData, Block, KeyId, ParamsBuilder, Version};
use zeroize::Zeroize as _;
use zeroize::Zeroizing;

use super::{Identified, Params, Scheme};
use crate::encoding::{b64_decode, b64_encode_unpadded, parse_decimal};
use crate::error::{Error, Result};
use crate::policy::Ceilings;

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
        if t == 0 || p == 0 || u64::from(m) < 8 * u64::from(p) {
            return Err(Error::too_big(scheme, "t/p/m", 0, 1));
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
        let masked = format!("{prefix}{}", super::pbkdf2::mask_tail(s, hash_text.len(), 'A'));
        Ok(Parsed { scheme, alg, version, m, t, p, salt, expected, keyid, data, masked })
    }

    /// The pepper key id and associated data this hash records.
    pub(crate) fn marks(&self) -> (Option<&[u8]>, Option<&[u8]>) {
        (self.keyid.as_deref(), self.data.as_deref())
    }

    pub(crate) fn identified(&self) -> Identified {
        let version = match self.version {
            Version::V0x10 => 16,
            Version::V0x13 => 19,
        };
        Identified {
            scheme: self.scheme,
            params: Params::Argon2 { m_kib: self.m, t: self.t, p: self.p, version },
        }
    }

    pub(crate) fn check(&self, c: &Ceilings) -> Result<()> {
        c.parallelism(self.scheme, self.p.into())?;
        c.memory_bytes(self.scheme, u128::from(self.m) * 1024)?;
        if u64::from(self.t) > u64::from(c.argon2_passes) {
            return Err(Error::too_big(self.scheme, "t", self.t.into(), c.argon2_passes.into()));
        }
        Ok(())
    }

    pub(crate) fn expected(&self) -> &[u8] {
        &self.expected
    }

    pub(crate) fn masked(&self) -> String {
        self.masked.clone()
    }

    /// `secret` is the pepper the hash's `keyid` names (the caller looked it up).
    pub(crate) fn derive(&self, password: &[u8], secret: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>> {
        let bad = || Error::malformed(self.scheme, "parameters rejected by argon2");
        let params = build_params(self.m, self.t, self.p, self.expected.len(), None, self.data.as_deref())
            .ok_or_else(bad)?;
        let ctx = match secret {
            Some(k) => Argon2::new_with_secret(k, self.alg, self.version, params).map_err(|_| bad())?,
            None => Argon2::new(self.alg, self.version, params),
        };
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        with_blocks(self.m, |blocks| {
            ctx.hash_password_into_with_memory(password, &self.salt, &mut out, blocks)
        })
        .map_err(|_| bad())?;
        Ok(out)
    }
}

/// Argon2 memory arenas, reused across hashes: a verify takes the smallest
/// pooled arena that fits (or allocates one), and gives it back wiped. Reuse
/// keeps pages faulted in and, above all, keeps the process's memory bounded
/// by the number of concurrent computations: allocating and freeing 19 MiB per
/// login let glibc's per-thread arenas grow the resident set without bound
/// under concurrent logins (measured: 2.2 GiB for 500 logins under a 256 MiB
/// limiter budget, see BENCHMARKS.md).
static ARENAS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Arenas kept for reuse; more concurrent computations than this allocate and
/// free their own.
const ARENAS_KEPT: usize = 32;

fn with_blocks<T>(m_kib: u32, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let n = usize::try_from(m_kib).unwrap_or(usize::MAX);
    let pooled = ARENAS.lock().ok().and_then(|mut pool| {
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, a)| a.len() >= n)
            .min_by_key(|(_, a)| a.len())
            .map(|(i, _)| i)?;
        Some(pool.swap_remove(best))
    });
    let mut arena = pooled.unwrap_or_else(|| vec![Block::default(); n]);
    let out = f(&mut arena);
    // The blocks are derived from the password: wipe before anyone else sees them.
    let used = n.min(arena.len());
    arena.iter_mut().take(used).for_each(|b| b.zeroize());
    if let Ok(mut pool) = ARENAS.lock() {
        if pool.len() < ARENAS_KEPT {
            pool.push(arena);
        }
    }
    out
}

fn build_params(
    m: u32,
    t: u32,
    p: u32,
    len: usize,
    keyid: Option<&[u8]>,
    data: Option<&[u8]>,
) -> Option<argon2::Params> {
    let mut b = ParamsBuilder::new();
    b.m_cost(m).t_cost(t).p_cost(p).output_len(len);
    if let Some(k) = keyid {
        b.keyid(KeyId::new(k).ok()?);
    }
    if let Some(d) = data {
        b.data(AssociatedData::new(d).ok()?);
    }
    b.build().ok()
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
) -> Result<String> {
    let bad = || Error::InvalidConfig("argon2 parameters".into());
    let keyid = marks.pepper.map(|(id, _)| id);
    let params = build_params(m, t, p, 32, keyid, marks.data).ok_or_else(bad)?;
    let ctx = match marks.pepper {
        Some((_, secret)) => {
            Argon2::new_with_secret(secret, Algorithm::Argon2id, Version::V0x13, params).map_err(|_| bad())?
        }
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
    };
    let mut out = Zeroizing::new([0u8; 32]);
    with_blocks(m, |blocks| ctx.hash_password_into_with_memory(password, salt, out.as_mut_slice(), blocks))
        .map_err(|_| Error::InvalidConfig("argon2 rejected the input".into()))?;
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
