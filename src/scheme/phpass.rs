//! phpass portable hashes (`$P$` WordPress, `$H$` phpBB3: 2^n rounds of MD5)
//! and Drupal 7's SHA-512 variant (`$S$`, and `U$S$` for the Drupal 6 md5
//! hashes Drupal 7 wrapped on import). Written here: no maintained crate
//! provides them.

use md5::Md5;
use rehash_sha512::Engine;
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{crypt64_le, crypt64_value, hex_lower, is_crypt64};
use crate::error::{Error, Result};
use crate::primitives::md5 as md5core;
use crate::primitives::sha_crypt::{pad512, Plan512};

pub(crate) struct Parsed<'a> {
    scheme: Scheme,
    log2: u32,
    salt: &'a str,
    checksum: &'a str,
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let (scheme, body, len) = if let Some(rest) = s.strip_prefix("U$S$") {
            (Scheme::Drupal7WrappedMd5, rest, 55 - 3)
        } else if let Some(rest) = s.strip_prefix("$S$") {
            (Scheme::Drupal7, rest, 55 - 3)
        } else {
            let rest = s.get(3..).unwrap_or_default();
            (Scheme::Phpass, rest, 34 - 3)
        };
        if body.len() != len || !is_crypt64(body) {
            return Err(Error::malformed(scheme, "length or alphabet (count, 8 salt, checksum)"));
        }
        let log2 = body.bytes().next().and_then(crypt64_value).ok_or(Error::malformed(scheme, "count"))?;
        // phpass and Drupal accept 7..=30.
        if !(7..=30).contains(&log2) {
            return Err(Error::too_big(scheme, "log2_rounds", log2.into(), 30));
        }
        Ok(Parsed {
            scheme,
            log2,
            salt: body.get(1..9).unwrap_or_default(),
            checksum: body.get(9..).unwrap_or_default(),
        })
    }
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme, Params::Rounds(1u64 << self.log2))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(self.scheme, "rounds", 1u64 << self.log2)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.checksum.as_bytes())
    }

    fn masked(&self) -> Result<String> {
        let prefix = match self.scheme {
            Scheme::Drupal7WrappedMd5 => "U$S$",
            Scheme::Drupal7 => "$S$",
            _ => "$P$",
        };
        let count = crate::encoding::CRYPT64.get(self.log2 as usize).copied().unwrap_or(b'.');
        Ok(format!("{prefix}{}{}{}", char::from(count), self.salt, ".".repeat(self.checksum.len())))
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let got = match self.scheme {
            Scheme::Phpass => phpass_md5(self.salt.as_bytes(), password, self.log2),
            Scheme::Drupal7 => drupal_sha512(self.salt.as_bytes(), password, self.log2),
            _ => {
                let inner = Zeroizing::new(hex_lower(&Md5::digest(password)));
                drupal_sha512(self.salt.as_bytes(), inner.as_bytes(), self.log2)
            }
        };
        let n = self.checksum.len();
        Ok(Zeroizing::new(got.as_bytes().get(..n).unwrap_or_default().to_vec()))
    }
}

/// phpass: h = MD5(salt ‖ pw); 2^log2 times h = MD5(h ‖ pw); crypt64 of h.
///
/// The iterated message `h ‖ pw` keeps its length, so it is padded and
/// split into message words once (an MD5 `Plan`): an iteration writes h's
/// four state words into the first block and runs the latency-tuned
/// compression of `primitives::md5` (the 2^log2 hashes are one dependency
/// chain, so its latency is the verify's time). h is never serialized
/// between iterations.
fn phpass_md5(salt: &[u8], password: &[u8], log2: u32) -> Zeroizing<String> {
    let first: Zeroizing<[u8; 16]> =
        Zeroizing::new(Md5::new().chain_update(salt).chain_update(password).finalize().into());
    let mut msg = Zeroizing::new(Vec::with_capacity(16 + password.len() + 72));
    msg.extend_from_slice(&[0; 16]);
    msg.extend_from_slice(password);
    md5core::pad(&mut msg);
    let mut plan = md5core::Plan::new(&msg, 0);
    let mut h = Zeroizing::new(md5core::digest_words(&first));
    for _ in 0..(1u64 << log2) {
        plan.hash(&mut h);
    }
    Zeroizing::new(crypt64_le(&Zeroizing::new(md5core::digest_bytes(&h))[..]))
}

/// Drupal 7: h = SHA-512(salt ‖ pw); 2^log2 times h = SHA-512(h ‖ pw);
/// crypt64 of h. As [`phpass_md5`], on SHA-crypt's `Plan512`: the message
/// is built once, h goes in as its eight state words, and the blocks after
/// it (a password over 47 bytes) run on a schedule expanded once.
fn drupal_sha512(salt: &[u8], password: &[u8], log2: u32) -> Zeroizing<String> {
    let first: Zeroizing<[u8; 64]> =
        Zeroizing::new(Sha512::new().chain_update(salt).chain_update(password).finalize().into());
    let mut msg = Zeroizing::new(Vec::with_capacity(64 + password.len() + 144));
    msg.extend_from_slice(&[0; 64]);
    msg.extend_from_slice(password);
    pad512(&mut msg);
    let engine = Engine::selected();
    let mut plan = Plan512::new(engine, &msg, 0);
    let mut h = Zeroizing::new([0u64; 8]);
    for (w, b) in h.iter_mut().zip(first.chunks_exact(8)) {
        let mut be = [0u8; 8];
        be.copy_from_slice(b);
        *w = u64::from_be_bytes(be);
    }
    for _ in 0..(1u64 << log2) {
        plan.round(engine, &mut h);
    }
    let mut out = Zeroizing::new([0u8; 64]);
    for (b, w) in out.chunks_exact_mut(8).zip(h.iter()) {
        b.copy_from_slice(&w.to_be_bytes());
    }
    Zeroizing::new(crypt64_le(&out[..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// h = D(salt ‖ pw); 2^log2 times h = D(h ‖ pw); crypt64 of h — with a
    /// fresh hasher per iteration, as the PHP code reads.
    fn iterate<D: Digest>(salt: &[u8], password: &[u8], log2: u32) -> String {
        let mut h = D::new().chain_update(salt).chain_update(password).finalize().to_vec();
        for _ in 0..(1u64 << log2) {
            h = D::new().chain_update(&h).chain_update(password).finalize().to_vec();
        }
        crypt64_le(&h)
    }

    /// Both loops against the hasher loop, for password lengths across
    /// every block boundary of `h ‖ pw` (MD5: 39/40 and 103/104 bytes;
    /// SHA-512: 47/48 and 175/176).
    #[test]
    fn match_the_hasher_loop() {
        for len in [0usize, 1, 7, 39, 40, 47, 48, 55, 64, 103, 104, 111, 175, 176, 200] {
            let pw: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            let salt = b"abcdefgh";
            assert_eq!(*phpass_md5(salt, &pw, 7), iterate::<Md5>(salt, &pw, 7), "md5, {len}");
            assert_eq!(*drupal_sha512(salt, &pw, 7), iterate::<Sha512>(salt, &pw, 7), "sha512, {len}");
        }
    }
}
