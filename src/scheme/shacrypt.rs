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
//! round runs only their 80 rounds (`sha512_rounds`, safe scalar code, checked
//! against `sha2::compress512` by a property test). 8–9% less time per
//! `$6$` verify at 5000 rounds with a 28-byte password, ~28% at 64 bytes,
//! none below 20 bytes, where every layout is one block (BENCHMARKS.md).
//!
//! Tested against the spec's vectors, every SHA-crypt vector of both waves,
//! and the `sha-crypt` crate (property test, passwords up to 300 bytes so
//! every layout has constant blocks before and after C).

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

/// The raw SHA-crypt digest (before the output byte transposition and
/// crypt64) of `password` with `salt` (at most 16 bytes, as stored) and
/// `rounds`.
pub(crate) fn sha_crypt(hash: Hash, password: &[u8], salt: &[u8], rounds: u32) -> Zeroizing<Vec<u8>> {
    let (p, s) = (password, salt.get(..16).unwrap_or(salt));
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
            let bits = (msg.len() as u128).wrapping_mul(8);
            msg.push(0x80);
            while msg.len() % block != block - len_field {
                msg.push(0);
            }
            let be = bits.to_be_bytes();
            msg.extend_from_slice(be.get(be.len() - len_field..).unwrap_or_default());
            (msg, c_at)
        })
        .collect();
    match hash {
        Hash::Sha512 => {
            let mut plans: Vec<Plan512> =
                layouts.iter().map(|(msg, c_at)| Plan512::new(msg, *c_at)).collect();
            for round in 0..rounds {
                if let Some(plan) = plans.get_mut(layout_of(round)) {
                    plan.round(&mut c);
                }
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

/// The layout round `round` hashes: bit 0 = odd round, bit 1 = S' present
/// (round not a multiple of 3), bit 2 = P' present (not a multiple of 7).
fn layout_of(round: u32) -> usize {
    usize::from(round & 1 == 1)
        | usize::from(!round.is_multiple_of(3)) << 1
        | usize::from(!round.is_multiple_of(7)) << 2
}

/// SHA-512's IV (FIPS 180-4 §5.3.5).
const IV512: [u64; 8] = [
    0x6a09_e667_f3bc_c908,
    0xbb67_ae85_84ca_a73b,
    0x3c6e_f372_fe94_f82b,
    0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1,
    0x9b05_688c_2b3e_6c1f,
    0x1f83_d9ab_fb41_bd6b,
    0x5be0_cd19_137e_2179,
];

/// SHA-512's round constants (FIPS 180-4 §4.2.3).
#[rustfmt::skip]
const K512: [u64; 80] = [
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
];

/// `K[t] + W[t]` for t in 0..80: the message schedule of one block, with the
/// round constants folded in.
fn sha512_kw(block: &[u8; 128]) -> [u64; 80] {
    let mut w = [0u64; 80];
    let (words, _) = block.as_chunks::<8>();
    for (w, b) in w.iter_mut().zip(words) {
        *w = u64::from_be_bytes(*b);
    }
    for t in 16..80 {
        let at = |i: usize| w.get(t - i).copied().unwrap_or_default();
        let (x, y) = (at(15), at(2));
        let s0 = x.rotate_right(1) ^ x.rotate_right(8) ^ (x >> 7);
        let s1 = y.rotate_right(19) ^ y.rotate_right(61) ^ (y >> 6);
        let next = at(16).wrapping_add(s0).wrapping_add(at(7)).wrapping_add(s1);
        if let Some(slot) = w.get_mut(t) {
            *slot = next;
        }
    }
    for (w, k) in w.iter_mut().zip(K512) {
        *w = w.wrapping_add(k);
    }
    w
}

/// One SHA-512 round on the named state words, `t = $kw` the round's
/// `K[t] + W[t]`: the new `e` is written into `$d`, the new `a` into `$h`
/// (the caller rotates the names). The grouping of the additions is only a
/// hint: LLVM reassociates them (BENCHMARKS.md records what was measured).
macro_rules! round512 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $kw:expr) => {{
        let hkw = $h.wrapping_add($kw);
        let dhkw = $d.wrapping_add(hkw);
        let ch = (($f ^ $g) & $e) ^ $g;
        let s1 = $e.rotate_right(14) ^ $e.rotate_right(18) ^ $e.rotate_right(41);
        let t1 = hkw.wrapping_add(ch).wrapping_add(s1);
        $d = dhkw.wrapping_add(ch).wrapping_add(s1);
        let maj = (($a ^ $b) & ($b ^ $c)) ^ $b;
        let s0 = $a.rotate_right(28) ^ $a.rotate_right(34) ^ $a.rotate_right(39);
        $h = t1.wrapping_add(maj).wrapping_add(s0);
    }};
}

/// The 80 SHA-512 rounds of a block whose schedule `kw` ([`sha512_kw`]) is
/// known in advance, added into `state` (the compression function without
/// its message expansion).
fn sha512_rounds(state: &mut [u64; 8], kw: &[u64; 80]) {
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    let (eights, _) = kw.as_chunks::<8>();
    for k in eights {
        round512!(a, b, c, d, e, f, g, h, k[0]);
        round512!(h, a, b, c, d, e, f, g, k[1]);
        round512!(g, h, a, b, c, d, e, f, k[2]);
        round512!(f, g, h, a, b, c, d, e, k[3]);
        round512!(e, f, g, h, a, b, c, d, k[4]);
        round512!(d, e, f, g, h, a, b, c, k[5]);
        round512!(c, d, e, f, g, h, a, b, k[6]);
        round512!(b, c, d, e, f, g, h, a, k[7]);
    }
    for (s, x) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(x);
    }
}

/// One SHA-512 round layout, split by where the previous digest C sits:
/// the blocks before C are constant, so their result is the starting state;
/// the blocks holding C go through `sha2`'s compression each round; the
/// blocks after C are constant, so only their rounds run, on a schedule
/// expanded once.
struct Plan512 {
    /// State after the constant blocks before C.
    start: Zeroizing<[u64; 8]>,
    /// The padded blocks that hold C.
    var: Zeroizing<Vec<u8>>,
    /// Offset of C in `var`.
    c_at: usize,
    /// K + W of each constant block after C.
    tail: Zeroizing<Vec<[u64; 80]>>,
}

impl Plan512 {
    fn new(msg: &[u8], c_at: usize) -> Self {
        let (blocks, _) = msg.as_chunks::<128>();
        let first = (c_at / 128).min(blocks.len());
        let end = (c_at + 64).div_ceil(128).clamp(first, blocks.len());
        let mut start = Zeroizing::new(IV512);
        sha2::block_api::compress512(&mut start, blocks.get(..first).unwrap_or_default());
        let var = Zeroizing::new(blocks.get(first..end).unwrap_or_default().as_flattened().to_vec());
        let tail = Zeroizing::new(blocks.get(end..).unwrap_or_default().iter().map(sha512_kw).collect());
        Plan512 { start, var, c_at: c_at - first * 128, tail }
    }

    /// Hashes the layout with `c` in its slot; the digest replaces `c`.
    fn round(&mut self, c: &mut [u8]) {
        if let Some(slot) = self.var.get_mut(self.c_at..self.c_at + 64) {
            slot.copy_from_slice(c);
        }
        let mut state = *self.start;
        let (blocks, _) = self.var.as_chunks::<128>();
        sha2::block_api::compress512(&mut state, blocks);
        for kw in self.tail.iter() {
            sha512_rounds(&mut state, kw);
        }
        for (o, w) in c.chunks_exact_mut(8).zip(state.iter()) {
            o.copy_from_slice(&w.to_be_bytes());
        }
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

        /// The split compression (schedule once, rounds per use) against
        /// `sha2`'s `compress512`, from random states over random blocks.
        #[test]
        fn sha512_rounds_match_sha2(
            state in proptest::prelude::any::<[u64; 8]>(),
            block in proptest::collection::vec(proptest::prelude::any::<u8>(), 128),
        ) {
            let block: [u8; 128] = block.try_into().expect("128 bytes");
            let mut want = state;
            sha2::block_api::compress512(&mut want, &[block]);
            let mut got = state;
            super::sha512_rounds(&mut got, &super::sha512_kw(&block));
            proptest::prop_assert_eq!(got, want);
        }

        /// Against the `sha-crypt` crate (hasher per round): passwords up to
        /// 300 bytes put every layout across several blocks.
        #[test]
        fn matches_the_sha_crypt_crate(
            pw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            salt in "[./0-9A-Za-z]{0,16}",
            rounds in 1000u32..1400,
        ) {
            let params = sha_crypt::Params::new(rounds).expect("rounds");
            let want512 = sha_crypt::sha512_crypt(&pw, salt.as_bytes(), params);
            let got512 = super::sha_crypt(super::Hash::Sha512, &pw, salt.as_bytes(), rounds);
            proptest::prop_assert_eq!(&got512[..], &want512[..]);
            let want256 = sha_crypt::sha256_crypt(&pw, salt.as_bytes(), params);
            let got256 = super::sha_crypt(super::Hash::Sha256, &pw, salt.as_bytes(), rounds);
            proptest::prop_assert_eq!(&got256[..], &want256[..]);
        }
    }
}
