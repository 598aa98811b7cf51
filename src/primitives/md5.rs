//! MD5's block compression (RFC 1321), tuned for latency, and [`Plan`]: a
//! message hashed again and again with only a 16-byte digest slot changing,
//! as the iterated MD5 schemes do (md5-crypt and apr1, Sun MD5 crypt,
//! phpass).
//!
//! Why not `md5::block_api::compress`: those schemes hash one message after
//! another, each depending on the digest before it, so nothing runs in
//! parallel and the time of a verify is the length of MD5's dependency chain
//! — 64 steps, each `a = b + rotl(a + f(b, c, d) + K + M, s)`, where only
//! `b` (the previous step's result) arrives late. Each step here is written
//! so that every operand but `b` is folded in before `b` is ready:
//!
//! * `a + K + M` (and in the G steps `c & !d`) is summed while the step
//!   before still runs;
//! * F is `((c ^ d) & b) ^ d` (two operations after `b`, and `c ^ d` is
//!   ready early); `md-5`'s `(b & c) | (!b & d)` needs a `not` on `b` first
//!   on x86-64 without BMI1 (three operations);
//! * G is `(b & d) + (c & !d)` as two separate additions (the masks are
//!   disjoint), so one operation after `b` and then the add;
//! * H is `b ^ (c ^ d)`, I is `(b | !d) ^ c`, with `c ^ d` and `!d` early.
//!
//! The chain is then 5 + 4 + 4 + 5 operations per four steps for F, G, H, I
//! (`and`/`xor`, add, rotate, add), against 6 + 5 + 4 + 5 otherwise. The
//! compression also takes the block as sixteen little-endian words, so a
//! caller can keep its message in words and only write the four digest
//! words per iteration (no byte round trip). Tested against `md-5` and the
//! RFC 1321 suite (`tests` below).

use zeroize::Zeroizing;

/// MD5's initial state (RFC 1321 §3.3).
pub(crate) const IV: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// MD5's step constants, `floor(2^32 * |sin(i + 1)|)` (RFC 1321 §3.4).
#[rustfmt::skip]
static K: [u32; 64] = [
    0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
    0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
    0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
    0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
    0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
    0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
    0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
    0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
];

/// One step: `$a = $b + rotl($a + K + M + f($b, $c, $d), $s)`. Everything
/// but `$b` is summed first (`pre`), so the late `$b` meets one or two
/// logic operations, one add, the rotate and the final add.
macro_rules! step {
    (F, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {{
        let pre = $a.wrapping_add($k).wrapping_add($m);
        let cd = $c ^ $d;
        let f = (cd & $b) ^ $d;
        $a = pre.wrapping_add(f).rotate_left($s).wrapping_add($b);
    }};
    (G, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {{
        // (b & d) | (c & !d): the two masks are disjoint, so `|` is `+`,
        // and the half without `b` joins the early sum.
        let pre = $a.wrapping_add($k).wrapping_add($m).wrapping_add($c & !$d);
        $a = pre.wrapping_add($b & $d).rotate_left($s).wrapping_add($b);
    }};
    (H, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {{
        let pre = $a.wrapping_add($k).wrapping_add($m);
        let cd = $c ^ $d;
        $a = pre.wrapping_add(cd ^ $b).rotate_left($s).wrapping_add($b);
    }};
    (I, $a:ident, $b:ident, $c:ident, $d:ident, $m:expr, $k:expr, $s:expr) => {{
        let pre = $a.wrapping_add($k).wrapping_add($m);
        let nd = !$d;
        $a = pre.wrapping_add(($b | nd) ^ $c).rotate_left($s).wrapping_add($b);
    }};
}

/// Compresses one block given as its sixteen little-endian message words
/// (`m[i]` = bytes `4i..4i+4` read little-endian) into `state`.
// Fully unrolled: the step functions, rotations and message indices are
// constants, the words are locals (no indexing, no bounds checks).
#[inline]
pub(crate) fn compress_words(state: &mut [u32; 4], m: &[u32; 16]) {
    let [m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15] = *m;
    let [mut a, mut b, mut c, mut d] = *state;
    // The constants through an opaque reference: as immediates, LLVM's
    // canonicalization moves every `+ K` to the outermost add, after
    // f(b, c, d), which puts it on the chain (one more cycle per step).
    let k: &[u32; 64] = core::hint::black_box(&K);

    step!(F, a, b, c, d, m0, k[0], 7);
    step!(F, d, a, b, c, m1, k[1], 12);
    step!(F, c, d, a, b, m2, k[2], 17);
    step!(F, b, c, d, a, m3, k[3], 22);
    step!(F, a, b, c, d, m4, k[4], 7);
    step!(F, d, a, b, c, m5, k[5], 12);
    step!(F, c, d, a, b, m6, k[6], 17);
    step!(F, b, c, d, a, m7, k[7], 22);
    step!(F, a, b, c, d, m8, k[8], 7);
    step!(F, d, a, b, c, m9, k[9], 12);
    step!(F, c, d, a, b, m10, k[10], 17);
    step!(F, b, c, d, a, m11, k[11], 22);
    step!(F, a, b, c, d, m12, k[12], 7);
    step!(F, d, a, b, c, m13, k[13], 12);
    step!(F, c, d, a, b, m14, k[14], 17);
    step!(F, b, c, d, a, m15, k[15], 22);

    step!(G, a, b, c, d, m1, k[16], 5);
    step!(G, d, a, b, c, m6, k[17], 9);
    step!(G, c, d, a, b, m11, k[18], 14);
    step!(G, b, c, d, a, m0, k[19], 20);
    step!(G, a, b, c, d, m5, k[20], 5);
    step!(G, d, a, b, c, m10, k[21], 9);
    step!(G, c, d, a, b, m15, k[22], 14);
    step!(G, b, c, d, a, m4, k[23], 20);
    step!(G, a, b, c, d, m9, k[24], 5);
    step!(G, d, a, b, c, m14, k[25], 9);
    step!(G, c, d, a, b, m3, k[26], 14);
    step!(G, b, c, d, a, m8, k[27], 20);
    step!(G, a, b, c, d, m13, k[28], 5);
    step!(G, d, a, b, c, m2, k[29], 9);
    step!(G, c, d, a, b, m7, k[30], 14);
    step!(G, b, c, d, a, m12, k[31], 20);

    step!(H, a, b, c, d, m5, k[32], 4);
    step!(H, d, a, b, c, m8, k[33], 11);
    step!(H, c, d, a, b, m11, k[34], 16);
    step!(H, b, c, d, a, m14, k[35], 23);
    step!(H, a, b, c, d, m1, k[36], 4);
    step!(H, d, a, b, c, m4, k[37], 11);
    step!(H, c, d, a, b, m7, k[38], 16);
    step!(H, b, c, d, a, m10, k[39], 23);
    step!(H, a, b, c, d, m13, k[40], 4);
    step!(H, d, a, b, c, m0, k[41], 11);
    step!(H, c, d, a, b, m3, k[42], 16);
    step!(H, b, c, d, a, m6, k[43], 23);
    step!(H, a, b, c, d, m9, k[44], 4);
    step!(H, d, a, b, c, m12, k[45], 11);
    step!(H, c, d, a, b, m15, k[46], 16);
    step!(H, b, c, d, a, m2, k[47], 23);

    step!(I, a, b, c, d, m0, k[48], 6);
    step!(I, d, a, b, c, m7, k[49], 10);
    step!(I, c, d, a, b, m14, k[50], 15);
    step!(I, b, c, d, a, m5, k[51], 21);
    step!(I, a, b, c, d, m12, k[52], 6);
    step!(I, d, a, b, c, m3, k[53], 10);
    step!(I, c, d, a, b, m10, k[54], 15);
    step!(I, b, c, d, a, m1, k[55], 21);
    step!(I, a, b, c, d, m8, k[56], 6);
    step!(I, d, a, b, c, m15, k[57], 10);
    step!(I, c, d, a, b, m6, k[58], 15);
    step!(I, b, c, d, a, m13, k[59], 21);
    step!(I, a, b, c, d, m4, k[60], 6);
    step!(I, d, a, b, c, m11, k[61], 10);
    step!(I, c, d, a, b, m2, k[62], 15);
    step!(I, b, c, d, a, m9, k[63], 21);

    let [sa, sb, sc, sd] = state;
    *sa = sa.wrapping_add(a);
    *sb = sb.wrapping_add(b);
    *sc = sc.wrapping_add(c);
    *sd = sd.wrapping_add(d);
}

/// The sixteen little-endian message words of a block (the form
/// [`compress_words`] takes).
pub(crate) fn words(block: &[u8; 64]) -> [u32; 16] {
    let mut w = [0u32; 16];
    for (w, b) in w.iter_mut().zip(block.chunks_exact(4)) {
        let mut le = [0u8; 4];
        le.copy_from_slice(b);
        *w = u32::from_le_bytes(le);
    }
    w
}

/// Compresses `blocks` into `state`: the same as `md5::block_api::compress`.
pub(crate) fn compress(state: &mut [u32; 4], blocks: &[[u8; 64]]) {
    for block in blocks {
        let w = Zeroizing::new(words(block));
        compress_words(state, &w);
    }
}

/// `msg` with MD5's padding appended: `0x80`, zeros up to 56 mod 64, and the
/// length in bits, little-endian.
pub(crate) fn pad(msg: &mut Vec<u8>) {
    let bits = (msg.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_le_bytes());
}

/// The 16-byte digest of a state.
pub(crate) fn digest_bytes(state: &[u32; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// The state words of a 16-byte digest (the inverse of [`digest_bytes`]).
pub(crate) fn digest_words(digest: &[u8; 16]) -> [u32; 4] {
    let mut out = [0u32; 4];
    for (w, b) in out.iter_mut().zip(digest.chunks_exact(4)) {
        let mut le = [0u8; 4];
        le.copy_from_slice(b);
        *w = u32::from_le_bytes(le);
    }
    out
}

/// A padded message hashed many times with a previous digest C written into
/// a fixed 16-byte slot each time (and, for Sun MD5 crypt, a few more bytes
/// rewritten with [`Plan::set_bytes`]). The blocks before the slot are
/// constant, so they are compressed once and their result is where every
/// hash starts; the rest is kept as message words, so C's state words go in
/// with shifts and masks instead of a byte round trip.
pub(crate) struct Plan {
    /// State after the constant blocks before C.
    start: [u32; 4],
    /// The message words from the block holding C's first byte to the end.
    blocks: Zeroizing<Vec<[u32; 16]>>,
    /// Byte offset of C in `blocks`.
    c_at: usize,
    /// Bytes of the message before `blocks` (the constant blocks).
    skipped: usize,
}

impl Plan {
    /// `padded` is the whole message, already padded ([`pad`]), with C's
    /// slot at byte `c_at` (its 16 bytes are overwritten by every hash).
    pub(crate) fn new(padded: &[u8], c_at: usize) -> Plan {
        let (blocks, _) = padded.as_chunks::<64>();
        let first = (c_at / 64).min(blocks.len());
        let mut start = IV;
        compress(&mut start, blocks.get(..first).unwrap_or_default());
        let rest = blocks.get(first..).unwrap_or_default().iter().map(words).collect();
        Plan { start, blocks: Zeroizing::new(rest), c_at: c_at - first * 64, skipped: first * 64 }
    }

    /// Overwrites the message bytes at `at` (an offset in the whole padded
    /// message, at or after the block that holds C) with `bytes`.
    pub(crate) fn set_bytes(&mut self, at: usize, bytes: &[u8]) {
        let Some(rel) = at.checked_sub(self.skipped) else { return };
        let flat = self.blocks.as_flattened_mut();
        for (i, &byte) in bytes.iter().enumerate() {
            let pos = rel + i;
            if let Some(w) = flat.get_mut(pos / 4) {
                let s = 8 * (pos % 4) as u32;
                *w = (*w & !(0xff << s)) | (u32::from(byte) << s);
            }
        }
    }

    /// Hashes the message with C (as the four state words of its digest) in
    /// its slot; the digest replaces `c`.
    pub(crate) fn hash(&mut self, c: &mut [u32; 4]) {
        let flat = self.blocks.as_flattened_mut();
        let (q, r) = (self.c_at / 4, self.c_at % 4);
        if r == 0 {
            if let Some(slot) = flat.get_mut(q..q + 4) {
                slot.copy_from_slice(c);
            }
        } else if let Some([head, mid @ .., tail]) = flat.get_mut(q..q + 5) {
            // C starts r bytes into word q: that word keeps its low r bytes,
            // word q + 4 its high 4 - r, the three between are C's words
            // shifted across.
            let s = 8 * r as u32;
            let low = u32::MAX >> (32 - s);
            let [first, .., last] = *c;
            *head = (*head & low) | (first << s);
            for (w, (x, y)) in mid.iter_mut().zip(c.iter().zip(c.iter().skip(1))) {
                *w = (x >> (32 - s)) | (y << s);
            }
            *tail = (*tail & !low) | (last >> (32 - s));
        }
        let mut state = self.start;
        for block in self.blocks.iter() {
            compress_words(&mut state, block);
        }
        *c = state;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::{Digest as _, Md5};
    use proptest::prelude::*;

    /// MD5 of `msg` through [`pad`] and [`compress`].
    fn md5_here(msg: &[u8]) -> [u8; 16] {
        let mut padded = msg.to_vec();
        pad(&mut padded);
        let mut state = IV;
        compress(&mut state, padded.as_chunks::<64>().0);
        digest_bytes(&state)
    }

    /// RFC 1321 §A.5, the test suite.
    #[test]
    fn rfc1321_suite() {
        for (msg, want) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(crate::encoding::hex_lower(&md5_here(msg.as_bytes())), want, "{msg:?}");
        }
    }

    /// Plan's hashes against a hasher over the same bytes, for every slot
    /// offset mod 4 and slots before, across and after a block boundary.
    #[test]
    fn plan_matches_the_hasher() {
        for len in [0usize, 1, 3, 5, 39, 40, 47, 48, 50, 55, 56, 63, 64, 70, 100, 130] {
            for c_at in [0usize, 1, 2, 3, 17, 46, 47, 48, 49, 50, 62, 64, 65, 67, 90] {
                if c_at + 16 > len {
                    continue;
                }
                let mut msg: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
                let mut padded = msg.clone();
                pad(&mut padded);
                let mut plan = Plan::new(&padded, c_at);
                let mut c: [u32; 4] = [1, 2, 3, 0xdead_beef];
                for round in 0..3 {
                    let bytes = digest_bytes(&c);
                    msg[c_at..c_at + 16].copy_from_slice(&bytes);
                    let extra = (len > c_at + 18).then(|| c_at + 17);
                    if let Some(at) = extra {
                        msg[at] = round as u8;
                        plan.set_bytes(at, &[round as u8]);
                    }
                    let want: [u8; 16] = Md5::digest(&msg).into();
                    plan.hash(&mut c);
                    assert_eq!(digest_bytes(&c), want, "len {len}, c_at {c_at}, round {round}");
                    assert_eq!(digest_words(&want), c);
                }
            }
        }
    }

    proptest! {
        /// The compression against `md-5`'s on random states and blocks.
        #[test]
        fn compress_matches_md5_crate(
            state in any::<[u32; 4]>(),
            block in proptest::collection::vec(any::<u8>(), 64..=64),
        ) {
            let mut b = [0u8; 64];
            b.copy_from_slice(&block);
            let (mut ours, mut theirs) = (state, state);
            compress_words(&mut ours, &words(&b));
            md5::block_api::compress(&mut theirs, &[b]);
            prop_assert_eq!(ours, theirs);
        }

        /// Whole messages against the `md-5` hasher.
        #[test]
        fn digest_matches_md5_crate(msg in proptest::collection::vec(any::<u8>(), 0..300)) {
            let want: [u8; 16] = Md5::digest(&msg).into();
            prop_assert_eq!(md5_here(&msg), want);
        }
    }
}
