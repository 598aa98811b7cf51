//! Safe scalar rounds on an expanded schedule (whole blocks go through the
//! `sha2` crate).

use crate::{eight_rounds, round512};

/// The 80 rounds of a block whose `K + W` is `kw`, added into `state`.
/// Always inlined, so the `avx2` path's copy is compiled with BMI2.
#[inline(always)]
pub(crate) fn rounds(state: &mut [u64; 8], kw: &[u64; 80]) {
    let mut s = *state;
    let (eights, _) = kw.as_chunks::<8>();
    for k in eights {
        eight_rounds!(s, |i: usize| k.get(i).copied().unwrap_or_default());
    }
    for (x, y) in state.iter_mut().zip(s) {
        *x = x.wrapping_add(y);
    }
}
