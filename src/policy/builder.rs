//! Building a [`Policy`]: every setting, checked by [`PolicyBuilder::build`];
//! settings that weaken security only behind [`PolicyBuilder::dangerous`].

use crate::catalogue::Scheme;
use crate::ceilings::Ceilings;
use crate::error::{Error, Result};
use crate::scheme::Recipe;
use crate::site::SiteParams;

use super::{Pepper, Policy, Target};
use crate::catalogue::Normalization;

/// Builds a [`Policy`]; [`PolicyBuilder::build`] checks it.
#[derive(Clone, Debug)]
pub struct PolicyBuilder {
    policy: Policy,
    allow_weak_target: bool,
    current: Option<Vec<u8>>,
}

/// The settings that weaken what a policy protects, behind a door of their
/// own ([`PolicyBuilder::dangerous`]) so that a reviewer sees them.
#[derive(Clone, Debug)]
#[must_use]
pub struct Dangerous(PolicyBuilder);

impl Dangerous {
    /// Allow a target below the OWASP Password Storage floors (Argon2id
    /// m=19456,t=2,p=1; bcrypt 10; scrypt N=2^17,r=8,p=1; PBKDF2-SHA256
    /// 600,000). For test suites that must run fast and for `calibrate`'s
    /// probes; a production policy never needs it.
    pub fn allow_below_owasp_floor(mut self) -> PolicyBuilder {
        self.0.allow_weak_target = true;
        self.0
    }
}

/// The largest Argon2 memory a target may ask for (4 GiB): beyond it no
/// server verifies logins, and `m_kib = u32::MAX` would abort on allocation.
pub const MAX_TARGET_MEMORY_KIB: u32 = 4 * 1024 * 1024;

/// The most threads one Argon2 hash may fill its lanes on.
pub const MAX_ARGON2_THREADS: u32 = 64;

impl Policy {
    /// Start from the defaults.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder { policy: Policy::default(), allow_weak_target: false, current: None }
    }
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

    /// Settings of the installation that some families need and no row holds
    /// (Firebase's project hash config, a Devise pepper): used for every row
    /// that does not carry its own ([`crate::Stored::with_params`]).
    #[must_use]
    pub fn site_params(mut self, params: SiteParams) -> Self {
        self.policy.site_params = params;
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

    /// Most threads one Argon2 computation may fill its lanes on (only
    /// hashes with p > 1 can use more than one; 1 to 64). Default 1: a login
    /// server already runs logins side by side; raise it where single logins
    /// must be fast, and count it in `limit::Limiter`'s thread budget
    /// (feature `tokio`).
    #[must_use]
    pub fn argon2_threads(mut self, threads: u32) -> Self {
        self.policy.argon2_threads = threads;
        self
    }

    /// Settings that weaken the policy: see [`Dangerous`].
    pub fn dangerous(self) -> Dangerous {
        Dangerous(self)
    }

    /// Check and return the policy. Refused: a target below the OWASP floor
    /// (unless [`Dangerous::allow_below_owasp_floor`]), and a target the
    /// policy itself could not verify — parameters over its own ceilings, or
    /// over the sane maxima ([`MAX_TARGET_MEMORY_KIB`], t and p of at most
    /// 2^24 - 1) — since every hash it wrote would lock its user out.
    pub fn build(mut self) -> Result<Policy> {
        // Impossible parameters first (bcrypt 32 is above the maximum, not
        // "below the floor"), then the floor, then the policy's own ceilings.
        self.policy.target.check_sane()?;
        if !self.allow_weak_target {
            self.policy.target.check_floor()?;
        }
        self.policy.target.check_within(&self.policy.ceilings)?;
        let p = &mut self.policy;
        if p.argon2_threads == 0 || p.argon2_threads > MAX_ARGON2_THREADS {
            return Err(Error::InvalidConfig(format!(
                "argon2_threads must be 1 to {MAX_ARGON2_THREADS}, not {}",
                p.argon2_threads
            )));
        }
        if p.max_password_bytes == 0 {
            return Err(Error::InvalidConfig("max_password_bytes must be at least 1".into()));
        }
        if let Some(bad) = p.declared.iter().find(|s| !crate::scheme::declarable(**s)) {
            return Err(Error::InvalidConfig(format!(
                "{bad} is self-describing or a recipe label; declare only schemes that need it \
                 (or that share their strings with another family)"
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
