//! PBKDF2-HMAC with the three PRFs stored hashes use, for every family that
//! runs PBKDF2 (Django, passlib, LDAP, Werkzeug, ASP.NET Identity, scrypt's
//! outer steps …). The KDF is the `pbkdf2` crate's.

use sha1::Sha1;
use sha2::{Sha256, Sha512};

/// The HMAC hash under PBKDF2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prf {
    Sha1,
    Sha256,
    Sha512,
}

impl Prf {
    pub(crate) fn derive(self, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
        match self {
            Prf::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, out),
            Prf::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, out),
            Prf::Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds, out),
        }
    }

    pub(crate) fn len(self) -> usize {
        match self {
            Prf::Sha1 => 20,
            Prf::Sha256 => 32,
            Prf::Sha512 => 64,
        }
    }
}
