//! The policy: the target scheme new hashes are made with, the legacy schemes
//! and recipes the application declares for strings that are not
//! self-describing, the ceilings on parameters read from stored strings, and
//! the password length limit.

use rand::RngCore as _;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::scheme::{self, Extra, Identified, Kind, Params, Recipe, Scheme};

/// Upper bounds on the work a stored string may ask for. A string over any of
/// them is refused with [`Error::ParameterOutOfRange`] before any hashing or
/// allocation, so a hostile row cannot make a login take minutes or gigabytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ceilings {
    /// Largest memory a memory-hard verify (Argon2, scrypt, yescrypt) may use,
    /// in KiB. Default 262,144 (256 MiB).
    pub memory_kib: u64,
    /// Largest Argon2 pass count `t`. Default 16.
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
    /// The scheme label of the strings this target produces.
    pub fn scheme(&self) -> Scheme {
        match self {
            Target::Argon2id { .. } => Scheme::Argon2id,
            Target::Bcrypt { .. } => Scheme::Bcrypt,
            Target::BcryptSha256 { .. } => Scheme::BcryptSha256,
            Target::Scrypt { .. } => Scheme::ScryptPasslib,
            Target::Pbkdf2Sha256 { .. } => Scheme::Pbkdf2Sha256,
        }
    }

    /// Refuse parameters under the OWASP Password Storage floors.
    fn check_floor(&self) -> Result<()> {
        let ok = match *self {
            Target::Argon2id { m_kib, t, p } => m_kib >= 19_456 && t >= 2 && p >= 1,
            Target::Bcrypt { cost } | Target::BcryptSha256 { cost } => (10..=31).contains(&cost),
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

    /// True when a verified hash with these identified parameters should be
    /// replaced by a new target hash.
    pub fn needs_upgrade(&self, id: &Identified) -> bool {
        if id.scheme.kind() == Kind::Legacy || id.scheme != self.scheme() {
            return true;
        }
        match (*self, id.params) {
            (Target::Argon2id { m_kib, t, p }, Params::Argon2 { m_kib: m2, t: t2, p: p2, version }) => {
                m2 < m_kib || t2 < t || p2 < p || version < 19
            }
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

/// A stored hash as a row holds it: the string, and where a family needs them,
/// the separate salt column, the user name, and the row's declared scheme.
///
/// `Debug` prints the scheme hint only: hash and salt are redacted.
#[derive(Clone, Copy, Default)]
pub struct Stored<'a> {
    pub(crate) hash: &'a str,
    pub(crate) salt: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
    pub(crate) scheme: Option<Scheme>,
}

impl<'a> Stored<'a> {
    /// A stored string on its own.
    pub fn new(hash: &'a str) -> Self {
        Stored { hash, ..Stored::default() }
    }

    /// The salt, for families that keep it in a separate column.
    #[must_use]
    pub fn with_salt(mut self, salt: &'a str) -> Self {
        self.salt = Some(salt);
        self
    }

    /// The user name (PostgreSQL's `md5` uses it as the salt).
    #[must_use]
    pub fn with_user(mut self, user: &'a str) -> Self {
        self.user = Some(user);
        self
    }

    /// The row's declared scheme, used only when the string is not
    /// self-describing.
    #[must_use]
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = Some(scheme);
        self
    }
}

impl<'a> From<&'a str> for Stored<'a> {
    fn from(hash: &'a str) -> Self {
        Stored::new(hash)
    }
}

impl core::fmt::Debug for Stored<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Stored")
            .field("hash", &"<redacted>")
            .field("salt", &self.salt.map(|_| "<redacted>"))
            .field("user", &self.user.map(|_| "<redacted>"))
            .field("scheme", &self.scheme)
            .finish()
    }
}

/// The result of a verify. A wrong password is `Invalid`, not an error.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The password matches.
    Valid {
        /// The stored hash's family and parameters.
        identified: Identified,
        /// True when the policy wants the hash replaced by a new target hash.
        needs_upgrade: bool,
    },
    /// The password does not match.
    Invalid {
        /// The stored hash's family and parameters.
        identified: Identified,
    },
}

impl Verification {
    /// True for [`Verification::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Verification::Valid { .. })
    }

    /// The stored hash's family and parameters.
    pub fn identified(&self) -> Identified {
        match self {
            Verification::Valid { identified, .. } | Verification::Invalid { identified } => *identified,
        }
    }

    /// True when the password matched and the hash should be replaced.
    pub fn needs_upgrade(&self) -> bool {
        matches!(self, Verification::Valid { needs_upgrade: true, .. })
    }
}

/// What an application accepts and produces. Build one with [`Policy::builder`];
/// [`Policy::default`] is Argon2id m=19456 KiB, t=2, p=1, no declared legacy
/// schemes, default ceilings and a 4 KiB password limit.
#[derive(Clone, Debug)]
pub struct Policy {
    target: Target,
    declared: Vec<Scheme>,
    recipes: Vec<Recipe>,
    ceilings: Ceilings,
    max_password_bytes: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            target: Target::default(),
            declared: Vec::new(),
            recipes: Vec::new(),
            ceilings: Ceilings::default(),
            max_password_bytes: 4096,
        }
    }
}

/// Builds a [`Policy`]; [`PolicyBuilder::build`] checks it.
#[derive(Clone, Debug)]
pub struct PolicyBuilder {
    policy: Policy,
    allow_weak_target: bool,
}

impl PolicyBuilder {
    /// The scheme and parameters for new hashes.
    #[must_use]
    pub fn target(mut self, target: Target) -> Self {
        self.policy.target = target;
        self
    }

    /// Declare a legacy scheme the application holds, so strings of its shape
    /// that are not self-describing resolve to it.
    #[must_use]
    pub fn declare(mut self, scheme: Scheme) -> Self {
        if !self.policy.declared.contains(&scheme) {
            self.policy.declared.push(scheme);
        }
        self
    }

    /// Declare an application's own salted digest recipe.
    #[must_use]
    pub fn recipe(mut self, recipe: Recipe) -> Self {
        self.policy.recipes.push(recipe);
        self
    }

    /// Replace the ceilings on stored parameters.
    #[must_use]
    pub fn ceilings(mut self, ceilings: Ceilings) -> Self {
        self.policy.ceilings = ceilings;
        self
    }

    /// The longest password accepted, in bytes (default 4096).
    #[must_use]
    pub fn max_password_bytes(mut self, max: usize) -> Self {
        self.policy.max_password_bytes = max;
        self
    }

    /// Allow a target below the OWASP floors. For tests only: it makes test
    /// suites fast, and nothing else should ever set it.
    #[must_use]
    pub fn allow_weak_target_for_tests(mut self) -> Self {
        self.allow_weak_target = true;
        self
    }

    /// Check and return the policy.
    pub fn build(self) -> Result<Policy> {
        if !self.allow_weak_target {
            self.policy.target.check_floor()?;
        }
        if self.policy.max_password_bytes == 0 {
            return Err(Error::InvalidConfig("max_password_bytes must be at least 1".into()));
        }
        if let Some(bad) =
            self.policy.declared.iter().find(|s| !s.needs_declaration() || **s == Scheme::Recipe)
        {
            return Err(Error::InvalidConfig(format!(
                "{bad} is self-describing or a recipe label; declare only schemes that need it"
            )));
        }
        Ok(self.policy)
    }
}

impl Policy {
    /// Start from the defaults.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder { policy: Policy::default(), allow_weak_target: false }
    }

    /// The target new hashes are made with.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The ceilings on stored parameters.
    pub fn ceilings(&self) -> &Ceilings {
        &self.ceilings
    }

    fn parse<'a>(&'a self, stored: &Stored<'a>) -> Result<scheme::Parsed<'a>> {
        let extra = Extra { salt: stored.salt, user: stored.user };
        let parsed = scheme::parse(stored.hash, extra, stored.scheme, &self.declared, &self.recipes)?;
        parsed.check(&self.ceilings)?;
        Ok(parsed)
    }

    /// The family and parameters of a stored hash, resolving strings that are
    /// not self-describing through the row's scheme and the declared ones.
    /// Parameters over the ceilings are an error here too.
    pub fn identify<'a>(&self, stored: impl Into<Stored<'a>>) -> Result<Identified> {
        Ok(self.parse(&stored.into())?.identified())
    }

    /// Check `password` against a stored hash in constant time (with respect
    /// to the password and the derived digest).
    pub fn verify<'a>(&self, password: &[u8], stored: impl Into<Stored<'a>>) -> Result<Verification> {
        self.check_password(password)?;
        let parsed = self.parse(&stored.into())?;
        let identified = parsed.identified();
        let ok: bool = parsed.verify(password)?.into();
        Ok(if ok {
            Verification::Valid { identified, needs_upgrade: self.target.needs_upgrade(&identified) }
        } else {
            Verification::Invalid { identified }
        })
    }

    /// A new hash of `password` under the target, with a fresh random salt.
    pub fn hash(&self, password: &[u8]) -> Result<String> {
        self.check_password(password)?;
        let mut salt = Zeroizing::new([0u8; 16]);
        rand::rng().fill_bytes(salt.as_mut_slice());
        match self.target {
            Target::Argon2id { m_kib, t, p } => {
                scheme::argon2::hash_argon2id(password, m_kib, t, p, salt.as_slice())
            }
            Target::Bcrypt { cost } => {
                if password.len() > 72 {
                    return Err(Error::PasswordTooLong { len: password.len(), max: 72 });
                }
                scheme::bcrypt::hash_2b(password, cost, *salt)
            }
            Target::BcryptSha256 { cost } => scheme::bcrypt::hash_bcrypt_sha256(password, cost, *salt),
            Target::Scrypt { log_n, r, p } => {
                scheme::scrypt::hash_passlib(password, log_n, r, p, salt.as_slice())
            }
            Target::Pbkdf2Sha256 { iterations } => {
                Ok(scheme::pbkdf2::hash_passlib_sha256(password, iterations, salt.as_slice()))
            }
        }
    }

    fn check_password(&self, password: &[u8]) -> Result<()> {
        if password.len() > self.max_password_bytes {
            return Err(Error::PasswordTooLong { len: password.len(), max: self.max_password_bytes });
        }
        Ok(())
    }
}
