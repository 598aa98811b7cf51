//! # rehash
//!
//! Identify, verify and upgrade the password hashes that applications really
//! hold: raw and salted MD5/SHA digests, md5-crypt, SHA-crypt, DES crypts,
//! phpass, Django, Werkzeug, LDAP, PBKDF2, bcrypt, scrypt, yescrypt and Argon2.
//! Every comparison is constant-time, every cost parameter read from a stored
//! string is checked against a ceiling before any work, and a successful verify
//! of anything below the policy's target tells you to store a fresh Argon2id
//! hash.
//!
//! ```
//! use rehash::{Policy, Scheme, Stored, Target, Verification};
//!
//! // Production policies keep the OWASP floor; tests may go lower.
//! let policy = Policy::builder()
//!     .target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
//!     .dangerous().allow_below_owasp_floor()
//!     .declare(Scheme::Md5Hex) // our table holds bare md5 hex digests
//!     .build()?;
//!
//! // A self-describing string needs no declaration.
//! let v = policy.verify(b"password", "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0")?;
//! assert!(v.is_valid() && v.needs_upgrade());
//! assert!(!policy.verify(b"Password", "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0")?.is_valid());
//!
//! // A bare hex digest resolves through the declared scheme.
//! let v = policy.verify(b"password", "5f4dcc3b5aa765d61d8327deb882cf99")?;
//! assert!(v.is_valid() && v.needs_upgrade());
//! let new_hash = policy.hash(b"password")?;
//! assert!(new_hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
//! assert_eq!(policy.identify(new_hash.as_str())?.scheme, Scheme::Argon2id);
//!
//! // Without a declaration, a 32-hex string is an error naming its candidates.
//! let err = rehash::identify("5f4dcc3b5aa765d61d8327deb882cf99").unwrap_err();
//! assert!(err.to_string().contains("md5_hex"));
//! # Ok::<(), rehash::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Input from a stored string must never panic the library: no unwrap, expect,
// panic or unchecked indexing outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

pub mod calibrate;
mod catalogue;
mod ceilings;
pub mod config;
mod encoding;
mod error;
#[cfg(doctest)]
mod guides;
#[cfg(feature = "tokio")]
pub mod limit;
mod policy;
mod primitives;
mod scheme;
mod site;
mod wrap;

pub use catalogue::{Identified, KeyId, Kind, Normalization, Params, Scheme};
pub use ceilings::Ceilings;
pub use error::{Error, Result};
pub use policy::{
    Dangerous, Pepper, Policy, PolicyBuilder, Stored, Target, Upgrade, Verification, MAX_ARGON2_THREADS,
    MAX_TARGET_MEMORY_KIB,
};
pub use scheme::{DigestEncoding, KdfRecipe, Recipe, RecipeKdf, RecipeParam, SaltEncoding, SaltLayout};
pub use site::{SiteParams, SiteParamsError};

/// The family and parameters of a self-describing stored string, under the
/// default ceilings. A string that is not self-describing (a bare hex digest,
/// a `hash:salt` pair, a DES crypt) is an [`Error::Ambiguous`] naming the
/// schemes it could be: resolve it with [`Policy::identify`] and a declared
/// scheme, or [`Stored::with_scheme`].
pub fn identify(stored: &str) -> Result<Identified> {
    Policy::default().identify(stored)
}

/// The Argon2 block-compression path this process uses: `"avx512"`,
/// `"avx2"` or `"portable"` — the fastest the CPU has, chosen once per
/// process at run time, or the one the `REHASH_ARGON2_BACKEND` environment
/// variable forces (a path the CPU lacks falls back to the best it has).
/// Every path computes the same hashes.
pub fn argon2_path() -> &'static str {
    rehash_argon2::Backend::selected().name()
}

/// The SHA-512 compression path `$6$` SHA-crypt uses in this process:
/// `"avx2"` (AVX2 schedule, BMI2 rounds) or `"portable"` (the `sha2` crate) —
/// the fastest the CPU has, chosen once per process at run time, or
/// `"portable"` when the `REHASH_SHA512_BACKEND` environment variable asks for
/// it. Every path computes the same hashes.
pub fn sha512_path() -> &'static str {
    rehash_sha512::Engine::selected().backend().name()
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
