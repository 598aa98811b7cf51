//! The one error type of the crate.
//!
//! Messages name the scheme, the field and the limit that was broken. They never
//! contain a password, a salt or any byte of a stored hash, so an error can be
//! logged as it is.

use core::fmt;

use crate::catalogue::Scheme;

/// Everything that can go wrong when reading a stored hash, verifying a password
/// or producing a new hash.
///
/// A wrong password is *not* an error: it is [`crate::Verification::Invalid`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The stored string matches no known format, or a family's format is broken
    /// (bad length, bad base64, missing field, …). `what` says which part.
    Malformed {
        /// The family the string looked like, if one was recognised.
        scheme: Option<Scheme>,
        /// What was wrong, without echoing the input.
        what: &'static str,
    },
    /// The string is not self-describing: it fits several schemes (or one scheme
    /// that must be declared), and neither the row nor the policy says which.
    Ambiguous {
        /// Every scheme whose shape the string has.
        candidates: Vec<Scheme>,
    },
    /// A cost parameter read from the stored string is above the policy's ceiling
    /// (or below the family's own minimum). Checked before any work is done.
    ParameterOutOfRange {
        /// The family whose parameter is out of range.
        scheme: Scheme,
        /// The parameter's name (`m`, `rounds`, `cost`, …).
        parameter: &'static str,
        /// The value read from the stored string, saturated at `u64::MAX`.
        value: u64,
        /// The largest (or, for a value under the minimum, smallest) value allowed.
        limit: u64,
    },
    /// The scheme is recognised but this build cannot verify that variant
    /// (for example bcrypt's `$2x$` with 8-bit passwords).
    Unsupported {
        /// The family.
        scheme: Scheme,
        /// What exactly is unsupported.
        what: &'static str,
    },
    /// The password is not UTF-8, and what the hash (or the policy) asks for
    /// works on text: Unicode normalization, UTF-16 for NTLM and MS SQL.
    PasswordNotUtf8 {
        /// What needed text.
        what: &'static str,
    },
    /// The password is longer than the policy's limit.
    PasswordTooLong {
        /// The password's length in bytes.
        len: usize,
        /// The policy's limit in bytes.
        max: usize,
    },
    /// The row lacks a value the scheme needs (the separate salt column, or the
    /// user name that PostgreSQL's md5 uses as salt).
    MissingInput {
        /// The family.
        scheme: Scheme,
        /// `"salt"` or `"user"`.
        what: &'static str,
    },
    /// The hash names a pepper key id the policy does not hold. The key id is
    /// not secret; the pepper is.
    UnknownPepper {
        /// The key id read from the hash.
        key_id: String,
    },
    /// A salted recipe or a policy setting could not be understood.
    InvalidConfig(String),
    /// A background task failed (a bug, not bad input).
    Internal(&'static str),
}

impl Error {
    pub(crate) fn malformed(scheme: Scheme, what: &'static str) -> Self {
        Error::Malformed { scheme: Some(scheme), what }
    }

    pub(crate) fn too_big(scheme: Scheme, parameter: &'static str, value: u64, limit: u64) -> Self {
        Error::ParameterOutOfRange { scheme, parameter, value, limit }
    }

    /// A short stable name of the variant, for logs and JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Malformed { .. } => "malformed",
            Error::Ambiguous { .. } => "ambiguous",
            Error::ParameterOutOfRange { .. } => "parameter_out_of_range",
            Error::Unsupported { .. } => "unsupported",
            Error::PasswordTooLong { .. } => "password_too_long",
            Error::MissingInput { .. } => "missing_input",
            Error::UnknownPepper { .. } => "unknown_pepper",
            Error::InvalidConfig(_) => "invalid_config",
            Error::PasswordNotUtf8 { .. } => "password_not_utf8",
            Error::Internal(_) => "internal",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed { scheme: None, what } => write!(f, "unrecognised hash format: {what}"),
            Error::Malformed { scheme: Some(s), what } => write!(f, "malformed {s} hash: {what}"),
            Error::Ambiguous { candidates } => {
                f.write_str("hash is not self-describing; declare its scheme, one of: ")?;
                for (i, c) in candidates.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(c.name())?;
                }
                Ok(())
            }
            Error::ParameterOutOfRange { scheme, parameter, value, limit } if value > limit => {
                write!(f, "{scheme} parameter {parameter}={value} is above the ceiling ({limit})")
            }
            Error::ParameterOutOfRange { scheme, parameter, value, limit } => {
                write!(f, "{scheme} parameter {parameter}={value} is below the minimum ({limit})")
            }
            Error::Unsupported { scheme, what } => write!(f, "unsupported {scheme} variant: {what}"),
            Error::PasswordTooLong { len, max } => {
                write!(f, "password of {len} bytes is longer than the limit of {max} bytes")
            }
            Error::MissingInput { scheme, what } => {
                write!(f, "{scheme} needs the row's {what}, which was not given")
            }
            Error::UnknownPepper { key_id } => {
                write!(f, "the hash was made with pepper key `{key_id}`, which the policy does not hold")
            }
            Error::InvalidConfig(msg) => write!(f, "invalid configuration: {msg}"),
            Error::PasswordNotUtf8 { what } => write!(f, "the password is not UTF-8, which {what} needs"),
            Error::Internal(what) => write!(f, "internal error: {what}"),
        }
    }
}

impl std::error::Error for Error {}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl From<crate::site::SiteParamsError> for Error {
    fn from(e: crate::site::SiteParamsError) -> Self {
        Error::InvalidConfig(e.0)
    }
}
