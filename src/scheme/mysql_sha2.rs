//! MySQL 8's `caching_sha2_password` (`mysql.user.authentication_string`):
//! `$A$` + 3 hex digits (rounds / 1000) + `$` + a 20-byte salt + the
//! 43-character SHA-256-crypt digest of the password over the whole salt;
//! and hashcat's export notation of it (mode 7401), `$mysql$A$` + rounds /
//! 1000 in 3-4 decimal digits, `*`, hex salt, `*`, hex of the 43 digest
//! characters. The rounds are in [`crate::primitives::sha_crypt`].
//!
//! MySQL's salt is any 7-bit byte but NUL and `$`, so the stored string may
//! hold control characters: `parse_nested` lets them through for this prefix
//! only, and the parser accepts them only in the salt.

use std::borrow::Cow;

use base64ct::{Base64ShaCrypt, Encoding as _};
use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{hex_decode, is_crypt64};
use crate::error::{Error, Result};
use crate::primitives::sha_crypt::{self, transpose, Hash, SHA256_ORDER};

const SCHEME: Scheme = Scheme::MysqlCachingSha2;

/// The rounds field counts thousands.
const ROUNDS_UNIT: u64 = 1000;

/// MySQL refuses longer passwords (`CACHING_SHA2_PASSWORD_MAX_PASSWORD_LENGTH`).
const MAX_PASSWORD: usize = 256;

pub(crate) struct Parsed {
    rounds: u64,
    salt: [u8; 20],
    /// The digest decoded, in SHA-crypt's transposed byte order.
    expected: Vec<u8>,
    masked: String,
}

/// The 43 digest characters, decoded.
fn digest(chars: &[u8]) -> Result<Vec<u8>> {
    let text = core::str::from_utf8(chars).ok().filter(|t| t.len() == 43 && is_crypt64(t));
    let text = text.ok_or(Error::malformed(SCHEME, "digest must be 43 characters of ./0-9A-Za-z"))?;
    Base64ShaCrypt::decode_vec(text)
        .ok()
        .filter(|d| d.len() == 32)
        .ok_or(Error::malformed(SCHEME, "digest encoding"))
}

impl Parsed {
    /// `$A$005$` + 20 salt bytes + 43 digest characters: 70 bytes.
    pub(crate) fn parse(s: &str) -> Result<Self> {
        let b = s.as_bytes();
        let (head, salt, chars) = match (b.len(), b.get(..7), b.get(7..27), b.get(27..)) {
            (70, Some(h), Some(salt), Some(d)) => (h, salt, d),
            _ => {
                return Err(Error::malformed(SCHEME, "expected $A$NNN$ + 20-byte salt + 43-character digest"))
            }
        };
        let field = match head {
            [b'$', b'A', b'$', f @ .., b'$'] => f,
            _ => return Err(Error::malformed(SCHEME, "expected $A$NNN$")),
        };
        // MySQL writes the field in upper-case hex (`%03X`) and reads it with
        // `stoul(…, 16)`.
        let field = core::str::from_utf8(field).ok().filter(|f| f.bytes().all(|c| c.is_ascii_hexdigit()));
        let thousands = field
            .and_then(|f| u64::from_str_radix(f, 16).ok())
            .ok_or(Error::malformed(SCHEME, "rounds field must be 3 hex digits"))?;
        if salt.iter().any(|c| matches!(c, 0 | b'$' | 0x80..)) {
            return Err(Error::malformed(SCHEME, "salt bytes must be 7-bit, not NUL or `$`"));
        }
        let expected = digest(chars)?;
        let masked = format!("{}{}", s.get(..27).unwrap_or_default(), ".".repeat(43));
        Self::new(thousands, salt, expected, masked)
    }

    /// hashcat's `$mysql$A$005*hexsalt*hexdigest` (its SQL export query
    /// writes the count in 4 decimal digits, hashcat itself in 3).
    pub(crate) fn parse_hashcat(s: &str) -> Result<Self> {
        let rest = s.strip_prefix("$mysql$A$").ok_or(Error::malformed(SCHEME, "expected $mysql$A$"))?;
        let mut f = rest.split('*');
        let (count, salt_hex, digest_hex) = match (f.next(), f.next(), f.next(), f.next()) {
            (Some(c), Some(s), Some(d), None) => (c, s, d),
            _ => return Err(Error::malformed(SCHEME, "expected $mysql$A$NNN*hexsalt*hexdigest")),
        };
        if !(3..=4).contains(&count.len()) || !count.bytes().all(|c| c.is_ascii_digit()) {
            return Err(Error::malformed(SCHEME, "count must be 3 or 4 decimal digits"));
        }
        let thousands = count.bytes().fold(0u64, |acc, c| acc * 10 + u64::from(c - b'0'));
        let salt = hex_decode(salt_hex).filter(|v| v.len() == 20);
        let salt = salt.ok_or(Error::malformed(SCHEME, "salt must be 40 hex digits"))?;
        let chars = hex_decode(digest_hex).filter(|v| v.len() == 43);
        let chars = chars.ok_or(Error::malformed(SCHEME, "digest must be 86 hex digits"))?;
        let expected = digest(&chars)?;
        let masked = format!("$mysql$A${count}*{salt_hex}*{}", "2E".repeat(43));
        Self::new(thousands, &salt, expected, masked)
    }

    fn new(thousands: u64, salt: &[u8], expected: Vec<u8>, masked: String) -> Result<Self> {
        if thousands == 0 {
            return Err(Error::too_big(SCHEME, "rounds", 0, ROUNDS_UNIT));
        }
        let salt = <[u8; 20]>::try_from(salt).map_err(|_| Error::malformed(SCHEME, "salt length"))?;
        Ok(Parsed { rounds: thousands * ROUNDS_UNIT, salt, expected, masked })
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        Identified::new(SCHEME, Params::Rounds(self.rounds))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(SCHEME, "rounds", self.rounds)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(self.masked.clone())
    }

    /// A password over MySQL's 256 bytes derives nothing and so matches no
    /// digest, as MySQL refuses it.
    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        if password.len() > MAX_PASSWORD {
            return Ok(Zeroizing::new(Vec::new()));
        }
        let rounds = u32::try_from(self.rounds).map_err(|_| Error::malformed(SCHEME, "rounds"))?;
        let raw = sha_crypt::sha_crypt_long_salt(Hash::Sha256, password, &self.salt, rounds);
        Ok(transpose(&raw, &SHA256_ORDER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KDF: Kdf<'static> = Kdf { secret: None, threads: 1 };
    const GOOD: &str = "$A$005$+0zd|.TWng~x5w'-kl={A/v/5/zvVTMhP8koUcHRcnCBIjO7X/dXgr5IImU1iR8";

    #[test]
    fn control_characters_only_in_the_salt() {
        // The salt of GOOD with a control character in it parses (and does
        // not verify); the same byte in the digest or the field does not.
        let mut salted = GOOD.to_owned();
        salted.replace_range(8..9, "\u{1}");
        let p = crate::scheme::parse_self_describing(&salted).unwrap().unwrap();
        assert_eq!(p.identified().scheme, SCHEME);
        assert_eq!(p.verify(b"THuVTNbnbHSfQ", KDF).unwrap().unwrap_u8(), 0);
        assert_eq!(p.masked().unwrap().get(..27), salted.get(..27));
        for (at, what) in [(40, "digest"), (4, "field")] {
            let mut bad = GOOD.to_owned();
            bad.replace_range(at..at + 1, "\u{1}");
            assert!(crate::scheme::parse_self_describing(&bad).is_err(), "{what}");
        }
        let mut nul = GOOD.to_owned();
        nul.replace_range(8..9, "\0");
        assert!(crate::scheme::parse_self_describing(&nul).is_err());
        // Control characters stay refused before any other prefix.
        assert!(crate::scheme::parse_self_describing("$5$ab\u{1}c$x").is_err());
        assert!(crate::scheme::parse_self_describing(&format!("*{salted}")).is_err());
    }

    #[test]
    fn rounds_field() {
        let p = Parsed::parse(GOOD).unwrap();
        assert_eq!(p.identified().params, Params::Rounds(5000));
        // Hex: `00A` is 10,000 rounds; `FFF` MySQL's most.
        let p = Parsed::parse(&GOOD.replace("$A$005$", "$A$00A$")).unwrap();
        assert_eq!(p.identified().params, Params::Rounds(10_000));
        let p = Parsed::parse(&GOOD.replace("$A$005$", "$A$FFF$")).unwrap();
        assert_eq!(p.identified().params, Params::Rounds(4_095_000));
        assert!(p.check(&Ceilings { iterations: 1_000_000, ..Ceilings::default() }).is_err());
        for bad in ["$A$000$", "$A$05$", "$A$0005$", "$A$0x5$", "$A$ 05$", "$B$005$"] {
            assert!(Parsed::parse(&GOOD.replace("$A$005$", bad)).is_err(), "{bad}");
        }
        let long = vec![b'a'; 257];
        assert!(Parsed::parse(GOOD).unwrap().derive(&long, KDF).unwrap().is_empty());
    }

    #[test]
    fn hashcat_notation() {
        let s = "$mysql$A$005*F9CC98CE08892924F50A213B6BC571A2C11778C5*625479393559393965414D45316477456B484F41316E64484742577A2E3162785353526B7554584647562F";
        let p = Parsed::parse_hashcat(s).unwrap();
        assert_eq!(p.verify(b"hashcat", KDF).unwrap().unwrap_u8(), 1);
        let four = s.replace("A$005*", "A$0005*");
        assert_eq!(Parsed::parse_hashcat(&four).unwrap().verify(b"hashcat", KDF).unwrap().unwrap_u8(), 1);
        for bad in ["A$05*", "A$00005*", "A$000*"] {
            assert!(Parsed::parse_hashcat(&s.replace("A$005*", bad)).is_err(), "{bad}");
        }
        assert!(Parsed::parse_hashcat(&s.replace("*6254", "*0054")).is_err(), "digest byte outside crypt64");
    }
}
