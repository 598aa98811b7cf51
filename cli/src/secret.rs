//! Reversibly encrypted password columns: AES-256-GCM and AES-256-CBC with
//! PKCS#7, the key from a file or an environment variable. Decrypted
//! passwords live in zeroized buffers and are hashed at once.
//!
//! Stored value formats (base64, standard alphabet, padding optional):
//! - `aes-256-gcm`: nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes);
//! - `aes-256-cbc`: IV (16 bytes) ‖ ciphertext (PKCS#7 padded).
//!
//! Key formats: 32 raw bytes, 64 hex characters, or base64 of 32 bytes
//! (surrounding whitespace ignored).

use aes_gcm::aead::{Aead, KeyInit};
use base64ct::{Base64, Base64Unpadded, Encoding};
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use zeroize::Zeroizing;

use crate::{Error, RowError};

/// Which cipher the column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Cipher {
    /// AES-256-GCM: base64(nonce ‖ ciphertext ‖ tag).
    #[value(name = "aes-256-gcm")]
    Aes256Gcm,
    /// AES-256-CBC with PKCS#7: base64(iv ‖ ciphertext).
    #[value(name = "aes-256-cbc")]
    Aes256Cbc,
}

const NOT_A_KEY: &str = "key is neither 32 bytes, hex nor base64";

/// A 32-byte key, wiped on drop; `Debug` never shows it.
pub struct Key(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl Key {
    /// Parse raw, hex or base64 key material.
    pub fn parse(material: &[u8]) -> Result<Key, Error> {
        let mut key = Zeroizing::new([0u8; 32]);
        if material.len() == 32 {
            key.copy_from_slice(material);
            return Ok(Key(key));
        }
        let text = std::str::from_utf8(material).map_err(|_| Error::BadKey(NOT_A_KEY))?.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|c| c.is_ascii_hexdigit()) {
            Zeroizing::new(
                (0..32).filter_map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()).collect(),
            )
        } else {
            Zeroizing::new(Base64::decode_vec(text).map_err(|_| Error::BadKey(NOT_A_KEY))?)
        };
        if bytes.len() != 32 {
            return Err(Error::BadKey("the key must be 32 bytes (AES-256)"));
        }
        key.copy_from_slice(&bytes);
        Ok(Key(key))
    }

    /// Decrypt one stored value; errors never include the value.
    pub fn decrypt(&self, cipher: Cipher, stored: &str) -> Result<Zeroizing<Vec<u8>>, RowError> {
        self.decrypt_inner(cipher, stored).map_err(RowError::Undecryptable)
    }

    fn decrypt_inner(&self, cipher: Cipher, stored: &str) -> Result<Zeroizing<Vec<u8>>, &'static str> {
        let raw = Base64Unpadded::decode_vec(stored.trim_end_matches('=')).map_err(|_| "not base64")?;
        match cipher {
            Cipher::Aes256Gcm => {
                if raw.len() < 12 + 16 {
                    return Err("too short for nonce and tag");
                }
                let (nonce, ct) = raw.split_at(12);
                let aead = aes_gcm::Aes256Gcm::new_from_slice(self.0.as_slice()).map_err(|_| "key")?;
                aead.decrypt(aes_gcm::Nonce::from_slice(nonce), ct)
                    .map(Zeroizing::new)
                    .map_err(|_| "authentication failed")
            }
            Cipher::Aes256Cbc => {
                if raw.len() < 32 || raw.len() % 16 != 0 {
                    return Err("length is not IV plus whole blocks");
                }
                let (iv, ct) = raw.split_at(16);
                let dec = cbc::Decryptor::<aes::Aes256>::new_from_slices(self.0.as_slice(), iv)
                    .map_err(|_| "key")?;
                dec.decrypt_padded_vec_mut::<cbc::cipher::block_padding::Pkcs7>(ct)
                    .map(Zeroizing::new)
                    .map_err(|_| "bad padding")
            }
        }
    }
}
