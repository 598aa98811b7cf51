//! RFC 2307 LDAP userPassword values: `{MD5}`, `{SHA}` and the salted
//! `{SMD5}`, `{SSHA}`, `{SSHA256}`, `{SSHA512}` (base64 of digest ‖ salt).

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{Identified, Params, Scheme};
use crate::encoding::b64_decode;
use crate::error::{Error, Result};

#[derive(Clone, Copy)]
enum Alg {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl Alg {
    fn len(self) -> usize {
        match self {
            Alg::Md5 => 16,
            Alg::Sha1 => 20,
            Alg::Sha256 => 32,
            Alg::Sha512 => 64,
        }
    }

    fn digest(self, pass: &[u8], salt: &[u8]) -> Zeroizing<Vec<u8>> {
        fn d<D: Digest>(p: &[u8], s: &[u8]) -> Vec<u8> {
            D::new().chain_update(p).chain_update(s).finalize().to_vec()
        }
        Zeroizing::new(match self {
            Alg::Md5 => d::<Md5>(pass, salt),
            Alg::Sha1 => d::<Sha1>(pass, salt),
            Alg::Sha256 => d::<Sha256>(pass, salt),
            Alg::Sha512 => d::<Sha512>(pass, salt),
        })
    }
}

pub(crate) struct Parsed {
    scheme: Scheme,
    alg: Alg,
    digest: Vec<u8>,
    salt: Vec<u8>,
}

impl Parsed {
    pub(crate) fn parse(s: &str) -> Result<Self> {
        let (tag, body) = s
            .strip_prefix('{')
            .and_then(|r| r.split_once('}'))
            .ok_or(Error::Malformed { scheme: None, what: "unterminated `{SCHEME}` tag" })?;
        let (scheme, alg, salted) = match tag.to_ascii_uppercase().as_str() {
            "MD5" => (Scheme::LdapMd5, Alg::Md5, false),
            "SHA" => (Scheme::LdapSha1, Alg::Sha1, false),
            "SMD5" => (Scheme::LdapSaltedMd5, Alg::Md5, true),
            "SSHA" => (Scheme::LdapSaltedSha1, Alg::Sha1, true),
            "SSHA256" => (Scheme::LdapSaltedSha256, Alg::Sha256, true),
            "SSHA512" => (Scheme::LdapSaltedSha512, Alg::Sha512, true),
            _ => return Err(Error::Malformed { scheme: None, what: "unknown `{SCHEME}` tag" }),
        };
        let raw = b64_decode(body).ok_or(Error::malformed(scheme, "not base64"))?;
        let n = alg.len();
        let ok = if salted { raw.len() > n && raw.len() <= n + 64 } else { raw.len() == n };
        if !ok {
            return Err(Error::malformed(scheme, "decoded length"));
        }
        let (digest, salt) = raw.split_at(n);
        Ok(Parsed { scheme, alg, digest: digest.to_vec(), salt: salt.to_vec() })
    }

    pub(crate) fn identified(&self) -> Identified {
        Identified { scheme: self.scheme, params: Params::Fixed }
    }

    pub(crate) fn verify(&self, password: &[u8]) -> Choice {
        self.alg.digest(password, &self.salt).as_slice().ct_eq(&self.digest)
    }
}
