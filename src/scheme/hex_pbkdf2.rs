//! Hex PBKDF2-HMAC-SHA256 digests whose salt, and sometimes their
//! parameters, live in other columns of the row: Gitea (also Forgejo and
//! Gogs), Grafana and Discourse. The three strings look alike (lower-case
//! hex); the row's family hint says which one it is.
//!
//! - Gitea: `passwd` = hex(PBKDF2(pw, salt, iter, keyLen)), `salt` (a
//!   10-character salt is used as text, any other is hex-decoded, as
//!   `modules/auth/password/hash/hash.go` does), `passwd_hash_algo` =
//!   `pbkdf2$<iter>$<keyLen>`, or `pbkdf2` / empty for the original 10000, 50.
//! - Grafana: `password` = hex(PBKDF2(pw, salt text, 10000, 50)), `salt`.
//! - Discourse: `password_hash` = hex(PBKDF2(pw, salt text, i, l)), `salt`,
//!   `password_algorithm` = `$pbkdf2-sha256$i=…,l=…$`.
//!
//! Each product compares the lower-case hex strings, so upper-case hex never
//! verifies there and is refused here.

use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Extra, Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{hex_decode, parse_decimal};
use crate::error::{Error, Result};
use crate::primitives::prf::Prf;

/// The longest derived key read (Gitea's `keyLen`, Discourse's `l`): a
/// longer one is refused, so the PBKDF2 block count stays small.
const MAX_KEY_LEN: u64 = 256;

pub(crate) struct Parsed {
    scheme: Scheme,
    rounds: u64,
    salt: Vec<u8>,
    expected: Vec<u8>,
    masked: String,
}

/// `s` as `len` bytes of lower-case hex.
fn lower_hex(scheme: Scheme, s: &str, len: u64) -> Result<Vec<u8>> {
    let ok = u64::try_from(s.len()).is_ok_and(|n| n == 2 * len)
        && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
    if !ok {
        return Err(Error::malformed(scheme, "hash must be lower-case hex of the key length"));
    }
    hex_decode(s).ok_or(Error::malformed(scheme, "hash must be lower-case hex of the key length"))
}

fn key_len(scheme: Scheme, s: &str) -> Result<u64> {
    let l = parse_decimal(s).ok_or(Error::malformed(scheme, "key length"))?;
    if l == 0 || l > MAX_KEY_LEN {
        return Err(Error::malformed(scheme, "key length must be 1 to 256 bytes"));
    }
    Ok(l)
}

fn iterations(scheme: Scheme, s: &str) -> Result<u64> {
    let i = parse_decimal(s).ok_or(Error::malformed(scheme, "iterations"))?;
    if i == 0 {
        return Err(Error::too_big(scheme, "iterations", 0, 1));
    }
    Ok(i)
}

impl Parsed {
    /// Gitea: the hex digest, the salt column and `passwd_hash_algo`.
    pub(crate) fn parse_gitea(s: &str, extra: Extra<'_>) -> Result<Self> {
        let scheme = Scheme::GiteaPbkdf2;
        let algo = extra.params_col.ok_or(Error::MissingInput { scheme, what: "params_col" })?;
        // `Parse` in hash.go: an empty column is `pbkdf2`; the config after
        // the first `$` is `<iter>$<keyLen>`, none means 10000, 50. No
        // de-aliasing is done there (`pbkdf2_v2` is an app.ini name).
        let algo = if algo.is_empty() { "pbkdf2" } else { algo };
        let (kind, config) = algo.split_once('$').unwrap_or((algo, ""));
        match kind {
            "pbkdf2" => {}
            "argon2" | "scrypt" | "bcrypt" => {
                return Err(Error::Unsupported { scheme, what: "Gitea's argon2, scrypt and bcrypt rows" })
            }
            _ => return Err(Error::malformed(scheme, "params_col must be `pbkdf2[$iter$keyLen]`")),
        }
        let (rounds, len) = if config.is_empty() {
            (10_000, 50)
        } else {
            let (i, l) = config.split_once('$').ok_or(Error::malformed(scheme, "params_col"))?;
            (iterations(scheme, i)?, key_len(scheme, l)?)
        };
        let salt = extra.salt.ok_or(Error::MissingInput { scheme, what: "salt" })?;
        let salt = if salt.len() == 10 {
            salt.as_bytes().to_vec()
        } else {
            hex_decode(salt).ok_or(Error::malformed(scheme, "salt is neither 10 characters nor hex"))?
        };
        let expected = lower_hex(scheme, s, len)?;
        Ok(Parsed { scheme, rounds, salt, expected, masked: "0".repeat(s.len()) })
    }

    /// Grafana: the hex digest and the salt column (used as text).
    pub(crate) fn parse_grafana(s: &str, extra: Extra<'_>) -> Result<Self> {
        let scheme = Scheme::GrafanaPbkdf2;
        let salt = extra.salt.ok_or(Error::MissingInput { scheme, what: "salt" })?;
        let expected = lower_hex(scheme, s, 50)?;
        Ok(Parsed {
            scheme,
            rounds: 10_000,
            salt: salt.as_bytes().to_vec(),
            expected,
            masked: "0".repeat(s.len()),
        })
    }

    /// Discourse: the hex digest, the salt column (used as text) and
    /// `password_algorithm` (`$pbkdf2-sha256$i=600000,l=32$`, the `$` around
    /// it optional as `PasswordHasher.hash_password` strips them).
    pub(crate) fn parse_discourse(s: &str, extra: Extra<'_>) -> Result<Self> {
        let scheme = Scheme::DiscoursePbkdf2;
        let algo = extra.params_col.filter(|a| !a.is_empty());
        let algo = algo.ok_or(Error::MissingInput { scheme, what: "params_col" })?;
        let algo = algo.strip_prefix('$').unwrap_or(algo);
        let algo = algo.strip_suffix('$').unwrap_or(algo);
        let params = match algo.split_once('$') {
            Some(("pbkdf2-sha256", p)) => p,
            _ => return Err(Error::malformed(scheme, "params_col must be `$pbkdf2-sha256$i=…,l=…$`")),
        };
        let (mut i, mut l) = (None, None);
        for kv in params.split(',') {
            match kv.split_once('=') {
                Some(("i", v)) if i.is_none() => i = Some(iterations(scheme, v)?),
                Some(("l", v)) if l.is_none() => l = Some(key_len(scheme, v)?),
                _ => return Err(Error::malformed(scheme, "params_col must hold i= and l=")),
            }
        }
        let (Some(rounds), Some(len)) = (i, l) else {
            return Err(Error::malformed(scheme, "params_col must hold i= and l="));
        };
        let salt = extra.salt.ok_or(Error::MissingInput { scheme, what: "salt" })?;
        let expected = lower_hex(scheme, s, len)?;
        Ok(Parsed { scheme, rounds, salt: salt.as_bytes().to_vec(), expected, masked: "0".repeat(s.len()) })
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
        Prf::Sha256.derive(password, &self.salt, rounds, &mut out);
        Ok(out)
    }
}

/// True when `s` is 100 lower-case hex characters: the 50-byte key Gitea
/// and Grafana write (the shape no other family has).
pub(crate) fn looks_like_50_byte_key(s: &str) -> bool {
    s.len() == 100 && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extra<'a>(salt: Option<&'a str>, col: Option<&'a str>) -> Extra<'a> {
        Extra { salt, params_col: col, ..Extra::default() }
    }

    const GITEA: &str = "ab48d5471b7e6ed42d10001db88c852ff7303c788e49da5c3c7b63d5adf96360303724b74b679223a3dea8a242d10abb1913";

    fn verifies(p: &Parsed, pw: &[u8]) -> bool {
        p.derive(pw, Kdf { secret: None, threads: 1 }).is_ok_and(|d| d.as_slice() == &*p.expected())
    }

    #[test]
    fn gitea_columns() {
        // hash_test.go: "abcdef", salt "aaaaaaaaaa", `pbkdf2` (10000, 50).
        for col in ["pbkdf2", "", "pbkdf2$10000$50"] {
            let p = Parsed::parse_gitea(GITEA, extra(Some("aaaaaaaaaa"), Some(col))).expect(col);
            assert!(verifies(&p, b"abcdef"), "{col:?}");
            assert_eq!(p.identified().params, Params::Rounds(10_000));
        }
        let p =
            Parsed::parse_gitea(GITEA, extra(Some("aaaaaaaaaa"), Some("pbkdf2$50000$50"))).expect("parse");
        assert!(!verifies(&p, b"abcdef"));
        assert!(matches!(
            Parsed::parse_gitea(GITEA, extra(Some("aaaaaaaaaa"), None)),
            Err(Error::MissingInput { what: "params_col", .. })
        ));
        assert!(matches!(
            Parsed::parse_gitea(GITEA, extra(None, Some("pbkdf2"))),
            Err(Error::MissingInput { what: "salt", .. })
        ));
        for bad in
            ["pbkdf2$10000", "pbkdf2$010000$50", "pbkdf2$10000$0", "pbkdf2$10000$999", "pbkdf2$0$50", "md5"]
        {
            assert!(Parsed::parse_gitea(GITEA, extra(Some("aaaaaaaaaa"), Some(bad))).is_err(), "{bad}");
        }
        assert!(matches!(
            Parsed::parse_gitea(GITEA, extra(Some("aaaaaaaaaa"), Some("argon2$2$65536$8$50"))),
            Err(Error::Unsupported { .. })
        ));
        // A salt of another length must be hex.
        assert!(Parsed::parse_gitea(GITEA, extra(Some("aaaaaaaaaaa"), Some("pbkdf2"))).is_err());
        // Upper-case or short hex never verifies in Gitea: refused.
        assert!(
            Parsed::parse_gitea(&GITEA.to_uppercase(), extra(Some("aaaaaaaaaa"), Some("pbkdf2"))).is_err()
        );
        assert!(Parsed::parse_gitea(&GITEA[2..], extra(Some("aaaaaaaaaa"), Some("pbkdf2"))).is_err());
    }

    #[test]
    fn absurd_iterations_are_refused_before_work() {
        let col = "pbkdf2$4294967295$50";
        let p = Parsed::parse_gitea(GITEA, extra(Some("aaaaaaaaaa"), Some(col))).expect("parse");
        let t = std::time::Instant::now();
        assert!(matches!(p.check(&Ceilings::default()), Err(Error::ParameterOutOfRange { .. })));
        assert!(t.elapsed() < std::time::Duration::from_millis(50));
    }

    #[test]
    fn discourse_params_column() {
        let h = "5db400fd63e3e8b5ff41c72af3d1e47e5c89eee35c72c331f849a2ced2ac6e27";
        let salt = Some("dbf16b56c2d47ba6da13a900690d3a20");
        for ok in ["$pbkdf2-sha256$i=600000,l=32$", "pbkdf2-sha256$l=32,i=600000"] {
            let p = Parsed::parse_discourse(h, extra(salt, Some(ok))).expect(ok);
            assert_eq!(p.identified().params, Params::Rounds(600_000));
        }
        for bad in [
            "$pbkdf2-sha256$i=600000$",
            "$pbkdf2-sha256$i=600000,l=32,i=1$",
            "$pbkdf2-sha512$i=600000,l=32$",
            "$pbkdf2-sha256$i=600000,l=64$",
            "$pbkdf2-sha256$i=600000,l=32,x=1$",
        ] {
            assert!(Parsed::parse_discourse(h, extra(salt, Some(bad))).is_err(), "{bad}");
        }
        assert!(matches!(
            Parsed::parse_discourse(h, extra(salt, Some(""))),
            Err(Error::MissingInput { what: "params_col", .. })
        ));
    }

    /// The shapes this group adds to the ambiguity candidates are exact: a
    /// 100-hex key (Gitea, Grafana), Keycloak's JSON, Better Auth's
    /// `salt:key`, Magento's `hash:salt:version`; the bare base64 and 64-hex
    /// strings of the others add nothing to unrelated strings.
    #[test]
    fn shape_candidates_stay_exact() {
        use crate::scheme::shape_candidates;
        let mine = [
            Scheme::FirebaseScrypt,
            Scheme::KeycloakPbkdf2,
            Scheme::GiteaPbkdf2,
            Scheme::GrafanaPbkdf2,
            Scheme::DiscoursePbkdf2,
            Scheme::AspnetMembershipSha1,
            Scheme::SymfonyMessageDigest,
            Scheme::RabbitmqSha256,
            Scheme::BetterAuthScrypt,
            Scheme::Magento2,
        ];
        let of = |s: &str| -> Vec<Scheme> {
            shape_candidates(s).into_iter().filter(|c| mine.contains(c)).collect()
        };
        assert_eq!(of(GITEA), [Scheme::GiteaPbkdf2, Scheme::GrafanaPbkdf2]);
        assert!(of(&GITEA.to_uppercase()).is_empty());
        let keycloak = r#"{"value":"AAAA","salt":"AAAA","additionalParameters":{}}"#;
        assert_eq!(of(keycloak), [Scheme::KeycloakPbkdf2]);
        let better = format!("{}:{}", "ab".repeat(16), "cd".repeat(64));
        assert_eq!(of(&better), [Scheme::BetterAuthScrypt]);
        let magento = format!("{}:WpCzNFEmzbHAQHg7Z7ok2ZlWwgyNcNmK:1", "ab".repeat(32));
        assert_eq!(of(&magento), [Scheme::Magento2]);
        assert!(shape_candidates(&magento).contains(&Scheme::Sha256PassSalt), "still the hex:salt shape too");
        for unrelated in [
            "5f4dcc3b5aa765d61d8327deb882cf99".to_owned(),
            "ab".repeat(32),
            "ab".repeat(64),
            "owrfrh3z9mqGhqOY4GhtZNjZR4o=".to_owned(),
            "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR".to_owned(),
            format!("{}:salt", "ab".repeat(16)),
            format!("{}:salt:7", "ab".repeat(32)),
        ] {
            assert!(of(&unrelated).is_empty(), "{unrelated}");
        }
    }

    #[test]
    fn grafana_needs_its_salt() {
        let h = "59acf18b94d7eb0694c61e60ce44c110c7a683ac6a8f09580d626f90f4a242000746579358d77dd9e570e83fa24faa88a8a6";
        let p = Parsed::parse_grafana(h, extra(Some("F3FAxVm33R"), None)).expect("parse");
        assert!(verifies(&p, b"admin"));
        assert!(matches!(Parsed::parse_grafana(h, extra(None, None)), Err(Error::MissingInput { .. })));
        assert!(looks_like_50_byte_key(h) && !looks_like_50_byte_key(&h[..64]));
    }
}
