//! Block compression with explicit AVX2 and AVX-512F vectors.
//!
//! This module is the only place in rehash-argon2 with `unsafe`:
//! calling a `#[target_feature]` function (sound only on a CPU that has the
//! feature, which the [`Avx2`] / [`Avx512`] tokens prove: they can only be
//! made by run-time detection) and unaligned vector loads and stores inside a
//! [`Block`] (in bounds by construction: a block is 1024 bytes, exactly 32
//! 256-bit or 16 512-bit vectors).
//!
//! Layout. A block is 128 words `v[0..128]`; Argon2 views it as an 8 × 8
//! matrix of 16-byte registers and applies the permutation P to each row
//! (words `16a..16a+16`) and then to each column (words `2b, 2b+1, 2b+16,
//! 2b+17, …`). P is one BLAKE2b round: GB on four "columns" (lanes g = 0..3 of
//! the roles A = P-words 0..3, B = 4..7, C = 8..11, D = 12..15), then on the
//! four diagonals (B, C, D rotated by 1, 2, 3 lanes).
//!
//! * Rows, AVX2: one row is four vectors A, B, C, D in natural order; the
//!   diagonal step rotates B, C, D with `vpermq`.
//! * Rows, AVX-512: two rows share a set of four vectors (`vshufi64x2` builds
//!   them, each 256-bit half holds one row); rotation is `vpermq` within halves.
//! * Columns (both): the natural vectors already hold a column's words in
//!   pairs — the vector of row-pair words `(a, b, e)` carries role
//!   `⌊a/2⌋`, lanes g = `2(a mod 2) + e`, for two (AVX2) or four (AVX-512)
//!   columns side by side — so the column step needs no shuffle at all; the
//!   diagonal step exchanges 64-bit halves between the two vectors of a role
//!   (B and D: `[x1, y0]` / `[y1, x0]` per 128-bit lane), and swaps C's two
//!   vectors by name.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86")]
use core::arch::x86::*;
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

use crate::block::Block;
use crate::fill::Compress;

/// Proof that this CPU has AVX2: made only by [`Avx2::detect`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// `Some` when the CPU (and OS) support AVX2.
    pub(crate) fn detect() -> Option<Self> {
        std::is_x86_feature_detected!("avx2").then_some(Avx2(()))
    }
}

impl Compress for Avx2 {
    #[inline]
    fn compress(&self, prev: &Block, refb: &Block, next: &mut Block, xor: bool) {
        // SAFETY: an `Avx2` exists only when `is_x86_feature_detected!("avx2")`
        // returned true, so the AVX2 instructions in `compress_avx2` are
        // supported by this CPU.
        unsafe { compress_avx2(prev, refb, next, xor) }
    }
}

/// Proof that this CPU has AVX-512F: made only by [`Avx512::detect`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// `Some` when the CPU (and OS) support AVX-512F.
    pub(crate) fn detect() -> Option<Self> {
        std::is_x86_feature_detected!("avx512f").then_some(Avx512(()))
    }
}

impl Compress for Avx512 {
    #[inline]
    fn compress(&self, prev: &Block, refb: &Block, next: &mut Block, xor: bool) {
        // SAFETY: an `Avx512` exists only when
        // `is_x86_feature_detected!("avx512f")` returned true.
        unsafe { compress_avx512(prev, refb, next, xor) }
    }
}

// ---------------------------------------------------------------- AVX2

/// GB on four lanes of vectors: `x + y + 2·lo(x)·lo(y)`, rotations by
/// 32 (dword shuffle), 24 and 16 (byte shuffles) and 63 (shift/add).
macro_rules! g_avx2 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $r24:ident, $r16:ident) => {
        $a = bla256($a, $b);
        $d = _mm256_shuffle_epi32::<0b10_11_00_01>(_mm256_xor_si256($d, $a));
        $c = bla256($c, $d);
        $b = _mm256_shuffle_epi8(_mm256_xor_si256($b, $c), $r24);
        $a = bla256($a, $b);
        $d = _mm256_shuffle_epi8(_mm256_xor_si256($d, $a), $r16);
        $c = bla256($c, $d);
        let t = _mm256_xor_si256($b, $c);
        $b = _mm256_xor_si256(_mm256_srli_epi64::<63>(t), _mm256_add_epi64(t, t));
    };
}

#[inline]
#[target_feature(enable = "avx2")]
fn bla256(x: __m256i, y: __m256i) -> __m256i {
    let m = _mm256_mul_epu32(x, y);
    _mm256_add_epi64(_mm256_add_epi64(x, y), _mm256_add_epi64(m, m))
}

/// Per 128-bit lane, `[lo.hi, hi.lo]`: the 64-bit word exchange of the column
/// diagonal step.
#[inline]
#[target_feature(enable = "avx2")]
fn cross256(hi: __m256i, lo: __m256i) -> __m256i {
    _mm256_alignr_epi8::<8>(hi, lo)
}

#[target_feature(enable = "avx2")]
fn compress_avx2(prev: &Block, refb: &Block, next: &mut Block, xor: bool) {
    let r24 = _mm256_setr_epi8(
        3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8,
        9, 10,
    );
    let r16 = _mm256_setr_epi8(
        2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15,
        8, 9,
    );
    let pp = prev.0.as_ptr().cast::<__m256i>();
    let rp = refb.0.as_ptr().cast::<__m256i>();
    let mut r = [_mm256_setzero_si256(); 32];
    for (i, r) in r.iter_mut().enumerate() {
        // SAFETY: a Block is 128 u64 = 32 × 32 bytes and i < 32, so both
        // 32-byte reads are inside the blocks; loadu has no alignment needs.
        *r = unsafe { _mm256_xor_si256(_mm256_loadu_si256(pp.add(i)), _mm256_loadu_si256(rp.add(i))) };
    }
    let mut q = r;
    // Rows: q[4a..4a+4] = A, B, C, D of row a.
    for row in q.chunks_exact_mut(4) {
        let [mut a, mut b, mut c, mut d] = [row[0], row[1], row[2], row[3]];
        g_avx2!(a, b, c, d, r24, r16);
        b = _mm256_permute4x64_epi64::<0b00_11_10_01>(b);
        c = _mm256_permute4x64_epi64::<0b01_00_11_10>(c);
        d = _mm256_permute4x64_epi64::<0b10_01_00_11>(d);
        g_avx2!(a, b, c, d, r24, r16);
        b = _mm256_permute4x64_epi64::<0b10_01_00_11>(b);
        c = _mm256_permute4x64_epi64::<0b01_00_11_10>(c);
        d = _mm256_permute4x64_epi64::<0b00_11_10_01>(d);
        row.copy_from_slice(&[a, b, c, d]);
    }
    // Columns 2k and 2k+1: roles A = (q[k], q[4+k]), B = (q[8+k], q[12+k]),
    // C = (q[16+k], q[20+k]), D = (q[24+k], q[28+k]).
    for k in 0..4 {
        let (mut a0, mut a1, mut b0, mut b1) = (q[k], q[4 + k], q[8 + k], q[12 + k]);
        let (mut c0, mut c1, mut d0, mut d1) = (q[16 + k], q[20 + k], q[24 + k], q[28 + k]);
        g_avx2!(a0, b0, c0, d0, r24, r16);
        g_avx2!(a1, b1, c1, d1, r24, r16);
        (b0, b1) = (cross256(b1, b0), cross256(b0, b1));
        (c0, c1) = (c1, c0);
        (d0, d1) = (cross256(d0, d1), cross256(d1, d0));
        g_avx2!(a0, b0, c0, d0, r24, r16);
        g_avx2!(a1, b1, c1, d1, r24, r16);
        (b0, b1) = (cross256(b0, b1), cross256(b1, b0));
        (c0, c1) = (c1, c0);
        (d0, d1) = (cross256(d1, d0), cross256(d0, d1));
        (q[k], q[4 + k], q[8 + k], q[12 + k]) = (a0, a1, b0, b1);
        (q[16 + k], q[20 + k], q[24 + k], q[28 + k]) = (c0, c1, d0, d1);
    }
    let np = next.0.as_mut_ptr().cast::<__m256i>();
    for (i, (q, r)) in q.iter().zip(r.iter()).enumerate() {
        let mut z = _mm256_xor_si256(*q, *r);
        // SAFETY: i < 32, so the 32-byte access is inside `next` (1024 bytes);
        // `next` is a unique borrow, so nothing else reads or writes it.
        unsafe {
            if xor {
                z = _mm256_xor_si256(z, _mm256_loadu_si256(np.add(i)));
            }
            _mm256_storeu_si256(np.add(i), z);
        }
    }
}

// ------------------------------------------------------------- AVX-512F

macro_rules! g_avx512 {
    ($a:ident, $b:ident, $c:ident, $d:ident) => {
        $a = bla512($a, $b);
        $d = _mm512_ror_epi64::<32>(_mm512_xor_si512($d, $a));
        $c = bla512($c, $d);
        $b = _mm512_ror_epi64::<24>(_mm512_xor_si512($b, $c));
        $a = bla512($a, $b);
        $d = _mm512_ror_epi64::<16>(_mm512_xor_si512($d, $a));
        $c = bla512($c, $d);
        $b = _mm512_ror_epi64::<63>(_mm512_xor_si512($b, $c));
    };
}

#[inline]
#[target_feature(enable = "avx512f")]
fn bla512(x: __m512i, y: __m512i) -> __m512i {
    let m = _mm512_mul_epu32(x, y);
    _mm512_add_epi64(_mm512_add_epi64(x, y), _mm512_add_epi64(m, m))
}

/// Per 128-bit lane, `[lo.hi, hi.lo]` (AVX-512F only: swap the two words of
/// each lane, then blend).
#[inline]
#[target_feature(enable = "avx512f")]
fn cross512(hi: __m512i, lo: __m512i) -> __m512i {
    let lo_s = _mm512_shuffle_epi32::<_MM_PERM_BADC>(lo);
    let hi_s = _mm512_shuffle_epi32::<_MM_PERM_BADC>(hi);
    _mm512_mask_blend_epi64(0b1010_1010, lo_s, hi_s)
}

#[target_feature(enable = "avx512f")]
fn compress_avx512(prev: &Block, refb: &Block, next: &mut Block, xor: bool) {
    let pp = prev.0.as_ptr().cast::<__m512i>();
    let rp = refb.0.as_ptr().cast::<__m512i>();
    let mut r = [_mm512_setzero_si512(); 16];
    for (i, r) in r.iter_mut().enumerate() {
        // SAFETY: a Block is 16 × 64 bytes and i < 16: both reads are inside
        // the blocks; loadu has no alignment requirement.
        *r = unsafe { _mm512_xor_si512(_mm512_loadu_si512(pp.add(i)), _mm512_loadu_si512(rp.add(i))) };
    }
    let mut q = r;
    // Rows a, a+1: q[2a] = A|B of row a, q[2a+1] = C|D of row a (256-bit
    // halves); each set holds row a in its low half and row a+1 in its high.
    for rows in q.chunks_exact_mut(4) {
        let (z0, z1, z2, z3) = (rows[0], rows[1], rows[2], rows[3]);
        let mut a = _mm512_shuffle_i64x2::<0x44>(z0, z2);
        let mut b = _mm512_shuffle_i64x2::<0xEE>(z0, z2);
        let mut c = _mm512_shuffle_i64x2::<0x44>(z1, z3);
        let mut d = _mm512_shuffle_i64x2::<0xEE>(z1, z3);
        g_avx512!(a, b, c, d);
        b = _mm512_permutex_epi64::<0b00_11_10_01>(b);
        c = _mm512_permutex_epi64::<0b01_00_11_10>(c);
        d = _mm512_permutex_epi64::<0b10_01_00_11>(d);
        g_avx512!(a, b, c, d);
        b = _mm512_permutex_epi64::<0b10_01_00_11>(b);
        c = _mm512_permutex_epi64::<0b01_00_11_10>(c);
        d = _mm512_permutex_epi64::<0b00_11_10_01>(d);
        rows[0] = _mm512_shuffle_i64x2::<0x44>(a, b);
        rows[2] = _mm512_shuffle_i64x2::<0xEE>(a, b);
        rows[1] = _mm512_shuffle_i64x2::<0x44>(c, d);
        rows[3] = _mm512_shuffle_i64x2::<0xEE>(c, d);
    }
    // Columns 4h..4h+4: roles A = (q[h], q[2+h]), B = (q[4+h], q[6+h]),
    // C = (q[8+h], q[10+h]), D = (q[12+h], q[14+h]).
    for h in 0..2 {
        let (mut a0, mut a1, mut b0, mut b1) = (q[h], q[2 + h], q[4 + h], q[6 + h]);
        let (mut c0, mut c1, mut d0, mut d1) = (q[8 + h], q[10 + h], q[12 + h], q[14 + h]);
        g_avx512!(a0, b0, c0, d0);
        g_avx512!(a1, b1, c1, d1);
        (b0, b1) = (cross512(b1, b0), cross512(b0, b1));
        (c0, c1) = (c1, c0);
        (d0, d1) = (cross512(d0, d1), cross512(d1, d0));
        g_avx512!(a0, b0, c0, d0);
        g_avx512!(a1, b1, c1, d1);
        (b0, b1) = (cross512(b0, b1), cross512(b1, b0));
        (c0, c1) = (c1, c0);
        (d0, d1) = (cross512(d1, d0), cross512(d0, d1));
        (q[h], q[2 + h], q[4 + h], q[6 + h]) = (a0, a1, b0, b1);
        (q[8 + h], q[10 + h], q[12 + h], q[14 + h]) = (c0, c1, d0, d1);
    }
    let np = next.0.as_mut_ptr().cast::<__m512i>();
    for (i, (q, r)) in q.iter().zip(r.iter()).enumerate() {
        let mut z = _mm512_xor_si512(*q, *r);
        // SAFETY: i < 16, so the 64-byte access is inside `next`, which is a
        // unique borrow.
        unsafe {
            if xor {
                z = _mm512_xor_si512(z, _mm512_loadu_si512(np.add(i)));
            }
            _mm512_storeu_si512(np.add(i), z);
        }
    }
}
