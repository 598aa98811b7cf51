//! The 1 KiB Argon2 memory block.

use zeroize::Zeroize;

/// Words in a block.
pub(crate) const WORDS: usize = 128;

/// One Argon2 memory block: 128 little-endian 64-bit words (1 KiB), aligned
/// to a cache line so SIMD loads never straddle one.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct Block(pub(crate) [u64; WORDS]);

impl Block {
    /// The all-zero block.
    pub const ZERO: Block = Block([0; WORDS]);

    /// `self ^= other`, word by word.
    pub(crate) fn xor_assign(&mut self, other: &Block) {
        self.0.iter_mut().zip(other.0.iter()).for_each(|(a, b)| *a ^= b);
    }

    /// The block from 1024 bytes, little-endian words.
    pub(crate) fn from_bytes(bytes: &[u8; 1024]) -> Block {
        let mut b = Block::ZERO;
        for (w, c) in b.0.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(c);
            *w = u64::from_le_bytes(le);
        }
        b
    }

    /// The block as 1024 bytes, little-endian words.
    pub(crate) fn to_bytes(self) -> [u8; 1024] {
        let mut out = [0u8; 1024];
        for (c, w) in out.chunks_exact_mut(8).zip(self.0.iter()) {
            c.copy_from_slice(&w.to_le_bytes());
        }
        out
    }
}

impl Default for Block {
    fn default() -> Self {
        Block::ZERO
    }
}

impl Zeroize for Block {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl core::fmt::Debug for Block {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Blocks are derived from passwords: never print their contents.
        f.write_str("Block(..)")
    }
}
