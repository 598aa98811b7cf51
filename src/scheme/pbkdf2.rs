//! PBKDF2-HMAC in the layouts applications store it: Django
//! (`pbkdf2_sha256$…`), passlib (`$pbkdf2-sha256$…`), LDAP (`{PBKDF2-SHA256}…`),
//! Atlassian (`{PKCS5S2}`), Werkzeug (`pbkdf2:sha256:N$…`), GRUB
//! (`grub.pbkdf2.sha512.…`), the two `$p5k2$` layouts (Christian
//! Thoemmes's and Dwayne Litzenberger's), 389-ds (`{PBKDF2_SHA256}`,
//! `{PBKDF2-SHA1}`), ForgeRock DS (`{PBKDF2-HMAC-SHA256}N:…`), Dovecot
//! (`{PBKDF2}$1$…`) and MediaWiki (`:pbkdf2:…`). The KDF is the `pbkdf2` crate's.

use sha1::{Digest as _, Sha1};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{
    ab64_decode, ab64_encode, b64_decode, b64_encode_padded, b64_encode_unpadded, hex_decode, hex_lower,
    is_hex, mask_tail, parse_decimal,
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

    /// `{PBKDF2}`, `{PBKDF2-SHA1}`, `{PBKDF2-SHA256}`, `{PBKDF2-SHA512}` +
    /// `rounds$salt$checksum`: passlib's LDAP forms of its own pbkdf2 hashes
    /// (OpenLDAP's pw-pbkdf2) in adapted base64, and 389-ds 2.x's (pwdchan)
    /// in standard base64. The content decides: a `+` or a `=` anywhere is
    /// standard base64 (389-ds pads every checksum), else adapted base64 (`.`
    /// for `+`, no padding); both in one string is malformed. pwdchan reads
    /// both, as here; `{PBKDF2-SHA1}` is 389-ds's tag only.
    pub(crate) fn parse_ldap(s: &str) -> Result<Self> {
        let (tag, rest) = s.split_once('}').ok_or(Error::malformed(Scheme::LdapPbkdf2Sha1, "tag"))?;
        let (scheme, prf) = match tag {
            "{PBKDF2" => (Scheme::LdapPbkdf2Sha1, Prf::Sha1),
            "{PBKDF2-SHA1" => (Scheme::LdapPbkdf2Sha1Tag, Prf::Sha1),
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
        let decode = if rest.contains(['+', '=']) { b64_decode } else { ab64_decode };
        let salt = decode(salt).ok_or(Error::malformed(scheme, "salt is not base64"))?;
        let expected = decode(hash).filter(|h| h.len() == prf.len());
        let expected =
            expected.ok_or(Error::malformed(scheme, "checksum is not base64 of the digest length"))?;
        let masked = mask_tail(s, hash.len(), 'A');
        Ok(Parsed { scheme, prf, rounds, salt, expected, masked })
    }

    /// 389-ds's `{PBKDF2_SHA256}` + base64(iterations as 4 big-endian bytes
    /// ‖ 64-byte salt ‖ 256-byte PBKDF2-HMAC-SHA256 key), 432 characters.
    pub(crate) fn parse_389ds(s: &str) -> Result<Self> {
        let scheme = Scheme::LdapPbkdf2Sha256389ds;
        let body = s.strip_prefix("{PBKDF2_SHA256}").ok_or(Error::malformed(scheme, "tag"))?;
        let raw = b64_decode(body).filter(|r| r.len() == 4 + 64 + 256);
        let raw = raw.ok_or(Error::malformed(scheme, "must be base64 of 324 bytes"))?;
        let (head, key) = raw.split_at(4 + 64);
        let (it, salt) = head.split_at(4);
        let rounds = u64::from(u32::from_be_bytes(<[u8; 4]>::try_from(it).unwrap_or_default()));
        if rounds == 0 {
            return Err(Error::too_big(scheme, "iterations", 0, 1));
        }
        let masked = format!("{{PBKDF2_SHA256}}{}", b64_encode_padded(&[head, &[0u8; 256]].concat()));
        Ok(Parsed { scheme, prf: Prf::Sha256, rounds, salt: salt.to_vec(), expected: key.to_vec(), masked })
    }

    /// ForgeRock DS / OpenDJ: `{PBKDF2-HMAC-SHA256}`, `{PBKDF2-HMAC-SHA512}`
    /// or `{PBKDF2}` (SHA-1) + `iterations:` + base64(key ‖ salt); the salt
    /// is what follows the PRF's output length (8 bytes as written, any
    /// non-empty length read, as OpenDJ does).
    pub(crate) fn parse_forgerock(s: &str) -> Result<Self> {
        let scheme = Scheme::ForgerockPbkdf2;
        let (tag, rest) = s.split_once('}').ok_or(Error::malformed(scheme, "tag"))?;
        let prf = match tag {
            "{PBKDF2-HMAC-SHA256" => Prf::Sha256,
            "{PBKDF2-HMAC-SHA512" => Prf::Sha512,
            "{PBKDF2" => Prf::Sha1,
            _ => return Err(Error::malformed(scheme, "tag")),
        };
        let (it, body) =
            rest.split_once(':').ok_or(Error::malformed(scheme, "expected iterations:base64"))?;
        let rounds = rounds(scheme, it)?;
        let raw = b64_decode(body).filter(|r| r.len() > prf.len());
        let raw = raw.ok_or(Error::malformed(scheme, "must be base64 of the key and a salt"))?;
        let (key, salt) = raw.split_at(prf.len());
        let zeroed = [&vec![0u8; prf.len()][..], salt].concat();
        let b64 = if body.ends_with('=') { b64_encode_padded(&zeroed) } else { b64_encode_unpadded(&zeroed) };
        let masked = format!("{tag}}}{it}:{b64}");
        Ok(Parsed { scheme, prf, rounds, salt: salt.to_vec(), expected: key.to_vec(), masked })
    }

    /// Dovecot's `{PBKDF2}$1$salt$rounds$hex`: PBKDF2-HMAC-SHA1 over the salt
    /// as text (Dovecot writes 16 characters; any without `$` is read).
    pub(crate) fn parse_dovecot(s: &str) -> Result<Self> {
        let scheme = Scheme::DovecotPbkdf2;
        let rest = s.strip_prefix("{PBKDF2}$1$").ok_or(Error::malformed(scheme, "expected {PBKDF2}$1$"))?;
        let mut f = rest.split('$');
        let (salt, it, hash) = match (f.next(), f.next(), f.next(), f.next()) {
            (Some(s), Some(i), Some(h), None) => (s, i, h),
            _ => return Err(Error::malformed(scheme, "expected $1$salt$rounds$hash")),
        };
        if salt.is_empty() {
            return Err(Error::malformed(scheme, "empty salt"));
        }
        let rounds = rounds(scheme, it)?;
        let expected = hex_decode(hash).filter(|h| h.len() == 20);
        let expected = expected.ok_or(Error::malformed(scheme, "hash is not 40 hex digits"))?;
        let masked = mask_tail(s, hash.len(), '0');
        Ok(Parsed { scheme, prf: Prf::Sha1, rounds, salt: salt.as_bytes().to_vec(), expected, masked })
    }

    /// MediaWiki's `:pbkdf2:algo:rounds:length:b64salt:b64hash`: the hash
    /// algorithm (sha1, sha256, sha512 here), the count and the key length in
    /// bytes are in the string. The length must be the stored key's, at most
    /// 256 bytes (MediaWiki writes 64), so the work stays within a bounded
    /// number of PRF blocks per iteration.
    pub(crate) fn parse_mediawiki(s: &str) -> Result<Self> {
        let scheme = Scheme::MediawikiPbkdf2;
        let rest = s.strip_prefix(":pbkdf2:").ok_or(Error::malformed(scheme, "expected :pbkdf2:"))?;
        let mut f = rest.split(':');
        let (alg, it, len, salt, hash) = match (f.next(), f.next(), f.next(), f.next(), f.next(), f.next()) {
            (Some(a), Some(i), Some(l), Some(s), Some(h), None) => (a, i, l, s, h),
            _ => return Err(Error::malformed(scheme, "expected algo:rounds:length:salt:hash")),
        };
        let prf = match alg {
            "sha1" => Prf::Sha1,
            "sha256" => Prf::Sha256,
            "sha512" => Prf::Sha512,
            _ => {
                return Err(Error::Unsupported {
                    scheme,
                    what: "hash algorithm other than sha1, sha256, sha512",
                })
            }
        };
        let rounds = rounds(scheme, it)?;
        let len = parse_decimal(len).filter(|l| (1..=256).contains(l));
        let len = len.ok_or(Error::malformed(scheme, "key length (1 to 256 bytes)"))?;
        let salt = b64_decode(salt).ok_or(Error::malformed(scheme, "salt is not base64"))?;
        let expected = b64_decode(hash).filter(|h| h.len() as u64 == len);
        let expected = expected.ok_or(Error::malformed(scheme, "hash is not base64 of the key length"))?;
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

/// The directory, mail, wiki layouts: refusals and the content rules
/// between look-alike `{PBKDF2…}` strings.
#[cfg(test)]
mod directory_tests {
    use super::*;
    use crate::scheme::parse_self_describing;

    const KDF: Kdf<'static> = Kdf { secret: None, threads: 1 };

    fn scheme_of(s: &str) -> Scheme {
        parse_self_describing(s).unwrap().unwrap().identified().scheme
    }

    #[test]
    fn pbkdf2_tag_content_decides() {
        // passlib (adapted base64), 389-ds (standard), Dovecot, ForgeRock.
        assert_eq!(
            scheme_of("{PBKDF2}10000$IlfapjA351LuDSwYC0IQ8Q$saHqQTuYnjJN/tmAndT.8mJt.6w"),
            Scheme::LdapPbkdf2Sha1
        );
        assert_eq!(
            scheme_of("{PBKDF2}$1$pc43EZoZAGGZ6rWI$5000$65622f151204b2541ddabeb0161a74bd86123e6c"),
            Scheme::DovecotPbkdf2
        );
        assert_eq!(
            scheme_of("{PBKDF2}10000:VBnfs8hDVWM+mhiYqO5wg98JBnbUsUd82RV3JQ=="),
            Scheme::ForgerockPbkdf2
        );
        // pwdchan's own test vector: adapted base64 under 389-ds's SHA-1 tag.
        let p =
            parse_self_describing("{PBKDF2-SHA1}10000$IlfapjA351LuDSwYC0IQ8Q$saHqQTuYnjJN/tmAndT.8mJt.6w")
                .unwrap()
                .unwrap();
        assert_eq!(p.identified().scheme, Scheme::LdapPbkdf2Sha1Tag);
        assert_eq!(p.verify(b"password", KDF).unwrap().unwrap_u8(), 1);
        // Standard and adapted base64 in one string is neither.
        let mixed = "{PBKDF2-SHA256}10000$TMxIde5hdntpyuuCepaq.xp5pQfFL1Rn$5caHe8RWAg0hcNahJ8WHPgtNU4yAL+xojdItPlx4DVI=";
        assert!(parse_self_describing(mixed).is_err());
        // The masked string keeps its alphabet and parses to the same form.
        let std = "{PBKDF2-SHA256}10000$JWPu+ZKXc4n0P0Q4Kb6wXSNz7L9O+VOj$yWReFozJ1IqC8RFwEYIleY2DeHPfn9BQEYLiOBa8KKc=";
        let masked = parse_self_describing(std).unwrap().unwrap().masked().unwrap();
        assert!(masked.ends_with(&format!("${}=", "A".repeat(43))), "{masked}");
        assert_eq!(scheme_of(&masked), Scheme::LdapPbkdf2Sha256);
    }

    #[test]
    fn iterations_refused_before_work() {
        // 389-ds with iterations 2^32 - 1 in its first four bytes.
        let blob = [&[0xff_u8; 4][..], &[7; 320]].concat();
        let ds = format!("{{PBKDF2_SHA256}}{}", b64_encode_padded(&blob));
        let t = std::time::Instant::now();
        for s in [
            ds.as_str(),
            "{PBKDF2-HMAC-SHA256}4294967295:jVF5ALC6P3aMo2kGaYCxz3XoheRdyToa7F0vMWJFgBUldIw/ZJcsvw==",
            "{PBKDF2}$1$54ihGaajHtzTzfVv$4294967295$6260887b619b96f0dc3b316976aa1452ab40976f",
            ":pbkdf2:sha512:4294967295:64:4oPohppHEmsyyC9x0nUwyw==:7LyXg9pkd3Rs2UhIGT0bgbo4tHYUI+zZuweh8okOLcEtc9Aq7A3A5sP96RA61KuvCHv9y360pVJR0Uz0B2ixcw==",
            "{PBKDF2-SHA1}4294967295$UYYfkhKy2J5RqfQmUD/p8+CPDsBLq2vf$sP2FSzHLxKdwtWXve+cBsCtxxNM=",
        ] {
            let p = parse_self_describing(s).unwrap().unwrap();
            assert_eq!(p.identified().params, Params::Rounds(4_294_967_295), "{s}");
            assert!(matches!(p.check(&Ceilings::default()), Err(Error::ParameterOutOfRange { .. })), "{s}");
        }
        assert!(t.elapsed() < std::time::Duration::from_millis(200));
        for zero in [
            "{PBKDF2-HMAC-SHA256}0:jVF5ALC6P3aMo2kGaYCxz3XoheRdyToa7F0vMWJFgBUldIw/ZJcsvw==",
            "{PBKDF2}$1$54ihGaajHtzTzfVv$0$6260887b619b96f0dc3b316976aa1452ab40976f",
            "{PBKDF2_SHA256}AAAAAA",
        ] {
            assert!(parse_self_describing(zero).is_err(), "{zero}");
        }
    }

    #[test]
    fn shapes_are_exact() {
        for bad in [
            // 389-ds: one byte short of 324.
            "{PBKDF2_SHA256}AAAgAFRgO3I72GI+",
            // ForgeRock: no salt after the key, a leading zero, an unknown PRF.
            "{PBKDF2-HMAC-SHA256}10000:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "{PBKDF2-HMAC-SHA256}010000:jVF5ALC6P3aMo2kGaYCxz3XoheRdyToa7F0vMWJFgBUldIw/ZJcsvw==",
            "{PBKDF2-HMAC-SHA384}10000:jVF5ALC6P3aMo2kGaYCxz3XoheRdyToa7F0vMWJFgBUldIw/ZJcsvw==",
            // Dovecot: empty salt, 39 hex digits, another version.
            "{PBKDF2}$1$$5000$65622f151204b2541ddabeb0161a74bd86123e6c",
            "{PBKDF2}$1$pc43EZoZAGGZ6rWI$5000$65622f151204b2541ddabeb0161a74bd86123e6",
            "{PBKDF2}$2$pc43EZoZAGGZ6rWI$5000$65622f151204b2541ddabeb0161a74bd86123e6c",
            // MediaWiki: length other than the key's, over 256, zero; fields missing.
            ":pbkdf2:sha1:4096:21:c2FsdA==:SwB5AbdlSJq+rUnZJvch0GWkKcE=",
            ":pbkdf2:sha1:4096:257:c2FsdA==:SwB5AbdlSJq+rUnZJvch0GWkKcE=",
            ":pbkdf2:sha1:4096:0:c2FsdA==:",
            ":pbkdf2:sha1:4096:20:SwB5AbdlSJq+rUnZJvch0GWkKcE=",
        ] {
            assert!(parse_self_describing(bad).is_err(), "{bad}");
        }
        let md5 = ":pbkdf2:md5:4096:16:c2FsdA==:Vvpqp1VICZ3MN9fwNCXgww==";
        assert!(matches!(parse_self_describing(md5), Err(Error::Unsupported { .. })));
    }
}
