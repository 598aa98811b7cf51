//! bcrypt (`$2a$`, `$2b$`, `$2x$`, `$2y$`), passlib's `bcrypt_sha256` and
//! Django's `bcrypt$` / `bcrypt_sha256$` wrappers. The EksBlowfish work is
//! the `rehash-bcrypt` core's (crypt_blowfish's reading of each variant's
//! key, tested against libxcrypt and the `bcrypt` crate); this module reads
//! the formats and the pre-hashes they mark.
//!
//! Truncation: the systems that wrote these strings (OpenBSD, crypt_blowfish,
//! PHP, python bcrypt < 5) use the first 72 bytes of the password and ignore
//! the rest, so verify does the same. New bcrypt hashes never truncate: see
//! [`crate::Target::Bcrypt`].

use base64ct::{Base64, Encoding as _};
use hmac::{Hmac, KeyInit, Mac};
use rehash_bcrypt::Variant;
use sha2::{Digest as _, Sha256, Sha384};
use zeroize::{Zeroize as _, Zeroizing};

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{bcrypt64_decode, bcrypt64_encode, hex_lower, parse_decimal};
use crate::error::{Error, Result};
use crate::site::SiteParams;

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
    /// password ‖ a site secret (Devise's pepper, ownCloud's passwordsalt),
    /// the first 72 bytes of the whole.
    Suffix,
}

pub(crate) struct Parsed {
    scheme: Scheme,
    /// How the key bytes become Blowfish words (from `$2a$`/`$2x$`/…).
    variant: Variant,
    cost: u32,
    salt: [u8; 16],
    salt_text: String,
    checksum: [u8; 23],
    prehash: PreHash,
    /// The site secret appended to the password ([`PreHash::Suffix`]).
    suffix: Zeroizing<Vec<u8>>,
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

/// A decimal cost (passlib's `bcrypt_sha256` `r=12` / `2b,12`): no leading zero.
fn parse_cost(scheme: Scheme, s: &str) -> Result<u32> {
    let cost = parse_decimal(s).ok_or(Error::malformed(scheme, "cost"))?;
    if !(4..=31).contains(&cost) {
        return Err(Error::too_big(scheme, "cost", cost, 31));
    }
    Ok(cost as u32)
}

/// The cost of a `$2?$NN$` string: exactly two digits (`$2a$05$`), as
/// OpenBSD, crypt_blowfish, libxcrypt and passlib read it; `$2a$5$` is refused.
fn parse_two_digit_cost(scheme: Scheme, s: &str) -> Result<u32> {
    let cost = match s.as_bytes() {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => u64::from(a - b'0') * 10 + u64::from(b - b'0'),
        _ => return Err(Error::malformed(scheme, "cost must be two digits")),
    };
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
        let variant = match variant {
            Some("2b" | "2y") => Variant::B,
            Some("2a") => Variant::A,
            // crypt_blowfish before 1.1 (PHP before 5.3.7) with the
            // sign-extension bug, as libxcrypt still verifies it.
            Some("2x") => Variant::X,
            _ => return Err(Error::malformed(scheme, "variant")),
        };
        let cost = parse_two_digit_cost(scheme, cost.unwrap_or_default())?;
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
            variant,
            cost,
            salt: salt_b,
            salt_text: salt.to_owned(),
            checksum: checksum_b,
            prehash,
            suffix: Zeroizing::new(Vec::new()),
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

    /// A plain bcrypt string of password ‖ a site secret from the
    /// installation's settings: Devise with `config.pepper` (`params.pepper`;
    /// `$2a$`, the only variant bcrypt-ruby writes) and old ownCloud rows
    /// without a version prefix (`params.passwordsalt`; `$2a$` from its phpass
    /// days, `$2y$` from PHP's password_hash). `$2b$`, which neither wrote and
    /// rehash's bcrypt target does, is refused, so a row upgraded since stays
    /// plain bcrypt whatever its family column still says.
    pub(crate) fn parse_suffixed(s: &str, scheme: Scheme, params: Option<&SiteParams>) -> Result<Self> {
        let (key, what, variants): (&str, &'static str, &[&str]) = match scheme {
            Scheme::DeviseBcryptPepper => ("pepper", "params.pepper", &["$2a$"]),
            Scheme::NextcloudBcrypt => ("passwordsalt", "params.passwordsalt", &["$2a$", "$2y$"]),
            _ => return Err(Error::malformed(scheme, "not a bcrypt family with a site secret")),
        };
        if !variants.iter().any(|v| s.starts_with(v)) {
            return Err(Error::malformed(scheme, "bcrypt variant"));
        }
        let mut p = Self::parse_plain(s, scheme)?;
        let secret = params.and_then(|p| p.get(key)).ok_or(Error::MissingInput { scheme, what })?;
        p.prehash = PreHash::Suffix;
        p.suffix = Zeroizing::new(secret.as_bytes().to_vec());
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
            // The key is a base64 pre-hash: ASCII, read alike by every variant.
            variant: Variant::B,
            cost,
            salt: salt_b,
            salt_text: salt.to_owned(),
            checksum: checksum_b,
            prehash,
            suffix: Zeroizing::new(Vec::new()),
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
            PreHash::Suffix => {
                let mut k = Zeroizing::new(Vec::with_capacity(password.len() + self.suffix.len()));
                k.extend_from_slice(password);
                k.extend_from_slice(&self.suffix);
                k
            }
        };
        // The pre-hashes are ASCII, on which every variant reads the same; a
        // password itself (and a site secret after it) is read as the
        // string's variant says.
        let got = raw_bcrypt(&key, self.cost, self.salt, self.variant);
        Ok(Zeroizing::new(got.to_vec()))
    }
}

/// The 23-byte bcrypt checksum of `password` (first 72 bytes) under
/// `variant`. `cost` was checked against the ceilings (and is ≤ 31).
fn raw_bcrypt(password: &[u8], cost: u32, salt: [u8; 16], variant: Variant) -> Zeroizing<[u8; 23]> {
    let mut full = rehash_bcrypt::bcrypt(password, &salt, cost, variant);
    let mut out = Zeroizing::new([0u8; 23]);
    out.copy_from_slice(&full[..23]);
    full.zeroize();
    out
}

/// A new `$2b$` string. The caller has refused passwords over 72 bytes.
pub(crate) fn hash_2b(password: &[u8], cost: u32, salt: [u8; 16]) -> Result<String> {
    let c = raw_bcrypt(password, cost, salt, Variant::B);
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
    let c = raw_bcrypt(&key, cost, salt, Variant::B);
    Ok(format!("$bcrypt-sha256$v=2,t=2b,r={cost}${salt_text}${}", bcrypt64_encode(c.as_slice())))
}

/// Devise's peppered rows and Nextcloud's versions, through the policy.
#[cfg(test)]
mod site_secret {
    use crate::{Error, Policy, Scheme, SiteParams, Stored, Verification};

    /// python bcrypt over password ‖ pepper, cost 4 (w3p0207).
    const DEVISE: &str = "$2a$04$x1N/bH5AcnTdiU5.cEiWuePYRexfE..9XVs5WzYj7BzaejEOWOl4u";
    const DEVISE_PW: &[u8] = b"wyU0qztzUXLeMd";

    fn pepper() -> SiteParams {
        SiteParams::new().with("pepper", "XG9sSsSEIPWwqJbY6MBU").expect("params")
    }

    fn scheme_if_valid(p: &Policy, pw: &[u8], row: Stored<'_>) -> Option<Scheme> {
        match p.verify(pw, row) {
            Ok(Verification::Valid { identified, .. }) => Some(identified.scheme),
            _ => None,
        }
    }

    #[test]
    fn devise_needs_its_pepper() {
        let p = Policy::default();
        let params = pepper();
        let row = Stored::new(DEVISE).with_scheme(Scheme::DeviseBcryptPepper);
        assert_eq!(
            scheme_if_valid(&p, DEVISE_PW, row.with_params(&params)),
            Some(Scheme::DeviseBcryptPepper)
        );
        assert!(matches!(
            p.identify(row),
            Err(Error::MissingInput { scheme: Scheme::DeviseBcryptPepper, what: "params.pepper" })
        ));
        // Without the hint it is a plain bcrypt string, which it is not.
        assert!(matches!(p.verify(DEVISE_PW, DEVISE), Ok(Verification::Invalid { .. })));
        // A Rails app declares the family and keeps the pepper in its settings.
        let rails = Policy::builder()
            .declare(Scheme::DeviseBcryptPepper)
            .site_params(pepper())
            .build()
            .expect("policy");
        assert_eq!(scheme_if_valid(&rails, DEVISE_PW, Stored::new(DEVISE)), Some(Scheme::DeviseBcryptPepper));
        // `$2b$` (rehash's bcrypt target; bcrypt-ruby writes `$2a$`) stays plain bcrypt.
        let upgraded = "$2b$04$x1N/bH5AcnTdiU5.cEiWuePYRexfE..9XVs5WzYj7BzaejEOWOl4u";
        assert_eq!(rails.identify(upgraded).expect("bcrypt").scheme, Scheme::Bcrypt);
    }

    #[test]
    fn absurd_cost_is_refused_before_work() {
        let params = pepper();
        let row = Stored::new("$2a$99$x1N/bH5AcnTdiU5.cEiWuePYRexfE..9XVs5WzYj7BzaejEOWOl4u")
            .with_scheme(Scheme::DeviseBcryptPepper)
            .with_params(&params);
        let t = std::time::Instant::now();
        assert!(matches!(Policy::default().verify(DEVISE_PW, row), Err(Error::ParameterOutOfRange { .. })));
        let row = Stored::new("1|$2y$20$r8TF53Nal5znURJ2jTt3X.GS7IeyyCz1dptUjhAOiE73GC9aDldPm");
        assert!(matches!(Policy::default().verify(b"x", row), Err(Error::ParameterOutOfRange { .. })));
        assert!(t.elapsed() < std::time::Duration::from_millis(200));
    }

    #[test]
    fn nextcloud_versions() {
        let p = Policy::default();
        let bcrypt = "$2y$10$r8TF53Nal5znURJ2jTt3X.GS7IeyyCz1dptUjhAOiE73GC9aDldPm";
        assert_eq!(p.identify(format!("1|{bcrypt}").as_str()).expect("v1").scheme, Scheme::NextcloudBcrypt);
        for bad in ["0|", "4|", "12|", "1|$1$abc$", "1|{SSHA}", "2|$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$"] {
            let s = if bad.ends_with('|') { format!("{bad}{bcrypt}") } else { bad.to_owned() };
            assert!(p.identify(s.as_str()).is_err(), "{s}");
        }
        let argon = "2|$argon2id$v=19$m=65536,t=4,p=1$VGhGL05rcUI3d3k3WVhibQ$CSy0ShUnamZQhu8oeZfUTTd/S3z966zuQ/uz1Y80Rss";
        assert_eq!(p.identify(argon).expect("v2").scheme, Scheme::NextcloudArgon2);
        // Old ownCloud rows: the hint and the installation's passwordsalt.
        let old = "$2a$08$emCpDEl.V.QwPWt5gPrqrOhdpH6ailBmkj2Hd2vD5U8qIy20HBe7.";
        let salt = SiteParams::new().with("passwordsalt", "6Wow67q1wZQZpUUeI6G2LsWUu4XKx").expect("params");
        let row = Stored::new(old).with_scheme(Scheme::NextcloudBcrypt);
        assert_eq!(scheme_if_valid(&p, b"password", row.with_params(&salt)), Some(Scheme::NextcloudBcrypt));
        assert!(matches!(p.identify(row), Err(Error::MissingInput { .. })));
    }
}
