//! What a verify and a login call answer.

use crate::catalogue::Identified;

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
