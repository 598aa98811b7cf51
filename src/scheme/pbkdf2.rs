//! PBKDF2-HMAC in the layouts applications store it: Django
//! (`pbkdf2_sha256$…`), passlib (`$pbkdf2-sha256$…`), LDAP (`{PBKDF2-SHA256}…`),
//! Atlassian (`{PKCS5S2}`), Werkzeug (`pbkdf2:sha256:N$…`), GRUB
//! (`grub.pbkdf2.sha512.…`) and the two `$p5k2$` layouts (Christian
//! Thoemmes's and Dwayne Litzenberger's). The KDF is the `pbkdf2` crate's.

use sha1::{Digest as _, Sha1};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{
    ab64_decode, ab64_encode, b64_decode, b64_encode_padded, hex_decode, hex_lower, is_hex, mask_tail,
    parse_decimal,
};
use crate::error::{Error, Result};
use crate::primitives::prf::Prf;

pub(crate) struct Parsed {
    scheme: Scheme,
    prf: Prf,
    rounds: u64,
    salt: Vec<u8>,
    expected: Vec<u8>,
    /// The stored string with the derived key replaced by zero bytes.
    masked: String,
}

fn x_or(scheme: Scheme) -> impl Fn() -> Error {
    move || Error::malformed(scheme, "salt or checksum is not url-safe base64")
}

fn rounds(scheme: Scheme, s: &str) -> Result<u64> {
    let r = parse_decimal(s).ok_or(Error::malformed(scheme, "iteration count"))?;
    if r == 0 {
        return Err(Error::too_big(scheme, "iterations", 0, 1));
    }
    Ok(r)
}

impl Parsed {
    /// `pbkdf2_sha256$iterations$salt$base64` (salt used as text); also
    /// `pbkdf2_wrapped_sha1$…`, the hasher of Django's documentation
    /// ("Password upgrading without requiring a login"): PBKDF2-SHA256 over
    /// the hex digest of Django's salted SHA-1, hex(sha1(salt . password)).
    pub(crate) fn parse_django(s: &str) -> Result<Self> {
        let mut f = s.split('$');
        let (alg, it, salt, hash) = (f.next(), f.next(), f.next(), f.next());
        let (scheme, prf) = match alg {
            Some("pbkdf2_sha256") => (Scheme::DjangoPbkdf2Sha256, Prf::Sha256),
            Some("pbkdf2_wrapped_sha1") => (Scheme::DjangoPbkdf2WrappedSha1, Prf::Sha256),
            _ => (Scheme::DjangoPbkdf2Sha1, Prf::Sha1),
        };
        let (it, salt, hash) = match (it, salt, hash, f.next()) {
            (Some(i), Some(s), Some(h), None) => (i, s, h),
            _ => return Err(Error::malformed(scheme, "expected 4 `$`-separated fields")),
        };
        let rounds = rounds(scheme, it)?;
        if salt.is_empty() {
            return Err(Error::malformed(scheme, "empty salt"));
        }
        let expected = b64_decode(hash).filter(|h| h.len() == prf.len());
        let expected = expected.ok_or(Error::malformed(scheme, "hash is not base64 of the digest length"))?;
        let masked = mask_tail(s, hash.len(), 'A');
        Ok(Parsed { scheme, prf, rounds, salt: salt.as_bytes().to_vec(), expected, masked })
    }

    /// `$pbkdf2-sha256$rounds$salt$hash`, salt and hash in adapted base64.
    pub(crate) fn parse_passlib(s: &str) -> Result<Self> {
        let mut f = s.split('$');
        let (_, alg, it, salt, hash) = (f.next(), f.next(), f.next(), f.next(), f.next());
        let (scheme, prf) = match alg {
            Some("pbkdf2-sha256") => (Scheme::Pbkdf2Sha256, Prf::Sha256),
            Some("pbkdf2-sha512") => (Scheme::Pbkdf2Sha512, Prf::Sha512),
            _ => (Scheme::Pbkdf2Sha1, Prf::Sha1),
        };
        let (it, salt, hash) = match (it, salt, hash, f.next()) {
            (Some(i), Some(s), Some(h), None) => (i, s, h),
            _ => return Err(Error::malformed(scheme, "expected rounds, salt and hash")),
        };
        let rounds = rounds(scheme, it)?;
        let salt = ab64_decode(salt).ok_or(Error::malformed(scheme, "salt is not adapted base64"))?;
        let expected = ab64_decode(hash).filter(|h| h.len() == prf.len());
        let expected =
            expected.ok_or(Error::malformed(scheme, "hash is not adapted base64 of the digest length"))?;
        let masked = mask_tail(s, hash.len(), 'A');
        Ok(Parsed { scheme, prf, rounds, salt, expected, masked })
    }

    /// `{PBKDF2}`, `{PBKDF2-SHA256}`, `{PBKDF2-SHA512}` + `rounds$salt$checksum`
    /// in adapted base64 (passlib's LDAP forms of its own pbkdf2 hashes).
    pub(crate) fn parse_ldap(s: &str) -> Result<Self> {
        let (tag, rest) = s.split_once('}').ok_or(Error::malformed(Scheme::LdapPbkdf2Sha1, "tag"))?;
        let (scheme, prf) = match tag {
            "{PBKDF2" => (Scheme::LdapPbkdf2Sha1, Prf::Sha1),
            "{PBKDF2-SHA256" => (Scheme::LdapPbkdf2Sha256, Prf::Sha256),
            "{PBKDF2-SHA512" => (Scheme::LdapPbkdf2Sha512, Prf::Sha512),
            _ => return Err(Error::Malformed { scheme: None, what: "unknown `{PBKDF2…}` tag" }),
        };
        let mut f = rest.split('$');
        let (it, salt, hash) = match (f.next(), f.next(), f.next(), f.next()) {
            (Some(i), Some(s), Some(h), None) => (i, s, h),
            _ => return Err(Error::malformed(scheme, "expected rounds$salt$checksum")),
        };
        let rounds = rounds(scheme, it)?;
        let salt = ab64_decode(salt).ok_or(Error::malformed(scheme, "salt is not adapted base64"))?;
        let expected = ab64_decode(hash).filter(|h| h.len() == prf.len());
        let expected = expected
            .ok_or(Error::malformed(scheme, "checksum is not adapted base64 of the digest length"))?;
        let masked = mask_tail(s, hash.len(), 'A');
        Ok(Parsed { scheme, prf, rounds, salt, expected, masked })
    }

    /// `grub.pbkdf2.sha512.ROUNDS.SALT.HASH`, salt and hash in hex.
    pub(crate) fn parse_grub(s: &str) -> Result<Self> {
        let scheme = Scheme::GrubPbkdf2Sha512;
        let rest = s
            .strip_prefix("grub.pbkdf2.sha512.")
            .ok_or(Error::Unsupported { scheme, what: "hash other than sha512" })?;
        let mut f = rest.split('.');
        let (it, salt, hash) = match (f.next(), f.next(), f.next(), f.next()) {
            (Some(i), Some(s), Some(h), None) => (i, s, h),
            _ => return Err(Error::malformed(scheme, "expected rounds.salt.hash")),
        };
        let rounds = rounds(scheme, it)?;
        let salt =
            hex_decode(salt).filter(|s| !s.is_empty()).ok_or(Error::malformed(scheme, "salt is not hex"))?;
        let expected = hex_decode(hash).filter(|h| h.len() == 64);
        let expected = expected.ok_or(Error::malformed(scheme, "hash is not hex of 64 bytes"))?;
        let masked = mask_tail(s, hash.len(), '0');
        Ok(Parsed { scheme, prf: Prf::Sha512, rounds, salt, expected, masked })
    }

    /// `$p5k2$<rounds hex>$<salt>$<checksum>`: Thoemmes's layout (cta) has a
    /// 28-character url-safe base64 checksum of 20 bytes over the decoded salt;
    /// Litzenberger's (dlitz) a 32-character checksum of 24 bytes whose KDF salt
    /// is the whole `$p5k2$rounds$salt` prefix. The checksum length tells them apart.
    pub(crate) fn parse_p5k2(s: &str) -> Result<Self> {
        let mut f = s.split('$');
        let (it, salt, hash) = match (f.next(), f.next(), f.next(), f.next(), f.next(), f.next()) {
            (Some(""), Some("p5k2"), Some(i), Some(s), Some(h), None) => (i, s, h),
            _ => {
                return Err(Error::malformed(Scheme::DlitzPbkdf2Sha1, "expected $p5k2$rounds$salt$checksum"))
            }
        };
        let scheme = if hash.len() == 28 { Scheme::CtaPbkdf2Sha1 } else { Scheme::DlitzPbkdf2Sha1 };
        let rounds = if it.is_empty() && scheme == Scheme::DlitzPbkdf2Sha1 {
            400
        } else if it.len() <= 8
            && it.bytes().all(|c| c.is_ascii_hexdigit())
            && !it.is_empty()
            && (it == "0" || !it.starts_with('0'))
        {
            // passlib refuses zero-padded rounds (hex here, as decimal elsewhere).
            u64::from_str_radix(it, 16).map_err(|_| Error::malformed(scheme, "rounds"))?
        } else {
            return Err(Error::malformed(scheme, "rounds must be hex"));
        };
        if rounds == 0 {
            return Err(Error::too_big(scheme, "iterations", 0, 1));
        }
        let (salt, expected) = if scheme == Scheme::CtaPbkdf2Sha1 {
            let url = |x: &str| b64_decode(&x.replace('-', "+").replace('_', "/"));
            let bad = x_or(scheme);
            let salt = url(salt).filter(|_| !salt.contains(['+', '/'])).ok_or_else(&bad)?;
            let expected =
                url(hash).filter(|h| h.len() == 20 && !hash.contains(['+', '/'])).ok_or_else(&bad)?;
            (salt, expected)
        } else {
            let prefix_len = s.len() - hash.len() - 1;
            let salt_text = s.get(..prefix_len).ok_or(Error::malformed(scheme, "salt"))?;
            let expected = ab64_decode(hash).filter(|h| h.len() == 24 && hash.len() == 32);
            let expected = expected.ok_or(Error::malformed(scheme, "checksum"))?;
            if salt.is_empty() || !salt.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'/') {
                return Err(Error::malformed(scheme, "salt"));
            }
            (salt_text.as_bytes().to_vec(), expected)
        };
        let masked = mask_tail(s, hash.len(), 'A');
        Ok(Parsed { scheme, prf: Prf::Sha1, rounds, salt, expected, masked })
    }

    /// `{PKCS5S2}` + base64(16-byte salt ‖ 32-byte key), PBKDF2-HMAC-SHA1 × 10000.
    pub(crate) fn parse_atlassian(s: &str) -> Result<Self> {
        let scheme = Scheme::AtlassianPbkdf2Sha1;
        let raw = s.strip_prefix("{PKCS5S2}").and_then(b64_decode);
        let raw =
            raw.filter(|r| r.len() == 48).ok_or(Error::malformed(scheme, "must be base64 of 48 bytes"))?;
        let (salt, key) = raw.split_at(16);
        let masked = format!("{{PKCS5S2}}{}", b64_encode_padded(&[salt, &[0u8; 32]].concat()));
        Ok(Parsed {
            scheme,
            prf: Prf::Sha1,
            rounds: 10_000,
            salt: salt.to_vec(),
            expected: key.to_vec(),
            masked,
        })
    }

    /// `pbkdf2:sha256:600000$salt$hex` (salt used as text).
    pub(crate) fn parse_werkzeug(s: &str) -> Result<Self> {
        let scheme = Scheme::WerkzeugPbkdf2;
        let mut f = s.split('$');
        let (method, salt, hash) = match (f.next(), f.next(), f.next(), f.next()) {
            (Some(m), Some(s), Some(h), None) => (m, s, h),
            _ => return Err(Error::malformed(scheme, "expected method$salt$hash")),
        };
        let mut m = method.split(':');
        let (_, alg, it) = (m.next(), m.next(), m.next());
        let prf = match alg {
            Some("sha256") => Prf::Sha256,
            Some("sha512") => Prf::Sha512,
            Some("sha1") => Prf::Sha1,
            _ => return Err(Error::Unsupported { scheme, what: "hash name" }),
        };
        // Without an explicit count Werkzeug used its version's default, which
        // changed over the years: refuse rather than guess.
        let it = it.ok_or(Error::Unsupported { scheme, what: "no iteration count in the method" })?;
        if m.next().is_some() {
            return Err(Error::malformed(scheme, "method"));
        }
        let rounds = rounds(scheme, it)?;
        if salt.is_empty() || !is_hex(hash) || hash.len() != 2 * prf.len() {
            return Err(Error::malformed(scheme, "salt or hex digest"));
        }
        let expected = hex_decode(hash).ok_or(Error::malformed(scheme, "hex digest"))?;
        let masked = mask_tail(s, hash.len(), '0');
        Ok(Parsed { scheme, prf, rounds, salt: salt.as_bytes().to_vec(), expected, masked })
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        Identified::new(self.scheme, Params::Rounds(self.rounds))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(self.scheme, "iterations", self.rounds)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(self.masked.clone())
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let rounds = u32::try_from(self.rounds)
            .map_err(|_| Error::too_big(self.scheme, "iterations", self.rounds, u32::MAX.into()))?;
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        if self.scheme == Scheme::DjangoPbkdf2WrappedSha1 {
            let mut h = Sha1::new();
            h.update(&self.salt);
            h.update(password);
            let inner = Zeroizing::new(hex_lower(&h.finalize()));
            self.prf.derive(inner.as_bytes(), &self.salt, rounds, &mut out);
            return Ok(out);
        }
        self.prf.derive(password, &self.salt, rounds, &mut out);
        Ok(out)
    }
}

/// A new passlib-format `$pbkdf2-sha256$` string.
pub(crate) fn hash_passlib_sha256(password: &[u8], rounds: u32, salt: &[u8]) -> String {
    let mut out = Zeroizing::new([0u8; 32]);
    Prf::Sha256.derive(password, salt, rounds, out.as_mut_slice());
    format!("$pbkdf2-sha256${rounds}${}${}", ab64_encode(salt), ab64_encode(out.as_slice()))
}
