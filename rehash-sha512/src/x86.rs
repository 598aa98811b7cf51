//! The `avx2` path: SHA-512's message schedule in 128-bit vectors
//! interleaved with scalar rounds compiled for BMI2.
//!
//! Why it is faster than the portable path although the rounds are the same
//! code: the rounds are bound by the four integer units (about 22 integer
//! operations a round). Expanding the schedule in scalar code adds ~13 more
//! per word; `sha2`'s own x86 path moves it to vectors but its rounds, built
//! without BMI2, copy every word before each of the six rotations
//! (`mov` + `ror`), and its SSE-encoded vector code copies registers too, so
//! the front end, not the units, becomes the limit. Here the rotations are
//! `rorx` (three operands), the vector code is VEX-encoded, and each pair of
//! schedule words is computed two rounds ahead of its use, so the vector
//! units run it while the integer units run the rounds.
//!
//! `unsafe` here is only the call of the `#[target_feature]` functions, sound
//! because an [`Avx2Bmi2`] token can only be made by run-time detection of
//! both features. The bodies are safe code: no pointer is read or written.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use crate::{eight_rounds, round512, words, K};

/// Proof that this CPU has AVX2 and BMI2: made only by [`Avx2Bmi2::detect`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2Bmi2(());

impl Avx2Bmi2 {
    /// `Some` when the CPU (and OS) support AVX2 and BMI2.
    pub(crate) fn detect() -> Option<Self> {
        (std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("bmi2"))
            .then_some(Avx2Bmi2(()))
    }

    /// [`crate::Engine::compress`] on this path.
    #[inline]
    pub(crate) fn compress(self, state: &mut [u64; 8], blocks: &[[u8; 128]]) {
        // SAFETY: an `Avx2Bmi2` exists only when `is_x86_feature_detected!`
        // found both AVX2 and BMI2, so this CPU runs every instruction
        // `compress_avx2` may contain.
        unsafe { compress_avx2(state, blocks) }
    }

    /// [`crate::Engine::compress_words`] on this path.
    #[inline]
    pub(crate) fn compress_words(self, state: &mut [u64; 8], blocks: &[[u64; 16]]) {
        // SAFETY: as in `compress`: the token proves AVX2 and BMI2.
        unsafe { compress_words_avx2(state, blocks) }
    }

    /// [`crate::Engine::rounds`] on this path.
    #[inline]
    pub(crate) fn rounds(self, state: &mut [u64; 8], kw: &[u64; 80]) {
        // SAFETY: as in `compress`: the token proves AVX2 and BMI2.
        unsafe { rounds_bmi2(state, kw) }
    }
}

#[target_feature(enable = "avx2,bmi2")]
fn rounds_bmi2(state: &mut [u64; 8], kw: &[u64; 80]) {
    crate::portable::rounds(state, kw);
}

#[target_feature(enable = "avx2,bmi2")]
fn compress_avx2(state: &mut [u64; 8], blocks: &[[u8; 128]]) {
    for block in blocks {
        compress_block(state, &words(block));
    }
}

#[target_feature(enable = "avx2,bmi2")]
fn compress_words_avx2(state: &mut [u64; 8], blocks: &[[u64; 16]]) {
    for block in blocks {
        compress_block(state, block);
    }
}

/// `(lo, hi)` as one vector.
#[inline]
#[target_feature(enable = "avx2,bmi2")]
fn pair(lo: u64, hi: u64) -> __m128i {
    _mm_set_epi64x(hi as i64, lo as i64)
}

/// `K[t], K[t + 1]` as one vector.
#[inline]
#[target_feature(enable = "avx2,bmi2")]
fn k_pair(t: usize) -> __m128i {
    pair(K.get(t).copied().unwrap_or_default(), K.get(t + 1).copied().unwrap_or_default())
}

/// σ0 on both words.
#[inline]
#[target_feature(enable = "avx2,bmi2")]
fn small0(x: __m128i) -> __m128i {
    let r1 = _mm_or_si128(_mm_srli_epi64::<1>(x), _mm_slli_epi64::<63>(x));
    let r8 = _mm_or_si128(_mm_srli_epi64::<8>(x), _mm_slli_epi64::<56>(x));
    _mm_xor_si128(_mm_xor_si128(r1, r8), _mm_srli_epi64::<7>(x))
}

/// σ1 on both words.
#[inline]
#[target_feature(enable = "avx2,bmi2")]
fn small1(x: __m128i) -> __m128i {
    let r19 = _mm_or_si128(_mm_srli_epi64::<19>(x), _mm_slli_epi64::<45>(x));
    let r61 = _mm_or_si128(_mm_srli_epi64::<61>(x), _mm_slli_epi64::<3>(x));
    _mm_xor_si128(_mm_xor_si128(r19, r61), _mm_srli_epi64::<6>(x))
}

/// The 16 schedule words W[t..t+16] as eight vectors `x[i] = (W[t+2i],
/// W[t+2i+1])`, and the next pair `(W[t+16], W[t+17])` from them:
/// σ1(W[t+14..16]) + W[t+9..11] + σ0(W[t+1..3]) + W[t..t+2].
#[inline]
#[target_feature(enable = "avx2,bmi2")]
fn next_pair(x0: __m128i, x1: __m128i, x4: __m128i, x5: __m128i, x7: __m128i) -> __m128i {
    let w9 = _mm_alignr_epi8::<8>(x5, x4);
    let w1 = _mm_alignr_epi8::<8>(x1, x0);
    _mm_add_epi64(_mm_add_epi64(small1(x7), w9), _mm_add_epi64(small0(w1), x0))
}

/// The low and high word of a vector.
#[inline]
#[target_feature(enable = "avx2,bmi2")]
fn split(v: __m128i) -> (u64, u64) {
    (_mm_cvtsi128_si64(v) as u64, _mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)) as u64)
}

#[inline]
#[target_feature(enable = "avx2,bmi2")]
fn compress_block(state: &mut [u64; 8], w: &[u64; 16]) {
    let mut x = [_mm_setzero_si128(); 8];
    // kw[j]: K + W of the round ≡ j (mod 16) coming next.
    let mut kw = [0u64; 16];
    for ((x, kw), (i, w)) in x.iter_mut().zip(kw.chunks_exact_mut(2)).zip(w.chunks_exact(2).enumerate()) {
        *x = pair(w.first().copied().unwrap_or_default(), w.get(1).copied().unwrap_or_default());
        let (lo, hi) = split(_mm_add_epi64(*x, k_pair(2 * i)));
        kw.copy_from_slice(&[lo, hi]);
    }
    // Pair k of a 16-round group starting at round t: the schedule pair
    // W[t+16+2k..] is computed from x before rounds t+2k and t+2k+1 run on
    // the kw slots it replaces, and stored after them.
    macro_rules! sched_pair {
        ($t:expr, $k:literal, [$a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident]) => {{
            let n = next_pair(x[$k], x[($k + 1) & 7], x[($k + 4) & 7], x[($k + 5) & 7], x[($k + 7) & 7]);
            x[$k] = n;
            let y = _mm_add_epi64(n, k_pair($t + 16 + 2 * $k));
            round512!($a, $b, $c, $d, $e, $f, $g, $h, kw[2 * $k]);
            round512!($h, $a, $b, $c, $d, $e, $f, $g, kw[2 * $k + 1]);
            let (lo, hi) = split(y);
            kw[2 * $k] = lo;
            kw[2 * $k + 1] = hi;
        }};
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for i in 0..4usize {
        let t = 16 * i;
        sched_pair!(t, 0, [a, b, c, d, e, f, g, h]);
        sched_pair!(t, 1, [g, h, a, b, c, d, e, f]);
        sched_pair!(t, 2, [e, f, g, h, a, b, c, d]);
        sched_pair!(t, 3, [c, d, e, f, g, h, a, b]);
        sched_pair!(t, 4, [a, b, c, d, e, f, g, h]);
        sched_pair!(t, 5, [g, h, a, b, c, d, e, f]);
        sched_pair!(t, 6, [e, f, g, h, a, b, c, d]);
        sched_pair!(t, 7, [c, d, e, f, g, h, a, b]);
    }
    let mut s = [a, b, c, d, e, f, g, h];
    eight_rounds!(s, |i: usize| kw.get(i).copied().unwrap_or_default());
    eight_rounds!(s, |i: usize| kw.get(8 + i).copied().unwrap_or_default());
    for (x, y) in state.iter_mut().zip(s) {
        *x = x.wrapping_add(y);
    }
}
