//! The policy: the target scheme new hashes are made with, the legacy schemes
//! and recipes the application declares for strings that are not
//! self-describing, the ceilings on parameters read from stored strings, and
//! the password length limit.

use rand::{Rng as _, RngCore as _};
use zeroize::Zeroizing;

use subtle::ConstantTimeEq as _;

use crate::catalogue::{Identified, KeyId, Normalization, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::error::{Error, Result};
use crate::scheme::{self, Extra, Family as _, Recipe};
use crate::site::SiteParams;
use crate::wrap::{is_wrapped, Onion};

mod builder;
mod outcome;
mod secrets;
mod stored;
mod target;

pub use builder::{Dangerous, PolicyBuilder, MAX_ARGON2_THREADS, MAX_TARGET_MEMORY_KIB};
pub use outcome::{Upgrade, Verification};
pub use secrets::Pepper;
pub use stored::Stored;
pub use target::Target;

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
    argon2_threads: u32,
    site_params: SiteParams,
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
            argon2_threads: 1,
            site_params: SiteParams::default(),
            dummy: Default::default(),
        }
    }
}

impl Policy {
    /// The target new hashes are made with.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// True when a failed [`Policy::verify_and_upgrade`] against a hash
    /// weaker than the target is padded with a dummy target verify (the
    /// default; `[timing] equal_time_failures`).
    pub fn equal_time_failures(&self) -> bool {
        self.equal_time_failures
    }

    /// True when new hashes and wraps are peppered.
    pub fn has_pepper(&self) -> bool {
        self.current_pepper.is_some()
    }

    /// The ceilings on stored parameters.
    pub fn ceilings(&self) -> &Ceilings {
        &self.ceilings
    }

    /// The one upgrade rule: true when a hash with these identified
    /// parameters and marks, once verified, should be replaced by a new
    /// target hash — a legacy family or wrapped string, parameters below the
    /// target, a retired (or missing) pepper key, or another normalization
    /// form than the policy's. Never for a locked account. The login API,
    /// `rehash scan` and `wrap`, and the C ABI all ask this.
    ///
    /// ```
    /// use rehash::{Pepper, Policy};
    /// let old = Policy::builder()
    ///     .pepper(Pepper::new(b"k1", &[1; 32])?)
    ///     .current_pepper(b"k1")
    ///     .dangerous()
    ///     .allow_below_owasp_floor()
    ///     .target(rehash::Target::Argon2id { m_kib: 64, t: 1, p: 1 })
    ///     .build()?;
    /// let hash = old.hash(b"password")?;
    /// let id = old.identify(hash.as_str())?;
    /// assert!(!old.needs_upgrade(&id));
    /// // k1 retired: still verifies, but asks for an upgrade.
    /// let new = Policy::builder()
    ///     .pepper(Pepper::new(b"k1", &[1; 32])?)
    ///     .pepper(Pepper::new(b"k2", &[2; 32])?)
    ///     .current_pepper(b"k2")
    ///     .dangerous()
    ///     .allow_below_owasp_floor()
    ///     .target(rehash::Target::Argon2id { m_kib: 64, t: 1, p: 1 })
    ///     .build()?;
    /// assert!(new.needs_upgrade(&new.identify(hash.as_str())?));
    /// assert!(new.verify(b"password", hash.as_str())?.needs_upgrade());
    /// # Ok::<(), rehash::Error>(())
    /// ```
    pub fn needs_upgrade(&self, id: &Identified) -> bool {
        if id.scheme == Scheme::Disabled {
            return false;
        }
        let current = self.current_key().map(|p| p.id.as_slice());
        self.target.needs_upgrade(id)
            || id.key_id.as_ref().map(KeyId::as_bytes) != current
            || id.normalization != self.normalization
    }

    /// The row-level inputs of a parse: the row's params, else the policy's.
    fn extra<'a>(&'a self, row: &Stored<'a>, salt: Option<&'a str>, user: Option<&'a str>) -> Extra<'a> {
        let params = row.params.or((!self.site_params.is_empty()).then_some(&self.site_params));
        Extra { salt, user, params, params_col: row.params_col }
    }

    fn parse<'a>(&'a self, stored: &Stored<'a>) -> Result<scheme::Parsed<'a>> {
        let extra = self.extra(stored, stored.salt, stored.user);
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
            1 => self.extra(row, o.salt.as_deref(), o.user.as_deref()),
            _ => self.extra(row, row.salt, row.user),
        };
        let recipes: &[Recipe] = match &o.recipe {
            None => &[],
            Some(n) => {
                let r = self.recipes.iter().find(|r| r.wrap_id() == n).ok_or_else(|| {
                    Error::InvalidConfig(format!(
                        "a wrapped hash names recipe `{n}`, which the policy does not declare"
                    ))
                })?;
                core::slice::from_ref(r)
            }
        };
        // The label names the family even where the setting alone fits
        // several (a Django salt of Werkzeug's length).
        let inner = scheme::parse(&o.setting, extra, Some(o.inner_scheme), &[], recipes)?;
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
        let ok: bool = outer.as_slice().ct_eq(&onion.outer.expected()).into();
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
    /// #     .dangerous().allow_below_owasp_floor().build()?;
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
        let digest = parsed.expected();
        let mut salt = Zeroizing::new([0u8; crate::wrap::OUTER_SALT_LEN]);
        rand::rng().fill_bytes(salt.as_mut_slice());
        let pepper = self.current_key();
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
        self.format_wrap(&parsed, mtp, &salt_tag)
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
        let placeholder = [0u8; crate::wrap::OUTER_SALT_LEN + crate::wrap::OUTER_TAG_LEN];
        Ok(self.format_wrap(&parsed, mtp, &placeholder)?.len())
    }

    /// The v2 string of a prepared row: its masked setting, the target's
    /// parameters, the current key id, and the outer salt and tag.
    fn format_wrap(
        &self,
        parsed: &scheme::Parsed<'_>,
        mtp: (u32, u32, u32),
        salt_tag: &[u8],
    ) -> Result<String> {
        let setting = parsed.masked()?;
        let keyid = self.current_key().map(|k| k.id.as_slice());
        Ok(crate::wrap::format_v2(
            parsed.identified().scheme,
            &setting,
            parsed.recipe_notation(),
            mtp,
            keyid,
            salt_tag,
        ))
    }

    /// The pepper new hashes and wraps are made with, if any.
    fn current_key(&self) -> Option<&Pepper> {
        self.current_pepper.and_then(|i| self.peppers.get(i))
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
        // Wrapped strings are rehash's own format whichever Argon2id target
        // gives their costs.
        let Some((m_kib, t, p)) = self.target.argon2_params() else {
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
        let pepper = self.current_key();
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
        // No normalization recorded (every legacy hash): verify the bytes as
        // given, without a copy.
        let normalized;
        let password: &[u8] = if form == Normalization::None {
            password
        } else {
            normalized = form.apply(password)?;
            &normalized
        };
        let ok: bool = parsed.verify(password, self.kdf(secret))?.into();
        Ok(if ok {
            Verification::Valid { identified, needs_upgrade: self.needs_upgrade(&identified) }
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
    /// the current pepper and the policy's normalization. The salt is 16
    /// random bytes; for [`Target::DjangoArgon2`], 22 random letters and
    /// digits, as Django's `salt()` makes it.
    pub fn hash(&self, password: &[u8]) -> Result<String> {
        if let Target::DjangoArgon2 { .. } = self.target {
            let salt: Zeroizing<Vec<u8>> =
                Zeroizing::new(rand::rng().sample_iter(rand::distr::Alphanumeric).take(22).collect());
            return self.hash_with_salt(password, &salt);
        }
        let mut salt = Zeroizing::new([0u8; 16]);
        rand::rng().fill_bytes(salt.as_mut_slice());
        self.hash_with_salt(password, salt.as_slice())
    }

    /// [`Policy::hash`] with a salt the caller chose, for frameworks whose
    /// hasher interface hands one in (Django's `encode(password, salt)`).
    /// The salt must be 8 to 64 bytes, and exactly 16 for the bcrypt
    /// targets. Prefer [`Policy::hash`], which draws a fresh random salt:
    /// a reused salt gives equal strings for equal passwords.
    pub fn hash_with_salt(&self, password: &[u8], salt: &[u8]) -> Result<String> {
        self.check_password(password)?;
        if !(8..=64).contains(&salt.len()) {
            return Err(Error::InvalidConfig(format!("the salt must be 8 to 64 bytes, not {}", salt.len())));
        }
        let salt16 = || -> Result<[u8; 16]> {
            salt.try_into().map_err(|_| Error::InvalidConfig("a bcrypt salt is exactly 16 bytes".into()))
        };
        match self.target {
            Target::Argon2id { m_kib, t, p } => {
                let password = self.normalization.apply(password)?;
                let pepper = self.current_key();
                let marks = scheme::argon2::Marks {
                    pepper: pepper.map(|k| (k.id.as_slice(), k.secret.as_slice())),
                    data: self.normalization.mark(),
                };
                scheme::argon2::hash_argon2id(
                    &password,
                    (m_kib, t, p),
                    salt,
                    &marks,
                    self.argon2_threads_for(p),
                )
            }
            Target::DjangoArgon2 { m_kib, t, p } => {
                // `build` refuses a pepper and normalization with this target.
                let marks = scheme::argon2::Marks { pepper: None, data: None };
                let phc = scheme::argon2::hash_argon2id(
                    password,
                    (m_kib, t, p),
                    salt,
                    &marks,
                    self.argon2_threads_for(p),
                )?;
                Ok(format!("argon2{phc}"))
            }
            Target::Bcrypt { cost } => {
                if password.len() > 72 {
                    return Err(Error::PasswordTooLong { len: password.len(), max: 72 });
                }
                scheme::bcrypt::hash_2b(password, cost, salt16()?)
            }
            Target::BcryptSha256 { cost } => scheme::bcrypt::hash_bcrypt_sha256(password, cost, salt16()?),
            Target::Scrypt { log_n, r, p } => scheme::scrypt::hash_passlib(password, log_n, r, p, salt),
            Target::Pbkdf2Sha256 { iterations } => {
                Ok(scheme::pbkdf2::hash_passlib_sha256(password, iterations, salt))
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
                if let Some(k) = self.current_key() {
                    n += ",keyid=".len() + b64(k.id.len());
                }
                if let Some(d) = self.normalization.mark() {
                    n += ",data=".len() + b64(d.len());
                }
                n + 1 + salt + 1 + tag
            }
            Target::DjangoArgon2 { m_kib, t, p } => {
                "argon2$argon2id$v=19$m=,t=,p=".len()
                    + digits(m_kib.into())
                    + digits(t.into())
                    + digits(p.into())
                    + 1
                    + b64(22)
                    + 1
                    + tag
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
            Target::Argon2id { m_kib, t, p } | Target::DjangoArgon2 { m_kib, t, p } => {
                Params::Argon2 { m_kib, t, p, version: 19 }
            }
            Target::Scrypt { log_n, r, p } => Params::Scrypt { log_n, r, p },
            Target::Bcrypt { cost } | Target::BcryptSha256 { cost } => Params::Bcrypt { cost },
            Target::Pbkdf2Sha256 { iterations } => Params::Rounds(iterations.into()),
        };
        params.memory_kib()
    }

    /// The KDF context for a hash whose pepper is `secret`.
    fn kdf<'a>(&self, secret: Option<&'a [u8]>) -> scheme::Kdf<'a> {
        scheme::Kdf { secret, threads: self.argon2_threads.max(1) }
    }

    /// Allocate and pre-fault up to `count` Argon2 memory arenas of the
    /// target's size in the process-wide pool (which keeps at most 32), so
    /// the first logins after start-up do not pay 19 MiB of page faults each.
    /// Returns the number of pooled arenas that fit the target; 0 when the
    /// target is not Argon2id. `limit::Limiter::prewarm` (feature `tokio`) picks
    /// `count` from its memory budget.
    pub fn prewarm(&self, count: usize) -> usize {
        match self.target.argon2_params() {
            Some((m_kib, _, p)) => {
                scheme::argon2::prewarm(rehash_argon2::Params { m_kib, t: 1, p }.blocks(), count)
            }
            None => 0,
        }
    }

    /// The most threads one Argon2 computation may fill its lanes on.
    pub fn argon2_threads(&self) -> u32 {
        self.argon2_threads
    }

    /// Threads an Argon2 computation with `p` lanes runs on under this policy.
    pub fn argon2_threads_for(&self, p: u32) -> u32 {
        p.clamp(1, self.argon2_threads.max(1))
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
