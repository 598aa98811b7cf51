//! The policy: the target scheme new hashes are made with, the legacy schemes
//! and recipes the application declares for strings that are not
//! self-describing, the ceilings on parameters read from stored strings, and
//! the password length limit.

use rand::RngCore as _;
use zeroize::Zeroizing;

use subtle::ConstantTimeEq as _;

use crate::error::{Error, Result};
use crate::scheme::{self, Extra, Identified, Kind, Params, Recipe, Scheme};
use crate::wrap::{is_wrapped, Onion};

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
    /// Most threads one Argon2 computation may fill its lanes on (only
    /// hashes with p > 1 can use more than one). Default 1: a login server
    /// already runs logins side by side; raise it where single logins must
    /// be fast, and count it in `limit::Limiter`'s thread budget (feature `tokio`).
    pub argon2_threads: u32,
}

impl Default for Ceilings {
    fn default() -> Self {
        Ceilings {
            memory_kib: 256 * 1024,
            argon2_passes: 16,
            parallelism: 16,
            bcrypt_cost: 16,
            iterations: 10_000_000,
            argon2_threads: 1,
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

/// Unicode normalization applied to a password before a *new* hash is made.
/// Off by default. The form is recorded in the hash (Argon2's associated data),
/// and verify applies exactly the recorded form, never several in turn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Normalization {
    /// Use the password's bytes as given (the default).
    #[default]
    None,
    /// Canonical composition (NFC).
    Nfc,
    /// Compatibility composition (NFKC): folds full-width and other variants.
    Nfkc,
}

impl Normalization {
    fn mark(self) -> Option<&'static [u8]> {
        match self {
            Normalization::None => None,
            Normalization::Nfc => Some(b"nfc"),
            Normalization::Nfkc => Some(b"nfkc"),
        }
    }

    fn from_mark(data: Option<&[u8]>) -> Normalization {
        match data {
            Some(b"nfc") => Normalization::Nfc,
            Some(b"nfkc") => Normalization::Nfkc,
            _ => Normalization::None,
        }
    }

    /// The password in this form; a password that is not UTF-8 cannot be
    /// normalized and is an error rather than silently left as it is.
    fn apply(self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        use unicode_normalization::UnicodeNormalization as _;
        if self == Normalization::None {
            return Ok(Zeroizing::new(password.to_vec()));
        }
        let text = core::str::from_utf8(password).map_err(|_| {
            Error::InvalidConfig("the password is not UTF-8, so it cannot be Unicode-normalized".into())
        })?;
        let s: String = match self {
            Normalization::Nfkc => text.nfkc().collect(),
            _ => text.nfc().collect(),
        };
        Ok(Zeroizing::new(s.into_bytes()))
    }
}

/// A server-side secret mixed into new Argon2id hashes as Argon2's secret
/// input; only its id (1-8 bytes) is stored in the hash (`keyid=`).
/// `Debug` shows the id only.
#[derive(Clone)]
pub struct Pepper {
    id: Vec<u8>,
    secret: Zeroizing<Vec<u8>>,
}

impl Pepper {
    /// A pepper with a key id of 1-8 bytes and a secret of at least 16 bytes.
    pub fn new(id: &[u8], secret: &[u8]) -> Result<Pepper> {
        if id.is_empty() || id.len() > 8 {
            return Err(Error::InvalidConfig("a pepper key id has 1 to 8 bytes".into()));
        }
        if secret.len() < 16 {
            return Err(Error::InvalidConfig("a pepper secret has at least 16 bytes".into()));
        }
        Ok(Pepper { id: id.to_vec(), secret: Zeroizing::new(secret.to_vec()) })
    }

    /// The key id, as stored in hashes.
    pub fn id(&self) -> &[u8] {
        &self.id
    }
}

impl core::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pepper")
            .field("id", &String::from_utf8_lossy(&self.id))
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// The result of [`Policy::verify_and_upgrade`]: what a login handler needs.
#[must_use]
#[derive(Clone, PartialEq, Eq)]
pub enum Upgrade {
    /// Wrong password (or a locked account): refuse the login, change nothing.
    Invalid,
    /// Right password. When `new_hash` is set, store it with compare-and-swap:
    /// `UPDATE users SET hash = :new WHERE id = :id AND hash = :old`. A lost
    /// swap (someone changed the password meanwhile) or a failed write must not
    /// fail the login: the old hash still verifies next time.
    Valid {
        /// The replacement hash, when the stored one is below policy.
        new_hash: Option<String>,
    },
}

impl Upgrade {
    /// True for [`Upgrade::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Upgrade::Valid { .. })
    }

    /// The hash to store, if any.
    pub fn new_hash(&self) -> Option<&str> {
        match self {
            Upgrade::Valid { new_hash } => new_hash.as_deref(),
            Upgrade::Invalid => None,
        }
    }
}

impl core::fmt::Debug for Upgrade {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Upgrade::Invalid => f.write_str("Invalid"),
            Upgrade::Valid { new_hash } => {
                f.debug_struct("Valid").field("new_hash", &new_hash.as_ref().map(|_| "<redacted>")).finish()
            }
        }
    }
}

/// What an application accepts and produces. Build one with [`Policy::builder`]
/// or load one from TOML ([`Policy::from_toml`]); [`Policy::default`] is
/// Argon2id m=19456 KiB, t=2, p=1, no declared legacy schemes, default
/// ceilings and a 4 KiB password limit.
#[derive(Clone, Debug)]
pub struct Policy {
    target: Target,
    declared: Vec<Scheme>,
    recipes: Vec<Recipe>,
    ceilings: Ceilings,
    max_password_bytes: usize,
    equal_time_failures: bool,
    normalization: Normalization,
    peppers: Vec<Pepper>,
    current_pepper: Option<usize>,
    dummy: std::sync::Arc<std::sync::OnceLock<String>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            target: Target::default(),
            declared: Vec::new(),
            recipes: Vec::new(),
            ceilings: Ceilings::default(),
            max_password_bytes: 4096,
            equal_time_failures: true,
            normalization: Normalization::None,
            peppers: Vec::new(),
            current_pepper: None,
            dummy: Default::default(),
        }
    }
}

/// Builds a [`Policy`]; [`PolicyBuilder::build`] checks it.
#[derive(Clone, Debug)]
pub struct PolicyBuilder {
    policy: Policy,
    allow_weak_target: bool,
    current: Option<Vec<u8>>,
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

    /// Pad a failed [`Policy::verify_and_upgrade`] against a hash weaker than
    /// the target (legacy, cheaper parameters, locked) with a dummy target
    /// verify, so a wrong password costs the same for an unknown user, a
    /// legacy user and a current one (Django's `harden_runtime`). On by
    /// default; `verify` and the batch tool never pad.
    #[must_use]
    pub fn equal_time_failures(mut self, on: bool) -> Self {
        self.policy.equal_time_failures = on;
        self
    }

    /// Normalize passwords before new hashes (Argon2id target only; recorded
    /// in the hash). Off by default.
    #[must_use]
    pub fn normalization(mut self, form: Normalization) -> Self {
        self.policy.normalization = form;
        self
    }

    /// Add a pepper key. Hashes made under a key stay verifiable while the key
    /// is listed; [`PolicyBuilder::current_pepper`] picks the one new hashes use.
    #[must_use]
    pub fn pepper(mut self, pepper: Pepper) -> Self {
        self.policy.peppers.retain(|p| p.id != pepper.id);
        self.policy.peppers.push(pepper);
        self
    }

    /// The key id new hashes are peppered with (Argon2id target only).
    #[must_use]
    pub fn current_pepper(mut self, id: &[u8]) -> Self {
        self.current = Some(id.to_vec());
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
    pub fn build(mut self) -> Result<Policy> {
        if !self.allow_weak_target {
            self.policy.target.check_floor()?;
        }
        let p = &mut self.policy;
        if p.max_password_bytes == 0 {
            return Err(Error::InvalidConfig("max_password_bytes must be at least 1".into()));
        }
        if let Some(bad) = p.declared.iter().find(|s| !s.needs_declaration() || **s == Scheme::Recipe) {
            return Err(Error::InvalidConfig(format!(
                "{bad} is self-describing or a recipe label; declare only schemes that need it"
            )));
        }
        p.current_pepper = match &self.current {
            None => None,
            Some(id) => Some(p.peppers.iter().position(|k| &k.id == id).ok_or_else(|| {
                Error::InvalidConfig("current_pepper names a key id that is not among the peppers".into())
            })?),
        };
        let argon2 = matches!(p.target, Target::Argon2id { .. });
        if !argon2 && (p.current_pepper.is_some() || p.normalization != Normalization::None) {
            return Err(Error::InvalidConfig(
                "a pepper and password normalization are recorded in Argon2id hashes only; \
                 use the Argon2id target with them"
                    .into(),
            ));
        }
        Ok(self.policy)
    }
}

impl Policy {
    /// Start from the defaults.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder { policy: Policy::default(), allow_weak_target: false, current: None }
    }

    /// The target new hashes are made with.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// True when new hashes and wraps are peppered.
    pub fn has_pepper(&self) -> bool {
        self.current_pepper.is_some()
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
        let stored = stored.into();
        if is_wrapped(stored.hash) {
            let onion = Onion::parse(stored.hash)?;
            onion.outer.check(&self.ceilings)?;
            self.parse_inner(&onion, &stored)?;
            return Ok(onion.identified());
        }
        Ok(self.parse(&stored)?.identified())
    }

    /// The inner legacy hash of a wrapped string, checked against the ceilings.
    /// Version 1 strings carry the salt column and user name they were made
    /// with; version 2 strings use the row's own (`row`), as the legacy hash did.
    fn parse_inner<'a>(&'a self, o: &'a Onion, row: &Stored<'a>) -> Result<scheme::Parsed<'a>> {
        let extra = match o.version {
            1 => Extra { salt: o.salt.as_deref(), user: o.user.as_deref() },
            _ => Extra { salt: row.salt, user: row.user },
        };
        let recipes: &[Recipe] = match &o.recipe {
            None => &[],
            Some(n) => {
                let r = self.recipes.iter().find(|r| r.notation() == n).ok_or_else(|| {
                    Error::InvalidConfig(format!(
                        "a wrapped hash names recipe `{n}`, which the policy does not declare"
                    ))
                })?;
                core::slice::from_ref(r)
            }
        };
        let hint = (o.inner_scheme.needs_declaration()).then_some(o.inner_scheme);
        let inner = scheme::parse(&o.setting, extra, hint, &[], recipes)?;
        if inner.identified().scheme != o.inner_scheme {
            return Err(Error::malformed(Scheme::RehashWrap, "inner setting does not match its label"));
        }
        inner.check(&self.ceilings)?;
        // A v2 setting is rebuilt from a template: it must be exactly what
        // masking the inner hash gives (no digest bytes smuggled in).
        if o.version >= 2 && inner.masked()? != o.setting {
            return Err(Error::malformed(Scheme::RehashWrap, "inner setting is not a masked setting"));
        }
        Ok(inner)
    }

    fn verify_onion(&self, password: &[u8], stored: &Stored<'_>) -> Result<Verification> {
        let onion = Onion::parse(stored.hash)?;
        onion.outer.check(&self.ceilings)?;
        let inner = self.parse_inner(&onion, stored)?;
        let digest = inner.derive(password, self.kdf(None))?;
        let secret = match onion.outer.marks().0 {
            None => None,
            Some(id) => Some(self.pepper_by_id(id)?.secret.as_slice()),
        };
        let outer = onion.outer.derive(&digest, self.kdf(secret))?;
        let ok: bool = outer.as_slice().ct_eq(onion.outer.expected()).into();
        let identified = onion.identified();
        Ok(if ok {
            // A wrapped hash is a stop-gap: any successful login replaces it.
            Verification::Valid { identified, needs_upgrade: true }
        } else {
            Verification::Invalid { identified }
        })
    }

    /// Wrap a legacy hash without its password: Argon2id (the target's
    /// parameters, and the current pepper as Argon2's secret input) over the
    /// legacy digest, stored beside the legacy setting with the digest zeroed,
    /// in the compact version 2 format (`$rw2$…`, documented with its family
    /// codes and lengths in `docs/wrap.md`). Locked accounts, already wrapped
    /// strings and non-Argon2id targets are refused.
    ///
    /// A version 2 string does not copy the row's separate salt column or
    /// user name: verify it with the same [`Stored::with_salt`] /
    /// [`Stored::with_user`] as the legacy hash. [`Policy::wrap_len`] tells its
    /// length beforehand.
    ///
    /// ```
    /// use rehash::{Policy, Scheme, Stored, Target};
    /// # let policy = Policy::builder().target(Target::Argon2id { m_kib: 64, t: 1, p: 1 })
    /// #     .allow_weak_target_for_tests().build()?;
    /// let md5crypt = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0"; // "password"
    /// let wrapped = policy.wrap(md5crypt)?;
    /// assert!(wrapped.starts_with("$rw2$m1wHJImwTO$64,1,1$"));
    /// assert!(!wrapped.contains("NsqANW0ddjBi8pF1uTHrw0"));
    /// assert_eq!(wrapped.len(), policy.wrap_len(md5crypt)?);
    /// let v = policy.verify(b"password", wrapped.as_str())?;
    /// assert!(v.is_valid() && v.needs_upgrade());
    /// # Ok::<(), rehash::Error>(())
    /// ```
    pub fn wrap<'a>(&self, stored: impl Into<Stored<'a>>) -> Result<String> {
        let stored = stored.into();
        let (parsed, mtp) = self.wrap_prepare(&stored)?;
        let setting = parsed.masked()?;
        let digest = parsed.expected();
        let mut salt = Zeroizing::new([0u8; crate::wrap::OUTER_SALT_LEN]);
        rand::rng().fill_bytes(salt.as_mut_slice());
        let pepper = self.current_pepper.and_then(|i| self.peppers.get(i));
        let secret = pepper.map(|k| k.secret.as_slice());
        let tag = scheme::argon2::argon2id_raw(
            &digest,
            mtp,
            salt.as_slice(),
            secret,
            self.argon2_threads_for(mtp.2),
        )?;
        let mut salt_tag = Zeroizing::new(Vec::with_capacity(salt.len() + tag.len()));
        salt_tag.extend_from_slice(salt.as_slice());
        salt_tag.extend_from_slice(tag.as_slice());
        let keyid = pepper.map(|k| k.id.as_slice());
        Ok(crate::wrap::format_v2(
            parsed.identified().scheme,
            &setting,
            parsed.recipe_notation(),
            mtp,
            keyid,
            &salt_tag,
        ))
    }

    /// The exact length, in characters (ASCII, so also bytes), of the string
    /// [`Policy::wrap`] would write for this row under this policy (target
    /// parameters and current pepper), computed without running any KDF.
    /// Errors exactly where `wrap` would. Check it against the column width
    /// before wrapping.
    ///
    /// ```
    /// use rehash::{Policy, Scheme, Stored};
    /// let policy = Policy::builder().declare(Scheme::Md5Hex).build()?;
    /// // Unsalted MD5 under the default target (Argon2id m=19456, t=2, p=1):
    /// assert_eq!(policy.wrap_len("5f4dcc3b5aa765d61d8327deb882cf99")?, 82); // "$rw2$m5$19456,2,1$" + 64
    /// assert!(policy.wrap_len("$6$rounds=5000$saltsaltsaltsalt$ZLq5lJH.yfQzSOIsvH4C2ZdMhcbt6p0x6dk0iL6KxmBJdxOyFAdRvIU7rJLhwI6k5Aymq1Q9hH2zNLOqfSyPW/")? <= 128);
    /// # Ok::<(), rehash::Error>(())
    /// ```
    pub fn wrap_len<'a>(&self, stored: impl Into<Stored<'a>>) -> Result<usize> {
        let stored = stored.into();
        let (parsed, mtp) = self.wrap_prepare(&stored)?;
        let setting = parsed.masked()?;
        let keyid = self.current_pepper.and_then(|i| self.peppers.get(i)).map(|k| k.id.as_slice());
        let placeholder = [0u8; crate::wrap::OUTER_SALT_LEN + 32];
        Ok(crate::wrap::format_v2(
            parsed.identified().scheme,
            &setting,
            parsed.recipe_notation(),
            mtp,
            keyid,
            &placeholder,
        )
        .len())
    }

    /// What `wrap` and `wrap_len` check first: not already wrapped, an
    /// Argon2id target, and a row that parses within the ceilings.
    fn wrap_prepare<'a>(&'a self, stored: &Stored<'a>) -> Result<(scheme::Parsed<'a>, (u32, u32, u32))> {
        if is_wrapped(stored.hash) {
            return Err(Error::Unsupported {
                scheme: Scheme::RehashWrap,
                what: "the hash is already wrapped",
            });
        }
        let Target::Argon2id { m_kib, t, p } = self.target else {
            return Err(Error::InvalidConfig("wrapping uses the Argon2id target".into()));
        };
        let parsed = self.parse(stored)?;
        if parsed.identified().scheme == Scheme::Disabled {
            return Err(Error::Unsupported {
                scheme: Scheme::Disabled,
                what: "a locked account is never wrapped",
            });
        }
        Ok((parsed, (m_kib, t, p)))
    }

    /// Wrap in the retired version 1 format (`$rehash-wrap$v=1$…`, salt
    /// column and user name copied into the string). Only for tests that
    /// prove version 1 strings still verify; applications call [`Policy::wrap`].
    #[doc(hidden)]
    pub fn wrap_v1_for_tests<'a>(&self, stored: impl Into<Stored<'a>>) -> Result<String> {
        let stored = stored.into();
        let (parsed, mtp) = self.wrap_prepare(&stored)?;
        let setting = parsed.masked()?;
        let digest = parsed.expected();
        let mut salt = Zeroizing::new([0u8; 16]);
        rand::rng().fill_bytes(salt.as_mut_slice());
        let pepper = self.current_pepper.and_then(|i| self.peppers.get(i));
        let marks = scheme::argon2::Marks {
            pepper: pepper.map(|k| (k.id.as_slice(), k.secret.as_slice())),
            data: None,
        };
        let outer = scheme::argon2::hash_argon2id(
            &digest,
            mtp,
            salt.as_slice(),
            &marks,
            self.argon2_threads_for(mtp.2),
        )?;
        let inner = crate::wrap::format_inner_v1(
            parsed.identified().scheme,
            &setting,
            stored.salt,
            stored.user,
            parsed.recipe_notation(),
        );
        Ok(crate::wrap::join_v1(&inner, &outer))
    }

    /// Check `password` against a stored hash in constant time (with respect
    /// to the password and the derived digest).
    pub fn verify<'a>(&self, password: &[u8], stored: impl Into<Stored<'a>>) -> Result<Verification> {
        self.check_password(password)?;
        let stored = stored.into();
        if is_wrapped(stored.hash) {
            return self.verify_onion(password, &stored);
        }
        let parsed = self.parse(&stored)?;
        let identified = parsed.identified();
        let (keyid, data) = parsed.marks();
        let secret = match keyid {
            None => None,
            Some(id) => Some(self.pepper_by_id(id)?.secret.as_slice()),
        };
        let form = Normalization::from_mark(data);
        let password = form.apply(password)?;
        let ok: bool = parsed.verify(&password, self.kdf(secret))?.into();
        Ok(if ok {
            let stale_marks = self.current_pepper.map(|i| self.peppers.get(i).map(|p| p.id.as_slice()))
                != keyid.map(Some)
                || form != self.normalization;
            let needs_upgrade = identified.scheme != Scheme::Disabled
                && (self.target.needs_upgrade(&identified) || stale_marks);
            Verification::Valid { identified, needs_upgrade }
        } else {
            Verification::Invalid { identified }
        })
    }

    /// The login call: verify, and when the stored hash is below policy
    /// (legacy scheme, weaker parameters, retired pepper or normalization),
    /// compute exactly one new target hash to store with compare-and-swap.
    ///
    /// ```
    /// use rehash::{Policy, Scheme, Upgrade};
    /// let policy = Policy::builder().declare(Scheme::Md5Hex).build()?;
    /// match policy.verify_and_upgrade(b"password", "5f4dcc3b5aa765d61d8327deb882cf99")? {
    ///     Upgrade::Valid { new_hash: Some(h) } => {
    ///         // UPDATE users SET hash = :h WHERE id = :id AND hash = :old
    ///         assert!(h.starts_with("$argon2id$"));
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), rehash::Error>(())
    /// ```
    pub fn verify_and_upgrade<'a>(&self, password: &[u8], stored: impl Into<Stored<'a>>) -> Result<Upgrade> {
        match self.verify(password, stored)? {
            Verification::Invalid { identified } => {
                // A wrong password against a cheap hash would answer faster than
                // against a current one, telling an attacker which accounts
                // are still weak: pad with the cost of a target verify.
                if self.equal_time_failures
                    && identified.scheme != Scheme::RehashWrap
                    && self.target.needs_upgrade(&identified)
                {
                    let _ = self.verify_dummy(password);
                }
                Ok(Upgrade::Invalid)
            }
            Verification::Valid { needs_upgrade: false, .. } => Ok(Upgrade::Valid { new_hash: None }),
            Verification::Valid { needs_upgrade: true, .. } => {
                Ok(Upgrade::Valid { new_hash: Some(self.hash(password)?) })
            }
        }
    }

    /// For a login whose user does not exist: does the work of a verify under
    /// the current target and answers [`Upgrade::Invalid`], so an unknown user
    /// costs what a wrong password costs.
    pub fn verify_dummy(&self, password: &[u8]) -> Upgrade {
        let dummy = self.dummy.get_or_init(|| {
            let mut random = [0u8; 32];
            rand::rng().fill_bytes(&mut random);
            self.hash(&random).unwrap_or_default()
        });
        let _ = self.verify(password.get(..self.max_password_bytes).unwrap_or(password), dummy.as_str());
        Upgrade::Invalid
    }

    /// A new hash of `password` under the target, with a fresh random salt,
    /// the current pepper and the policy's normalization.
    pub fn hash(&self, password: &[u8]) -> Result<String> {
        self.check_password(password)?;
        let mut salt = Zeroizing::new([0u8; 16]);
        rand::rng().fill_bytes(salt.as_mut_slice());
        match self.target {
            Target::Argon2id { m_kib, t, p } => {
                let password = self.normalization.apply(password)?;
                let pepper = self.current_pepper.and_then(|i| self.peppers.get(i));
                let marks = scheme::argon2::Marks {
                    pepper: pepper.map(|k| (k.id.as_slice(), k.secret.as_slice())),
                    data: self.normalization.mark(),
                };
                scheme::argon2::hash_argon2id(
                    &password,
                    (m_kib, t, p),
                    salt.as_slice(),
                    &marks,
                    self.argon2_threads_for(p),
                )
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

    /// The length, in characters (ASCII, so also bytes), of a new hash from
    /// [`Policy::hash`] under this policy's target, current pepper and
    /// normalization, computed without hashing. Every target format has a
    /// fixed length for fixed parameters (16-byte salt, 32-byte tag or
    /// bcrypt's 23-byte checksum), so the value is exact, not a bound.
    /// Check it against the column width before storing new hashes.
    ///
    /// ```
    /// use rehash::{Policy, Target};
    /// let policy = Policy::default(); // Argon2id m=19456, t=2, p=1
    /// assert_eq!(policy.hash_len(), "$argon2id$v=19$m=19456,t=2,p=1$".len() + 22 + 1 + 43);
    /// let bcrypt = Policy::builder().target(Target::Bcrypt { cost: 12 }).build()?;
    /// assert_eq!(bcrypt.hash_len(), 60);
    /// # Ok::<(), rehash::Error>(())
    /// ```
    pub fn hash_len(&self) -> usize {
        // base64 without padding of n bytes.
        let b64 = |n: usize| (n * 4).div_ceil(3);
        let digits = |v: u64| v.to_string().len();
        let (salt, tag) = (b64(16), b64(32));
        match self.target {
            Target::Argon2id { m_kib, t, p } => {
                let mut n = "$argon2id$v=19$m=,t=,p=".len()
                    + digits(m_kib.into())
                    + digits(t.into())
                    + digits(p.into());
                if let Some(k) = self.current_pepper.and_then(|i| self.peppers.get(i)) {
                    n += ",keyid=".len() + b64(k.id.len());
                }
                if let Some(d) = self.normalization.mark() {
                    n += ",data=".len() + b64(d.len());
                }
                n + 1 + salt + 1 + tag
            }
            Target::Bcrypt { .. } => 60,
            Target::BcryptSha256 { cost } => {
                "$bcrypt-sha256$v=2,t=2b,r=$".len() + digits(cost.into()) + 22 + 1 + 31
            }
            Target::Scrypt { log_n, r, p } => {
                "$scrypt$ln=,r=,p=$".len()
                    + digits(log_n.into())
                    + digits(r.into())
                    + digits(p.into())
                    + salt
                    + 1
                    + tag
            }
            Target::Pbkdf2Sha256 { iterations } => {
                "$pbkdf2-sha256$$".len() + digits(iterations.into()) + salt + 1 + tag
            }
        }
    }

    /// Peak memory of one hash under the target, in KiB.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn target_memory_kib(&self) -> u64 {
        let params = match self.target {
            Target::Argon2id { m_kib, t, p } => Params::Argon2 { m_kib, t, p, version: 19 },
            Target::Scrypt { log_n, r, p } => Params::Scrypt { log_n, r, p },
            Target::Bcrypt { cost } | Target::BcryptSha256 { cost } => Params::Bcrypt { cost },
            Target::Pbkdf2Sha256 { iterations } => Params::Rounds(iterations.into()),
        };
        params.memory_kib()
    }

    /// The KDF context for a hash whose pepper is `secret`.
    fn kdf<'a>(&self, secret: Option<&'a [u8]>) -> scheme::Kdf<'a> {
        scheme::Kdf { secret, threads: self.ceilings.argon2_threads.max(1) }
    }

    /// Allocate and pre-fault up to `count` Argon2 memory arenas of the
    /// target's size in the process-wide pool (which keeps at most 32), so
    /// the first logins after start-up do not pay 19 MiB of page faults each.
    /// Returns the number of pooled arenas that fit the target; 0 when the
    /// target is not Argon2id. `limit::Limiter::prewarm` (feature `tokio`) picks
    /// `count` from its memory budget.
    pub fn prewarm(&self, count: usize) -> usize {
        match self.target {
            Target::Argon2id { m_kib, p, .. } => {
                scheme::argon2::prewarm(rehash_argon2::Params { m_kib, t: 1, p }.blocks(), count)
            }
            _ => 0,
        }
    }

    /// Threads an Argon2 computation with `p` lanes runs on under this policy.
    pub fn argon2_threads_for(&self, p: u32) -> u32 {
        p.clamp(1, self.ceilings.argon2_threads.max(1))
    }

    fn pepper_by_id(&self, id: &[u8]) -> Result<&Pepper> {
        self.peppers
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| Error::UnknownPepper { key_id: String::from_utf8_lossy(id).into_owned() })
    }

    fn check_password(&self, password: &[u8]) -> Result<()> {
        if password.len() > self.max_password_bytes {
            return Err(Error::PasswordTooLong { len: password.len(), max: self.max_password_bytes });
        }
        Ok(())
    }
}
