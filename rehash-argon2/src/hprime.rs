//! BLAKE2b (RustCrypto `blake2`) as Argon2 uses it: H0 and the
//! variable-length hash H' (RFC 9106 §3.2, §3.3).

use blake2::digest::block_api::{UpdateCore, VariableOutputCore};
use blake2::digest::block_buffer::LazyBuffer;
use blake2::{Blake2b512, Blake2bVarCore, Digest};
use zeroize::{Zeroize as _, Zeroizing};

/// BLAKE2b with a `len`-byte output (1..=64) over the concatenated `parts`.
fn blake2b_var(parts: &[&[u8]], out: &mut [u8]) -> Option<()> {
    let mut core = Blake2bVarCore::new(out.len()).ok()?;
    // LazyBuffer keeps the last block back for finalization, as BLAKE2 needs.
    let mut buf = LazyBuffer::new(&[]);
    for p in parts {
        buf.digest_blocks(p, |blocks| core.update_blocks(blocks));
    }
    let mut full = Default::default();
    core.finalize_variable_core(&mut buf, &mut full);
    let done = full.get(..out.len()).map(|src| out.copy_from_slice(src));
    full.as_mut_slice().zeroize();
    done
}

/// H'^T(parts): `out.len()` = T bytes, T ≥ 1.
pub(crate) fn h_prime(parts: &[&[u8]], out: &mut [u8]) -> Option<()> {
    let t = u32::try_from(out.len()).ok()?.to_le_bytes();
    if out.len() <= 64 {
        let mut all: Vec<&[u8]> = Vec::with_capacity(parts.len() + 1);
        all.push(&t);
        all.extend_from_slice(parts);
        return blake2b_var(&all, out);
    }
    // V1 = H^64(T || X); W_i = first 32 bytes of V_i; V_{i+1} = H^64(V_i);
    // the last piece is H^(T - 32r)(V_r), r = ⌈T/32⌉ - 2.
    let mut h = Blake2b512::new();
    Digest::update(&mut h, t);
    for p in parts {
        Digest::update(&mut h, p);
    }
    let mut v = Zeroizing::new([0u8; 64]);
    v.copy_from_slice(&h.finalize());
    let r = out.len().div_ceil(32) - 2;
    let (head, tail) = out.split_at_mut(32 * r);
    let mut chunks = head.chunks_exact_mut(32);
    if let Some(first) = chunks.next() {
        first.copy_from_slice(v.get(..32)?);
    }
    for chunk in chunks {
        let next = Blake2b512::digest(v.as_slice());
        v.copy_from_slice(&next);
        chunk.copy_from_slice(v.get(..32)?);
    }
    blake2b_var(&[v.as_slice()], tail)
}
