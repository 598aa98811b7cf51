//! yescrypt (the KDF under libxcrypt's `$y$`) with its working memory pooled
//! across calls.
//!
//! Why not the `yescrypt` crate's `yescrypt()`: like the `scrypt` crate, it
//! allocates (and the kernel faults in) its N·128·r-byte V, and the
//! S-boxes, on every call — 64 MiB of page faults per verify at `$y$jDT` —
//! and its pwxform goes through `[[u32; 2]]` slices with bounds checks in
//! the innermost loop. Here V, the S-boxes and the scratch blocks come from
//! a small pool (wiped before they are returned to it), and pwxform works on
//! 64-bit lanes and fixed-size S-boxes whose masked indices need no bounds
//! check. The crate stays the reference: the tests compare this core with it
//! (property test) and with libxcrypt's own hashes (tests/yescrypt_libxcrypt.rs).
//!
//! Only what a `$y$` string can ask for and the crate computes: the flavors
//! classic scrypt (`.`), WORM (`/`) and `j` (YESCRYPT_DEFAULTS: RW, 6
//! rounds, gather 4, simple 2, 12 KiB of S-boxes), any N, r, p and t, no
//! NROM, no cost upgrades (`g`), a 32-byte result. [`Params::decode`] accepts
//! exactly the strings the crate's `Params` parser and `yescrypt()` accept.
//!
//! Layout: a 64-byte sub-block is held as eight `u64`, in yescrypt's
//! "SIMD-shuffled" word order (32-bit word i of the shuffled block is word
//! i·5 mod 16 of the Salsa20 block, and `u64` m joins shuffled words 2m and
//! 2m + 1). In that order pwxform's lanes are plain `u64`s, and the
//! conversion happens only when a lane enters or leaves SMix.

use super::pool::Pool;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha256};
use zeroize::{Zeroize as _, Zeroizing};

use super::prf::Prf;

/// One 64-byte sub-block, in the shuffled word order (module docs).
type Sub = [u64; 8];

/// One pwxform S-box: 2^8 entries of two 64-bit lanes (4 KiB).
type Sbox = [[u64; 2]; 256];

/// Sub-blocks of one lane's three S-boxes (3 × 4 KiB).
const SBOX_SUBS: usize = 3 * 4096 / 64;

/// yescrypt's modes, as the first character of a `$y$` setting names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Flavor `.` (0): classic scrypt.
    Classic,
    /// Flavor `/` (1): write once, read many.
    Worm,
    /// Flavor `j` (47): YESCRYPT_DEFAULTS, the only RW flavor the crate knows.
    Rw,
}

/// The parameters of a `$y$` setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Params {
    pub(crate) mode: Mode,
    /// log2 of N (1..=63).
    pub(crate) log_n: u8,
    pub(crate) r: u32,
    pub(crate) p: u32,
    pub(crate) t: u32,
}

/// yescrypt's base-64 alphabet (that of crypt(3)).
const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// One variable-width number of a setting, at least `min`, from `s[*pos..]`
/// (yescrypt's `decode64_uint32`: the first character says how many follow).
fn decode_u32(s: &[u8], pos: &mut usize, min: u32) -> Option<u32> {
    let digit = |c: u8| ITOA64.iter().position(|&a| a == c).and_then(|d| u32::try_from(d).ok());
    let c = digit(*s.get(*pos)?)?;
    *pos += 1;
    let (mut start, mut end, mut chars, mut bits) = (0u32, 47u32, 1u32, 0u32);
    let mut dst = min;
    while c > end {
        dst = dst.wrapping_add((end + 1 - start) << bits);
        start = end + 1;
        end = start + (62 - end) / 2;
        chars += 1;
        bits += 6;
    }
    dst = dst.wrapping_add((c - start) << bits);
    for _ in 1..chars {
        bits = bits.checked_sub(6)?;
        let c = digit(*s.get(*pos)?)?;
        *pos += 1;
        dst = dst.wrapping_add(c << bits);
    }
    Some(dst)
}

impl Params {
    /// The parameters of the setting field of a `$y$` string (`j9T`, …), or
    /// `None` for one the `yescrypt` crate refuses: in `Params::from_str`
    /// ([`Params::fields`]) or in `yescrypt()` (N = 1, r·p ≥ 2^30, N·128·r
    /// or N·(t + 1) past 2^64).
    pub(crate) fn decode(setting: &str) -> Option<Params> {
        Params::fields(setting).filter(Params::computable)
    }

    /// The fields as the crate's `Params::from_str` reads them: unknown
    /// flavors, N over 2^63, a `g` or an NROM field, and RW with N/p ≤ 1 are
    /// refused; characters after the last field are ignored.
    fn fields(setting: &str) -> Option<Params> {
        let s = setting.as_bytes();
        let mut pos = 0;
        let mode = match decode_u32(s, &mut pos, 0)? {
            0 => Mode::Classic,
            1 => Mode::Worm,
            47 => Mode::Rw,
            _ => return None,
        };
        let log_n = u8::try_from(decode_u32(s, &mut pos, 1)?).ok().filter(|&l| l <= 63)?;
        let r = decode_u32(s, &mut pos, 1)?;
        let (mut p, mut t) = (1, 0);
        if pos < s.len() {
            let have = decode_u32(s, &mut pos, 1)?;
            if have & 1 != 0 {
                p = decode_u32(s, &mut pos, 2)?;
            }
            if have & 2 != 0 {
                t = decode_u32(s, &mut pos, 1)?;
            }
            // A `g` field is at least 1 and an NROM field at least 1: the
            // crate supports neither.
            if have & 0xc != 0 {
                return None;
            }
        }
        if mode == Mode::Rw && (1u64 << log_n) / u64::from(p) <= 1 {
            return None;
        }
        Some(Params { mode, log_n, r, p, t })
    }

    /// What the crate's `yescrypt()` checks before any work.
    fn computable(&self) -> bool {
        let (n, r, p, t) = (1u64 << self.log_n, u64::from(self.r), u64::from(self.p), u64::from(self.t));
        n > 1 && r * p < 1 << 30 && n <= u64::MAX / 128 / r && n <= u64::MAX / (t + 1)
    }
}

/// The S-boxes and write position of one lane's pwxform.
struct Sboxes<'a> {
    s0: &'a mut Sbox,
    s1: &'a mut Sbox,
    s2: &'a mut Sbox,
    /// Which 16-entry slice of S2 the next pwxform writes (0..16).
    w: usize,
}

/// The three S-boxes laid over one lane's [`SBOX_SUBS`] sub-blocks, S2 first
/// (yescrypt's order).
fn sboxes(subs: &mut [Sub]) -> Option<Sboxes<'_>> {
    let (pairs, _) = subs.as_flattened_mut().as_chunks_mut::<2>();
    let (s2, rest) = pairs.split_at_mut_checked(256)?;
    let (s1, s0) = rest.split_at_mut_checked(256)?;
    Some(Sboxes { s0: s0.try_into().ok()?, s1: s1.try_into().ok()?, s2: s2.try_into().ok()?, w: 0 })
}

/// One pwxform round: for each of the 4 gathered 128-bit lanes, each 64-bit
/// half becomes hi·lo + S0[i0] ^ S1[i1], with i0 and i1 bits 4..12 of the
/// lane's first low and high 32-bit words.
// Every index is a constant below 8, or masked to 12 bits and divided by 16
// into a 256-entry array: none can be out of bounds, and the compiler drops
// the checks.
#[allow(clippy::indexing_slicing)]
#[inline(always)]
fn pwx_round(x: &mut Sub, s0: &Sbox, s1: &Sbox) {
    for j in 0..4 {
        let (a, b) = (x[2 * j], x[2 * j + 1]);
        // `& 0xff0` then `/ 16`, rather than `>> 4 & 0xff`, so the masked
        // value is already the entry's byte offset.
        let p0 = &s0[(a as usize & 0xff0) >> 4];
        let p1 = &s1[((a >> 32) as usize & 0xff0) >> 4];
        x[2 * j] = ((a >> 32).wrapping_mul(a & 0xffff_ffff).wrapping_add(p0[0])) ^ p1[0];
        x[2 * j + 1] = ((b >> 32).wrapping_mul(b & 0xffff_ffff).wrapping_add(p0[1])) ^ p1[1];
    }
}

/// pwxform (yescrypt's parallel wide transformation) of one sub-block: 6
/// rounds, the middle four of which also write their output into S2, then
/// the S-box rotation.
#[inline(always)]
fn pwxform(x: &mut Sub, s: &mut Sboxes<'_>) {
    let (s0, s1) = (&*s.s0, &*s.s1);
    // S2 as 64 slots of one round's output (4 entries); this call writes
    // slots 4w..4w + 4, so the position wraps only between calls.
    let (slots, _) = s.s2.as_chunks_mut::<4>();
    let base = (s.w & 0xf) * 4;
    pwx_round(x, s0, s1);
    for k in 0..4 {
        pwx_round(x, s0, s1);
        if let Some(slot) = slots.get_mut(base + k) {
            *slot = [[x[0], x[1]], [x[2], x[3]], [x[4], x[5]], [x[6], x[7]]];
        }
    }
    pwx_round(x, s0, s1);
    s.w = (s.w + 1) & 0xf;
    // (S0, S1, S2) <- (S2, S0, S1).
    core::mem::swap(&mut s.s0, &mut s.s2);
    core::mem::swap(&mut s.s1, &mut s.s2);
}

/// Salsa20 with `double_rounds` double rounds (and the feed-forward) on a
/// sub-block in the shuffled order.
// Indices are constants or reduced mod 16 into 16-word arrays.
#[allow(clippy::indexing_slicing)]
fn salsa20(b: &mut Sub, double_rounds: usize) {
    // Shuffled word i is Salsa20 word i·5 mod 16.
    let mut nat = [0u32; 16];
    for (i, w) in b.iter().flat_map(|d| [*d as u32, (d >> 32) as u32]).enumerate() {
        nat[(i * 5) % 16] = w;
    }
    super::scrypt::salsa20_core(&mut nat, double_rounds);
    for (m, d) in b.iter_mut().enumerate() {
        *d = u64::from(nat[(10 * m) % 16]) | u64::from(nat[(2 * m + 1) * 5 % 16]) << 32;
    }
    nat.zeroize();
}

/// `x ^= y`, sub-block by sub-block.
fn xor_into(x: &mut Sub, y: &Sub) {
    for (x, y) in x.iter_mut().zip(y.iter()) {
        *x ^= y;
    }
}

/// `a ^ b`.
fn xor(a: &Sub, b: &Sub) -> Sub {
    let mut x = *a;
    xor_into(&mut x, b);
    x
}

/// Sub-block `k` of `a`, xored with that of `b` if given (zeros past the
/// end, which the callers' equal lengths never reach).
#[inline(always)]
fn pick(a: &[Sub], k: usize, b: Option<&[Sub]>) -> Sub {
    let a = a.get(k).copied().unwrap_or_default();
    match b.and_then(|b| b.get(k)) {
        Some(b) => xor(&a, b),
        None => a,
    }
}

/// BlockMix_pwxform: `out` = H(input), where `input(i, &out[i])` gives
/// sub-block i of the input (it may read `out[i]` before it is overwritten,
/// for an in-place mix, and may be called twice for the last index).
#[inline(always)]
fn blockmix_pwxform(out: &mut [Sub], s: &mut Sboxes<'_>, input: impl Fn(usize, &Sub) -> Sub) {
    let Some(last) = out.len().checked_sub(1) else { return };
    let Some(mut x) = out.get(last).map(|o| input(last, o)) else { return };
    for (i, o) in out.iter_mut().enumerate() {
        xor_into(&mut x, &input(i, o));
        pwxform(&mut x, s);
        *o = x;
    }
    // The last sub-block is post-processed by Salsa20/2, which mixes
    // pwxform's lanes (128·r bytes hold exactly 2r pwxform blocks).
    if let Some(o) = out.last_mut() {
        salsa20(o, 1);
    }
}

/// scrypt's BlockMix with Salsa20/8 (classic and WORM modes, and the S-box
/// fill): `out` = H(input), via the scratch `y` (2r sub-blocks).
fn blockmix_salsa8(out: &mut [Sub], y: &mut [Sub], input: impl Fn(usize, &Sub) -> Sub) {
    let r = out.len() / 2;
    let Some(last) = out.len().checked_sub(1) else { return };
    let Some(mut x) = out.get(last).map(|o| input(last, o)) else { return };
    for (i, (o, y)) in out.iter().zip(y.iter_mut()).enumerate() {
        xor_into(&mut x, &input(i, o));
        salsa20(&mut x, 4);
        *y = x;
    }
    // Even-indexed outputs first, then the odd ones.
    for (i, y) in y.iter().enumerate().take(2 * r) {
        let dst = if i % 2 == 0 { i / 2 } else { r + i / 2 };
        if let Some(o) = out.get_mut(dst) {
            *o = *y;
        }
    }
}

/// H(input) into `out` with the lane's mixer: pwxform in RW mode, Salsa20/8
/// otherwise.
#[inline(always)]
fn mix(out: &mut [Sub], ctx: &mut Option<Sboxes<'_>>, y: &mut [Sub], input: impl Fn(usize, &Sub) -> Sub) {
    match ctx {
        Some(s) => blockmix_pwxform(out, s, input),
        None => blockmix_salsa8(out, y, input),
    }
}

/// Integerify: the first 64 bits (little-endian) of the last sub-block —
/// shuffled words 0 and 13.
fn integerify(x: &[Sub]) -> u64 {
    x.last().map_or(0, |l| (l[0] & 0xffff_ffff) | (l[6] & 0xffff_ffff_0000_0000))
}

/// A lane of B (32r little-endian words) into sub-blocks in shuffled order:
/// `u64` m joins Salsa20 words 10m and 10m + 5 (mod 16).
// Indices are reduced mod 16 into 16-word arrays.
#[allow(clippy::indexing_slicing)]
fn load(b: &[u32], x: &mut [Sub]) {
    for (x, blk) in x.iter_mut().zip(b.as_chunks::<16>().0) {
        for (m, d) in x.iter_mut().enumerate() {
            let (lo, hi) = (blk[(10 * m) % 16], blk[(10 * m + 5) % 16]);
            *d = u64::from(lo) | u64::from(hi) << 32;
        }
    }
}

/// The inverse of [`load`].
// Indices are reduced mod 16 into 16-word arrays.
#[allow(clippy::indexing_slicing)]
fn store(x: &[Sub], b: &mut [u32]) {
    for (x, blk) in x.iter().zip(b.as_chunks_mut::<16>().0) {
        for (m, d) in x.iter().enumerate() {
            blk[(10 * m) % 16] = *d as u32;
            blk[(10 * m + 5) % 16] = (d >> 32) as u32;
        }
    }
}

/// SMix1: fill `v` (n blocks of 2r sub-blocks) from the lane `b`, and leave
/// the last H output in `b`. In RW mode each step also mixes in a block
/// chosen from those already written.
fn smix1(b: &mut [u32], r2: usize, v: &mut [Sub], rw: bool, ctx: &mut Option<Sboxes<'_>>, xy: &mut [Sub]) {
    let n = v.len() / r2;
    let (x, y) = xy.split_at_mut(r2);
    load(b, v.get_mut(..r2).unwrap_or_default());
    for i in 0..n {
        // V_i holds this step's input; its output is V_{i+1} (or X after
        // the last step), so no block is copied.
        let (done, rest) = v.split_at_mut((i + 1) * r2);
        let (prev, cur) = done.split_at(i * r2);
        let out = if i + 1 < n { rest.get_mut(..r2).unwrap_or_default() } else { &mut *x };
        if rw && i > 1 {
            let wrap = 1usize << i.ilog2();
            let j = (integerify(cur) as usize & (wrap - 1)) + (i - wrap);
            let vj = prev.get(j * r2..(j + 1) * r2).unwrap_or_default();
            mix(out, ctx, y, |k, _| pick(cur, k, Some(vj)));
        } else {
            mix(out, ctx, y, |k, _| pick(cur, k, None));
        }
    }
    store(x, b);
}

/// SMix2: `nloop` steps of X <- H(X ^ V_j) over `v` (a power-of-two number
/// of blocks), writing X ^ V_j back into V_j when `write` (RW's first loop).
fn smix2(
    b: &mut [u32],
    r2: usize,
    v: &mut [Sub],
    nloop: u64,
    write: bool,
    ctx: &mut Option<Sboxes<'_>>,
    xy: &mut [Sub],
) {
    let n = v.len() / r2;
    let (x, y) = xy.split_at_mut(r2);
    load(b, x);
    for _ in 0..nloop {
        let j = integerify(x) as usize & (n - 1);
        let vj = v.get_mut(j * r2..(j + 1) * r2).unwrap_or_default();
        if write {
            for (x, vj) in x.iter_mut().zip(vj.iter_mut()) {
                xor_into(x, vj);
                *vj = *x;
            }
            mix(x, ctx, y, |_, cur| *cur);
        } else {
            let vj = &*vj;
            mix(x, ctx, y, |k, cur| vj.get(k).map_or(*cur, |v| xor(cur, v)));
        }
    }
    store(x, b);
}

/// Largest power of two not above `x` (x ≥ 1).
fn p2floor(x: u64) -> u64 {
    1 << x.ilog2()
}

/// Working memory of one call: V, the lanes' S-boxes and X/Y.
struct Work {
    v: Vec<Sub>,
    s: Vec<Sub>,
    xy: Vec<Sub>,
}

/// Work areas kept for reuse (each up to the ceiling's size; a login server
/// verifies few yescrypt hashes at once): at most 4.
static POOL: Pool<Work> = Pool::new(4);

impl Work {
    /// A work area with at least `v` sub-blocks of V, `s` of S-boxes and
    /// `xy` of scratch: the smallest pooled one whose V is large enough, or
    /// a new one.
    fn take(v: usize, s: usize, xy: usize) -> Work {
        let mut w = POOL.take(v, |w: &Work| w.v.len()).unwrap_or_else(|| Work {
            v: vec![[0; 8]; v],
            s: Vec::new(),
            xy: Vec::new(),
        });
        // Pooled areas are all zeros, so growing keeps them so.
        if w.s.len() < s {
            w.s.resize(s, [0; 8]);
        }
        if w.xy.len() < xy {
            w.xy.resize(xy, [0; 8]);
        }
        w
    }

    /// Wipe what a call with `v` sub-blocks of V used (it holds
    /// password-derived blocks) and give the area back to the pool.
    fn give_back(mut self, v: usize) {
        self.v.iter_mut().take(v).for_each(|b| b.zeroize());
        self.s.zeroize();
        self.xy.zeroize();
        POOL.give_back(self);
    }
}

/// SMix over all lanes of `b` (RW: the lanes share V, each its own S-boxes;
/// classic and WORM run each lane on its own with p = 1). In RW mode lane
/// 0's S-boxes also key `passwd` (HMAC-SHA256).
// The spec's SMix arguments, plus the work area and the key it updates.
#[allow(clippy::too_many_arguments)]
fn smix(b: &mut [u32], r: usize, n: u64, p: u32, t: u32, mode: Mode, work: &mut Work, passwd: &mut [u8; 32]) {
    let (r2, lane) = (2 * r, 32 * r);
    let rw = mode == Mode::Rw;
    let mut nchunk = n / u64::from(p);
    let mut nloop_all = nchunk;
    if rw {
        if t <= 1 {
            if t != 0 {
                nloop_all *= 2;
            }
            nloop_all = nloop_all.div_ceil(3);
        } else {
            nloop_all *= u64::from(t) - 1;
        }
    } else if t != 0 {
        if t == 1 {
            nloop_all += nloop_all.div_ceil(2);
        }
        nloop_all *= u64::from(t);
    }
    let mut nloop_rw = if rw { nloop_all / u64::from(p) } else { 0 };
    nchunk &= !1;
    nloop_all = (nloop_all + 1) & !1;
    nloop_rw = (nloop_rw + 1) & !1;

    let Work { v, s, xy } = work;
    let mut sbox_areas = s.chunks_exact_mut(SBOX_SUBS);
    let mut ctxs: Vec<Option<Sboxes<'_>>> = Vec::with_capacity(p as usize);
    let mut vchunk = 0u64;
    for (i, lane_b) in b.chunks_exact_mut(lane).enumerate().take(p as usize) {
        let np = if i + 1 < p as usize { nchunk } else { n - vchunk };
        let mut ctx = None;
        if rw {
            // S <- SMix1 of the lane's first 128 bytes over 96 blocks
            // (r = 1, Salsa20/8), which also changes those bytes.
            let area = sbox_areas.next().unwrap_or_default();
            smix1(lane_b.get_mut(..32).unwrap_or_default(), 2, area, false, &mut None, xy);
            if i == 0 {
                let key: Vec<u8> = lane_b
                    .get(lane - 16..)
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|w| w.to_le_bytes())
                    .collect();
                let key = Zeroizing::new(key);
                *passwd = hmac_sha256(&key, passwd.as_slice());
            }
            ctx = sboxes(area);
        }
        let (from, len) = (vchunk as usize * r2, np as usize * r2);
        let vp = v.get_mut(from..from + len).unwrap_or_default();
        smix1(lane_b, r2, vp, rw, &mut ctx, xy);
        let n2 = p2floor(np) as usize * r2;
        smix2(lane_b, r2, vp.get_mut(..n2).unwrap_or_default(), nloop_rw, rw, &mut ctx, xy);
        ctxs.push(ctx);
        vchunk += nchunk;
    }
    let all = v.get_mut(..n as usize * r2).unwrap_or_default();
    for (lane_b, ctx) in b.chunks_exact_mut(lane).zip(ctxs.iter_mut()) {
        smix2(lane_b, r2, all, nloop_all - nloop_rw, false, ctx, xy);
    }
}

/// HMAC-SHA256(key, msg).
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return [0; 32];
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// One yescrypt computation (the crate's `yescrypt_body`): the pre-hash
/// (`prehash`) or the main one, into `out`, in `work`.
#[allow(clippy::too_many_arguments)]
fn body(
    password: &[u8],
    salt: &[u8],
    params: &Params,
    n: u64,
    t: u32,
    prehash: bool,
    work: &mut Work,
    out: &mut [u8; 32],
) {
    let (r, p) = (params.r as usize, params.p);
    let classic = params.mode == Mode::Classic;
    let mut passwd = Zeroizing::new([0u8; 32]);
    let mut bytes = Zeroizing::new(vec![0u8; 128 * r * p as usize]);
    if classic {
        Prf::Sha256.derive(password, salt, 1, &mut bytes);
    } else {
        let key: &[u8] = if prehash { b"yescrypt-prehash" } else { b"yescrypt" };
        *passwd = hmac_sha256(key, password);
        Prf::Sha256.derive(passwd.as_slice(), salt, 1, &mut bytes);
        passwd.copy_from_slice(bytes.get(..32).unwrap_or_default());
    }
    let mut b: Zeroizing<Vec<u32>> =
        Zeroizing::new(bytes.as_chunks::<4>().0.iter().map(|w| u32::from_le_bytes(*w)).collect());
    if params.mode == Mode::Rw {
        smix(&mut b, r, n, p, t, params.mode, work, &mut passwd);
    } else {
        for lane in b.chunks_exact_mut(32 * r) {
            smix(lane, r, n, 1, t, params.mode, work, &mut passwd);
        }
    }
    for (c, w) in bytes.chunks_exact_mut(4).zip(b.iter()) {
        c.copy_from_slice(&w.to_le_bytes());
    }
    let key: &[u8] = if classic { password } else { passwd.as_slice() };
    Prf::Sha256.derive(key, &bytes, 1, out);
    if !classic && !prehash {
        // SCRAM's StoredKey = H(HMAC(out, "Client Key")), so everything so
        // far could run on a client.
        let client = Zeroizing::new(hmac_sha256(out.as_slice(), b"Client Key"));
        out.copy_from_slice(&Sha256::digest(client.as_slice()));
    }
}

/// yescrypt(password, salt, params) into `out`. The parameters must come
/// from [`Params::decode`] and have passed the ceilings.
pub(crate) fn yescrypt(password: &[u8], salt: &[u8], params: &Params, out: &mut [u8; 32]) {
    let n = 1u64 << params.log_n;
    let per_lane = n / u64::from(params.p);
    // Sized for the main pass; the pre-hash uses a prefix of it.
    let v_subs = n as usize * 2 * params.r as usize;
    let mut work = Work::take(v_subs, SBOX_SUBS * params.p as usize, 4 * params.r as usize);
    // Large RW settings first hash the password with N/64 ("pre-hashing"),
    // so a cheap pass must be spent before the expensive one.
    if params.mode == Mode::Rw && per_lane >= 0x100 && per_lane * u64::from(params.r) >= 0x20000 {
        let mut pre = Zeroizing::new([0u8; 32]);
        body(password, salt, params, n >> 6, 0, true, &mut work, &mut pre);
        body(pre.as_slice(), salt, params, n, params.t, false, &mut work, out);
    } else {
        body(password, salt, params, n, params.t, false, &mut work, out);
    }
    work.give_back(v_subs);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn crate_mode(m: Mode) -> yescrypt::Mode {
        match m {
            Mode::Classic => yescrypt::Mode::Classic,
            Mode::Worm => yescrypt::Mode::Worm,
            Mode::Rw => yescrypt::Mode::Rw,
        }
    }

    fn theirs(pw: &[u8], salt: &[u8], p: &Params) -> Option<[u8; 32]> {
        let cp =
            yescrypt::Params::new_with_all_params(crate_mode(p.mode), 1 << p.log_n, p.r, p.p, p.t, 0).ok()?;
        let mut out = [0u8; 32];
        yescrypt::yescrypt(pw, salt, &cp, &mut out).ok()?;
        Some(out)
    }

    fn ours(pw: &[u8], salt: &[u8], p: &Params) -> [u8; 32] {
        let mut out = [0u8; 32];
        yescrypt(pw, salt, p, &mut out);
        out
    }

    #[test]
    fn debian_default_with_prehash_matches_the_crate() {
        // N 4096, r 32: large enough for the pre-hash.
        let p = Params::decode("j9T").expect("j9T");
        assert_eq!(p, Params { mode: Mode::Rw, log_n: 12, r: 32, p: 1, t: 0 });
        assert_eq!(Some(ours(b"password", b"salt", &p)), theirs(b"password", b"salt", &p));
    }

    #[test]
    fn decode_refuses_what_the_crate_refuses() {
        for s in ["", "j", "j9", "k9T", "j953/2", "jC559", "j/T", "j7512", "\u{e9}9T", "j9T.", "j9T."] {
            assert_eq!(Params::decode(s).is_some(), s.parse::<yescrypt::Params>().is_ok(), "{s:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Against the `yescrypt` crate, over small parameters of every mode.
        #[test]
        fn matches_the_yescrypt_crate(
            pw in proptest::collection::vec(any::<u8>(), 0..80),
            salt in proptest::collection::vec(any::<u8>(), 0..40),
            mode in prop_oneof![Just(Mode::Classic), Just(Mode::Worm), Just(Mode::Rw)],
            log_n in 1u8..8,
            r in 1u32..5,
            p in 1u32..4,
            t in 0u32..4,
        ) {
            let params = Params { mode, log_n, r, p, t };
            let want = theirs(&pw, &salt, &params);
            prop_assume!(want.is_some());
            prop_assert_eq!(Some(ours(&pw, &salt, &params)), want);
        }

        /// The setting decoder accepts what the crate's parser and
        /// `yescrypt()` accept, with the same values.
        #[test]
        fn decode_matches_the_crate(s in "[./0-9A-Za-z]{0,7}") {
            let mine = Params::decode(&s);
            let crate_params = s.parse::<yescrypt::Params>().ok();
            match (mine, crate_params) {
                (Some(m), Some(c)) => {
                    let rebuilt = yescrypt::Params::new_with_all_params(
                        crate_mode(m.mode), 1 << m.log_n, m.r, m.p, m.t, 0).ok();
                    prop_assert_eq!(rebuilt, Some(c));
                }
                (Some(m), None) => prop_assert!(false, "{s:?} accepted as {m:?}, refused by the crate"),
                (None, Some(c)) => {
                    // Then yescrypt() itself refuses it.
                    let f = Params::fields(&s);
                    prop_assert!(f.is_some_and(|f| !f.computable()), "{s:?} refused, the crate parses {c:?}");
                    let f = f.unwrap_or(Params { mode: Mode::Rw, log_n: 1, r: 1, p: 1, t: 0 });
                    let rebuilt = yescrypt::Params::new_with_all_params(
                        crate_mode(f.mode), 1 << f.log_n, f.r, f.p, f.t, 0).ok();
                    prop_assert_eq!(rebuilt, Some(c));
                }
                (None, None) => {}
            }
        }
    }
}
