//! Magento 2 / Adobe Commerce password hashes (`customer_entity.password_hash`,
//! `admin_user.password`), as `Encryptor::isValidHash` reads them:
//! `hash:salt:version[:version…]`. The versions are applied left to right,
//! each to the (hex text) output of the one before, starting from the
//! password (an upgraded row keeps its history):
//!
//! - `0`: hex md5(salt ‖ input); `1`: hex sha256(salt ‖ input);
//! - `2`: hex Argon2id v1.3 as libsodium's `crypto_pwhash` (ops 2, 64 MiB,
//!   32 bytes);
//! - `3_<bytes>_<ops>_<mem bytes>`: the same with its parameters spelled out.
//!
//! Argon2's salt is the salt text cut or repeated (PHP's `str_pad`) to 16
//! bytes. The comparison is of lower-case hex text.

use md5::Md5;
use rehash_argon2::{Algorithm, Inputs, Version};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{hex_decode, hex_lower, parse_decimal};
use crate::error::{Error, Result};
use crate::primitives::argon2::run;

const SCHEME: Scheme = Scheme::Magento2;

/// libsodium's `crypto_pwhash_SALTBYTES`.
const SALT_BYTES: usize = 16;

/// The most versions one row may chain: Magento adds one per upgrade, and
/// each Argon2 step is a full KDF run.
const MAX_STEPS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Md5,
    Sha256,
    /// Argon2id v1.3: output bytes, passes, memory in KiB.
    Argon2id {
        len: usize,
        t: u32,
        m_kib: u32,
    },
}

impl Step {
    fn out_len(self) -> usize {
        match self {
            Step::Md5 => 16,
            Step::Sha256 => 32,
            Step::Argon2id { len, .. } => len,
        }
    }
}

fn parse_step(v: &str) -> Result<Step> {
    Ok(match v {
        "0" => Step::Md5,
        "1" => Step::Sha256,
        "2" => Step::Argon2id { len: 32, t: 2, m_kib: 65_536 },
        _ => {
            let mut f = v.split('_');
            let (Some("3"), Some(seed), Some(ops), Some(mem), None) =
                (f.next(), f.next(), f.next(), f.next(), f.next())
            else {
                return Err(Error::malformed(SCHEME, "version must be 0, 1, 2 or 3_<bytes>_<ops>_<mem>"));
            };
            let num = |s: &str| parse_decimal(s).ok_or(Error::malformed(SCHEME, "version parameters"));
            let (len, t, mem) = (num(seed)?, num(ops)?, num(mem)?);
            // libsodium's own bounds: 16 bytes out at least, 1 pass, 8 KiB.
            if !(16..=128).contains(&len) {
                return Err(Error::malformed(SCHEME, "Argon2 output must be 16 to 128 bytes"));
            }
            if t == 0 {
                return Err(Error::too_big(SCHEME, "t", 0, 1));
            }
            if mem < 8192 {
                return Err(Error::too_big(SCHEME, "memory_bytes", mem, 8192));
            }
            Step::Argon2id {
                len: len as usize,
                t: u32::try_from(t).map_err(|_| Error::too_big(SCHEME, "t", t, u32::MAX.into()))?,
                m_kib: u32::try_from(mem / 1024)
                    .map_err(|_| Error::too_big(SCHEME, "memory_kib", mem / 1024, u32::MAX.into()))?,
            }
        }
    })
}

pub(crate) struct Parsed<'a> {
    salt: &'a str,
    versions: &'a str,
    steps: Vec<Step>,
    expected: Vec<u8>,
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        // explodePasswordHash: hash, salt, then the versions joined by `:`.
        let mut f = s.splitn(3, ':');
        let (Some(hash), Some(salt), Some(versions)) = (f.next(), f.next(), f.next()) else {
            return Err(Error::malformed(SCHEME, "expected hash:salt:version"));
        };
        if salt.is_empty() {
            return Err(Error::malformed(SCHEME, "empty salt"));
        }
        let steps = versions.split(':').map(parse_step).collect::<Result<Vec<_>>>()?;
        if steps.len() > MAX_STEPS {
            return Err(Error::malformed(SCHEME, "more than 4 versions"));
        }
        let last = steps.last().copied().ok_or(Error::malformed(SCHEME, "version"))?;
        let lower = hash.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        let expected = hex_decode(hash).filter(|h| lower && h.len() == last.out_len());
        let expected =
            expected.ok_or(Error::malformed(SCHEME, "hash must be lower-case hex of the last version"))?;
        Ok(Parsed { salt, versions, steps, expected })
    }

    /// Argon2's salt: the salt text cut or repeated to 16 bytes.
    fn argon_salt(&self) -> [u8; SALT_BYTES] {
        let mut out = [0u8; SALT_BYTES];
        for (o, b) in out.iter_mut().zip(self.salt.as_bytes().iter().cycle()) {
            *o = *b;
        }
        out
    }
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        let params = self
            .steps
            .iter()
            .rev()
            .find_map(|s| match *s {
                Step::Argon2id { t, m_kib, .. } => Some(Params::Argon2 { m_kib, t, p: 1, version: 19 }),
                _ => None,
            })
            .unwrap_or(Params::Fixed);
        Identified::new(SCHEME, params)
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        for step in &self.steps {
            if let Step::Argon2id { t, m_kib, .. } = *step {
                c.memory_bytes(SCHEME, u128::from(m_kib) * 1024)?;
                if t > c.argon2_passes {
                    return Err(Error::too_big(SCHEME, "t", t.into(), c.argon2_passes.into()));
                }
            }
        }
        Ok(())
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(format!("{}:{}:{}", "0".repeat(2 * self.expected.len()), self.salt, self.versions))
    }

    fn derive(&self, password: &[u8], kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let salt = self.argon_salt();
        let mut input = Zeroizing::new(password.to_vec());
        let mut out = Zeroizing::new(Vec::new());
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                input = Zeroizing::new(hex_lower(&out).into_bytes());
            }
            out = match *step {
                Step::Md5 => Zeroizing::new(
                    Md5::new_with_prefix(self.salt.as_bytes()).chain_update(&*input).finalize().to_vec(),
                ),
                Step::Sha256 => Zeroizing::new(
                    Sha256::new_with_prefix(self.salt.as_bytes()).chain_update(&*input).finalize().to_vec(),
                ),
                Step::Argon2id { len, t, m_kib } => {
                    let mut tag = Zeroizing::new(vec![0u8; len]);
                    let inputs = Inputs { password: &input, salt: &salt, secret: &[], ad: &[] };
                    run(Algorithm::Argon2id, Version::V0x13, (m_kib, t, 1), &inputs, &mut tag, kdf.threads)
                        .map_err(|e| match e {
                        rehash_argon2::Error::Params(what) => Error::malformed(SCHEME, what),
                        _ => Error::Internal("argon2 computation failed"),
                    })?;
                    tag
                }
            };
        }
        Ok(out)
    }
}

/// True when `s` has Magento's exact shape: 32 or 64 lower-case hex, a
/// salt, and versions Magento writes.
pub(crate) fn looks_like(s: &str) -> bool {
    Parsed::parse(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str =
        "387dbea9349c2610025d64dd6700fdfc54ff424c3bbf226fddaef350a7b25a35:WpCzNFEmzbHAQHg7Z7ok2ZlWwgyNcNmK:1";

    fn verifies(p: &Parsed<'_>, pw: &[u8]) -> bool {
        p.derive(pw, Kdf { secret: None, threads: 1 }).is_ok_and(|d| d.as_slice() == &*p.expected())
    }

    #[test]
    fn versions_chain_left_to_right() {
        let p = Parsed::parse(SHA).expect("parse");
        assert!(verifies(&p, b"07vnM3T08x0"));
        assert_eq!(p.identified().params, Params::Fixed);
        // An upgraded row: sha256 first, then Argon2id over its hex (at the
        // smallest memory libsodium takes, to keep the test fast).
        let salt = "WpCzNFEmzbHAQHg7Z7ok2ZlWwgyNcNmK";
        let sha_hex = &SHA[..64];
        let mut tag = [0u8; 32];
        let inputs =
            Inputs { password: sha_hex.as_bytes(), salt: &salt.as_bytes()[..16], secret: &[], ad: &[] };
        run(Algorithm::Argon2id, Version::V0x13, (8, 1, 1), &inputs, &mut tag, 1).expect("argon2");
        let row = format!("{}:{salt}:1:3_32_1_8192", hex_lower(&tag));
        let p = Parsed::parse(&row).expect("parse");
        assert_eq!(p.identified().params, Params::Argon2 { m_kib: 8, t: 1, p: 1, version: 19 });
        assert!(verifies(&p, b"07vnM3T08x0") && !verifies(&p, b"07vnM3T08x1"));
        assert_eq!(
            Parsed::parse(&p.masked().expect("masked")).expect("reparse").masked().ok(),
            p.masked().ok()
        );
    }

    #[test]
    fn short_salts_repeat() {
        let row = format!("{}:abc:2", "0".repeat(64));
        let p = Parsed::parse(&row).expect("parse");
        assert_eq!(&p.argon_salt(), b"abcabcabcabcabca");
    }

    #[test]
    fn refusals() {
        let z64 = "0".repeat(64);
        for bad in [
            format!("{z64}::1"),
            format!("{z64}:salt"),
            format!("{z64}:salt:3"),
            format!("{z64}:salt:4"),
            format!("{z64}:salt:01"),
            format!("{z64}:salt:3_32_2"),
            format!("{z64}:salt:3_32_0_67108864"),
            format!("{z64}:salt:3_32_2_4096"),
            format!("{z64}:salt:3_8_2_67108864"),
            format!("{z64}:salt:1:1:1:1:1"),
            format!("{}:salt:1", "AB".repeat(32)),
            format!("{}:salt:1", "0".repeat(32)),
            format!("{}:salt:0", "0".repeat(32)) + "0",
        ] {
            assert!(Parsed::parse(&bad).is_err(), "{bad}");
        }
        // 2^32-1 bytes of memory: refused by the ceilings before any work.
        let huge = format!("{z64}:salt:3_32_2_4294967295");
        let p = Parsed::parse(&huge).expect("parse");
        assert!(matches!(p.check(&Ceilings::default()), Err(Error::ParameterOutOfRange { .. })));
        let passes = format!("{z64}:salt:3_32_99_67108864");
        let p = Parsed::parse(&passes).expect("parse");
        assert!(matches!(p.check(&Ceilings::default()), Err(Error::ParameterOutOfRange { .. })));
    }
}
