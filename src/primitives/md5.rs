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
//!   before still runs. K comes through an opaque reference: as
//!   immediates, LLVM moves each `+ K` to the outermost add, after f —
//!   one more cycle on the chain in every step;
//! * F is `((c ^ d) & b) ^ d` (two operations after `b`, `c ^ d` early);
//!   `(b & c) | (!b & d)` needs a `not` on `b` first on x86-64 without
//!   BMI1;
//! * G is `(b & d) + (c & !d)` as two separate additions (the masks are
//!   disjoint), so one operation after `b` and then the add;
//! * H is `b ^ (c ^ d)`, I is `(b | !d) ^ c`, with `c ^ d` and `!d` early.
//!
//! The chain is then 5 + 4 + 4 + 5 operations per four steps for F, G, H, I
//! (`and`/`xor`, add, rotate, add): ~288 cycles a block, which is what
//! md5-crypt measures (~0.7 of libxcrypt's time, whose G alone is three
//! operations after `b`). The compression also takes the block as sixteen
//! little-endian words, so a caller can keep its message in words and only
//! write the four digest words per iteration (no byte round trip). Tested
//! against `md-5` and the RFC 1321 suite (`tests` below).

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
    (F, $a:ident, $b:ident, $c:ident, $d:ident, $km:expr, $s:expr) => {{
        let pre = $a.wrapping_add($km);
        let cd = $c ^ $d;
        let f = (cd & $b) ^ $d;
        $a = pre.wrapping_add(f).rotate_left($s).wrapping_add($b);
    }};
    (G, $a:ident, $b:ident, $c:ident, $d:ident, $km:expr, $s:expr) => {{
        // (b & d) | (c & !d): the two masks are disjoint, so `|` is `+`,
        // and the half without `b` joins the early sum.
        let pre = $a.wrapping_add($km).wrapping_add($c & !$d);
        $a = pre.wrapping_add($b & $d).rotate_left($s).wrapping_add($b);
    }};
    (H, $a:ident, $b:ident, $c:ident, $d:ident, $km:expr, $s:expr) => {{
        let pre = $a.wrapping_add($km);
        let cd = $c ^ $d;
        $a = pre.wrapping_add(cd ^ $b).rotate_left($s).wrapping_add($b);
    }};
    (I, $a:ident, $b:ident, $c:ident, $d:ident, $km:expr, $s:expr) => {{
        let pre = $a.wrapping_add($km);
        let nd = !$d;
        $a = pre.wrapping_add(($b | nd) ^ $c).rotate_left($s).wrapping_add($b);
    }};
}

/// MD5's 64 steps on `$state`, `$km!(i, g)` giving step i's `K[i] + M[g]`
/// (g the message word RFC 1321 assigns to step i), then the feed-forward.
// Fully unrolled: the step functions, rotations and indices are constants,
// so every index is a literal into a fixed-size array (no bounds checks).
macro_rules! md5_steps {
    ($state:ident, $km:ident) => {{
        let [mut a, mut b, mut c, mut d] = *$state;
        step!(F, a, b, c, d, $km!(0, 0), 7);
        step!(F, d, a, b, c, $km!(1, 1), 12);
        step!(F, c, d, a, b, $km!(2, 2), 17);
        step!(F, b, c, d, a, $km!(3, 3), 22);
        step!(F, a, b, c, d, $km!(4, 4), 7);
        step!(F, d, a, b, c, $km!(5, 5), 12);
        step!(F, c, d, a, b, $km!(6, 6), 17);
        step!(F, b, c, d, a, $km!(7, 7), 22);
        step!(F, a, b, c, d, $km!(8, 8), 7);
        step!(F, d, a, b, c, $km!(9, 9), 12);
        step!(F, c, d, a, b, $km!(10, 10), 17);
        step!(F, b, c, d, a, $km!(11, 11), 22);
        step!(F, a, b, c, d, $km!(12, 12), 7);
        step!(F, d, a, b, c, $km!(13, 13), 12);
        step!(F, c, d, a, b, $km!(14, 14), 17);
        step!(F, b, c, d, a, $km!(15, 15), 22);

        step!(G, a, b, c, d, $km!(16, 1), 5);
        step!(G, d, a, b, c, $km!(17, 6), 9);
        step!(G, c, d, a, b, $km!(18, 11), 14);
        step!(G, b, c, d, a, $km!(19, 0), 20);
        step!(G, a, b, c, d, $km!(20, 5), 5);
        step!(G, d, a, b, c, $km!(21, 10), 9);
        step!(G, c, d, a, b, $km!(22, 15), 14);
        step!(G, b, c, d, a, $km!(23, 4), 20);
        step!(G, a, b, c, d, $km!(24, 9), 5);
        step!(G, d, a, b, c, $km!(25, 14), 9);
        step!(G, c, d, a, b, $km!(26, 3), 14);
        step!(G, b, c, d, a, $km!(27, 8), 20);
        step!(G, a, b, c, d, $km!(28, 13), 5);
        step!(G, d, a, b, c, $km!(29, 2), 9);
        step!(G, c, d, a, b, $km!(30, 7), 14);
        step!(G, b, c, d, a, $km!(31, 12), 20);

        step!(H, a, b, c, d, $km!(32, 5), 4);
        step!(H, d, a, b, c, $km!(33, 8), 11);
        step!(H, c, d, a, b, $km!(34, 11), 16);
        step!(H, b, c, d, a, $km!(35, 14), 23);
        step!(H, a, b, c, d, $km!(36, 1), 4);
        step!(H, d, a, b, c, $km!(37, 4), 11);
        step!(H, c, d, a, b, $km!(38, 7), 16);
        step!(H, b, c, d, a, $km!(39, 10), 23);
        step!(H, a, b, c, d, $km!(40, 13), 4);
        step!(H, d, a, b, c, $km!(41, 0), 11);
        step!(H, c, d, a, b, $km!(42, 3), 16);
        step!(H, b, c, d, a, $km!(43, 6), 23);
        step!(H, a, b, c, d, $km!(44, 9), 4);
        step!(H, d, a, b, c, $km!(45, 12), 11);
        step!(H, c, d, a, b, $km!(46, 15), 16);
        step!(H, b, c, d, a, $km!(47, 2), 23);

        step!(I, a, b, c, d, $km!(48, 0), 6);
        step!(I, d, a, b, c, $km!(49, 7), 10);
        step!(I, c, d, a, b, $km!(50, 14), 15);
        step!(I, b, c, d, a, $km!(51, 5), 21);
        step!(I, a, b, c, d, $km!(52, 12), 6);
        step!(I, d, a, b, c, $km!(53, 3), 10);
        step!(I, c, d, a, b, $km!(54, 10), 15);
        step!(I, b, c, d, a, $km!(55, 1), 21);
        step!(I, a, b, c, d, $km!(56, 8), 6);
        step!(I, d, a, b, c, $km!(57, 15), 10);
        step!(I, c, d, a, b, $km!(58, 6), 15);
        step!(I, b, c, d, a, $km!(59, 13), 21);
        step!(I, a, b, c, d, $km!(60, 4), 6);
        step!(I, d, a, b, c, $km!(61, 11), 10);
        step!(I, c, d, a, b, $km!(62, 2), 15);
        step!(I, b, c, d, a, $km!(63, 9), 21);

        let [sa, sb, sc, sd] = $state;
        *sa = sa.wrapping_add(a);
        *sb = sb.wrapping_add(b);
        *sc = sc.wrapping_add(c);
        *sd = sd.wrapping_add(d);
    }};
}

/// Compresses one block given as its sixteen little-endian message words
/// (`m[i]` = bytes `4i..4i+4` read little-endian) into `state`.
// Always inlined: in a `Plan`'s loop the state then stays in registers from
// one block to the next instead of a store and reload on the chain
// (md5-crypt ~4% and phpass ~8% faster, paired A/B).
#[inline(always)]
pub(crate) fn compress_words(state: &mut [u32; 4], m: &[u32; 16]) {
    // The constants through an opaque reference: as immediates, LLVM's
    // canonicalization moves every `+ K` to the outermost add, after
    // f(b, c, d), which puts it on the chain (one more cycle per step).
    let k: &[u32; 64] = core::hint::black_box(&K);
    macro_rules! km {
        ($i:literal, $g:literal) => {
            k[$i].wrapping_add(m[$g])
        };
    }
    md5_steps!(state, km);
}

/// A constant block with its `K[i] + M[g]` summed once, in step order:
/// each step of [`compress_keyed`] then adds one word before f. Fewer
/// operations per step than [`compress_words`] (the chain is the same), for
/// blocks hashed many times unchanged, such as Sun MD5 crypt's Hamlet text.
/// Wiped on drop (a block may hold password bytes).
#[derive(Clone, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct Keyed([u32; 64]);

impl Keyed {
    /// The sums of one block's message words.
    pub(crate) fn new(m: &[u32; 16]) -> Keyed {
        let mut km = [0u32; 64];
        for (i, (slot, k)) in km.iter_mut().zip(K).enumerate() {
            let g = match i / 16 {
                0 => i,
                1 => 5 * i + 1,
                2 => 3 * i + 5,
                _ => 7 * i,
            } % 16;
            *slot = k.wrapping_add(m.get(g).copied().unwrap_or(0));
        }
        Keyed(km)
    }
}

/// [`compress_words`] of a block prepared as [`Keyed`].
#[inline(always)]
pub(crate) fn compress_keyed(state: &mut [u32; 4], keyed: &Keyed) {
    let km = &keyed.0;
    macro_rules! km {
        ($i:literal, $g:literal) => {
            km[$i]
        };
    }
    md5_steps!(state, km);
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
    super::md::pad(msg, 64, 8, true);
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

/// One block of a [`Plan`]: message words where bytes change between
/// hashes, `K + M` summed once where none do.
enum Block {
    /// A block holding part of C or of the rewritable field.
    Words([u32; 16]),
    /// A constant block.
    Keyed(Keyed),
}

/// A padded message hashed many times with a previous digest C written into
/// a fixed 16-byte slot each time (and, for Sun MD5 crypt, a field of a few
/// more bytes rewritten with [`Plan::set_bytes`]). The blocks before the
/// slot are constant, so they are compressed once and their result is where
/// every hash starts; the blocks holding C or the field are kept as message
/// words, so C's state words go in with shifts and masks instead of a byte
/// round trip; the other blocks after C are constant, kept as [`Keyed`].
pub(crate) struct Plan {
    /// State after the constant blocks before C.
    start: [u32; 4],
    /// The blocks from the one holding C's first byte to the end.
    blocks: Vec<Block>,
    /// Byte offset of C in `blocks`.
    c_at: usize,
    /// Bytes of the message before `blocks` (the constant blocks).
    skipped: usize,
}

impl Plan {
    /// `padded` is the whole message, already padded ([`pad`]), with C's
    /// slot at byte `c_at` (its 16 bytes are overwritten by every hash).
    pub(crate) fn new(padded: &[u8], c_at: usize) -> Plan {
        Plan::with_field(padded, c_at, 0..0)
    }

    /// [`Plan::new`] with the bytes `field` (offsets in `padded`, after C's
    /// block) rewritable by [`Plan::set_bytes`] between hashes.
    pub(crate) fn with_field(padded: &[u8], c_at: usize, field: core::ops::Range<usize>) -> Plan {
        let (blocks, _) = padded.as_chunks::<64>();
        let first = (c_at / 64).min(blocks.len());
        let mut start = IV;
        compress(&mut start, blocks.get(..first).unwrap_or_default());
        let varies = |at: usize| {
            let overlaps = |r: core::ops::Range<usize>| r.start < at + 64 && at < r.end;
            overlaps(c_at..c_at + 16) || overlaps(field.clone())
        };
        let rest = blocks
            .get(first..)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, block)| {
                let w = Zeroizing::new(words(block));
                if varies((first + i) * 64) {
                    Block::Words(*w)
                } else {
                    Block::Keyed(Keyed::new(&w))
                }
            })
            .collect();
        Plan { start, blocks: rest, c_at: c_at - first * 64, skipped: first * 64 }
    }

    /// Message word `w` (counted from the first block of `blocks`), if its
    /// block is kept as words.
    fn word_mut(&mut self, w: usize) -> Option<&mut u32> {
        match self.blocks.get_mut(w / 16) {
            Some(Block::Words(words)) => words.get_mut(w % 16),
            _ => None,
        }
    }

    /// Overwrites the message bytes at `at` (an offset in the whole padded
    /// message, inside the field given to [`Plan::with_field`]) with
    /// `bytes`. Bytes outside the field and C's blocks are ignored.
    pub(crate) fn set_bytes(&mut self, at: usize, bytes: &[u8]) {
        let Some(rel) = at.checked_sub(self.skipped) else { return };
        for (i, &byte) in bytes.iter().enumerate() {
            let pos = rel + i;
            if let Some(w) = self.word_mut(pos / 4) {
                let s = 8 * (pos % 4) as u32;
                *w = (*w & !(0xff << s)) | (u32::from(byte) << s);
            }
        }
    }

    /// Hashes the message with C (as the four state words of its digest) in
    /// its slot; the digest replaces `c`.
    pub(crate) fn hash(&mut self, c: &mut [u32; 4]) {
        let (q, r) = (self.c_at / 4, self.c_at % 4);
        if r == 0 {
            for (i, &x) in c.iter().enumerate() {
                if let Some(w) = self.word_mut(q + i) {
                    *w = x;
                }
            }
        } else {
            // C starts r bytes into word q: that word keeps its low r bytes,
            // word q + 4 its high 4 - r, the three between are made of two
            // of C's words each.
            let s = 8 * r as u32;
            let low = u32::MAX >> (32 - s);
            let [c0, c1, c2, c3] = *c;
            let across = |x: u32, y: u32| (x >> (32 - s)) | (y << s);
            // (bits of the word kept, bits from C) for words q..=q + 4.
            let parts = [
                (low, c0 << s),
                (0, across(c0, c1)),
                (0, across(c1, c2)),
                (0, across(c2, c3)),
                (!low, c3 >> (32 - s)),
            ];
            for (i, (keep, bits)) in parts.into_iter().enumerate() {
                if let Some(w) = self.word_mut(q + i) {
                    *w = (*w & keep) | bits;
                }
            }
        }
        let mut state = self.start;
        for block in &self.blocks {
            match block {
                Block::Words(m) => compress_words(&mut state, m),
                Block::Keyed(k) => compress_keyed(&mut state, k),
            }
        }
        *c = state;
    }
}

impl Drop for Plan {
    fn drop(&mut self) {
        for block in &mut self.blocks {
            if let Block::Words(w) = block {
                w.iter_mut().for_each(|x| *x = 0);
            }
        }
        self.start = [0; 4];
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
        for len in [0usize, 1, 3, 5, 39, 40, 47, 48, 50, 55, 56, 63, 64, 70, 100, 130, 200] {
            for c_at in [0usize, 1, 2, 3, 17, 46, 47, 48, 49, 50, 62, 64, 65, 67, 90] {
                if c_at + 16 > len {
                    continue;
                }
                let mut msg: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
                let mut padded = msg.clone();
                pad(&mut padded);
                // A one-byte field past C when there is room, so that some
                // blocks are words for the field and the rest keyed.
                let extra = (len > c_at + 18).then_some(c_at + 17);
                let mut plan = match extra {
                    Some(at) => Plan::with_field(&padded, c_at, at..at + 1),
                    None => Plan::new(&padded, c_at),
                };
                let mut c: [u32; 4] = [1, 2, 3, 0xdead_beef];
                for round in 0..3 {
                    let bytes = digest_bytes(&c);
                    msg[c_at..c_at + 16].copy_from_slice(&bytes);
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

        /// A keyed block gives what its words give.
        #[test]
        fn keyed_matches_words(state in any::<[u32; 4]>(), m in any::<[u32; 16]>()) {
            let (mut keyed, mut plain) = (state, state);
            compress_keyed(&mut keyed, &Keyed::new(&m));
            compress_words(&mut plain, &m);
            prop_assert_eq!(keyed, plain);
        }

        /// Whole messages against the `md-5` hasher.
        #[test]
        fn digest_matches_md5_crate(msg in proptest::collection::vec(any::<u8>(), 0..300)) {
            let want: [u8; 16] = Md5::digest(&msg).into();
            prop_assert_eq!(md5_here(&msg), want);
        }
    }
}
