//! ASP.NET Identity's bare base64 blobs: version 2 (marker `0x00`,
//! PBKDF2-HMAC-SHA1, 1000 iterations) and version 3 (marker `0x01`, PRF,
//! iterations and salt length recorded). Claimed only when the whole string
//! can be nothing else (see [`parse_aspnet`]).

use std::borrow::Cow;

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{b64_decode, b64_encode_padded};
use crate::error::{Error, Result};
use crate::primitives::prf::Prf;

/// ASP.NET Core caps nothing, but a stored string must not choose an
/// arbitrarily long PBKDF2 output (each block costs the full iteration count).
const ASPNET_MAX_SUBKEY: usize = 64;

/// PBKDF2 with the recorded PRF, iterations, salt and subkey.
pub(crate) struct AspNet {
    scheme: Scheme,
    prf: Prf,
    iterations: u64,
    salt: Vec<u8>,
    subkey: Vec<u8>,
}

/// ASP.NET Identity's bare base64 blobs. Claimed only when the whole string is
/// canonical padded base64 (length a multiple of 4, standard alphabet) and:
///
/// - v2: decodes to exactly 49 bytes starting with `0x00`;
/// - v3: decodes to `0x01` followed by a PRF word 0, 1 or 2 (so the string
///   starts `AQAAAA`); wrong salt or subkey lengths are then `Malformed`.
///
/// Anything else is `Ok(None)`, left to declarations: a hex digest never
/// qualifies (v2 needs `=` padding, v3 a `Q`), and a base64 digest of a
/// declared recipe that happens to start with byte 0 or 1 is not stolen.
pub(crate) fn parse_aspnet(s: &str) -> Result<Option<AspNet>> {
    // Both versions start with byte 0x00 or 0x01, i.e. base64 `A` then
    // `A`..`f`: anything else (a hex digest, say) is not decoded at all — a
    // quarter of a bare md5 verify went into this decode before.
    if s.is_empty() || !s.len().is_multiple_of(4) || !s.starts_with('A') {
        return Ok(None);
    }
    let Some(raw) = b64_decode(s) else { return Ok(None) };
    match raw.as_slice() {
        [0, salt @ ..] if raw.len() == 49 => {
            let (salt, subkey) = salt.split_at(16);
            Ok(Some(AspNet {
                scheme: Scheme::AspnetIdentityV2,
                prf: Prf::Sha1,
                iterations: 1000,
                salt: salt.to_vec(),
                subkey: subkey.to_vec(),
            }))
        }
        [1, 0, 0, 0, prf @ 0..=2, rest @ ..] => parse_aspnet_v3(*prf, rest).map(Some),
        _ => Ok(None),
    }
}

/// The v3 body after the marker and PRF word: iterations ‖ salt length ‖ salt
/// ‖ subkey, with ASP.NET Core's own limits (salt and subkey ≥ 16 bytes).
fn parse_aspnet_v3(prf: u8, rest: &[u8]) -> Result<AspNet> {
    let scheme = Scheme::AspnetIdentityV3;
    let prf = match prf {
        0 => Prf::Sha1,
        1 => Prf::Sha256,
        _ => Prf::Sha512,
    };
    let (iterations, salt_len, body) = match rest {
        [i0, i1, i2, i3, l0, l1, l2, l3, body @ ..] => {
            (u32::from_be_bytes([*i0, *i1, *i2, *i3]), u32::from_be_bytes([*l0, *l1, *l2, *l3]), body)
        }
        _ => return Err(Error::malformed(scheme, "truncated header")),
    };
    if iterations == 0 {
        return Err(Error::too_big(scheme, "iterations", 0, 1));
    }
    if i32::try_from(iterations).is_err() {
        // ASP.NET reads the count as a signed int and fails on a negative one.
        return Err(Error::too_big(scheme, "iterations", iterations.into(), i32::MAX as u64));
    }
    let salt_len = usize::try_from(salt_len).map_err(|_| Error::malformed(scheme, "salt length"))?;
    if salt_len < 16 || salt_len > body.len() {
        return Err(Error::malformed(scheme, "salt length"));
    }
    let (salt, subkey) = body.split_at(salt_len);
    if subkey.len() < 16 {
        return Err(Error::malformed(scheme, "subkey shorter than 16 bytes"));
    }
    if subkey.len() > ASPNET_MAX_SUBKEY {
        return Err(Error::Unsupported { scheme, what: "subkey longer than 64 bytes" });
    }
    Ok(AspNet { scheme, prf, iterations: iterations.into(), salt: salt.to_vec(), subkey: subkey.to_vec() })
}

impl Family for AspNet {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme, Params::Rounds(self.iterations))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(self.scheme, "iterations", self.iterations)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.subkey)
    }

    /// The stored blob with the subkey set to zero.
    fn masked(&self) -> Result<String> {
        let (prf, iterations, salt, subkey) = (&self.prf, &self.iterations, &self.salt, &self.subkey);
        let mut raw = Vec::with_capacity(13 + salt.len() + subkey.len());
        if self.scheme == Scheme::AspnetIdentityV2 {
            raw.push(0);
        } else {
            let prf_id: u32 = match prf {
                Prf::Sha1 => 0,
                Prf::Sha256 => 1,
                Prf::Sha512 => 2,
            };
            let salt_len = u32::try_from(salt.len()).unwrap_or(u32::MAX);
            raw.push(1);
            raw.extend_from_slice(&prf_id.to_be_bytes());
            raw.extend_from_slice(&u32::try_from(*iterations).unwrap_or(u32::MAX).to_be_bytes());
            raw.extend_from_slice(&salt_len.to_be_bytes());
        }
        raw.extend_from_slice(salt);
        raw.resize(raw.len() + subkey.len(), 0);
        Ok(b64_encode_padded(&raw))
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let scheme = self.scheme;
        let rounds = u32::try_from(self.iterations)
            .map_err(|_| Error::too_big(scheme, "iterations", self.iterations, u32::MAX.into()))?;
        let mut out = Zeroizing::new(vec![0u8; self.subkey.len()]);
        self.prf.derive(password, &self.salt, rounds, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifies(p: &AspNet, pw: &str) -> bool {
        let kdf = Kdf { secret: None, threads: 1 };
        p.derive(pw.as_bytes(), kdf).is_ok_and(|got| got.as_slice() == &*p.expected())
    }

    #[test]
    fn hex_is_not_aspnet() {
        for len in [16, 32, 40, 64, 128] {
            for start in ["AA", "AQ", "Ae", "00", "ff", "AB"] {
                let s = format!("{start}{}", "0".repeat(len - 2));
                assert!(matches!(parse_aspnet(&s), Ok(None)), "{s}");
                let upper = format!("{start}{}", "F".repeat(len - 2));
                assert!(matches!(parse_aspnet(&upper), Ok(None)), "{upper}");
            }
        }
    }

    #[test]
    fn aspnet_shapes() {
        let v2 = "ANXrDknc7fGPpigibZXXZFMX4aoqz44JveK6jQuwY3eH/UyPhvr5xTPeGYEckLxz9A==";
        assert!(verifies(&parse_aspnet(v2).unwrap().unwrap(), "my password"));
        let v3 = "AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw";
        assert!(verifies(&parse_aspnet(v3).unwrap().unwrap(), "my password"));
        // Unpadded v2 is not canonical padded base64: not claimed.
        assert!(matches!(parse_aspnet(v2.trim_end_matches('=')), Ok(None)));
        // A v3 header with a salt longer than what follows: malformed.
        assert!(parse_aspnet("AQAAAAEAACcQAAAAQKHNE68u6SmNmKSPj2dPjjEWajAB").is_err());
    }
}
