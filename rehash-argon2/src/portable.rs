//! The portable block compression G: plain 64-bit integer code, the
//! reference every SIMD path is tested against.

use crate::block::{Block, WORDS};

/// BlaMka's multiply-add: `x + y + 2 * lo32(x) * lo32(y)` (mod 2^64).
#[inline(always)]
fn fbla(x: u64, y: u64) -> u64 {
    let m = (x & 0xffff_ffff).wrapping_mul(y & 0xffff_ffff);
    x.wrapping_add(y).wrapping_add(m.wrapping_mul(2))
}

/// Argon2's GB on four words of `v`.
#[inline(always)]
fn gb(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize) {
    v[a] = fbla(v[a], v[b]);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = fbla(v[c], v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = fbla(v[a], v[b]);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = fbla(v[c], v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// The permutation P: one BLAKE2b round without message words.
#[inline(always)]
fn p(v: &mut [u64; 16]) {
    gb(v, 0, 4, 8, 12);
    gb(v, 1, 5, 9, 13);
    gb(v, 2, 6, 10, 14);
    gb(v, 3, 7, 11, 15);
    gb(v, 0, 5, 10, 15);
    gb(v, 1, 6, 11, 12);
    gb(v, 2, 7, 8, 13);
    gb(v, 3, 4, 9, 14);
}

/// `next = G(prev, refb)`, or `next ^= G(prev, refb)` when `xor`.
///
/// G: R = prev ^ refb; P on each row of sixteen words (R viewed as an 8 × 8
/// matrix of 16-byte registers), then on each column; the result XORed with R.
pub(crate) fn compress(prev: &Block, refb: &Block, next: &mut Block, xor: bool) {
    let mut r = [0u64; WORDS];
    for ((r, a), b) in r.iter_mut().zip(prev.0.iter()).zip(refb.0.iter()) {
        *r = a ^ b;
    }
    let mut q = r;
    for row in 0..8 {
        let mut v = [0u64; 16];
        v.copy_from_slice(&q[16 * row..16 * row + 16]);
        p(&mut v);
        q[16 * row..16 * row + 16].copy_from_slice(&v);
    }
    for col in 0..8 {
        let mut v = [0u64; 16];
        for k in 0..8 {
            v[2 * k] = q[2 * col + 16 * k];
            v[2 * k + 1] = q[2 * col + 16 * k + 1];
        }
        p(&mut v);
        for k in 0..8 {
            q[2 * col + 16 * k] = v[2 * k];
            q[2 * col + 16 * k + 1] = v[2 * k + 1];
        }
    }
    for ((n, q), r) in next.0.iter_mut().zip(q.iter()).zip(r.iter()) {
        *n = if xor { *n ^ q ^ r } else { q ^ r };
    }
}
