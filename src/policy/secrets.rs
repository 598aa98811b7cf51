//! Secrets and password handling: pepper keys and Unicode normalization.

use zeroize::Zeroizing;

use crate::catalogue::Normalization;
use crate::error::{Error, Result};

impl Normalization {
    /// The password in this form; a password that is not UTF-8 cannot be
    /// normalized and is an error rather than silently left as it is.
    pub(crate) fn apply(self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        use unicode_normalization::UnicodeNormalization as _;
        if self == Normalization::None {
            return Ok(Zeroizing::new(password.to_vec()));
        }
        let text = core::str::from_utf8(password)
            .map_err(|_| Error::PasswordNotUtf8 { what: "Unicode normalization" })?;
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
    pub(crate) id: Vec<u8>,
    pub(crate) secret: Zeroizing<Vec<u8>>,
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
