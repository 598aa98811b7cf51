//! Apache Shiro's `$shiro1$ALGORITHM$iterations$b64salt$b64hash`
//! (`Shiro1CryptFormat`, written by `DefaultPasswordService`): the JCA digest
//! `ALGORITHM` over salt ‖ password, then over its own output, `iterations`
//! hashes in all (Shiro's `SimpleHash` counts the first one).

use std::borrow::Cow;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512, Sha512_224, Sha512_256};
use zeroize::Zeroizing;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{b64_decode, mask_tail, parse_decimal};
use crate::error::{Error, Result};

const SCHEME: Scheme = Scheme::ApacheShiro;

/// The JCA `MessageDigest` names this build computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha512_224,
    Sha512_256,
}

impl Alg {
    /// JCA names are case-insensitive; `SHA` and `SHA1` are SHA-1's aliases.
    fn from_jca(name: &str) -> Option<Alg> {
        Some(match name.to_ascii_uppercase().as_str() {
            "MD5" => Alg::Md5,
            "SHA-1" | "SHA1" | "SHA" => Alg::Sha1,
            "SHA-224" => Alg::Sha224,
            "SHA-256" => Alg::Sha256,
            "SHA-384" => Alg::Sha384,
            "SHA-512" => Alg::Sha512,
            "SHA-512/224" => Alg::Sha512_224,
            "SHA-512/256" => Alg::Sha512_256,
            _ => return None,
        })
    }

    fn len(self) -> usize {
        match self {
            Alg::Md5 => 16,
            Alg::Sha1 => 20,
            Alg::Sha224 | Alg::Sha512_224 => 28,
            Alg::Sha256 | Alg::Sha512_256 => 32,
            Alg::Sha384 => 48,
            Alg::Sha512 => 64,
        }
    }

    fn iterate(self, salt: &[u8], password: &[u8], iterations: u64) -> Zeroizing<Vec<u8>> {
        fn run<D: Digest>(salt: &[u8], password: &[u8], iterations: u64) -> Zeroizing<Vec<u8>> {
            let mut d = D::new().chain_update(salt).chain_update(password).finalize();
            for _ in 1..iterations {
                d = D::digest(&d);
            }
            let out = Zeroizing::new(d.to_vec());
            zeroize::Zeroize::zeroize(d.as_mut_slice());
            out
        }
        match self {
            Alg::Md5 => run::<Md5>(salt, password, iterations),
            Alg::Sha1 => run::<Sha1>(salt, password, iterations),
            Alg::Sha224 => run::<Sha224>(salt, password, iterations),
            Alg::Sha256 => run::<Sha256>(salt, password, iterations),
            Alg::Sha384 => run::<Sha384>(salt, password, iterations),
            Alg::Sha512 => run::<Sha512>(salt, password, iterations),
            Alg::Sha512_224 => run::<Sha512_224>(salt, password, iterations),
            Alg::Sha512_256 => run::<Sha512_256>(salt, password, iterations),
        }
    }
}

pub(crate) struct Parsed {
    alg: Alg,
    iterations: u64,
    salt: Vec<u8>,
    expected: Vec<u8>,
    masked: String,
}

impl Parsed {
    /// `$shiro1$ALG$iterations$salt$hash`. The salt may be empty (Shiro then
    /// hashes the password alone); the hash must be base64 of the digest's
    /// length. A JCA name this build has no digest for is
    /// [`Error::Unsupported`].
    pub(crate) fn parse(s: &str) -> Result<Self> {
        let mut f = s.split('$');
        let (alg, it, salt, hash) =
            match (f.next(), f.next(), f.next(), f.next(), f.next(), f.next(), f.next()) {
                (Some(""), Some("shiro1"), Some(a), Some(i), Some(s), Some(h), None) => (a, i, s, h),
                _ => return Err(Error::malformed(SCHEME, "expected $shiro1$algorithm$iterations$salt$hash")),
            };
        let alg = Alg::from_jca(alg)
            .ok_or(Error::Unsupported { scheme: SCHEME, what: "digest other than MD5, SHA-1, SHA-2" })?;
        let iterations = parse_decimal(it).ok_or(Error::malformed(SCHEME, "iterations"))?;
        if iterations == 0 {
            return Err(Error::too_big(SCHEME, "iterations", 0, 1));
        }
        let salt = b64_decode(salt).ok_or(Error::malformed(SCHEME, "salt is not base64"))?;
        let expected = b64_decode(hash).filter(|h| h.len() == alg.len());
        let expected = expected.ok_or(Error::malformed(SCHEME, "hash is not base64 of the digest length"))?;
        let masked = mask_tail(s, hash.len(), 'A');
        Ok(Parsed { alg, iterations, salt, expected, masked })
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        Identified::new(SCHEME, Params::Rounds(self.iterations))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(SCHEME, "iterations", self.iterations)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(self.masked.clone())
    }

    /// Shiro's `DefaultPasswordService.passwordsMatch` refuses an empty
    /// password against any stored hash: it derives nothing, which matches
    /// no digest (and no wrap of one).
    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        if password.is_empty() {
            return Ok(Zeroizing::new(Vec::new()));
        }
        Ok(self.alg.iterate(&self.salt, password, self.iterations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KDF: Kdf<'static> = Kdf { secret: None, threads: 1 };

    #[test]
    fn iterations_count_the_first_hash() {
        // One iteration is SHA-256(salt ‖ password), as Shiro's SimpleHash.
        let want = Sha256::new().chain_update(b"salt").chain_update(b"pw").finalize();
        let s = format!("$shiro1$SHA-256$1$c2FsdA==${}", crate::encoding::b64_encode_padded(&want));
        let p = Parsed::parse(&s).unwrap();
        assert_eq!(p.derive(b"pw", KDF).unwrap().as_slice(), &want[..]);
        let two = format!(
            "$shiro1$sha-256$2$c2FsdA==${}",
            crate::encoding::b64_encode_padded(&Sha256::digest(want))
        );
        assert!(Parsed::parse(&two).unwrap().verify(b"pw", KDF).unwrap().unwrap_u8() == 1);
        // The empty password never matches (passwordsMatch), even a hash of it.
        let empty = Sha256::digest(b"salt");
        let s = format!("$shiro1$SHA-256$1$c2FsdA==${}", crate::encoding::b64_encode_padded(&empty));
        assert!(Parsed::parse(&s).unwrap().verify(b"", KDF).unwrap().unwrap_u8() == 0);
    }

    #[test]
    fn refusals() {
        let h = "YyQshYGAlO4Zln3yt/W7epwTSIjr3pF+kha1GLOg6Dw=";
        let p = Parsed::parse(&format!("$shiro1$SHA-256$4294967295$dBiP5cNv5Z2o66e345CyLg==${h}")).unwrap();
        let t = std::time::Instant::now();
        assert!(matches!(p.check(&Ceilings::default()), Err(Error::ParameterOutOfRange { .. })));
        assert!(t.elapsed() < std::time::Duration::from_millis(50));
        for bad in [
            format!("$shiro1$SHA-256$0$dBiP5cNv5Z2o66e345CyLg==${h}"),
            format!("$shiro1$SHA-256$0500000$dBiP5cNv5Z2o66e345CyLg==${h}"),
            format!("$shiro1$SHA-512$500000$dBiP5cNv5Z2o66e345CyLg==${h}"), // hash of the wrong length
            format!("$shiro1$SHA-256$500000$dBiP5cNv5Z2o66e345Cy.g==${h}"), // not base64
            format!("$shiro1$SHA-256$500000$dBiP5cNv5Z2o66e345CyLg==${h}$"),
            format!("$shiro2$SHA-256$500000$dBiP5cNv5Z2o66e345CyLg==${h}"),
        ] {
            assert!(Parsed::parse(&bad).is_err(), "{bad}");
        }
        let md2 = format!("$shiro1$MD2$500000$dBiP5cNv5Z2o66e345CyLg==${h}");
        assert!(matches!(Parsed::parse(&md2), Err(Error::Unsupported { .. })));
    }
}
