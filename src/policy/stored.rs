//! A stored hash as a row holds it.

use crate::catalogue::Scheme;

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
