//! Plaintext "schemes" (Dovecot's `{PLAIN}`, Spring's `{noop}`): the stored
//! string is the password. Verify compares SHA-256 of both sides rather than
//! the bytes themselves, so the comparison takes the same time whatever the
//! stored password's length, and the value a wrap feeds to Argon2id is a
//! fixed-length digest.

use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

/// The form a plaintext is compared in: SHA-256 of its bytes.
pub(crate) fn compare_form(plaintext: &[u8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(Sha256::digest(plaintext).to_vec())
}
