//! bcrypt (`$2a$`, `$2b$`, `$2y$`), passlib's `bcrypt_sha256` and Django's
//! `bcrypt$` / `bcrypt_sha256$` wrappers. The Blowfish work is the `bcrypt`
//! crate's; this module reads the formats and the pre-hashes they mark.
//!
//! Truncation: the systems that wrote these strings (OpenBSD, crypt_blowfish,
//! PHP, python bcrypt < 5) use the first 72 bytes of the password and ignore
//! the rest, so verify does the same. New bcrypt hashes never truncate: see
//! [`crate::Target::Bcrypt`].

use base64ct::{Base64, Encoding as _};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest as _, Sha256, Sha384};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{bcrypt64_decode, bcrypt64_encode, hex_lower, parse_decimal};
use crate::error::{Error, Result};

/// The password transformation a format marks before bcrypt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PreHash {
    /// The password itself (first 72 bytes).
    None,
    /// Django: hex(sha256(password)).
    HexSha256,
    /// passlib v1: base64(sha256(password)).
    Base64Sha256,
    /// passlib v2: base64(hmac_sha256(key = salt string, msg = password)).
    Base64HmacSha256,
    /// WordPress 6.8 `$wp$`: base64(hmac_sha384(key = "wp-sha384", msg = password)).
    WordpressHmacSha384,
}

pub(crate) struct Parsed {
    scheme: Scheme,
    cost: u32,
    salt: [u8; 16],
    salt_text: String,
    checksum: [u8; 23],
    prehash: PreHash,
    /// The stored string without its 31 checksum characters (wrapper included).
    head: String,
}

fn decode_salt_and_checksum(scheme: Scheme, salt: &str, checksum: &str) -> Result<([u8; 16], [u8; 23])> {
    let bad = || Error::malformed(scheme, "salt or checksum is not bcrypt base64 of the right length");
    if salt.len() != 22 || checksum.len() != 31 {
        return Err(bad());
    }
    let s: [u8; 16] = bcrypt64_decode(salt).and_then(|v| v.try_into().ok()).ok_or_else(bad)?;
    let c: [u8; 23] = bcrypt64_decode(checksum).and_then(|v| v.try_into().ok()).ok_or_else(bad)?;
    Ok((s, c))
}

fn parse_cost(scheme: Scheme, s: &str) -> Result<u32> {
    let cost = parse_decimal(s).ok_or(Error::malformed(scheme, "cost"))?;
    if !(4..=31).contains(&cost) {
        return Err(Error::too_big(scheme, "cost", cost, 31));
    }
    Ok(cost as u32)
}

impl Parsed {
    /// `$2b$12$<22 salt><31 checksum>`; `scheme` tells which wrapper it came in.
    pub(crate) fn parse_plain(s: &str, scheme: Scheme) -> Result<Self> {
        let mut f = s.split('$');
        let (empty, variant, cost, rest) = (f.next(), f.next(), f.next(), f.next());
        if empty != Some("") || f.next().is_some() {
            return Err(Error::malformed(scheme, "field layout"));
        }
        match variant {
            Some("2a" | "2b" | "2y") => {}
            Some("2x") => {
                return Err(Error::Unsupported { scheme, what: "$2x$ (crypt_blowfish's sign-extension bug)" })
            }
            _ => return Err(Error::malformed(scheme, "variant")),
        }
        let cost = parse_cost(scheme, cost.unwrap_or_default())?;
        let rest = rest.ok_or(Error::malformed(scheme, "missing salt"))?;
        let (salt, checksum) = (rest.get(..22).unwrap_or_default(), rest.get(22..).unwrap_or_default());
        let (salt_b, checksum_b) = decode_salt_and_checksum(scheme, salt, checksum)?;
        let prehash = if scheme == Scheme::DjangoBcryptSha256 { PreHash::HexSha256 } else { PreHash::None };
        let wrapper = match scheme {
            Scheme::DjangoBcrypt => "bcrypt$",
            Scheme::DjangoBcryptSha256 => "bcrypt_sha256$",
            Scheme::WordpressBcrypt => "$wp",
            _ => "",
        };
        let head = format!("{wrapper}{}", s.get(..s.len() - 31).unwrap_or_default());
        Ok(Parsed {
            scheme,
            cost,
            salt: salt_b,
            salt_text: salt.to_owned(),
            checksum: checksum_b,
            prehash,
            head,
        })
    }

    /// WordPress 6.8+: `$wp$2y$10$…`.
    pub(crate) fn parse_wordpress(s: &str) -> Result<Self> {
        let inner = s.strip_prefix("$wp").ok_or(Error::malformed(Scheme::WordpressBcrypt, "prefix"))?;
        let mut p = Self::parse_plain(inner, Scheme::WordpressBcrypt)?;
        p.prehash = PreHash::WordpressHmacSha384;
        Ok(p)
    }

    /// passlib: `$bcrypt-sha256$v=2,t=2b,r=12$<salt>$<checksum>` or the v1 form
    /// `$bcrypt-sha256$2a,12$<salt>$<checksum>`.
    pub(crate) fn parse_passlib_sha256(s: &str) -> Result<Self> {
        let scheme = Scheme::BcryptSha256;
        let rest = s.strip_prefix("$bcrypt-sha256$").ok_or(Error::malformed(scheme, "prefix"))?;
        let mut f = rest.split('$');
        let (params, salt, checksum) = (f.next().unwrap_or_default(), f.next(), f.next());
        if f.next().is_some() {
            return Err(Error::malformed(scheme, "too many fields"));
        }
        let (salt, checksum) = salt.zip(checksum).ok_or(Error::malformed(scheme, "missing fields"))?;
        let (prehash, cost) = if let Some(v2) = params.strip_prefix("v=2,") {
            let mut kv = v2.split(',');
            let (t, r) = (kv.next(), kv.next());
            if kv.next().is_some() || !matches!(t, Some("t=2a" | "t=2b")) {
                return Err(Error::malformed(scheme, "parameters"));
            }
            let r = r.and_then(|r| r.strip_prefix("r=")).ok_or(Error::malformed(scheme, "rounds"))?;
            (PreHash::Base64HmacSha256, parse_cost(scheme, r)?)
        } else {
            let (variant, r) = params.split_once(',').ok_or(Error::malformed(scheme, "parameters"))?;
            if !matches!(variant, "2a" | "2b") {
                return Err(Error::malformed(scheme, "variant"));
            }
            (PreHash::Base64Sha256, parse_cost(scheme, r)?)
        };
        let (salt_b, checksum_b) = decode_salt_and_checksum(scheme, salt, checksum)?;
        let head = s.get(..s.len() - 31).unwrap_or_default().to_owned();
        Ok(Parsed {
            scheme,
            cost,
            salt: salt_b,
            salt_text: salt.to_owned(),
            checksum: checksum_b,
            prehash,
            head,
        })
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme, Params::Bcrypt { cost: self.cost })
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        if self.cost > c.bcrypt_cost {
            return Err(Error::too_big(self.scheme, "cost", self.cost.into(), c.bcrypt_cost.into()));
        }
        Ok(())
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.checksum)
    }

    fn masked(&self) -> Result<String> {
        Ok(format!("{}{}", self.head, ".".repeat(31)))
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let key: Zeroizing<Vec<u8>> = match self.prehash {
            PreHash::None => Zeroizing::new(password.to_vec()),
            PreHash::HexSha256 => Zeroizing::new(hex_lower(&Sha256::digest(password)).into_bytes()),
            PreHash::Base64Sha256 => {
                Zeroizing::new(Base64::encode_string(&Sha256::digest(password)).into_bytes())
            }
            PreHash::Base64HmacSha256 => {
                b64_hmac::<Hmac<Sha256>>(self.salt_text.as_bytes(), password, self.scheme)?
            }
            PreHash::WordpressHmacSha384 => b64_hmac::<Hmac<Sha384>>(b"wp-sha384", password, self.scheme)?,
        };
        let got = raw_bcrypt(&key, self.cost, self.salt, self.scheme)?;
        Ok(Zeroizing::new(got.to_vec()))
    }
}

/// The 23-byte bcrypt checksum of `password` (first 72 bytes) — the crate's
/// Blowfish, our formatting.
fn raw_bcrypt(password: &[u8], cost: u32, salt: [u8; 16], scheme: Scheme) -> Result<Zeroizing<[u8; 23]>> {
    let parts = bcrypt::hash_with_salt(password, cost, salt)
        .map_err(|_| Error::malformed(scheme, "rejected by bcrypt"))?;
    // The crate exposes the checksum only inside the formatted string.
    let text = Zeroizing::new(parts.format_for_version(bcrypt::Version::TwoB));
    let tail = text.get(29..).unwrap_or_default();
    let bytes = bcrypt64_decode(tail).ok_or(Error::malformed(scheme, "bcrypt output"))?;
    let arr: [u8; 23] = bytes.try_into().map_err(|_| Error::malformed(scheme, "bcrypt output"))?;
    Ok(Zeroizing::new(arr))
}

/// A new `$2b$` string. The caller has refused passwords over 72 bytes.
pub(crate) fn hash_2b(password: &[u8], cost: u32, salt: [u8; 16]) -> Result<String> {
    let c = raw_bcrypt(password, cost, salt, Scheme::Bcrypt)?;
    let salt_text = bcrypt64_encode(&salt);
    Ok(format!("$2b${cost:02}${}{}", salt_text, bcrypt64_encode(c.as_slice())))
}

/// base64(HMAC(key, password)): the marked pre-hash of passlib's
/// `bcrypt_sha256` v2 (HMAC-SHA-256 keyed by the salt text) and WordPress's
/// `$wp$` (HMAC-SHA-384 keyed by `wp-sha384`), for verify and hash alike.
fn b64_hmac<M: Mac + KeyInit>(key: &[u8], password: &[u8], scheme: Scheme) -> Result<Zeroizing<Vec<u8>>> {
    let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| Error::malformed(scheme, "HMAC key"))?;
    mac.update(password);
    Ok(Zeroizing::new(Base64::encode_string(&mac.finalize().into_bytes()).into_bytes()))
}

/// A new passlib `bcrypt_sha256` v2 string: any password length, the pre-hash
/// marked in the string.
pub(crate) fn hash_bcrypt_sha256(password: &[u8], cost: u32, salt: [u8; 16]) -> Result<String> {
    let salt_text = bcrypt64_encode(&salt);
    let key = b64_hmac::<Hmac<Sha256>>(salt_text.as_bytes(), password, Scheme::BcryptSha256)?;
    let c = raw_bcrypt(&key, cost, salt, Scheme::BcryptSha256)?;
    Ok(format!("$bcrypt-sha256$v=2,t=2b,r={cost}${salt_text}${}", bcrypt64_encode(c.as_slice())))
}
