//! SHA-512 block compression (FIPS 180-4) for the SHA-crypt rounds of
//! rehash, in two forms: the whole compression of a block, and the 80
//! rounds alone on a message schedule expanded in advance ([`Schedule`]),
//! for blocks that are the same in every SHA-crypt round.
//!
//! Two paths, chosen once per process at run time ([`Engine::selected`]):
//!
//! * `avx2` (x86-64 with AVX2 and BMI2): the message schedule in 128-bit
//!   vectors, two words a step, interleaved with scalar rounds that rotate
//!   with BMI2's non-destructive `rorx`. The rounds are bound by the integer
//!   units; the schedule runs beside them on the vector units instead of
//!   competing for the same ones.
//! * `portable`: the RustCrypto `sha2` crate's `compress512` for whole
//!   blocks, safe scalar rounds for expanded schedules.
//!
//! `REHASH_SHA512_BACKEND` (`portable`, `avx2` or `auto`) forces a path; a
//! path the CPU lacks falls back to `portable`, never to an illegal
//! instruction. Outputs are identical on every path: the tests compare each
//! path with `sha2` on random states and blocks.
//!
//! ```
//! use rehash_sha512::{Engine, Schedule, IV};
//!
//! // SHA-512("abc"): one padded block.
//! let mut block = [0u8; 128];
//! block[..3].copy_from_slice(b"abc");
//! block[3] = 0x80;
//! block[127] = 24; // length in bits
//! let engine = Engine::selected();
//! let mut state = IV;
//! engine.compress(&mut state, &[block]);
//! assert_eq!(state[0], 0xddaf35a193617aba);
//!
//! // The same block as words, and through its expanded schedule.
//! let mut words = IV;
//! engine.compress_words(&mut words, &[rehash_sha512::words(&block)]);
//! assert_eq!(words, state);
//! let mut again = IV;
//! engine.rounds(&mut again, &Schedule::new(&block));
//! assert_eq!(again, state);
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::sync::OnceLock;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// SHA-512's initial hash value (FIPS 180-4 §5.3.5).
pub const IV: [u64; 8] = [
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
pub(crate) const K: [u64; 80] = [
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

/// The sixteen big-endian message words of a block (the form
/// [`Engine::compress_words`] takes).
pub fn words(block: &[u8; 128]) -> [u64; 16] {
    let mut w = [0u64; 16];
    for (w, b) in w.iter_mut().zip(block.chunks_exact(8)) {
        let mut be = [0u8; 8];
        be.copy_from_slice(b);
        *w = u64::from_be_bytes(be);
    }
    w
}

/// The message schedule of one block with the round constants folded in:
/// `K[t] + W[t]` for t in 0..80. Wiped on drop (a block of SHA-crypt holds
/// password-derived bytes).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Schedule(pub(crate) [u64; 80]);

impl Schedule {
    /// Expands `block`'s message schedule.
    pub fn new(block: &[u8; 128]) -> Schedule {
        let mut w = [0u64; 80];
        for (w, x) in w.iter_mut().zip(words(block)) {
            *w = x;
        }
        for t in 16..80 {
            let at = |i: usize| w.get(t - i).copied().unwrap_or_default();
            let next = at(16).wrapping_add(small0(at(15))).wrapping_add(at(7)).wrapping_add(small1(at(2)));
            if let Some(slot) = w.get_mut(t) {
                *slot = next;
            }
        }
        for (w, k) in w.iter_mut().zip(K) {
            *w = w.wrapping_add(k);
        }
        Schedule(w)
    }
}

impl core::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Schedule(<redacted>)")
    }
}

/// σ0 of the message schedule.
pub(crate) fn small0(x: u64) -> u64 {
    x.rotate_right(1) ^ x.rotate_right(8) ^ (x >> 7)
}

/// σ1 of the message schedule.
pub(crate) fn small1(x: u64) -> u64 {
    x.rotate_right(19) ^ x.rotate_right(61) ^ (x >> 6)
}

/// One SHA-512 round on the named state words, `$kw` the round's
/// `K[t] + W[t]`: the new `e` is written into `$d`, the new `a` into `$h`
/// (the caller rotates the names). Shared by both paths, so the `avx2` path
/// differs only in the instructions its target features allow.
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

/// Eight rounds, names rotated back to where they started; `$kw(i)` gives
/// round i's `K + W` (i in 0..8 within the group).
macro_rules! eight_rounds {
    ($s:ident, $kw:expr) => {{
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = $s;
        round512!(a, b, c, d, e, f, g, h, $kw(0));
        round512!(h, a, b, c, d, e, f, g, $kw(1));
        round512!(g, h, a, b, c, d, e, f, $kw(2));
        round512!(f, g, h, a, b, c, d, e, $kw(3));
        round512!(e, f, g, h, a, b, c, d, $kw(4));
        round512!(d, e, f, g, h, a, b, c, $kw(5));
        round512!(c, d, e, f, g, h, a, b, $kw(6));
        round512!(b, c, d, e, f, g, h, a, $kw(7));
        $s = [a, b, c, d, e, f, g, h];
    }};
}
pub(crate) use {eight_rounds, round512};

/// A compression path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sha2`'s compression and safe scalar rounds; runs everywhere.
    Portable,
    /// AVX2 vector schedule and BMI2 rounds (x86-64).
    Avx2,
}

impl Backend {
    /// Every backend, slowest first.
    pub const ALL: [Backend; 2] = [Backend::Portable, Backend::Avx2];

    /// The name `REHASH_SHA512_BACKEND` uses.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::Avx2 => "avx2",
        }
    }

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        Engine::new(self).backend() == self
    }

    /// The backends this CPU can run, slowest first.
    pub fn available() -> Vec<Backend> {
        Backend::ALL.into_iter().filter(|b| b.is_available()).collect()
    }
}

/// A compression path this CPU can run: made by [`Engine::new`] or
/// [`Engine::selected`], which check the CPU once, so its methods dispatch
/// without looking again.
#[derive(Clone, Copy, Debug)]
pub struct Engine(Inner);

#[derive(Clone, Copy, Debug)]
enum Inner {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2(x86::Avx2Bmi2),
}

impl Engine {
    /// The engine for `backend`, or the portable one if this CPU lacks it.
    pub fn new(backend: Backend) -> Engine {
        match backend {
            Backend::Portable => Engine(Inner::Portable),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => Engine(x86::Avx2Bmi2::detect().map_or(Inner::Portable, Inner::Avx2)),
            #[cfg(not(target_arch = "x86_64"))]
            Backend::Avx2 => Engine(Inner::Portable),
        }
    }

    /// The engine hashes use by default, chosen once per process: the best
    /// this CPU has, or the one `REHASH_SHA512_BACKEND` names.
    pub fn selected() -> Engine {
        static SELECTED: OnceLock<Engine> = OnceLock::new();
        *SELECTED.get_or_init(|| Engine::choose(std::env::var("REHASH_SHA512_BACKEND").ok().as_deref()))
    }

    /// What [`Engine::selected`] picks for a given `REHASH_SHA512_BACKEND`
    /// value (unset, unknown values and `auto` mean the best available).
    pub fn choose(request: Option<&str>) -> Engine {
        match request.map(str::trim) {
            Some("portable") => Engine::new(Backend::Portable),
            _ => Engine::new(Backend::Avx2),
        }
    }

    /// The path this engine runs.
    pub fn backend(&self) -> Backend {
        match self.0 {
            Inner::Portable => Backend::Portable,
            #[cfg(target_arch = "x86_64")]
            Inner::Avx2(_) => Backend::Avx2,
        }
    }

    /// Compresses `blocks` into `state`, as `sha2::block_api::compress512`.
    pub fn compress(&self, state: &mut [u64; 8], blocks: &[[u8; 128]]) {
        match self.0 {
            Inner::Portable => sha2::block_api::compress512(state, blocks),
            #[cfg(target_arch = "x86_64")]
            Inner::Avx2(token) => token.compress(state, blocks),
        }
    }

    /// Compresses blocks given as their sixteen big-endian message words
    /// (`words[i]` = bytes `8i..8i+8` of the block read big-endian): the
    /// same as [`Engine::compress`] of those bytes, without serializing them
    /// (SHA-crypt writes each round's digest straight into the words).
    pub fn compress_words(&self, state: &mut [u64; 8], blocks: &[[u64; 16]]) {
        match self.0 {
            Inner::Portable => {
                let mut bytes = [0u8; 128];
                for block in blocks {
                    for (b, w) in bytes.chunks_exact_mut(8).zip(block) {
                        b.copy_from_slice(&w.to_be_bytes());
                    }
                    sha2::block_api::compress512(state, &[bytes]);
                }
                bytes.zeroize();
            }
            #[cfg(target_arch = "x86_64")]
            Inner::Avx2(token) => token.compress_words(state, blocks),
        }
    }

    /// Runs the 80 rounds of a block whose schedule is expanded and adds the
    /// result into `state`: the same as [`Engine::compress`] of that block.
    pub fn rounds(&self, state: &mut [u64; 8], schedule: &Schedule) {
        match self.0 {
            Inner::Portable => portable::rounds(state, &schedule.0),
            #[cfg(target_arch = "x86_64")]
            Inner::Avx2(token) => token.rounds(state, &schedule.0),
        }
    }
}
