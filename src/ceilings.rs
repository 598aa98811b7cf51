//! Ceilings: the most work a stored string may ask for, checked before any
//! work is done. Above the catalogue and the error type; below every family.

use crate::catalogue::Scheme;
use crate::error::{Error, Result};

/// Upper bounds on the work a stored string may ask for. A string over any of
/// them is refused with [`Error::ParameterOutOfRange`] before any hashing or
/// allocation, so a hostile row cannot make a login take minutes or gigabytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ceilings {
    /// Largest memory a memory-hard verify (Argon2, scrypt, yescrypt) may use,
    /// in KiB. Default 262,144 (256 MiB).
    pub memory_kib: u64,
    /// Largest time cost `t`: Argon2's pass count and yescrypt's time factor
    /// (which multiplies its work over the same memory). Default 16.
    pub argon2_passes: u32,
    /// Largest parallelism (`p` of Argon2, scrypt, yescrypt). Default 16.
    pub parallelism: u32,
    /// Largest bcrypt cost (log2 rounds). Default 16.
    pub bcrypt_cost: u32,
    /// Largest iteration count of the iterated families (PBKDF2, SHA-crypt,
    /// phpass, BSDi DES, …). Default 10,000,000.
    pub iterations: u64,
}

impl Default for Ceilings {
    fn default() -> Self {
        Ceilings {
            memory_kib: 256 * 1024,
            argon2_passes: 16,
            parallelism: 16,
            bcrypt_cost: 16,
            iterations: 10_000_000,
        }
    }
}

impl Ceilings {
    pub(crate) fn iterations(&self, scheme: Scheme, name: &'static str, v: u64) -> Result<()> {
        if v > self.iterations {
            return Err(Error::too_big(scheme, name, v, self.iterations));
        }
        Ok(())
    }

    pub(crate) fn memory_bytes(&self, scheme: Scheme, bytes: u128) -> Result<()> {
        let limit = u128::from(self.memory_kib) * 1024;
        if bytes > limit {
            let kib = u64::try_from(bytes / 1024).unwrap_or(u64::MAX);
            return Err(Error::too_big(scheme, "memory_kib", kib, self.memory_kib));
        }
        Ok(())
    }

    pub(crate) fn parallelism(&self, scheme: Scheme, p: u64) -> Result<()> {
        if p > u64::from(self.parallelism) {
            return Err(Error::too_big(scheme, "p", p, self.parallelism.into()));
        }
        Ok(())
    }
}
