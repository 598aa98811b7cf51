//! md5-crypt (`$1$`) and Apache's apr1 (`$apr1$`), written here: no
//! maintained crate provides them. The setup digests use the `md-5`
//! hasher; the 1000 rounds run on the latency-tuned MD5 compression of
//! `primitives::md5` over the 8 round layouts built once.

use md5::{Digest as _, Md5};
use std::borrow::Cow;

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::encoding::{crypt64_le, is_crypt64, is_crypt_salt};
use crate::error::{Error, Result};
use crate::primitives::md5::{digest_bytes, digest_words, pad, Plan};

pub(crate) struct Md5Crypt<'a> {
    apr1: bool,
    salt: &'a str,
    checksum: &'a str,
}

impl<'a> Md5Crypt<'a> {
    pub(crate) fn parse(s: &'a str, apr1: bool) -> Result<Self> {
        let scheme = if apr1 { Scheme::Apr1 } else { Scheme::Md5Crypt };
        let rest =
            s.strip_prefix(if apr1 { "$apr1$" } else { "$1$" }).ok_or(Error::malformed(scheme, "prefix"))?;
        let (salt, checksum) = rest.split_once('$').ok_or(Error::malformed(scheme, "missing `$`"))?;
        // glibc and libxcrypt take an empty salt (`$1$$…`) and any printable
        // salt character but their separators.
        if salt.len() > 8 || !is_crypt_salt(salt) {
            return Err(Error::malformed(scheme, "salt must be at most 8 characters, no `$!*:;\\`"));
        }
        if checksum.len() != 22 || !is_crypt64(checksum) {
            return Err(Error::malformed(scheme, "checksum must be 22 crypt64 characters"));
        }
        Ok(Md5Crypt { apr1, salt, checksum })
    }
}

impl Family for Md5Crypt<'_> {
    fn identified(&self) -> Identified {
        let scheme = if self.apr1 { Scheme::Apr1 } else { Scheme::Md5Crypt };
        Identified::new(scheme, Params::Fixed)
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let magic: &[u8] = if self.apr1 { b"$apr1$" } else { b"$1$" };
        Ok(Zeroizing::new(md5_crypt_checksum(password, self.salt.as_bytes(), magic).into_bytes()))
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.checksum.as_bytes())
    }

    fn masked(&self) -> Result<String> {
        Ok(format!("${}${}${}", if self.apr1 { "apr1" } else { "1" }, self.salt, ".".repeat(22)))
    }
}

/// md5-crypt's 1000 rounds. Round `i` hashes `A | [salt] | [pw] | B` with
/// A = pw for odd i, else the previous digest C; salt when i % 3 ≠ 0; pw when
/// i % 7 ≠ 0; B = C for odd i, else pw. Those are 8 message layouts whose
/// length, padding and block split never change: each is built once as an
/// MD5 [`Plan`], and a round only writes C's four state words into its slot
/// and runs the latency-tuned compression (`primitives::md5`) on the blocks
/// from the one holding C — the blocks before C (an odd round's `pw | salt
/// | pw` when that fills a block) are compressed once, not every round. C
/// stays in state words from the first round to the last. Checked against
/// the md5_crypt vectors and the hasher-based loop (`tests` below).
fn md5_crypt_rounds(pw: &[u8], salt: &[u8], c: &mut [u8; 16]) {
    // Layout k: bit 0 = odd round, bit 1 = salt present, bit 2 = pw present.
    let mut plans: Vec<Plan> = (0..8u8)
        .map(|k| {
            let (odd, with_salt, with_pw) = (k & 1 == 1, k & 2 == 2, k & 4 == 4);
            let mut msg = Zeroizing::new(Vec::with_capacity(3 * pw.len() + salt.len() + 16 + 72));
            let mut c_at = 0;
            if odd {
                msg.extend_from_slice(pw);
            } else {
                c_at = msg.len();
                msg.extend_from_slice(&[0; 16]);
            }
            if with_salt {
                msg.extend_from_slice(salt);
            }
            if with_pw {
                msg.extend_from_slice(pw);
            }
            if odd {
                c_at = msg.len();
                msg.extend_from_slice(&[0; 16]);
            } else {
                msg.extend_from_slice(pw);
            }
            pad(&mut msg);
            Plan::new(&msg, c_at)
        })
        .collect();
    let mut words = Zeroizing::new(digest_words(c));
    for round in 0..1000u32 {
        let k = usize::from(round & 1 == 1)
            | usize::from(!round.is_multiple_of(3)) << 1
            | usize::from(!round.is_multiple_of(7)) << 2;
        if let Some(plan) = plans.get_mut(k) {
            plan.hash(&mut words);
        }
    }
    *c = digest_bytes(&words);
}

/// Poul-Henning Kamp's md5-crypt: 1000 rounds of MD5 over password, salt and
/// the previous digest, output in crypt64 with its fixed byte permutation.
pub(crate) fn md5_crypt_checksum(pw: &[u8], salt: &[u8], magic: &[u8]) -> String {
    let alt: Zeroizing<[u8; 16]> =
        Zeroizing::new(Md5::new().chain_update(pw).chain_update(salt).chain_update(pw).finalize().into());
    let mut ctx = Md5::new().chain_update(pw).chain_update(magic).chain_update(salt);
    let mut left = pw.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(alt.get(..n).unwrap_or_default());
        left -= n;
    }
    let first = pw.first().copied().unwrap_or(0);
    let mut i = pw.len();
    while i > 0 {
        ctx.update([if i & 1 == 1 { 0 } else { first }]);
        i >>= 1;
    }
    let mut fin: [u8; 16] = ctx.finalize().into();
    md5_crypt_rounds(pw, salt, &mut fin);
    let f = fin;
    let ordered = Zeroizing::new([
        f[12], f[6], f[0], f[13], f[7], f[1], f[14], f[8], f[2], f[15], f[9], f[3], f[5], f[10], f[4], f[11],
    ]);
    fin.iter_mut().for_each(|b| *b = 0);
    crypt64_le(ordered.as_slice())
}

/// `$5$[rounds=N$]salt$hash` and `$6$…`.
#[cfg(test)]
mod tests {
    use super::*;

    /// The rounds as the spec writes them: a fresh MD5 hasher per round.
    fn rounds_with_hasher(pw: &[u8], salt: &[u8], fin: &mut [u8; 16]) {
        for round in 0..1000 {
            let mut c = Md5::new();
            c.update(if round & 1 == 1 { pw } else { &fin[..] });
            if round % 3 != 0 {
                c.update(salt);
            }
            if round % 7 != 0 {
                c.update(pw);
            }
            c.update(if round & 1 == 1 { &fin[..] } else { pw });
            *fin = c.finalize().into();
        }
    }

    #[test]
    fn md5_crypt_rounds_match_the_hasher_loop_for_every_length() {
        // Password lengths 0..=130 cross every block boundary of every layout.
        for len in 0..=130usize {
            let pw: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            for salt in [&b""[..], b"s", b"saltsalt"] {
                let start: [u8; 16] = core::array::from_fn(|i| (i as u8).wrapping_mul(29) ^ len as u8);
                let (mut fast, mut slow) = (start, start);
                md5_crypt_rounds(&pw, salt, &mut fast);
                rounds_with_hasher(&pw, salt, &mut slow);
                assert_eq!(fast, slow, "password length {len}, salt {salt:?}");
            }
        }
    }
}
