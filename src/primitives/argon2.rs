//! Argon2 (RFC 9106) runs in pooled memory, for every family that computes
//! Argon2: the PHC strings, the wrap's outer hash, Magento's libsodium
//! `crypto_pwhash` rows. The KDF is rehash's own SIMD core (the
//! `rehash-argon2` workspace crate); callers check the parameters against
//! the ceilings before calling.

use super::pool::Pool;

use rehash_argon2::{hash_into, Algorithm, Block, Inputs, Options, Version};
use zeroize::Zeroize as _;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// One Argon2 computation in a pooled arena, on the process's selected path.
pub(crate) fn run(
    alg: Algorithm,
    version: Version,
    (m, t, p): (u32, u32, u32),
    inputs: &Inputs<'_>,
    out: &mut [u8],
    threads: u32,
) -> std::result::Result<(), rehash_argon2::Error> {
    let params = rehash_argon2::Params { m_kib: m, t, p };
    let threads = usize::try_from(threads.clamp(1, p.max(1))).unwrap_or(1);
    with_blocks(params.blocks(), |blocks| {
        hash_into(alg, version, params, inputs, blocks, out, Options { backend: None, threads })
    })
}

/// Argon2 memory arenas, reused across hashes (see [`Pool`]). Above all the
/// pool keeps the process's memory bounded by the number of concurrent
/// computations: allocating and freeing 19 MiB per login let glibc's
/// per-thread arenas grow the resident set without bound under concurrent
/// logins (measured: 2.2 GiB for 500 logins under a 256 MiB limiter budget,
/// see BENCHMARKS.md). At most 32 are kept.
static ARENAS: Pool<Vec<Block>> = Pool::new(32);

fn with_blocks<T>(n: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut arena = ARENAS.take(n, Vec::len).unwrap_or_else(|| new_arena(n));
    let out = f(&mut arena);
    // The blocks are derived from the password: wipe before anyone else sees them.
    let used = n.min(arena.len());
    arena.iter_mut().take(used).for_each(|b| b.zeroize());
    ARENAS.give_back(arena);
    out
}

/// A new arena of `n` blocks, every page written once (pre-faulted), so the
/// hash that first uses it does not pay the page faults.
fn new_arena(n: usize) -> Vec<Block> {
    // Not `vec![ZERO; n]`: a zeroed allocation maps untouched zero pages (and
    // the compiler may drop stores of zeros into it). A plain allocation
    // written block by block is backed by the kernel now.
    let mut arena = Vec::with_capacity(n);
    arena.resize(n, Block::ZERO);
    arena
}

/// Fill the arena pool with up to `count` pre-faulted arenas of `n` blocks
/// (the pool keeps at most 32); returns how many it now holds that fit.
pub(crate) fn prewarm(n: usize, count: usize) -> usize {
    let want = count.min(ARENAS.kept()).saturating_sub(ARENAS.count(n, Vec::len));
    for _ in 0..want {
        ARENAS.give_back(new_arena(n));
    }
    ARENAS.count(n, Vec::len)
}

/// The raw 32-byte Argon2id v19 tag of `password` (the outer hash of a
/// version 2 wrapped string), with an optional secret (pepper) input.
pub(crate) fn argon2id_raw(
    password: &[u8],
    (m, t, p): (u32, u32, u32),
    salt: &[u8],
    secret: Option<&[u8]>,
    threads: u32,
) -> Result<Zeroizing<[u8; 32]>> {
    let inputs = Inputs { password, salt, secret: secret.unwrap_or_default(), ad: &[] };
    let mut out = Zeroizing::new([0u8; 32]);
    run(Algorithm::Argon2id, Version::V0x13, (m, t, p), &inputs, out.as_mut_slice(), threads)
        .map_err(|e| Error::InvalidConfig(format!("argon2: {e}")))?;
    Ok(out)
}
