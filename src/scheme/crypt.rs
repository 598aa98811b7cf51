//! The crypt(3) families of Unix shadow files: md5-crypt and Apache's apr1
//! (written here: no maintained crate provides them), SHA-crypt (rounds in
//! `shacrypt.rs` on `sha2`'s block compression and, for SHA-512, rounds-only
//! compression of the blocks that do not change; faster than the `sha-crypt`
//! crate it is tested against) and yescrypt (the `yescrypt` crate).

use base64ct::{Base64ShaCrypt, Encoding as _};
use md5::{Digest as _, Md5};
use zeroize::Zeroizing;

use crate::primitives::sha_crypt::{self, Hash};
use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{crypt64_le, is_crypt64, is_crypt_salt, parse_decimal};
use crate::error::{Error, Result};

/// `$1$salt$hash` or `$apr1$salt$hash`.
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
/// length, padding and block split never change: each is built once, and a
/// round only writes C into its slot and runs the MD5 compression on the
/// blocks (`md5::block_api::compress`) — no hasher, buffering or padding per
/// round. Checked against the md5_crypt vectors and the hasher-based loop
/// (`tests` below).
fn md5_crypt_rounds(pw: &[u8], salt: &[u8], c: &mut [u8; 16]) {
    const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    // Layout k: bit 0 = odd round, bit 1 = salt present, bit 2 = pw present.
    let layouts: Vec<(Zeroizing<Vec<[u8; 64]>>, usize)> = (0..8u8)
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
            let bits = (msg.len() as u64).wrapping_mul(8);
            msg.push(0x80);
            while msg.len() % 64 != 56 {
                msg.push(0);
            }
            msg.extend_from_slice(&bits.to_le_bytes());
            let blocks: Vec<[u8; 64]> = msg
                .chunks_exact(64)
                .map(|ch| {
                    let mut b = [0u8; 64];
                    b.copy_from_slice(ch);
                    b
                })
                .collect();
            (Zeroizing::new(blocks), c_at)
        })
        .collect();
    let mut layouts = layouts;
    for round in 0..1000u32 {
        let k =
            usize::from(round & 1 == 1) | usize::from(round % 3 != 0) << 1 | usize::from(round % 7 != 0) << 2;
        let Some((blocks, c_at)) = layouts.get_mut(k) else { continue };
        for (i, byte) in c.iter().enumerate() {
            let at = *c_at + i;
            if let Some(slot) = blocks.get_mut(at / 64).and_then(|b| b.get_mut(at % 64)) {
                *slot = *byte;
            }
        }
        let mut state = IV;
        md5::block_api::compress(&mut state, blocks);
        for (out, word) in c.chunks_exact_mut(4).zip(state.iter()) {
            out.copy_from_slice(&word.to_le_bytes());
        }
    }
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
pub(crate) struct ShaCrypt<'a> {
    s: &'a str,
    sha512: bool,
    rounds: u64,
    salt: &'a str,
    /// The checksum decoded, in SHA-crypt's transposed byte order.
    expected: Vec<u8>,
}

/// SHA-crypt's output byte order (the spec's `b64_from_24bit` groups),
/// applied before crypt64 encoding.
const SHA256_ORDER: [usize; 32] = [
    20, 10, 0, 11, 1, 21, 2, 22, 12, 23, 13, 3, 14, 4, 24, 5, 25, 15, 26, 16, 6, 17, 7, 27, 8, 28, 18, 29,
    19, 9, 30, 31,
];
const SHA512_ORDER: [usize; 64] = [
    42, 21, 0, 1, 43, 22, 23, 2, 44, 45, 24, 3, 4, 46, 25, 26, 5, 47, 48, 27, 6, 7, 49, 28, 29, 8, 50, 51,
    30, 9, 10, 52, 31, 32, 11, 53, 54, 33, 12, 13, 55, 34, 35, 14, 56, 57, 36, 15, 16, 58, 37, 38, 17, 59,
    60, 39, 18, 19, 61, 40, 41, 20, 62, 63,
];

fn transpose(raw: &[u8], order: &[usize]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(order.iter().map(|&i| raw.get(i).copied().unwrap_or(0)).collect())
}

impl<'a> ShaCrypt<'a> {
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let sha512 = s.starts_with("$6$");
        let scheme = if sha512 { Scheme::Sha512Crypt } else { Scheme::Sha256Crypt };
        let mut fields = s.get(3..).unwrap_or_default().split('$');
        let mut first = fields.next().unwrap_or_default();
        let mut rounds = 5000;
        if let Some(r) = first.strip_prefix("rounds=") {
            rounds = parse_decimal(r).ok_or(Error::malformed(scheme, "rounds"))?;
            first = fields.next().ok_or(Error::malformed(scheme, "missing salt"))?;
        }
        let salt = first;
        let checksum = fields.next().ok_or(Error::malformed(scheme, "missing checksum"))?;
        if fields.next().is_some() {
            return Err(Error::malformed(scheme, "too many fields"));
        }
        if salt.len() > 16 || !is_crypt_salt(salt) {
            return Err(Error::malformed(scheme, "salt must be at most 16 characters, no `$!*:;\\`"));
        }
        let want = if sha512 { 86 } else { 43 };
        if checksum.len() != want || !is_crypt64(checksum) {
            return Err(Error::malformed(scheme, "checksum length or alphabet"));
        }
        // glibc clamps and records rounds in 1000..=999_999_999.
        if !(1000..=999_999_999).contains(&rounds) {
            return Err(Error::too_big(scheme, "rounds", rounds, 999_999_999));
        }
        let expected = Base64ShaCrypt::decode_vec(checksum)
            .ok()
            .filter(|v| v.len() == if sha512 { 64 } else { 32 })
            .ok_or(Error::malformed(scheme, "checksum encoding"))?;
        Ok(ShaCrypt { s, sha512, rounds, salt, expected })
    }

    fn scheme(&self) -> Scheme {
        if self.sha512 {
            Scheme::Sha512Crypt
        } else {
            Scheme::Sha256Crypt
        }
    }
}

impl Family for ShaCrypt<'_> {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme(), Params::Rounds(self.rounds))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(self.scheme(), "rounds", self.rounds)
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let rounds = u32::try_from(self.rounds).map_err(|_| Error::malformed(self.scheme(), "rounds"))?;
        let salt = self.salt.as_bytes();
        Ok(if self.sha512 {
            transpose(&sha_crypt::sha_crypt(Hash::Sha512, password, salt, rounds), &SHA512_ORDER)
        } else {
            transpose(&sha_crypt::sha_crypt(Hash::Sha256, password, salt, rounds), &SHA256_ORDER)
        })
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        let n = if self.sha512 { 86 } else { 43 };
        Ok(format!("{}{}", self.s.get(..self.s.len() - n).unwrap_or_default(), ".".repeat(n)))
    }
}

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
