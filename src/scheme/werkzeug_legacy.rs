//! Werkzeug's legacy `generate_password_hash` forms (Werkzeug < 2.3,
//! `_hash_internal` in `src/werkzeug/security.py`; old Flask apps):
//!
//! - `method$salt$hex(HMAC(key = salt, password))` for a hashlib digest name
//!   (`sha1`, Werkzeug 0.x's default, `md5`, `sha224`…`sha512`); the salt is
//!   `gen_salt(salt_length)`: `[A-Za-z0-9]`, 8 characters by default up to
//!   1.0, 16 in 2.0–2.2;
//! - `method$$hex(digest(password))`, unsalted (read, never written);
//! - `plain$$password`, the password itself.
//!
//! `check_password_hash` splits at the first two `$` and compares the
//! lower-case hexdigest it computes with the rest, so upper-case hex never
//! verified and is refused here. The PBKDF2 and scrypt methods are the
//! `werkzeug_pbkdf2` / `werkzeug_scrypt` families.
//!
//! The strings are not self-describing (`sha1$salt$hex` is also Django's
//! salted SHA-1): the family resolves through the row's hint or a declaration.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha224, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::encoding::hex_decode;
use crate::error::{Error, Result};

const SCHEME: Scheme = Scheme::WerkzeugLegacy;

/// The `method` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Plain,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Method {
    fn from_name(name: &str) -> Result<Method> {
        Ok(match name {
            "plain" => Method::Plain,
            "md5" => Method::Md5,
            "sha1" => Method::Sha1,
            "sha224" => Method::Sha224,
            "sha256" => Method::Sha256,
            "sha384" => Method::Sha384,
            "sha512" => Method::Sha512,
            // Other names hashlib knows: Werkzeug took them, rehash does not.
            "sha3_224" | "sha3_256" | "sha3_384" | "sha3_512" | "blake2b" | "blake2s" | "sha512_224"
            | "sha512_256" | "md5-sha1" | "sm3" | "ripemd160" => {
                return Err(Error::Unsupported {
                    scheme: SCHEME,
                    what: "hashlib method other than md5, sha1, sha2",
                })
            }
            _ => return Err(Error::malformed(SCHEME, "unknown method")),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Method::Plain => "plain",
            Method::Md5 => "md5",
            Method::Sha1 => "sha1",
            Method::Sha224 => "sha224",
            Method::Sha256 => "sha256",
            Method::Sha384 => "sha384",
            Method::Sha512 => "sha512",
        }
    }

    /// The digest length in bytes (`plain`: the SHA-256 rehash compares).
    fn len(self) -> usize {
        match self {
            Method::Md5 => 16,
            Method::Sha1 => 20,
            Method::Sha224 => 28,
            Method::Plain | Method::Sha256 => 32,
            Method::Sha384 => 48,
            Method::Sha512 => 64,
        }
    }

    fn digest(self, data: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            Method::Md5 => Md5::digest(data).to_vec(),
            Method::Sha1 => Sha1::digest(data).to_vec(),
            Method::Sha224 => Sha224::digest(data).to_vec(),
            Method::Plain | Method::Sha256 => Sha256::digest(data).to_vec(),
            Method::Sha384 => Sha384::digest(data).to_vec(),
            Method::Sha512 => Sha512::digest(data).to_vec(),
        })
    }

    fn hmac(self, key: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
            let mut mac =
                <M as KeyInit>::new_from_slice(key).map_err(|_| Error::malformed(SCHEME, "HMAC key"))?;
            mac.update(data);
            Ok(Zeroizing::new(mac.finalize().into_bytes().to_vec()))
        }
        match self {
            Method::Md5 => run::<Hmac<Md5>>(key, data),
            Method::Sha1 => run::<Hmac<Sha1>>(key, data),
            Method::Sha224 => run::<Hmac<Sha224>>(key, data),
            Method::Sha256 => run::<Hmac<Sha256>>(key, data),
            Method::Sha384 => run::<Hmac<Sha384>>(key, data),
            Method::Sha512 => run::<Hmac<Sha512>>(key, data),
            Method::Plain => Err(Error::malformed(SCHEME, "plain has no HMAC")),
        }
    }
}

pub(crate) struct Parsed<'a> {
    method: Method,
    salt: &'a str,
    /// The stored digest; for `plain`, SHA-256 of the stored password, so the
    /// comparison is of fixed length and a wrap keeps nothing of it.
    expected: Zeroizing<Vec<u8>>,
}

impl<'a> Parsed<'a> {
    /// `method$salt$hash` as `check_password_hash` splits it.
    pub(crate) fn parse(s: &'a str) -> Result<Self> {
        let (method, rest) =
            s.split_once('$').ok_or(Error::malformed(SCHEME, "expected method$salt$hash"))?;
        let (salt, hash) =
            rest.split_once('$').ok_or(Error::malformed(SCHEME, "expected method$salt$hash"))?;
        let method = Method::from_name(method)?;
        let expected = if method == Method::Plain {
            method.digest(hash.as_bytes())
        } else {
            let lower_hex = hash.len() == 2 * method.len()
                && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !lower_hex {
                return Err(Error::malformed(SCHEME, "digest is not lower-case hex of the method's length"));
            }
            Zeroizing::new(hex_decode(hash).ok_or(Error::malformed(SCHEME, "hex digest"))?)
        };
        Ok(Parsed { method, salt, expected })
    }
}

/// True when `s` has a form Werkzeug's `generate_password_hash` wrote with a
/// salt: a digest method, a salt of `gen_salt`'s alphabet, the lower-case hex
/// HMAC. (`plain` and unsalted strings are never written with a salt.)
pub(crate) fn salted_form(s: &str) -> bool {
    let salt = s.split('$').nth(1).unwrap_or_default();
    !salt.is_empty()
        && salt.bytes().all(|b| b.is_ascii_alphanumeric())
        && Parsed::parse(s).is_ok_and(|p| p.method != Method::Plain)
}

/// True when `s` has one of this family's forms (for the ambiguity error).
pub(crate) fn looks_like(s: &str) -> bool {
    Parsed::parse(s).is_ok()
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        Identified::new(SCHEME, Params::Fixed)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(match self.method {
            Method::Plain => format!("plain${}$", self.salt),
            m => format!("{}${}${}", m.name(), self.salt, "0".repeat(2 * m.len())),
        })
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        match self.method {
            Method::Plain => Ok(self.method.digest(password)),
            m if self.salt.is_empty() => Ok(m.digest(password)),
            m => m.hmac(self.salt.as_bytes(), password),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kdf() -> Kdf<'static> {
        Kdf { secret: None, threads: 1 }
    }

    fn verifies(s: &str, pw: &[u8]) -> bool {
        Parsed::parse(s).and_then(|p| p.verify(pw, kdf())).map(bool::from).unwrap_or(false)
    }

    #[test]
    fn the_three_forms() {
        // python: hmac.new(b"MI8rVwSy", b"xs3gEafrVBK4QsJ", "sha1").hexdigest()
        assert!(verifies("sha1$MI8rVwSy$647616b8f36502239e8c0185226aa110b08c1511", b"xs3gEafrVBK4QsJ"));
        // hashlib.sha1(b"password").hexdigest(), hashlib.md5(b"password").hexdigest()
        assert!(verifies("sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", b"password"));
        assert!(verifies("md5$$5f4dcc3b5aa765d61d8327deb882cf99", b"password"));
        assert!(verifies("plain$$pa$$word", b"pa$$word"));
        assert!(!verifies("plain$$pa$$word", b"pa$$wor"));
        assert!(verifies("plain$$", b""));
    }

    #[test]
    fn refusals() {
        assert!(matches!(Parsed::parse("whirlpool9$abc$00"), Err(Error::Malformed { .. })));
        assert!(matches!(Parsed::parse("sha3_256$abc$00"), Err(Error::Unsupported { .. })));
        assert!(Parsed::parse("sha1$ab$5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8").is_err());
        assert!(Parsed::parse("sha1$ab$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd").is_err());
        assert!(Parsed::parse("sha1$ab").is_err());
        assert!(Parsed::parse("SHA1$ab$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8").is_err());
    }

    #[test]
    fn masked_keeps_nothing_of_the_password() {
        let p = Parsed::parse("plain$$secret").expect("parse");
        assert_eq!(p.masked().expect("mask"), "plain$$");
        let p = Parsed::parse("md5$ab$5f4dcc3b5aa765d61d8327deb882cf99").expect("parse");
        assert_eq!(p.masked().expect("mask"), format!("md5$ab${}", "0".repeat(32)));
    }

    #[test]
    fn salted_form_is_gen_salts_alphabet() {
        assert!(salted_form("sha1$MI8rVwSy$647616b8f36502239e8c0185226aa110b08c1511"));
        assert!(!salted_form("sha1$MI8r.wSy$647616b8f36502239e8c0185226aa110b08c1511"));
        assert!(!salted_form("sha1$$647616b8f36502239e8c0185226aa110b08c1511"));
    }
}

/// The content rule between Django's salted digests and Werkzeug's HMACs,
/// end to end through the policy (docs/schemes.md, "Strings two families
/// share").
#[cfg(test)]
mod shared_form {
    use crate::{Error, Policy, Scheme, Stored, Verification};

    /// Werkzeug 2.2.3, salt_length 8 (w3p0194).
    const WERKZEUG8: &str = "sha1$MI8rVwSy$647616b8f36502239e8c0185226aa110b08c1511";
    const WERKZEUG8_PW: &[u8] = b"xs3gEafrVBK4QsJ";

    fn valid(p: &Policy, pw: &[u8], row: Stored<'_>) -> Option<Scheme> {
        match p.verify(pw, row) {
            Ok(Verification::Valid { identified, .. }) => Some(identified.scheme),
            _ => None,
        }
    }

    /// A Django salted SHA-1 row made with `salt` (sha1(salt . pass)).
    fn django_sha1(salt: &str, pw: &[u8]) -> String {
        use sha1::{Digest as _, Sha1};
        let mut h = Sha1::new();
        h.update(salt.as_bytes());
        h.update(pw);
        format!("sha1${salt}${}", crate::encoding::hex_lower(&h.finalize()))
    }

    #[test]
    fn werkzeug_lengths_are_ambiguous_until_the_row_or_policy_says() {
        let p = Policy::default();
        match p.identify(WERKZEUG8) {
            Err(Error::Ambiguous { candidates }) => {
                assert_eq!(candidates, [Scheme::DjangoSaltedSha1, Scheme::WerkzeugLegacy]);
            }
            other => panic!("expected Ambiguous, got {other:?}"),
        }
        let hinted = Stored::new(WERKZEUG8).with_scheme(Scheme::WerkzeugLegacy);
        assert_eq!(valid(&p, WERKZEUG8_PW, hinted), Some(Scheme::WerkzeugLegacy));
        let as_django = Stored::new(WERKZEUG8).with_scheme(Scheme::DjangoSaltedSha1);
        assert_eq!(p.identify(as_django).expect("hinted").scheme, Scheme::DjangoSaltedSha1);
        assert!(matches!(p.verify(WERKZEUG8_PW, as_django), Ok(Verification::Invalid { .. })));

        let flask = Policy::builder().declare(Scheme::WerkzeugLegacy).build().expect("policy");
        assert_eq!(valid(&flask, WERKZEUG8_PW, Stored::new(WERKZEUG8)), Some(Scheme::WerkzeugLegacy));
        let django = Policy::builder().declare(Scheme::DjangoSaltedSha1).build().expect("policy");
        assert_eq!(django.identify(WERKZEUG8).expect("declared").scheme, Scheme::DjangoSaltedSha1);
        // Both declared: still a question only the row can answer; a Django
        // salt length stays Django's.
        let both = Policy::builder()
            .declare(Scheme::DjangoSaltedSha1)
            .declare(Scheme::WerkzeugLegacy)
            .build()
            .expect("policy");
        assert!(matches!(both.identify(WERKZEUG8), Err(Error::Ambiguous { .. })));
        let twelve = django_sha1("7lhTNzxPnr8v", b"password");
        assert_eq!(both.identify(twelve.as_str()).expect("django").scheme, Scheme::DjangoSaltedSha1);
    }

    #[test]
    fn django_salt_lengths_and_alphabets_are_djangos() {
        let p = Policy::default();
        for salt in ["fe76b", "7lhTNzxPnr8v", "9SwlWKbapdtzKwyjPvAVtC", "ab.d/fgh", "a-b"] {
            let s = django_sha1(salt, b"password");
            assert_eq!(valid(&p, b"password", Stored::new(&s)), Some(Scheme::DjangoSaltedSha1), "{s}");
        }
        for salt in ["abcdefgh", "abcdefghABCDEFGH", "x"] {
            let s = django_sha1(salt, b"password");
            assert!(matches!(p.identify(s.as_str()), Err(Error::Ambiguous { .. })), "{s}");
        }
        let md5 = "md5$abcdefgh$5f4dcc3b5aa765d61d8327deb882cf99";
        match p.identify(md5) {
            Err(Error::Ambiguous { candidates }) => {
                assert_eq!(candidates, [Scheme::DjangoSaltedMd5, Scheme::WerkzeugLegacy]);
            }
            other => panic!("expected Ambiguous, got {other:?}"),
        }
        // Werkzeug never wrote upper-case hex: Django's (as before).
        let upper = "sha1$abcdefgh$647616B8F36502239E8C0185226AA110B08C1511";
        assert_eq!(p.identify(upper).expect("django").scheme, Scheme::DjangoSaltedSha1);
    }

    #[test]
    fn a_declared_django_row_of_werkzeugs_length_wraps_and_verifies() {
        let p = Policy::default();
        let s = django_sha1("abcdefgh", b"password");
        let row = Stored::new(&s).with_scheme(Scheme::DjangoSaltedSha1);
        let wrapped = p.wrap(row).expect("wrap");
        assert_eq!(valid(&p, b"password", Stored::new(&wrapped)), Some(Scheme::RehashWrap));
        assert!(valid(&p, b"passwore", Stored::new(&wrapped)).is_none());
    }

    #[test]
    fn forms_only_werkzeug_wrote() {
        let p = Policy::default();
        let sha256 = "sha256$8UuMosmH$9618e9f9ed89feacb15247f8eae82792c2f28aef2490791e6650a2d99c107eb6";
        match p.identify(sha256) {
            Err(Error::Ambiguous { candidates }) => assert_eq!(candidates, [Scheme::WerkzeugLegacy]),
            other => panic!("expected Ambiguous, got {other:?}"),
        }
        let flask = Policy::builder().declare(Scheme::WerkzeugLegacy).build().expect("policy");
        assert_eq!(valid(&flask, b"HbFDnaU", Stored::new(sha256)), Some(Scheme::WerkzeugLegacy));
        assert_eq!(valid(&flask, b"pw", Stored::new("plain$$pw")), Some(Scheme::WerkzeugLegacy));
        // `sha1$$hex` is Django's unsalted SHA-1 and Werkzeug's unsalted
        // form, one computation: Django's label unless the row or policy says.
        let unsalted = "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8";
        assert_eq!(valid(&p, b"password", Stored::new(unsalted)), Some(Scheme::DjangoUnsaltedSha1));
        let hinted = Stored::new(unsalted).with_scheme(Scheme::WerkzeugLegacy);
        assert_eq!(valid(&p, b"password", hinted), Some(Scheme::WerkzeugLegacy));
        assert_eq!(valid(&flask, b"password", Stored::new(unsalted)), Some(Scheme::WerkzeugLegacy));
    }

    #[test]
    fn which_schemes_a_policy_may_declare() {
        for ok in [Scheme::DjangoSaltedMd5, Scheme::DjangoSaltedSha1, Scheme::WerkzeugLegacy] {
            assert!(Policy::builder().declare(ok).build().is_ok(), "{ok}");
        }
        for refused in [Scheme::Bcrypt, Scheme::DjangoUnsaltedSha1, Scheme::DjangoPbkdf2Sha256] {
            assert!(Policy::builder().declare(refused).build().is_err(), "{refused}");
        }
    }
}
