//! scrypt (RFC 7914) with its working memory pooled across calls.
//!
//! Why not the `scrypt` crate's `scrypt()`: it allocates (and the kernel
//! faults in) its N·128·r-byte V on every call — 128 MiB at the OWASP floor,
//! ~60 ms of page faults per login on the VM BENCHMARKS.md names — and its
//! SSE2 Salsa20/8 emulates each 32-bit rotation with three vector
//! instructions, while scalar code has a native rotate. Here V comes from a
//! small pool (wiped before it is returned), and Salsa20/8 is plain scalar
//! Rust. The crate's `Params::new` still validates the parameters, and the
//! tests compare this core with the crate (property test) and RFC 7914 §12.

use super::pool::Pool;

use zeroize::{Zeroize as _, Zeroizing};

use super::prf::Prf;

/// The Salsa20 core (RFC 7914 §3) with `double_rounds` double rounds and
/// the feed-forward, on one 64-byte block in place: 4 for scrypt's
/// Salsa20/8, 1 for yescrypt's Salsa20/2 (`super::yescrypt`).
pub(super) fn salsa20_core(b: &mut [u32; 16], double_rounds: usize) {
    let mut x = *b;
    macro_rules! q {
        ($a:expr, $b:expr, $c:expr, $d:expr) => {
            x[$b] ^= x[$a].wrapping_add(x[$d]).rotate_left(7);
            x[$c] ^= x[$b].wrapping_add(x[$a]).rotate_left(9);
            x[$d] ^= x[$c].wrapping_add(x[$b]).rotate_left(13);
            x[$a] ^= x[$d].wrapping_add(x[$c]).rotate_left(18);
        };
    }
    for _ in 0..double_rounds {
        // Columns, then rows.
        q!(0, 4, 8, 12);
        q!(5, 9, 13, 1);
        q!(10, 14, 2, 6);
        q!(15, 3, 7, 11);
        q!(0, 1, 2, 3);
        q!(5, 6, 7, 4);
        q!(10, 11, 8, 9);
        q!(15, 12, 13, 14);
    }
    for (b, x) in b.iter_mut().zip(x.iter()) {
        *b = b.wrapping_add(*x);
    }
}

/// Salsa20/8 (RFC 7914 §3) on one 64-byte block, in place.
#[inline(always)]
fn salsa20_8(b: &mut [u32; 16]) {
    salsa20_core(b, 4);
}

/// BlockMix (RFC 7914 §4): `out` = the 2r Salsa20/8 outputs of `input`,
/// even-indexed ones first.
fn block_mix(input: &[[u32; 16]], out: &mut [[u32; 16]]) {
    let r = input.len() / 2;
    let mut x = input.last().copied().unwrap_or([0; 16]);
    for (i, block) in input.iter().enumerate() {
        for (x, b) in x.iter_mut().zip(block.iter()) {
            *x ^= b;
        }
        salsa20_8(&mut x);
        let dst = if i % 2 == 0 { i / 2 } else { r + i / 2 };
        if let Some(o) = out.get_mut(dst) {
            *o = x;
        }
    }
    x.zeroize();
}

/// ROMix (RFC 7914 §5) of `b` (2r blocks) with `v` (N·2r blocks) and a
/// scratch of 2r blocks.
fn ro_mix(b: &mut [[u32; 16]], v: &mut [[u32; 16]], scratch: &mut [[u32; 16]], n: usize) {
    let len = b.len();
    for chunk in v.chunks_exact_mut(len).take(n) {
        chunk.copy_from_slice(b);
        block_mix(chunk, b);
    }
    for _ in 0..n {
        // Integerify: the last block's first 64 bits (little-endian), mod N
        // (a power of 2).
        let j = b.last().map_or(0, |last| (u64::from(last[0]) | u64::from(last[1]) << 32) as usize) & (n - 1);
        if let Some(vj) = v.get(j * len..(j + 1) * len) {
            for (s, (x, y)) in scratch.iter_mut().zip(b.iter().zip(vj.iter())) {
                for ((s, x), y) in s.iter_mut().zip(x.iter()).zip(y.iter()) {
                    *s = x ^ y;
                }
            }
        }
        block_mix(scratch, b);
    }
}

/// V arrays kept for reuse (each up to the ceiling's size; a login server
/// verifies few scrypt hashes at once): at most 4.
static POOL: Pool<Vec<[u32; 16]>> = Pool::new(4);

/// scrypt(password, salt, N = 2^log_n, r, p) into `out`. The parameters
/// must have passed `scrypt::Params::new` and the ceilings.
pub(crate) fn scrypt(password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32, out: &mut [u8]) {
    let (n, r2) = (1usize << log_n, 2 * r as usize);
    let mut bytes = Zeroizing::new(vec![0u8; 128 * r as usize * p as usize]);
    Prf::Sha256.derive(password, salt, 1, &mut bytes);
    let mut b: Zeroizing<Vec<[u32; 16]>> = Zeroizing::new(
        bytes
            .as_chunks::<64>()
            .0
            .iter()
            .map(|c| {
                let (words, _) = c.as_chunks::<4>();
                core::array::from_fn(|i| words.get(i).map_or(0, |w| u32::from_le_bytes(*w)))
            })
            .collect(),
    );
    let need = n * r2;
    let mut v = POOL.take(need, Vec::len).unwrap_or_else(|| vec![[0u32; 16]; need]);
    let mut scratch = Zeroizing::new(vec![[0u32; 16]; r2]);
    for chunk in b.chunks_exact_mut(r2) {
        ro_mix(chunk, &mut v, &mut scratch, n);
    }
    // V holds password-derived blocks: wipe before anyone else gets it.
    v.iter_mut().take(need).for_each(|blk| blk.zeroize());
    POOL.give_back(v);
    for (c, w) in bytes.chunks_exact_mut(64).zip(b.iter()) {
        for (d, x) in c.chunks_exact_mut(4).zip(w.iter()) {
            d.copy_from_slice(&x.to_le_bytes());
        }
    }
    Prf::Sha256.derive(password, &bytes, 1, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theirs(pw: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        scrypt::scrypt(pw, salt, &scrypt::Params::new(log_n, r, p).expect("params"), &mut out)
            .expect("scrypt");
        out
    }

    #[test]
    fn rfc7914_vectors() {
        // §12: scrypt("password", "NaCl", N=1024, r=8, p=16, 64).
        let mut out = [0u8; 64];
        scrypt(b"password", b"NaCl", 10, 8, 16, &mut out);
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
        );
        // scrypt("", "", N=16, r=1, p=1, 64).
        scrypt(b"", b"", 4, 1, 1, &mut out);
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Against the `scrypt` crate, over small parameters and any input.
        #[test]
        fn matches_the_scrypt_crate(
            pw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            salt in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            log_n in 1u8..9,
            r in 1u32..5,
            p in 1u32..4,
            len in 1usize..80,
        ) {
            let mut ours = vec![0u8; len];
            scrypt(&pw, &salt, log_n, r, p, &mut ours);
            proptest::prop_assert_eq!(ours, theirs(&pw, &salt, log_n, r, p, len));
        }
    }
}
