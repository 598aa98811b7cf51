//! Onion wrapping: make a dormant legacy hash strong without its password.
//!
//! A legacy hash stores a digest `D = legacy(password, salt, params)`. Wrapping
//! computes `W = Argon2id(D)` under the policy's target parameters (and, when
//! the policy holds a pepper, with the pepper as Argon2's secret input and its
//! key id recorded), then stores `W` beside the legacy *setting* — the legacy
//! string with every byte of `D` replaced by zero. Verify recomputes `D` from
//! the password and the setting, then `W`. The weak digest is gone from the
//! table; a successful login replaces the wrapped hash by a direct target hash.
//!
//! Grammar (version 1), every field base64url without padding where noted:
//!
//! ```text
//! wrapped  = "$rehash-wrap$v=1$" inner "$" outer
//! inner    = "inner=" label ",s=" b64url(setting)
//!            [",salt=" b64url(salt column)] [",user=" b64url(user name)]
//!            [",recipe=" b64url(recipe notation)]
//! label    = the inner family's scheme label (md5_crypt, md5_hex, …)
//! setting  = the legacy stored string with its digest zeroed
//! outer    = an Argon2id PHC string without its leading "$"
//!            ("argon2id$v=19$m=…,t=…,p=…[,keyid=…]$salt$hash", hash = 32 bytes)
//! ```
//! A declared recipe is recorded by its notation; its secret constant, if any,
//! stays in the policy and is never written into the string.

use base64ct::{Base64UrlUnpadded, Encoding as _};

use crate::error::{Error, Result};
use crate::scheme::{Identified, Scheme};

/// The prefix of every wrapped string.
pub(crate) const PREFIX: &str = "$rehash-wrap$v=1$";

/// The length of W, the outer Argon2id tag, in every wrapped string.
const OUTER_TAG_LEN: usize = 32;

/// A parsed wrapped string.
pub(crate) struct Onion {
    pub inner_scheme: Scheme,
    pub setting: String,
    pub salt: Option<String>,
    pub user: Option<String>,
    pub recipe: Option<String>,
    pub outer: crate::scheme::argon2::Parsed,
}

fn text(v: &str) -> Result<String> {
    let bytes =
        Base64UrlUnpadded::decode_vec(v).map_err(|_| Error::malformed(Scheme::RehashWrap, "base64url"))?;
    String::from_utf8(bytes).map_err(|_| Error::malformed(Scheme::RehashWrap, "inner field is not UTF-8"))
}

impl Onion {
    pub(crate) fn parse(s: &str) -> Result<Onion> {
        let sch = Scheme::RehashWrap;
        let rest = s.strip_prefix(PREFIX).ok_or(Error::malformed(sch, "prefix or version"))?;
        let (inner, outer) = rest.split_once('$').ok_or(Error::malformed(sch, "missing outer hash"))?;
        let mut o = Onion {
            inner_scheme: Scheme::Recipe,
            setting: String::new(),
            salt: None,
            user: None,
            recipe: None,
            outer: crate::scheme::argon2::Parsed::parse(outer, None)?,
        };
        let (mut label, mut setting) = (None, None);
        for kv in inner.split(',') {
            match kv.split_once('=') {
                Some(("inner", v)) if label.is_none() => label = Some(v),
                Some(("s", v)) if setting.is_none() => setting = Some(text(v)?),
                Some(("salt", v)) if o.salt.is_none() => o.salt = Some(text(v)?),
                Some(("user", v)) if o.user.is_none() => o.user = Some(text(v)?),
                Some(("recipe", v)) if o.recipe.is_none() => o.recipe = Some(text(v)?),
                _ => return Err(Error::malformed(sch, "inner parameters")),
            }
        }
        let label = label.ok_or(Error::malformed(sch, "missing inner="))?;
        o.inner_scheme = Scheme::from_name(label).ok_or(Error::malformed(sch, "unknown inner scheme"))?;
        if matches!(o.inner_scheme, Scheme::RehashWrap | Scheme::Disabled) {
            return Err(Error::malformed(sch, "inner scheme cannot be wrapped"));
        }
        o.setting = setting.ok_or(Error::malformed(sch, "missing s="))?;
        if o.outer.identified().scheme != Scheme::Argon2id {
            return Err(Error::malformed(sch, "outer hash must be argon2id"));
        }
        // rehash writes W with a 32-byte tag and nothing else: a shorter or
        // longer one (a truncated row, say) is damage, not another hash.
        if o.outer.expected().len() != OUTER_TAG_LEN {
            return Err(Error::malformed(sch, "outer hash must have a 32-byte tag"));
        }
        Ok(o)
    }

    pub(crate) fn identified(&self) -> Identified {
        Identified { scheme: Scheme::RehashWrap, params: self.outer.identified().params }
    }
}

/// The inner part of a new wrapped string.
pub(crate) fn format_inner(
    scheme: Scheme,
    setting: &str,
    salt: Option<&str>,
    user: Option<&str>,
    recipe: Option<&str>,
) -> String {
    let mut s =
        format!("{PREFIX}inner={},s={}", scheme.name(), Base64UrlUnpadded::encode_string(setting.as_bytes()));
    for (k, v) in [("salt", salt), ("user", user), ("recipe", recipe)] {
        if let Some(v) = v {
            s.push_str(&format!(",{k}={}", Base64UrlUnpadded::encode_string(v.as_bytes())));
        }
    }
    s
}

/// Join the inner part and an outer `$argon2id$…` string.
pub(crate) fn join(inner: &str, outer: &str) -> String {
    format!("{inner}${}", outer.strip_prefix('$').unwrap_or(outer))
}
