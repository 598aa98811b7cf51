//! Settings that belong to a whole installation rather than to a row:
//! Firebase's project hash configuration (signer key, salt separator, rounds,
//! memory cost), a Devise pepper, an old ownCloud `passwordsalt`. A leaf: it
//! imports nothing of the crate.
//!
//! Production code keeps them in the policy file (`[params]`, secrets named by
//! environment variable or file as the pepper keys are); a row may also carry
//! its own ([`crate::Stored::with_params`]), which then wins.

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroizing;

/// The most entries one set of site parameters may hold, and the longest key
/// and value, so a hostile params object cannot make a parse expensive.
const MAX_ENTRIES: usize = 64;
const MAX_KEY: usize = 64;
const MAX_VALUE: usize = 4096;

/// Named settings of an installation, as text (numbers in their decimal
/// form). Values may be secrets (Firebase's signer key, a pepper): they are
/// zeroed when dropped and `Debug` prints the keys only.
///
/// ```
/// use rehash::SiteParams;
/// let p = SiteParams::from_json(r#"{"rounds": 8, "mem_cost": 14, "base64_salt_separator": "Bw=="}"#)?;
/// assert_eq!(p.get("rounds"), Some("8"));
/// assert_eq!(format!("{p:?}"), r#"SiteParams { keys: ["base64_salt_separator", "mem_cost", "rounds"] }"#);
/// # Ok::<(), rehash::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SiteParams {
    entries: BTreeMap<String, Zeroizing<String>>,
}

/// Why a set of site parameters was refused (turned into
/// `Error::InvalidConfig` by the layers above).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteParamsError(pub(crate) String);

impl fmt::Display for SiteParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SiteParamsError {}

impl SiteParams {
    /// No settings.
    pub fn new() -> Self {
        SiteParams::default()
    }

    /// Set `key` to `value` (replacing an earlier value).
    ///
    /// # Errors
    /// A key that is empty, longer than 64 bytes or not `[A-Za-z0-9_.-]`, a
    /// value over 4,096 bytes, or more than 64 entries.
    pub fn insert(&mut self, key: &str, value: impl Into<String>) -> Result<(), SiteParamsError> {
        let value = Zeroizing::new(value.into());
        if key.is_empty()
            || key.len() > MAX_KEY
            || !key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(SiteParamsError(format!("params: bad key {:?}", key.get(..MAX_KEY).unwrap_or(key))));
        }
        if value.len() > MAX_VALUE {
            return Err(SiteParamsError(format!("params: the value of `{key}` is over {MAX_VALUE} bytes")));
        }
        if !self.entries.contains_key(key) && self.entries.len() >= MAX_ENTRIES {
            return Err(SiteParamsError(format!("params: more than {MAX_ENTRIES} entries")));
        }
        self.entries.insert(key.to_owned(), value);
        Ok(())
    }

    /// [`SiteParams::insert`] as a builder step.
    ///
    /// # Errors
    /// As [`SiteParams::insert`].
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Result<Self, SiteParamsError> {
        self.insert(key, value)?;
        Ok(self)
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.get(key).map(|v| v.as_str())
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys that are set, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Read a JSON object of strings, integers and booleans (the `params`
    /// field of a vector line, or of a `rehash verify` line).
    ///
    /// # Errors
    /// Not an object, a nested value or a fraction, or a refused entry.
    pub fn from_json(text: &str) -> Result<Self, SiteParamsError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| SiteParamsError(format!("params: not JSON ({e})")))?;
        Self::from_json_value(&value)
    }

    /// [`SiteParams::from_json`] of a parsed value.
    ///
    /// # Errors
    /// As [`SiteParams::from_json`].
    pub fn from_json_value(value: &serde_json::Value) -> Result<Self, SiteParamsError> {
        let obj =
            value.as_object().ok_or_else(|| SiteParamsError("params: expected a JSON object".into()))?;
        let mut out = SiteParams::new();
        for (k, v) in obj {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(SiteParamsError(format!(
                        "params: `{}` must be a string, an integer or a boolean",
                        k.get(..MAX_KEY).unwrap_or(k)
                    )))
                }
            };
            out.insert(k, text)?;
        }
        Ok(out)
    }
}

impl fmt::Debug for SiteParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteParams").field("keys", &self.entries.keys().collect::<Vec<_>>()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_it_should() {
        assert!(SiteParams::from_json("[1]").is_err());
        assert!(SiteParams::from_json(r#"{"a": 1.5}"#).is_err());
        assert!(SiteParams::from_json(r#"{"a": {"b": 1}}"#).is_err());
        assert!(SiteParams::from_json(r#"{"": "x"}"#).is_err());
        assert!(SiteParams::new().with("k", "v".repeat(5000)).is_err());
        let mut p = SiteParams::new();
        for i in 0..MAX_ENTRIES {
            p.insert(&format!("k{i}"), "v").expect("under the limit");
        }
        assert!(p.insert("one_more", "v").is_err());
        assert!(p.insert("k0", "replaced").is_ok());
    }

    #[test]
    fn debug_shows_keys_only() {
        let p = SiteParams::new().with("pepper", "s3cret").expect("ok");
        assert!(!format!("{p:?}").contains("s3cret"));
    }
}
