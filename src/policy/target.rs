//! The target: the scheme and parameters new hashes are made with, its OWASP
//! floors, and when a stored hash falls below it.

use crate::catalogue::{Identified, Kind, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::error::{Error, Result};

/// The scheme and parameters new hashes are made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Target {
    /// Argon2id, RFC 9106, as a PHC string. The default.
    Argon2id {
        /// Memory in KiB (floor 19,456).
        m_kib: u32,
        /// Passes (floor 2).
        t: u32,
        /// Lanes (floor 1).
        p: u32,
    },
    /// Argon2id in Django's own format,
    /// `argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash`, exactly as
    /// `django.contrib.auth.hashers.Argon2PasswordHasher` writes it: the salt
    /// is 22 random letters and digits (Django's `salt()`, 128 bits, stored
    /// as their base64), the tag 32 bytes. Django's stock hasher verifies
    /// these rows without rehash; with Django's own costs
    /// ([`Target::DJANGO_ARGON2`]: m=102400 KiB, t=2, p=8) it does not ask to
    /// rehash them either. Django's format has no room for rehash's marks, so
    /// a pepper or password normalization is refused with this target.
    ///
    /// The upgrade rule compares the costs and version, as for
    /// [`Target::Argon2id`]: a Django row of the `argon2i` or `argon2d`
    /// variant with costs at or above the target's is not upgraded.
    DjangoArgon2 {
        /// Memory in KiB (floor 19,456).
        m_kib: u32,
        /// Passes (floor 2).
        t: u32,
        /// Lanes (floor 1).
        p: u32,
    },
    /// Plain `$2b$` bcrypt. Passwords over 72 bytes are refused with
    /// [`Error::PasswordTooLong`] rather than silently truncated; choose
    /// [`Target::BcryptSha256`] to accept them.
    Bcrypt {
        /// log2 rounds (floor 10).
        cost: u32,
    },
    /// passlib's `$bcrypt-sha256$v=2` (HMAC-SHA-256 pre-hash marked in the
    /// string, so any password length is used whole).
    BcryptSha256 {
        /// log2 rounds (floor 10).
        cost: u32,
    },
    /// scrypt in the `$scrypt$ln=…,r=…,p=…$` format passlib reads.
    Scrypt {
        /// log2(N) (floor 17).
        log_n: u8,
        /// Block size (floor 8).
        r: u32,
        /// Parallelism (floor 1).
        p: u32,
    },
    /// PBKDF2-HMAC-SHA-256 (for FIPS shops) as passlib's `$pbkdf2-sha256$`.
    Pbkdf2Sha256 {
        /// Iterations (floor 600,000).
        iterations: u32,
    },
}

impl Default for Target {
    fn default() -> Self {
        Target::Argon2id { m_kib: 19_456, t: 2, p: 1 }
    }
}

impl Target {
    /// Django's `Argon2PasswordHasher` defaults (Django 4.0 and later):
    /// memory_cost=102400 KiB, time_cost=2, parallelism=8.
    pub const DJANGO_ARGON2: Target = Target::DjangoArgon2 { m_kib: 102_400, t: 2, p: 8 };

    /// Argon2's memory, passes and lanes, for the two Argon2id targets.
    pub(crate) fn argon2_params(&self) -> Option<(u32, u32, u32)> {
        match *self {
            Target::Argon2id { m_kib, t, p } | Target::DjangoArgon2 { m_kib, t, p } => Some((m_kib, t, p)),
            _ => None,
        }
    }

    /// The scheme label of the strings this target produces.
    pub fn scheme(&self) -> Scheme {
        match self {
            Target::Argon2id { .. } => Scheme::Argon2id,
            Target::DjangoArgon2 { .. } => Scheme::DjangoArgon2,
            Target::Bcrypt { .. } => Scheme::Bcrypt,
            Target::BcryptSha256 { .. } => Scheme::BcryptSha256,
            Target::Scrypt { .. } => Scheme::ScryptPasslib,
            Target::Pbkdf2Sha256 { .. } => Scheme::Pbkdf2Sha256,
        }
    }

    /// Refuse parameters under the OWASP Password Storage floors.
    pub(crate) fn check_floor(&self) -> Result<()> {
        let ok = match *self {
            Target::Argon2id { m_kib, t, p } | Target::DjangoArgon2 { m_kib, t, p } => {
                m_kib >= 19_456 && t >= 2 && p >= 1
            }
            Target::Bcrypt { cost } | Target::BcryptSha256 { cost } => cost >= 10,
            Target::Scrypt { log_n, r, p } => log_n >= 17 && r >= 8 && p >= 1,
            Target::Pbkdf2Sha256 { iterations } => iterations >= 600_000,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidConfig(format!(
                "target {self:?} is below the OWASP floor (argon2id m=19456,t=2,p=1; bcrypt cost 10; \
                 scrypt N=2^17,r=8,p=1; pbkdf2-sha256 600000)"
            )))
        }
    }

    /// Refuse parameters no verifier could run (a policy with them would
    /// lock every user it hashes out, or abort on allocation).
    pub(crate) fn check_sane(&self) -> Result<()> {
        const MAX_TP: u32 = (1 << 24) - 1;
        match *self {
            Target::Argon2id { m_kib, t, p } | Target::DjangoArgon2 { m_kib, t, p } => {
                if t == 0 {
                    return Err(Error::InvalidConfig("target: Argon2 t (passes) must be at least 1".into()));
                }
                if p == 0 || p > MAX_TP {
                    return Err(Error::InvalidConfig(format!(
                        "target: Argon2 p (lanes) must be 1 to {MAX_TP}, not {p}"
                    )));
                }
                if u64::from(m_kib) < 8 * u64::from(p) {
                    return Err(Error::InvalidConfig(format!(
                        "target: Argon2 m must be at least 8 KiB per lane (8 * p = {}), not {m_kib}",
                        8 * u64::from(p)
                    )));
                }
                if m_kib > super::builder::MAX_TARGET_MEMORY_KIB {
                    return Err(Error::InvalidConfig(format!(
                        "target: Argon2 m = {m_kib} KiB is over the {} KiB (4 GiB) maximum",
                        super::builder::MAX_TARGET_MEMORY_KIB
                    )));
                }
                if t > MAX_TP {
                    return Err(Error::InvalidConfig(format!("target: Argon2 t = {t} is over {MAX_TP}")));
                }
            }
            Target::Bcrypt { cost } | Target::BcryptSha256 { cost } => {
                if cost > 31 {
                    return Err(Error::InvalidConfig(format!(
                        "target: bcrypt cost {cost} is above the maximum (31)"
                    )));
                }
                if cost < 4 {
                    return Err(Error::InvalidConfig(format!(
                        "target: bcrypt cost {cost} is below the minimum (4)"
                    )));
                }
            }
            Target::Scrypt { log_n, r, p } => {
                if log_n == 0 || log_n > 40 || r == 0 || p == 0 {
                    return Err(Error::InvalidConfig(format!(
                        "target: scrypt needs 1 <= log_n <= 40, r >= 1, p >= 1 (got {log_n}, {r}, {p})"
                    )));
                }
            }
            Target::Pbkdf2Sha256 { iterations } => {
                if iterations == 0 {
                    return Err(Error::InvalidConfig("target: PBKDF2 iterations must be at least 1".into()));
                }
            }
        }
        Ok(())
    }

    /// Refuse a target whose own hashes the policy's ceilings would refuse
    /// to verify: every user it upgraded would be locked out.
    pub(crate) fn check_within(&self, c: &Ceilings) -> Result<()> {
        let over = |what: &str, v: u64, max: u64| {
            Err(Error::InvalidConfig(format!(
                "target {what} = {v} is over the policy's own ceiling ({max}): the policy could not verify \
                 the hashes it writes; raise the ceiling or lower the target"
            )))
        };
        match *self {
            Target::Argon2id { m_kib, t, p } | Target::DjangoArgon2 { m_kib, t, p } => {
                if u64::from(m_kib) > c.memory_kib {
                    return over("Argon2 m (KiB)", m_kib.into(), c.memory_kib);
                }
                if t > c.argon2_passes {
                    return over("Argon2 t", t.into(), c.argon2_passes.into());
                }
                if p > c.parallelism {
                    return over("Argon2 p", p.into(), c.parallelism.into());
                }
            }
            Target::Bcrypt { cost } | Target::BcryptSha256 { cost } => {
                if cost > c.bcrypt_cost {
                    return over("bcrypt cost", cost.into(), c.bcrypt_cost.into());
                }
            }
            Target::Scrypt { log_n, r, p } => {
                let kib = (128u64 * u64::from(r)) << log_n.min(40);
                if kib / 1024 > c.memory_kib {
                    return over("scrypt memory (KiB)", kib / 1024, c.memory_kib);
                }
                if p > c.parallelism {
                    return over("scrypt p", p.into(), c.parallelism.into());
                }
            }
            Target::Pbkdf2Sha256 { iterations } => {
                if u64::from(iterations) > c.iterations {
                    return over("PBKDF2 iterations", iterations.into(), c.iterations);
                }
            }
        }
        Ok(())
    }

    /// True when a verified hash with these identified parameters should be
    /// replaced by a new target hash.
    pub fn needs_upgrade(&self, id: &Identified) -> bool {
        if id.scheme.kind() == Kind::Legacy || id.scheme != self.scheme() {
            return true;
        }
        match (*self, id.params) {
            (
                Target::Argon2id { m_kib, t, p } | Target::DjangoArgon2 { m_kib, t, p },
                Params::Argon2 { m_kib: m2, t: t2, p: p2, version },
            ) => m2 < m_kib || t2 < t || p2 < p || version < 19,
            (Target::Bcrypt { cost } | Target::BcryptSha256 { cost }, Params::Bcrypt { cost: c2 }) => {
                c2 < cost
            }
            (Target::Scrypt { log_n, r, p }, Params::Scrypt { log_n: l2, r: r2, p: p2 }) => {
                l2 < log_n || r2 < r || p2 < p
            }
            (Target::Pbkdf2Sha256 { iterations }, Params::Rounds(r)) => r < u64::from(iterations),
            _ => true,
        }
    }
}
