//! The plain message digests several families name (Dovecot's `{SHA256}`,
//! Spring's `MessageDigestPasswordEncoder`, …): one enum, so each family
//! names an algorithm instead of keeping its own copy of the dispatch.

use md4::Md4;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

/// A message digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Md {
    Md4,
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl Md {
    /// The digest's length in bytes.
    pub(crate) fn len(self) -> usize {
        match self {
            Md::Md4 | Md::Md5 => 16,
            Md::Sha1 => 20,
            Md::Sha256 => 32,
            Md::Sha512 => 64,
        }
    }

    /// digest(a ‖ b)
    pub(crate) fn digest(self, a: &[u8], b: &[u8]) -> Zeroizing<Vec<u8>> {
        fn d<D: Digest>(a: &[u8], b: &[u8]) -> Vec<u8> {
            D::new().chain_update(a).chain_update(b).finalize().to_vec()
        }
        Zeroizing::new(match self {
            Md::Md4 => d::<Md4>(a, b),
            Md::Md5 => d::<Md5>(a, b),
            Md::Sha1 => d::<Sha1>(a, b),
            Md::Sha256 => d::<Sha256>(a, b),
            Md::Sha512 => d::<Sha512>(a, b),
        })
    }
}

/// Merkle–Damgård padding appended to `msg`: `0x80`, zeros up to
/// `block − len_bytes` mod `block`, then the message length in bits in
/// `len_bytes` bytes — little-endian for MD5, big-endian for SHA-2. The
/// iterated families (md5-crypt, SHA-crypt, phpass, Drupal 7) pad each
/// message layout once with it and then compress blocks directly.
pub(crate) fn pad(msg: &mut Vec<u8>, block: usize, len_bytes: usize, little_endian: bool) {
    let bits = (msg.len() as u128).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % block != block - len_bytes {
        msg.push(0);
    }
    let len_bytes = len_bytes.min(16);
    if little_endian {
        msg.extend_from_slice(bits.to_le_bytes().get(..len_bytes).unwrap_or_default());
    } else {
        let be = bits.to_be_bytes();
        msg.extend_from_slice(be.get(16 - len_bytes..).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_match_the_digests() {
        for md in [Md::Md4, Md::Md5, Md::Sha1, Md::Sha256, Md::Sha512] {
            assert_eq!(md.digest(b"pass", b"word").len(), md.len(), "{md:?}");
            assert_eq!(md.digest(b"pass", b"word"), md.digest(b"password", b""), "{md:?}");
        }
        // md5("password"), the classic.
        assert_eq!(
            crate::encoding::hex_lower(&Md::Md5.digest(b"password", b"")),
            "5f4dcc3b5aa765d61d8327deb882cf99"
        );
    }
}
