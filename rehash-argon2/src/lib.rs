//! Argon2 (RFC 9106: Argon2d, Argon2i, Argon2id; versions 0x10 and 0x13)
//! with block compression in explicit AVX-512F or AVX2 vectors, chosen once
//! per process at run time, and a portable path everywhere else.
//!
//! One binary runs on every x86-64 CPU and picks its best path
//! ([`Backend::selected`]); the environment variable `REHASH_ARGON2_BACKEND`
//! (`portable`, `avx2`, `avx512` or `auto`) forces a path — a path the CPU
//! lacks falls back to the best one it has, never to an illegal instruction.
//! Outputs are identical on every path: the tests compare each path with the
//! RustCrypto `argon2` crate and with the RFC 9106 vectors.
//!
//! The caller owns the memory (`&mut [Block]`), so arenas can be pooled and
//! pre-faulted across hashes; lanes (p > 1) can be filled on several threads.
//!
//! ```
//! use rehash_argon2::{hash_into, Algorithm, Block, Inputs, Options, Params, Version};
//!
//! let params = Params { m_kib: 64, t: 1, p: 1 };
//! let mut memory = vec![Block::ZERO; params.blocks()];
//! let mut tag = [0u8; 32];
//! let inputs = Inputs { password: b"hunter2", salt: b"somesaltsomesalt", secret: &[], ad: &[] };
//! hash_into(Algorithm::Argon2id, Version::V0x13, params, &inputs, &mut memory, &mut tag, Options::default())?;
//! # Ok::<(), rehash_argon2::Error>(())
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod block;
mod fill;
mod hprime;
mod portable;
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod x86;

use std::sync::OnceLock;

pub use block::Block;
use fill::{fill_memory, Compress, Geometry, Portable};
use zeroize::{Zeroize, Zeroizing};

/// The Argon2 variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Data-dependent memory access.
    Argon2d = 0,
    /// Data-independent memory access.
    Argon2i = 1,
    /// Argon2i for the first half of the first pass, Argon2d after.
    Argon2id = 2,
}

/// The Argon2 version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// 0x10 (16): passes after the first overwrite blocks.
    V0x10 = 0x10,
    /// 0x13 (19, RFC 9106): passes after the first XOR into blocks.
    V0x13 = 0x13,
}

/// Cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Memory in KiB (= 1 KiB blocks), at least 8·p.
    pub m_kib: u32,
    /// Passes, at least 1.
    pub t: u32,
    /// Lanes, 1..=2^24 - 1.
    pub p: u32,
}

impl Params {
    /// The blocks a hash with these parameters uses: 4·p·⌊m / 4p⌋ (the
    /// memory slice passed to [`hash_into`] must be at least this long).
    pub fn blocks(&self) -> usize {
        let p4 = 4 * u64::from(self.p.max(1));
        usize::try_from(u64::from(self.m_kib) / p4 * p4).unwrap_or(usize::MAX)
    }
}

/// Password, salt, secret (pepper, "K") and associated data ("X").
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The password.
    pub password: &'a [u8],
    /// The salt, at least 8 bytes.
    pub salt: &'a [u8],
    /// The secret key K (empty for none).
    pub secret: &'a [u8],
    /// Associated data X (empty for none).
    pub ad: &'a [u8],
}

impl core::fmt::Debug for Inputs<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Inputs")
            .field("password", &"<redacted>")
            .field("salt_len", &self.salt.len())
            .field("secret", &"<redacted>")
            .field("ad_len", &self.ad.len())
            .finish()
    }
}

/// How to run a hash.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The compression path; `None` = [`Backend::selected`].
    pub backend: Option<Backend>,
    /// Threads that may fill lanes at once (1 = this thread only). Only
    /// p > 1 hashes can use more than one.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { backend: None, threads: 1 }
    }
}

/// Why a hash was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A parameter is outside RFC 9106's range; names it.
    Params(&'static str),
    /// The memory slice is shorter than [`Params::blocks`].
    MemoryTooSmall,
    /// The requested backend is not available on this CPU.
    BackendUnavailable(Backend),
    /// A bug: an internal invariant did not hold (reported, never a panic).
    Internal(&'static str),
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Params(what) => write!(f, "argon2 parameter out of range: {what}"),
            Error::MemoryTooSmall => f.write_str("argon2 memory slice shorter than the parameters need"),
            Error::BackendUnavailable(b) => {
                write!(f, "argon2 backend {} is not available on this CPU", b.name())
            }
            Error::Internal(what) => write!(f, "argon2 internal error: {what}"),
        }
    }
}

impl std::error::Error for Error {}

/// A block compression path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Plain 64-bit integer code; runs everywhere.
    Portable,
    /// 256-bit AVX2 vectors (x86-64).
    Avx2,
    /// 512-bit AVX-512F vectors (x86-64).
    Avx512,
}

impl Backend {
    /// Every backend, slowest first.
    pub const ALL: [Backend; 3] = [Backend::Portable, Backend::Avx2, Backend::Avx512];

    /// The name `REHASH_ARGON2_BACKEND` uses.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
        }
    }

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        match self {
            Backend::Portable => true,
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Backend::Avx2 => x86::Avx2::detect().is_some(),
            #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
            Backend::Avx512 => x86::Avx512::detect().is_some(),
            #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
            _ => false,
        }
    }

    /// The backends this CPU can run, slowest first.
    pub fn available() -> Vec<Backend> {
        Backend::ALL.into_iter().filter(|b| b.is_available()).collect()
    }

    /// The fastest backend this CPU can run.
    pub fn best() -> Backend {
        Backend::available().last().copied().unwrap_or(Backend::Portable)
    }

    /// The backend hashes use by default, chosen once per process: the best
    /// available, or the one `REHASH_ARGON2_BACKEND` names (if the CPU lacks
    /// it, the best available below it).
    pub fn selected() -> Backend {
        static SELECTED: OnceLock<Backend> = OnceLock::new();
        *SELECTED.get_or_init(|| Backend::choose(std::env::var("REHASH_ARGON2_BACKEND").ok().as_deref()))
    }

    /// What [`Backend::selected`] picks for a given `REHASH_ARGON2_BACKEND`
    /// value (unknown values and `auto` mean the best available).
    pub fn choose(request: Option<&str>) -> Backend {
        let wanted = match request.map(str::trim) {
            Some("portable") => Backend::Portable,
            Some("avx2") => Backend::Avx2,
            Some("avx512") => Backend::Avx512,
            _ => return Backend::best(),
        };
        Backend::available().into_iter().rfind(|b| *b as u8 <= wanted as u8).unwrap_or(Backend::Portable)
    }
}

/// Compute the Argon2 tag of `inputs` into `out` (4 bytes or more), using
/// `memory` (at least [`Params::blocks`] blocks; only those are touched, and
/// they are left holding password-derived data: wipe or reuse them).
pub fn hash_into(
    alg: Algorithm,
    version: Version,
    params: Params,
    inputs: &Inputs<'_>,
    memory: &mut [Block],
    out: &mut [u8],
    options: Options,
) -> Result<(), Error> {
    let Params { m_kib, t, p } = params;
    if !(1..=0x00ff_ffff).contains(&p) {
        return Err(Error::Params("p must be 1..=2^24-1"));
    }
    if t == 0 {
        return Err(Error::Params("t must be at least 1"));
    }
    if u64::from(m_kib) < 8 * u64::from(p) {
        return Err(Error::Params("m must be at least 8·p KiB"));
    }
    if out.len() < 4 || u32::try_from(out.len()).is_err() {
        return Err(Error::Params("output length must be 4..2^32 bytes"));
    }
    if inputs.salt.len() < 8 {
        return Err(Error::Params("salt must be at least 8 bytes"));
    }
    let len32 = |x: &[u8], what| u32::try_from(x.len()).map_err(|_| Error::Params(what));
    let lens = [
        len32(inputs.password, "password too long")?,
        len32(inputs.salt, "salt too long")?,
        len32(inputs.secret, "secret too long")?,
        len32(inputs.ad, "associated data too long")?,
    ];
    let n = params.blocks();
    let mem = memory.get_mut(..n).ok_or(Error::MemoryTooSmall)?;
    let blocks = u32::try_from(n).map_err(|_| Error::Params("m"))?;
    let lane_len = blocks / p;
    let g = Geometry { alg, version, lanes: p, lane_len, seg_len: lane_len / 4, passes: t, blocks };

    // H0 = H^64(p, T, m, t, v, y, |P|, P, |S|, S, |K|, K, |X|, X).
    let mut h0 = Zeroizing::new([0u8; 72]);
    {
        use blake2::{Blake2b512, Digest};
        let mut h = Blake2b512::new();
        for w in [p, out.len() as u32, m_kib, t, version as u32, alg as u32] {
            h.update(w.to_le_bytes());
        }
        h.update(lens[0].to_le_bytes());
        h.update(inputs.password);
        h.update(lens[1].to_le_bytes());
        h.update(inputs.salt);
        h.update(lens[2].to_le_bytes());
        h.update(inputs.secret);
        h.update(lens[3].to_le_bytes());
        h.update(inputs.ad);
        let digest = h.finalize();
        h0.get_mut(..64).ok_or(Error::Internal("h0"))?.copy_from_slice(&digest);
    }
    // B[l][0] = H'^1024(H0 || 0 || l), B[l][1] = H'^1024(H0 || 1 || l).
    let mut bytes = Zeroizing::new([0u8; 1024]);
    for (l, lane) in mem.chunks_exact_mut(lane_len as usize).enumerate() {
        for (i, block) in lane.iter_mut().take(2).enumerate() {
            let (tail_i, tail_l) = h0.split_at_mut(68);
            tail_i.get_mut(64..).ok_or(Error::Internal("h0"))?.copy_from_slice(&(i as u32).to_le_bytes());
            tail_l.copy_from_slice(&(l as u32).to_le_bytes());
            hprime::h_prime(&[h0.as_slice()], bytes.as_mut_slice()).ok_or(Error::Internal("H'"))?;
            *block = Block::from_bytes(&bytes);
        }
    }
    bytes.zeroize();

    let backend = options.backend.unwrap_or_else(Backend::selected);
    let threads = options.threads.max(1);
    match backend {
        Backend::Portable => fill_memory(Portable, &g, mem, threads)?,
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        Backend::Avx2 => {
            let c = x86::Avx2::detect().ok_or(Error::BackendUnavailable(backend))?;
            fill_memory(c, &g, mem, threads)?;
        }
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        Backend::Avx512 => {
            let c = x86::Avx512::detect().ok_or(Error::BackendUnavailable(backend))?;
            fill_memory(c, &g, mem, threads)?;
        }
        #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
        _ => return Err(Error::BackendUnavailable(backend)),
    }

    // C = XOR of the lanes' last blocks; tag = H'^T(C).
    let mut last = Zeroizing::new(Block::ZERO);
    for lane in mem.chunks_exact(lane_len as usize) {
        last.xor_assign(lane.last().ok_or(Error::Internal("empty lane"))?);
    }
    let mut c_bytes = Zeroizing::new(last.to_bytes());
    hprime::h_prime(&[c_bytes.as_slice()], out).ok_or(Error::Internal("H'"))?;
    c_bytes.zeroize();
    Ok(())
}

/// The compression on a chosen backend, for tests and fuzzing: `next =
/// G(prev, refb)` (or `^=` when `xor`).
pub fn compress_with(
    backend: Backend,
    prev: &Block,
    refb: &Block,
    next: &mut Block,
    xor: bool,
) -> Result<(), Error> {
    match backend {
        Backend::Portable => Portable.compress(prev, refb, next, xor),
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        Backend::Avx2 => {
            x86::Avx2::detect().ok_or(Error::BackendUnavailable(backend))?.compress(prev, refb, next, xor)
        }
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        Backend::Avx512 => {
            x86::Avx512::detect().ok_or(Error::BackendUnavailable(backend))?.compress(prev, refb, next, xor)
        }
        #[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
        _ => return Err(Error::BackendUnavailable(backend)),
    }
    Ok(())
}

impl Block {
    /// A block from 128 words (tests and fuzzing).
    pub fn from_words(words: [u64; 128]) -> Block {
        Block(words)
    }

    /// The block's 128 words.
    pub fn words(&self) -> &[u64; 128] {
        &self.0
    }
}
