//! SHA-crypt (`$5$` SHA-256, `$6$` SHA-512; Drepper's "Unix crypt using
//! SHA-256 and SHA-512", as glibc and libxcrypt implement it).
//!
//! The setup (digests B, A, DP, DS) uses the `sha2` hashers. The rounds — 5000
//! by default, each hashing one of eight message layouts `A | [S'] | [P'] |
//! B` with A, B ∈ {P', C} — reuse each layout's padded blocks: the lengths
//! never change, so a round only writes the previous digest C into its slot
//! and runs `sha2`'s block compression from the IV. No hasher, buffering or
//! padding per round.
//!
//! SHA-512 goes one step further (`Plan512`): only the blocks that hold C
//! change from round to round. Blocks before C are compressed once (their
//! state is where every round starts); blocks after C — for a 20–40 byte
//! password, the second block of most layouts, which holds only the tail of
//! P' and the padding — have their message schedule expanded once, and each
//! round runs only their 80 rounds. 8–9% less time per `$6$` verify at 5000
//! rounds with a 28-byte password, ~28% at 64 bytes, none below 20 bytes,
//! where every layout is one block (BENCHMARKS.md).
//!
//! SHA-512 blocks and rounds run on the `rehash-sha512` workspace crate:
//! on x86-64 with AVX2 and BMI2 its vector-schedule / `rorx` path (one block
//! ~0.8 of `sha2::compress512`), elsewhere `sha2` itself and safe scalar
//! rounds; `REHASH_SHA512_BACKEND=portable` forces the latter.
//!
//! Tested against the spec's vectors, every SHA-crypt vector of both waves,
//! and the `sha-crypt` crate (property test, passwords up to 300 bytes so
//! every layout has constant blocks before and after C).

use rehash_sha512::{words, Engine, Schedule, IV};
use sha2::{Digest, Sha256, Sha512};
use zeroize::{Zeroize as _, Zeroizing};

/// The two SHA-crypt hashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha512,
}

impl Hash {
    fn digest_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha512 => 64,
        }
    }

    fn block_len(self) -> usize {
        match self {
            Hash::Sha256 => 64,
            Hash::Sha512 => 128,
        }
    }

    /// One-shot digest of the concatenated parts.
    fn digest(self, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        match self {
            Hash::Sha256 => {
                let mut h = Sha256::new();
                parts.iter().for_each(|p| h.update(p));
                Zeroizing::new(h.finalize().to_vec())
            }
            Hash::Sha512 => {
                let mut h = Sha512::new();
                parts.iter().for_each(|p| h.update(p));
                Zeroizing::new(h.finalize().to_vec())
            }
        }
    }
}

/// The SHA-256 digest of `padded` (a whole number of blocks, already
/// padded), written to `out`. (SHA-512 rounds go through [`Plan512`].)
fn sha256_padded(padded: &[u8], out: &mut [u8]) {
    let mut state: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    let (blocks, _) = padded.as_chunks::<64>();
    sha2::block_api::compress256(&mut state, blocks);
    for (o, w) in out.chunks_exact_mut(4).zip(state.iter()) {
        o.copy_from_slice(&w.to_be_bytes());
    }
}

/// `n` bytes of `seed` repeated.
fn repeat_to(seed: &[u8], n: usize) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(seed.iter().copied().cycle().take(n).collect())
}

/// SHA-crypt's output byte order (the spec's `b64_from_24bit` groups),
/// applied before crypt64 encoding.
pub(crate) const SHA256_ORDER: [usize; 32] = [
    20, 10, 0, 11, 1, 21, 2, 22, 12, 23, 13, 3, 14, 4, 24, 5, 25, 15, 26, 16, 6, 17, 7, 27, 8, 28, 18, 29,
    19, 9, 30, 31,
];
pub(crate) const SHA512_ORDER: [usize; 64] = [
    42, 21, 0, 1, 43, 22, 23, 2, 44, 45, 24, 3, 4, 46, 25, 26, 5, 47, 48, 27, 6, 7, 49, 28, 29, 8, 50, 51,
    30, 9, 10, 52, 31, 32, 11, 53, 54, 33, 12, 13, 55, 34, 35, 14, 56, 57, 36, 15, 16, 58, 37, 38, 17, 59,
    60, 39, 18, 19, 61, 40, 41, 20, 62, 63,
];

/// `raw` in `order` (one of the two orders above).
pub(crate) fn transpose(raw: &[u8], order: &[usize]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(order.iter().map(|&i| raw.get(i).copied().unwrap_or(0)).collect())
}

/// The raw SHA-crypt digest (before the output byte transposition and
/// crypt64) of `password` with `salt` (at most 16 bytes, as stored) and
/// `rounds`.
pub(crate) fn sha_crypt(hash: Hash, password: &[u8], salt: &[u8], rounds: u32) -> Zeroizing<Vec<u8>> {
    sha_crypt_on(Engine::selected(), hash, password, salt.get(..16).unwrap_or(salt), rounds)
}

/// [`sha_crypt`] over the whole salt, past 16 bytes: MySQL's
/// caching_sha2_password runs the SHA-256 rounds over its 20-byte salt (its
/// `my_crypt_genhash` stops at 20, not 16).
pub(crate) fn sha_crypt_long_salt(
    hash: Hash,
    password: &[u8],
    salt: &[u8],
    rounds: u32,
) -> Zeroizing<Vec<u8>> {
    sha_crypt_on(Engine::selected(), hash, password, salt, rounds)
}

/// [`sha_crypt`] with SHA-512's compression on `engine` (tests run each
/// path), over the whole of `salt`.
fn sha_crypt_on(engine: Engine, hash: Hash, password: &[u8], salt: &[u8], rounds: u32) -> Zeroizing<Vec<u8>> {
    let (p, s) = (password, salt);
    let n = hash.digest_len();
    // B = H(P S P); A = H(P S B… bits-of-len(P) → B or P).
    let b = hash.digest(&[p, s, p]);
    let mut a_parts: Vec<&[u8]> = vec![p, s];
    let mut left = p.len();
    while left > n {
        a_parts.push(&b);
        left -= n;
    }
    a_parts.push(b.get(..left).unwrap_or_default());
    let mut bits = p.len();
    while bits > 0 {
        a_parts.push(if bits & 1 == 1 { &b[..] } else { p });
        bits >>= 1;
    }
    let mut c = hash.digest(&a_parts);
    // P' = DP repeated to len(P), DP = H(P × len(P));
    // S' = DS repeated to len(S), DS = H(S × (16 + A[0])).
    let dp = hash.digest(&vec![p; p.len()]);
    let p2 = repeat_to(&dp, p.len());
    let s_times = 16 + usize::from(c.first().copied().unwrap_or(0));
    let ds = hash.digest(&vec![s; s_times]);
    let s2 = repeat_to(&ds, s.len());

    // The eight round layouts: bit 0 = odd round, bit 1 = S' present,
    // bit 2 = P' present. Each: padded message bytes and the offset of C.
    let block = hash.block_len();
    let len_field = if hash == Hash::Sha512 { 16 } else { 8 };
    let mut layouts: Vec<(Zeroizing<Vec<u8>>, usize)> = (0..8u8)
        .map(|k| {
            let (odd, with_s, with_p) = (k & 1 == 1, k & 2 == 2, k & 4 == 4);
            let mut msg = Zeroizing::new(Vec::with_capacity(3 * p2.len() + s2.len() + n + 2 * block));
            let mut c_at = 0;
            if odd {
                msg.extend_from_slice(&p2);
            } else {
                c_at = msg.len();
                msg.extend(core::iter::repeat_n(0u8, n));
            }
            if with_s {
                msg.extend_from_slice(&s2);
            }
            if with_p {
                msg.extend_from_slice(&p2);
            }
            if odd {
                c_at = msg.len();
                msg.extend(core::iter::repeat_n(0u8, n));
            } else {
                msg.extend_from_slice(&p2);
            }
            super::md::pad(&mut msg, block, len_field, false);
            (msg, c_at)
        })
        .collect();
    match hash {
        Hash::Sha512 => {
            let mut plans: Vec<Plan512> =
                layouts.iter().map(|(msg, c_at)| Plan512::new(engine, msg, *c_at)).collect();
            // C as SHA-512 state words from here on: each round's state is
            // the next round's C, never serialized in between.
            let mut words = Zeroizing::new([0u64; 8]);
            for (w, b) in words.iter_mut().zip(c.chunks_exact(8)) {
                let mut be = [0u8; 8];
                be.copy_from_slice(b);
                *w = u64::from_be_bytes(be);
            }
            for round in 0..rounds {
                if let Some(plan) = plans.get_mut(layout_of(round)) {
                    plan.round(engine, &mut words);
                }
            }
            for (b, w) in c.chunks_exact_mut(8).zip(words.iter()) {
                b.copy_from_slice(&w.to_be_bytes());
            }
        }
        Hash::Sha256 => {
            for round in 0..rounds {
                let Some((msg, c_at)) = layouts.get_mut(layout_of(round)) else { continue };
                if let Some(slot) = msg.get_mut(*c_at..*c_at + n) {
                    slot.copy_from_slice(&c);
                }
                sha256_padded(msg, &mut c);
            }
        }
    }
    layouts.iter_mut().for_each(|(m, _)| m.zeroize());
    c
}

/// `msg` with SHA-512's padding appended: `0x80`, zeros up to 112 mod 128,
/// and the length in bits as a 128-bit big-endian number.
pub(crate) fn pad512(msg: &mut Vec<u8>) {
    super::md::pad(msg, 128, 16, false);
}

/// The layout round `round` hashes: bit 0 = odd round, bit 1 = S' present
/// (round not a multiple of 3), bit 2 = P' present (not a multiple of 7).
fn layout_of(round: u32) -> usize {
    usize::from(round & 1 == 1)
        | usize::from(!round.is_multiple_of(3)) << 1
        | usize::from(!round.is_multiple_of(7)) << 2
}

/// One SHA-512 round layout, split by where the previous digest C sits:
/// the blocks before C are constant, so their result is the starting state;
/// the blocks holding C are compressed each round, kept as message words so
/// that C's state words go in with shifts and masks (no byte round trip); the
/// blocks after C are constant, so only their rounds run, on a schedule
/// expanded once.
pub(crate) struct Plan512 {
    /// State after the constant blocks before C.
    start: Zeroizing<[u64; 8]>,
    /// The message words of the blocks that hold C (one or two blocks).
    var: Zeroizing<Vec<[u64; 16]>>,
    /// Byte offset of C in `var`.
    c_at: usize,
    /// K + W of each constant block after C (wiped on drop).
    tail: Vec<Schedule>,
}

impl Plan512 {
    /// `msg` is the whole padded message ([`pad512`]), C's 64-byte slot at
    /// byte `c_at`.
    pub(crate) fn new(engine: Engine, msg: &[u8], c_at: usize) -> Self {
        let (blocks, _) = msg.as_chunks::<128>();
        let first = (c_at / 128).min(blocks.len());
        let end = (c_at + 64).div_ceil(128).clamp(first, blocks.len());
        let mut start = Zeroizing::new(IV);
        engine.compress(&mut start, blocks.get(..first).unwrap_or_default());
        let var = Zeroizing::new(blocks.get(first..end).unwrap_or_default().iter().map(words).collect());
        let tail = blocks.get(end..).unwrap_or_default().iter().map(Schedule::new).collect();
        Plan512 { start, var, c_at: c_at - first * 128, tail }
    }

    /// Hashes the layout with C (as eight big-endian words) in its slot;
    /// the digest replaces `c`.
    pub(crate) fn round(&mut self, engine: Engine, c: &mut [u64; 8]) {
        let flat = self.var.as_flattened_mut();
        let (q, r) = (self.c_at / 8, self.c_at % 8);
        if r == 0 {
            if let Some(slot) = flat.get_mut(q..q + 8) {
                slot.copy_from_slice(c);
            }
        } else if let Some([head, mid @ .., tail]) = flat.get_mut(q..q + 9) {
            // C starts r bytes into word q: that word keeps its first r
            // bytes, word q + 8 its last 8 - r, the seven between are C's
            // words shifted across.
            let s = 8 * r as u32;
            let low = u64::MAX >> s;
            let [first, .., last] = *c;
            *head = (*head & !low) | (first >> s);
            for (w, (x, y)) in mid.iter_mut().zip(c.iter().zip(c.iter().skip(1))) {
                *w = (x << (64 - s)) | (y >> s);
            }
            *tail = (*tail & low) | (last << (64 - s));
        }
        let mut state = *self.start;
        engine.compress_words(&mut state, &self.var);
        for schedule in &self.tail {
            engine.rounds(&mut state, schedule);
        }
        *c = state;
        state.zeroize();
    }
}

#[cfg(test)]
mod tests {
    /// Drepper's spec vectors, through the transposition and crypt64 the
    /// scheme module applies.
    #[test]
    fn spec_vectors() {
        use crate::Policy;
        let p = Policy::default();
        for (pw, h) in [
            ("Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
            ("Hello world!", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."),
            ("Hello world!", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"),
            ("Hello world!", "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"),
            ("This is just a test", "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"),
            ("This is just a test", "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5"),
        ] {
            assert!(p.verify(pw.as_bytes(), h).expect("parse").is_valid(), "{h}");
            assert!(!p.verify(b"Hello world?", h).expect("parse").is_valid(), "{h}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Against the `sha-crypt` crate (hasher per round), on every SHA-512
        /// path this CPU has: passwords up to 300 bytes put every layout
        /// across several blocks.
        #[test]
        fn matches_the_sha_crypt_crate(
            pw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            salt in "[./0-9A-Za-z]{0,16}",
            rounds in 1000u32..1400,
        ) {
            let params = sha_crypt::Params::new(rounds).expect("rounds");
            let want512 = sha_crypt::sha512_crypt(&pw, salt.as_bytes(), params);
            for backend in rehash_sha512::Backend::available() {
                let engine = super::Engine::new(backend);
                let got512 = super::sha_crypt_on(engine, super::Hash::Sha512, &pw, salt.as_bytes(), rounds);
                proptest::prop_assert_eq!(&got512[..], &want512[..], "{:?}", backend);
            }
            let want256 = sha_crypt::sha256_crypt(&pw, salt.as_bytes(), params);
            let got256 = super::sha_crypt(super::Hash::Sha256, &pw, salt.as_bytes(), rounds);
            proptest::prop_assert_eq!(&got256[..], &want256[..]);
        }
    }
}
