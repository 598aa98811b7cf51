//! A stored hash as a row holds it.

use crate::catalogue::Scheme;
use crate::site::SiteParams;

/// A stored hash as a row holds it: the string, and where a family needs them,
/// the separate salt column, the user name, the row's declared scheme, the
/// column that records how the row was hashed (`params_col`) and settings of
/// the installation (`params`, else the policy's).
///
/// `Debug` prints the scheme hint only: hash, salt, user and parameters are
/// redacted.
#[derive(Clone, Copy, Default)]
pub struct Stored<'a> {
    pub(crate) hash: &'a str,
    pub(crate) salt: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
    pub(crate) scheme: Option<Scheme>,
    pub(crate) params: Option<&'a SiteParams>,
    pub(crate) params_col: Option<&'a str>,
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

    /// The row's declared scheme (its family column). It decides where the
    /// string alone cannot: a string that is not self-describing, one that
    /// fits several families (`sha1$salt$hex` is Django's salted SHA-1 and
    /// Werkzeug's HMAC), and a family that reuses another's form with an
    /// extra input (Devise's peppered bcrypt is a plain `$2a$` string). A
    /// hint that does not fit the string (a row upgraded since its family
    /// column was written) is ignored for a self-describing string.
    #[must_use]
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = Some(scheme);
        self
    }

    /// The installation's settings for this row's family (Firebase's project
    /// hash config, a Devise pepper); without them the policy's `[params]`
    /// are used.
    #[must_use]
    pub fn with_params(mut self, params: &'a SiteParams) -> Self {
        self.params = Some(params);
        self
    }

    /// The verbatim text of the row's column that says how it was hashed:
    /// Keycloak's `credential_data` JSON, Gitea's `passwd_hash_algo`
    /// (`pbkdf2$50000$50`), Discourse's `password_algorithm`.
    #[must_use]
    pub fn with_params_col(mut self, params_col: &'a str) -> Self {
        self.params_col = Some(params_col);
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
            .field("params", &self.params.map(|_| "<redacted>"))
            .field("params_col", &self.params_col.map(|_| "<redacted>"))
            .finish()
    }
}
