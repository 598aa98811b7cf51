//! Password verifiers that database servers store: MySQL 3.23
//! `OLD_PASSWORD` (`mysql323`, 16 hex, must be declared), MS SQL Server
//! 2000/2005 (`0x0100…`) and 2012+ (`0x0200…`), Oracle 11g (`S:…`) and 12c
//! (`T:…`), and PostgreSQL's `SCRAM-SHA-256$…` (pg_authid).
//!
//! Everything but `mysql323` is recognised from the string alone:
//! [`parse_prefixed`] takes the prefixed forms.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use std::borrow::Cow;

use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{b64_decode, b64_encode_padded, hex_decode, hex_lower, is_hex, parse_decimal};
use crate::error::{Error, Result};
use crate::primitives::prf::Prf;

enum Form {
    /// MySQL 3.23's two 31-bit words, as the 8 bytes its 16 hex digits encode.
    Mysql323([u8; 8]),
    /// `0x0100` + salt + SHA-1(UTF-16LE(pass) ‖ salt) [+ the same of the
    /// upper-cased password, MS SQL 2000 only].
    Mssql { salt: [u8; 4], digest: [u8; 20], upper: Option<[u8; 20]> },
    /// `0x0200` + salt + SHA-512(UTF-16LE(pass) ‖ salt).
    Mssql2012 { salt: [u8; 4], digest: [u8; 64] },
    /// `S:` + SHA-1(pass ‖ salt) + salt.
    Oracle11 { digest: [u8; 20], salt: [u8; 10] },
    /// `T:` + SHA-512(PBKDF2-HMAC-SHA512(pass, salt ‖ AUTH_PBKDF2_SPEEDY_KEY,
    /// 4096, 64) ‖ salt) + salt.
    Oracle12 { digest: [u8; 64], salt: [u8; 16] },
    /// RFC 5802 / 7677 verifier as PostgreSQL stores it.
    Scram { iterations: u64, salt: Vec<u8>, stored_key: [u8; 32], server_key: [u8; 32] },
}

pub(crate) struct Parsed {
    scheme: Scheme,
    form: Form,
}

/// Decode exactly `N` bytes of hex (either case).
fn hex_array<const N: usize>(scheme: Scheme, s: &str, what: &'static str) -> Result<[u8; N]> {
    hex_decode(s).and_then(|v| <[u8; N]>::try_from(v).ok()).ok_or(Error::malformed(scheme, what))
}

/// True when `s` has `mysql323`'s shape: 16 hex digits.
pub(crate) fn looks_like_mysql323(s: &str) -> bool {
    s.len() == 16 && is_hex(s)
}

/// Oracle 12c's fixed PBKDF2 iteration count.
const ORACLE12_ITERATIONS: u32 = 4096;

/// The prefixed self-describing forms: `0x0100…` and `0x0200…` (MS SQL),
/// `S:…` and `T:…` (Oracle 11g, 12c) and `SCRAM-SHA-256$…` (PostgreSQL).
/// `Ok(None)` for anything else.
pub(crate) fn parse_prefixed(s: &str) -> Result<Option<Parsed>> {
    if let Some(rest) = s.strip_prefix("0x0100") {
        return parse_mssql(rest).map(Some);
    }
    if let Some(rest) = s.strip_prefix("0x0200") {
        let scheme = Scheme::Mssql2012;
        let (salt, digest) = match (rest.len(), rest.get(..8), rest.get(8..)) {
            (136, Some(salt), Some(d)) => (salt, d),
            _ => return Err(Error::malformed(scheme, "expected 8 hex salt and 128 hex digest")),
        };
        let form = Form::Mssql2012 {
            salt: hex_array(scheme, salt, "hex salt")?,
            digest: hex_array(scheme, digest, "hex digest")?,
        };
        return Ok(Some(Parsed { scheme, form }));
    }
    if let Some(rest) = s.strip_prefix("T:") {
        let scheme = Scheme::Oracle12c;
        let (digest, salt) = match (rest.len(), rest.get(..128), rest.get(128..)) {
            (160, Some(d), Some(salt)) => (d, salt),
            _ => return Err(Error::malformed(scheme, "expected 128 hex digest and 32 hex salt")),
        };
        let form = Form::Oracle12 {
            digest: hex_array(scheme, digest, "hex digest")?,
            salt: hex_array(scheme, salt, "hex salt")?,
        };
        return Ok(Some(Parsed { scheme, form }));
    }
    if let Some(rest) = s.strip_prefix("S:") {
        let scheme = Scheme::Oracle11;
        let (digest, salt) = match (rest.len(), rest.get(..40), rest.get(40..)) {
            (60, Some(d), Some(salt)) => (d, salt),
            _ => return Err(Error::malformed(scheme, "expected 40 hex digest and 20 hex salt")),
        };
        let form = Form::Oracle11 {
            digest: hex_array(scheme, digest, "hex digest")?,
            salt: hex_array(scheme, salt, "hex salt")?,
        };
        return Ok(Some(Parsed { scheme, form }));
    }
    if let Some(rest) = s.strip_prefix("SCRAM-SHA-256$") {
        return parse_scram(rest).map(Some);
    }
    Ok(None)
}

fn parse_mssql(rest: &str) -> Result<Parsed> {
    let (scheme, upper) = match rest.len() {
        48 => (Scheme::Mssql2005, false),
        88 => (Scheme::Mssql2000, true),
        _ => {
            return Err(Error::Malformed {
                scheme: None,
                what: "`0x0100` string of neither MS SQL 2000 nor MS SQL 2005 length",
            })
        }
    };
    let part = |r: core::ops::Range<usize>| rest.get(r).ok_or(Error::malformed(scheme, "length"));
    let salt = hex_array(scheme, part(0..8)?, "hex salt")?;
    let digest = hex_array(scheme, part(8..48)?, "hex digest")?;
    let upper = if upper { Some(hex_array(scheme, part(48..88)?, "hex upper-case digest")?) } else { None };
    Ok(Parsed { scheme, form: Form::Mssql { salt, digest, upper } })
}

/// `<iter>:<salt b64>$<StoredKey b64>:<ServerKey b64>` (after the prefix).
fn parse_scram(rest: &str) -> Result<Parsed> {
    let scheme = Scheme::PostgresScramSha256;
    let (params, keys) = rest.split_once('$').ok_or(Error::malformed(scheme, "missing keys"))?;
    let (it, salt) = params.split_once(':').ok_or(Error::malformed(scheme, "missing salt"))?;
    let (stored, server) = keys.split_once(':').ok_or(Error::malformed(scheme, "missing server key"))?;
    let iterations = parse_decimal(it).ok_or(Error::malformed(scheme, "iteration count"))?;
    if iterations == 0 {
        return Err(Error::too_big(scheme, "iterations", 0, 1));
    }
    let salt = b64_decode(salt).filter(|s| !s.is_empty()).ok_or(Error::malformed(scheme, "salt"))?;
    let key = |k: &str, what| {
        b64_decode(k).and_then(|v| <[u8; 32]>::try_from(v).ok()).ok_or(Error::malformed(scheme, what))
    };
    Ok(Parsed {
        scheme,
        form: Form::Scram {
            iterations,
            salt,
            stored_key: key(stored, "StoredKey is not base64 of 32 bytes")?,
            server_key: key(server, "ServerKey is not base64 of 32 bytes")?,
        },
    })
}

/// MySQL 3.23's `hash_password`, which skips spaces and tabs.
fn mysql323(password: &[u8]) -> [u8; 8] {
    let (mut nr, mut add, mut nr2) = (1_345_345_333u32, 7u32, 0x1234_5671u32);
    for &c in password.iter().filter(|&&c| c != b' ' && c != b'\t') {
        let tmp = u32::from(c);
        nr ^= ((nr & 63).wrapping_add(add)).wrapping_mul(tmp).wrapping_add(nr << 8);
        nr2 = nr2.wrapping_add((nr2 << 8) ^ nr);
        add = add.wrapping_add(tmp);
    }
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&(nr & 0x7fff_ffff).to_be_bytes());
    out[4..].copy_from_slice(&(nr2 & 0x7fff_ffff).to_be_bytes());
    out
}

/// UTF-16LE of a UTF-8 password (MS SQL hashes `nvarchar`).
fn utf16le(text: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(text.encode_utf16().flat_map(u16::to_le_bytes).collect())
}

fn sha1_salted(data: &[u8], salt: &[u8]) -> Zeroizing<[u8; 20]> {
    Zeroizing::new(Sha1::new().chain_update(data).chain_update(salt).finalize().into())
}

/// PostgreSQL's `pg_saslprep` as `scram_verify_plain_password` uses it: ASCII
/// passes unchanged; otherwise SASLprep (RFC 4013) of the UTF-8 text, and when
/// the password is not UTF-8 or SASLprep refuses it, the raw bytes.
fn pg_saslprep(password: &[u8]) -> Zeroizing<Vec<u8>> {
    if password.is_ascii() {
        return Zeroizing::new(password.to_vec());
    }
    let prepped = core::str::from_utf8(password).ok().and_then(|t| stringprep::saslprep(t).ok());
    Zeroizing::new(match prepped {
        Some(p) => p.into_owned().into_bytes(),
        None => password.to_vec(),
    })
}

fn hmac_sha256(scheme: Scheme, key: &[u8], msg: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|_| Error::malformed(scheme, "HMAC key"))?;
    mac.update(msg);
    Ok(Zeroizing::new(mac.finalize().into_bytes().into()))
}

fn rounds_u32(scheme: Scheme, iterations: u64) -> Result<u32> {
    u32::try_from(iterations).map_err(|_| Error::too_big(scheme, "iterations", iterations, u32::MAX.into()))
}

impl Parsed {
    /// `mysql323`: 16 hex digits of either case (declared only).
    pub(crate) fn parse_mysql323(s: &str) -> Result<Self> {
        let scheme = Scheme::Mysql323;
        if !looks_like_mysql323(s) {
            return Err(Error::malformed(scheme, "expected 16 hex digits"));
        }
        let words: [u8; 8] = hex_array(scheme, s, "hex")?;
        Ok(Parsed { scheme, form: Form::Mysql323(words) })
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        let params = match &self.form {
            Form::Scram { iterations, .. } => Params::Rounds(*iterations),
            Form::Mysql323(_)
            | Form::Mssql { .. }
            | Form::Mssql2012 { .. }
            | Form::Oracle11 { .. }
            | Form::Oracle12 { .. } => Params::Fixed,
        };
        Identified::new(self.scheme, params)
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        match &self.form {
            Form::Scram { iterations, .. } => c.iterations(self.scheme, "iterations", *iterations),
            // Oracle 12c's count is fixed, yet a ceiling below it still holds.
            Form::Oracle12 { .. } => c.iterations(self.scheme, "iterations", ORACLE12_ITERATIONS.into()),
            Form::Mysql323(_) | Form::Mssql { .. } | Form::Mssql2012 { .. } | Form::Oracle11 { .. } => Ok(()),
        }
    }

    /// The stored digests, concatenated in the order [`Parsed::derive`] produces them.
    fn expected(&self) -> Cow<'_, [u8]> {
        match &self.form {
            Form::Mysql323(words) => Cow::Borrowed(words),
            Form::Mssql { digest, upper: None, .. } | Form::Oracle11 { digest, .. } => Cow::Borrowed(digest),
            Form::Mssql { digest, upper: Some(up), .. } => Cow::Owned([&digest[..], &up[..]].concat()),
            Form::Mssql2012 { digest, .. } | Form::Oracle12 { digest, .. } => Cow::Borrowed(digest),
            Form::Scram { stored_key, server_key, .. } => {
                Cow::Owned([&stored_key[..], &server_key[..]].concat())
            }
        }
    }

    /// The stored string with every password-derived byte set to zero.
    fn masked(&self) -> Result<String> {
        let hex_upper = |b: &[u8]| hex_lower(b).to_ascii_uppercase();
        Ok(match &self.form {
            Form::Mysql323(_) => "0".repeat(16),
            Form::Mssql { salt, upper, .. } => {
                let n = if upper.is_some() { 80 } else { 40 };
                format!("0x0100{}{}", hex_upper(salt), "0".repeat(n))
            }
            Form::Mssql2012 { salt, .. } => format!("0x0200{}{}", hex_upper(salt), "0".repeat(128)),
            Form::Oracle11 { salt, .. } => format!("S:{}{}", "0".repeat(40), hex_upper(salt)),
            Form::Oracle12 { salt, .. } => format!("T:{}{}", "0".repeat(128), hex_upper(salt)),
            Form::Scram { iterations, salt, .. } => {
                let z = b64_encode_padded(&[0u8; 32]);
                format!("SCRAM-SHA-256${iterations}:{}${z}:{z}", b64_encode_padded(salt))
            }
        })
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let scheme = self.scheme;
        Ok(match &self.form {
            Form::Mysql323(_) => Zeroizing::new(mysql323(password).to_vec()),
            Form::Mssql { salt, upper, .. } => {
                let text = core::str::from_utf8(password)
                    .map_err(|_| Error::PasswordNotUtf8 { what: "MS SQL's UTF-16LE" })?;
                let mut out = Zeroizing::new(sha1_salted(&utf16le(text), salt).to_vec());
                // passlib checks only the upper-case digest of MS SQL 2000, so
                // any case variant of the password passes there; SQL Server
                // 2000 compared both depending on collation. We require both,
                // so the case-sensitive digest decides.
                if upper.is_some() {
                    let up = Zeroizing::new(text.to_uppercase());
                    out.extend_from_slice(sha1_salted(&utf16le(&up), salt).as_slice());
                }
                out
            }
            Form::Mssql2012 { salt, .. } => {
                let text = core::str::from_utf8(password)
                    .map_err(|_| Error::PasswordNotUtf8 { what: "MS SQL's UTF-16LE" })?;
                let utf16 = utf16le(text);
                Zeroizing::new(
                    Sha512::new().chain_update(utf16.as_slice()).chain_update(salt).finalize().to_vec(),
                )
            }
            Form::Oracle11 { salt, .. } => Zeroizing::new(sha1_salted(password, salt).to_vec()),
            Form::Oracle12 { salt, .. } => {
                let kdf_salt = [&salt[..], b"AUTH_PBKDF2_SPEEDY_KEY"].concat();
                let mut key = Zeroizing::new([0u8; 64]);
                Prf::Sha512.derive(password, &kdf_salt, ORACLE12_ITERATIONS, key.as_mut_slice());
                Zeroizing::new(
                    Sha512::new().chain_update(key.as_slice()).chain_update(salt).finalize().to_vec(),
                )
            }
            Form::Scram { iterations, salt, .. } => {
                let rounds = rounds_u32(scheme, *iterations)?;
                let prepped = pg_saslprep(password);
                let mut salted = Zeroizing::new([0u8; 32]);
                Prf::Sha256.derive(&prepped, salt, rounds, salted.as_mut_slice());
                let client_key = hmac_sha256(scheme, salted.as_slice(), b"Client Key")?;
                let stored = Zeroizing::new(<[u8; 32]>::from(Sha256::digest(client_key.as_slice())));
                let server = hmac_sha256(scheme, salted.as_slice(), b"Server Key")?;
                Zeroizing::new([stored.as_slice(), server.as_slice()].concat())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifies(p: &Parsed, pw: &str) -> bool {
        p.derive(pw.as_bytes(), Kdf { secret: None, threads: 1 })
            .is_ok_and(|got| got.as_slice() == &*p.expected())
    }

    #[test]
    fn mysql323_skips_spaces_and_tabs() {
        let p = Parsed::parse_mysql323("3e7210db775c2cb2").unwrap();
        assert!(verifies(&p, "srRxCK"));
        assert!(verifies(&p, "srR xC\tK "));
        assert!(!verifies(&p, "srRxCk"));
        assert_eq!(mysql323(b"pass word"), mysql323(b"password"));
        assert_eq!(mysql323(b"\tpassword\t"), mysql323(b"password"));
        assert!(Parsed::parse_mysql323("3e7210db775c2cb").is_err());
        assert!(Parsed::parse_mysql323("3e7210db775c2cbg").is_err());
    }

    #[test]
    fn saslprep_folds_full_width() {
        // PostgreSQL 15 wrote this for the full-width password (vector p0300).
        let fw = "ｐａｓｓｗｏｒｄxg3d";
        assert_eq!(pg_saslprep(fw.as_bytes()).as_slice(), b"passwordxg3d");
        // Not UTF-8, or refused by SASLprep (a prohibited character): raw bytes.
        assert_eq!(pg_saslprep(b"\xffab").as_slice(), b"\xffab");
        assert_eq!(pg_saslprep("a\u{E000}".as_bytes()).as_slice(), "a\u{E000}".as_bytes());
        // ASCII, even with control characters, is used as it is.
        assert_eq!(pg_saslprep(b"a\x01b").as_slice(), b"a\x01b");
    }

    #[test]
    fn scram_iterations_checked_before_work() {
        let s = "SCRAM-SHA-256$4294967295:c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let p = parse_prefixed(s).unwrap().unwrap();
        assert!(p.check(&Ceilings::default()).is_err());
        assert!(parse_prefixed("SCRAM-SHA-256$0:c2FsdA==$AA==:AA==").is_err());
        assert!(parse_prefixed("SCRAM-SHA-256$4096:c2FsdA==$AA==:AA==").is_err());
    }

    #[test]
    fn mssql2012_and_oracle12c() {
        let m = "0x02008745BFE3364FBEEB43CBE9C1935AF2C64FDF3C9DB79606A508472B866F405567A8CBE4D56900D1A7F1483E9FEFD48A2AD3070D704588F679AEA9B8B1DF6A70844FA0A02A";
        let p = parse_prefixed(m).unwrap().unwrap();
        assert_eq!(p.identified().scheme, Scheme::Mssql2012);
        assert!(verifies(&p, "s2kMikpF8IThaJ"));
        // UTF-16LE needs text: a non-UTF-8 password is an error, not a mismatch.
        assert!(matches!(
            p.derive(b"\xff", Kdf { secret: None, threads: 1 }),
            Err(Error::PasswordNotUtf8 { .. })
        ));
        assert!(parse_prefixed(&m[..141]).is_err());
        assert!(parse_prefixed(&format!("{m}0")).is_err());
        assert!(parse_prefixed(&m.replace("0x02008745", "0x0200874G")).is_err());
        let o = "T:E50BF214CEB7D20659023A77E586E6FF74EAFFE62FDD38B5B734CC1BCC05FC353C8DF9114BFB41516AFABC95EB4DEC06940E0F0316D0AB68138F7948008ABA05AAC8C78157DC66A2F654DD3831E9E53E";
        let p = parse_prefixed(o).unwrap().unwrap();
        assert_eq!(p.identified().scheme, Scheme::Oracle12c);
        assert!(verifies(&p, "nRQXOp8"));
        assert!(!verifies(&p, "nRQXOp9"));
        assert!(parse_prefixed(&o[..161]).is_err());
        assert!(parse_prefixed(&o.replace("T:E5", "T:G5")).is_err());
        // The fixed 4096 PBKDF2 iterations still meet a lower ceiling.
        let low = Ceilings { iterations: 4000, ..Ceilings::default() };
        assert!(matches!(p.check(&low), Err(Error::ParameterOutOfRange { .. })));
        assert!(p.check(&Ceilings::default()).is_ok());
        assert_eq!(p.masked().unwrap(), format!("T:{}AAC8C78157DC66A2F654DD3831E9E53E", "0".repeat(128)));
    }

    #[test]
    fn mssql_and_oracle_shapes() {
        assert!(parse_prefixed("0x0100ABCD").is_err());
        assert!(parse_prefixed("S:10F8").is_err());
        let s = "0x010074AED51AFD7CBF548F96729DF2A125CC2B7751DC6E6612D4";
        assert!(verifies(&parse_prefixed(s).unwrap().unwrap(), "EPRry8xCvIycS"));
        // MS SQL 2000: a case variant matches the upper-case digest only.
        let s =
            "0x01001AC338070F6A1FE98DF2CA411F4B0C62D2082919EF134DCB0363EE4CC01FD9F1AB3C04DAF706CE6A2679B8D8";
        let p = parse_prefixed(s).unwrap().unwrap();
        assert!(verifies(&p, "k7Px6p"));
        assert!(!verifies(&p, "K7PX6P"));
    }
}
