//! RFC 2307 LDAP userPassword values: `{MD5}`, `{SHA}` (base64 or, as some
//! directories wrote them, hex), 389-ds and OpenDJ's `{SHA384}`, and the
//! salted `{SMD5}`, `{SSHA}`, `{SSHA256}`, `{SSHA384}`, `{SSHA512}` (base64
//! of digest ‖ salt); and FSHP
//! (`{FSHPv|saltlen|rounds}` + base64(salt ‖ digest)), iterated over
//! digest(salt ‖ password).

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{b64_decode, b64_encode_padded, hex_decode, is_hex, parse_decimal};
use crate::error::{Error, Result};

#[derive(Clone, Copy)]
enum Alg {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Alg {
    fn len(self) -> usize {
        match self {
            Alg::Md5 => 16,
            Alg::Sha1 => 20,
            Alg::Sha256 => 32,
            Alg::Sha384 => 48,
            Alg::Sha512 => 64,
        }
    }

    /// digest(a ‖ b)
    fn digest(self, a: &[u8], b: &[u8]) -> Zeroizing<Vec<u8>> {
        fn d<D: Digest>(a: &[u8], b: &[u8]) -> Vec<u8> {
            D::new().chain_update(a).chain_update(b).finalize().to_vec()
        }
        Zeroizing::new(match self {
            Alg::Md5 => d::<Md5>(a, b),
            Alg::Sha1 => d::<Sha1>(a, b),
            Alg::Sha256 => d::<Sha256>(a, b),
            Alg::Sha384 => d::<Sha384>(a, b),
            Alg::Sha512 => d::<Sha512>(a, b),
        })
    }
}

pub(crate) struct Parsed {
    scheme: Scheme,
    alg: Alg,
    digest: Vec<u8>,
    salt: Vec<u8>,
    /// FSHP only: salt first, then `rounds - 1` re-digests.
    fshp_rounds: Option<u64>,
    /// The `{TAG}` as stored.
    tag: String,
    hex: bool,
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
            "SHA384" => (Scheme::LdapSha384, Alg::Sha384, false),
            "SSHA384" => (Scheme::LdapSaltedSha384, Alg::Sha384, true),
            "SSHA512" => (Scheme::LdapSaltedSha512, Alg::Sha512, true),
            _ => return Err(Error::Malformed { scheme: None, what: "unknown `{SCHEME}` tag" }),
        };
        let n = alg.len();
        let hex_scheme = match alg {
            Alg::Md5 => Some(Scheme::LdapHexMd5),
            Alg::Sha1 => Some(Scheme::LdapHexSha1),
            _ => None,
        };
        if let Some(scheme) = hex_scheme.filter(|_| !salted && body.len() == 2 * n && is_hex(body)) {
            let digest = hex_decode(body).ok_or(Error::malformed(scheme, "hex"))?;
            let tag = format!("{{{tag}}}");
            return Ok(Parsed { scheme, alg, digest, salt: Vec::new(), fshp_rounds: None, tag, hex: true });
        }
        let raw = b64_decode(body).ok_or(Error::malformed(scheme, "not base64"))?;
        let ok = if salted { raw.len() > n && raw.len() <= n + 64 } else { raw.len() == n };
        if !ok {
            return Err(Error::malformed(scheme, "decoded length"));
        }
        let (digest, salt) = raw.split_at(n);
        let tag = format!("{{{tag}}}");
        Ok(Parsed {
            scheme,
            alg,
            digest: digest.to_vec(),
            salt: salt.to_vec(),
            fshp_rounds: None,
            tag,
            hex: false,
        })
    }

    /// `{FSHP1|16|4096}` + base64(salt ‖ checksum).
    pub(crate) fn parse_fshp(s: &str) -> Result<Self> {
        let sch = Scheme::Fshp;
        let (head, body) = s
            .strip_prefix("{FSHP")
            .and_then(|r| r.split_once('}'))
            .ok_or(Error::malformed(sch, "unterminated tag"))?;
        let mut f = head.split('|');
        let (v, saltlen, rounds) = match (f.next(), f.next(), f.next(), f.next()) {
            (Some(v), Some(l), Some(r), None) => (v, l, r),
            _ => return Err(Error::malformed(sch, "tag must be {FSHPv|saltlen|rounds}")),
        };
        let alg = match v {
            "0" => Alg::Sha1,
            "1" => Alg::Sha256,
            "2" => Alg::Sha384,
            "3" => Alg::Sha512,
            _ => return Err(Error::Unsupported { scheme: sch, what: "FSHP variant" }),
        };
        let saltlen = parse_decimal(saltlen).ok_or(Error::malformed(sch, "salt length"))?;
        let rounds = parse_decimal(rounds).filter(|r| *r >= 1).ok_or(Error::malformed(sch, "rounds"))?;
        let raw = b64_decode(body).ok_or(Error::malformed(sch, "not base64"))?;
        let saltlen = usize::try_from(saltlen).ok().filter(|l| raw.len() == l.saturating_add(alg.len()));
        let saltlen = saltlen.ok_or(Error::malformed(sch, "decoded length"))?;
        let (salt, digest) = raw.split_at(saltlen);
        Ok(Parsed {
            scheme: sch,
            alg,
            digest: digest.to_vec(),
            salt: salt.to_vec(),
            fshp_rounds: Some(rounds),
            tag: format!("{{FSHP{head}}}"),
            hex: false,
        })
    }
}

impl Family for Parsed {
    fn check(&self, c: &Ceilings) -> Result<()> {
        self.fshp_rounds.map_or(Ok(()), |r| c.iterations(self.scheme, "rounds", r))
    }

    fn identified(&self) -> Identified {
        Identified::new(self.scheme, self.fshp_rounds.map_or(Params::Fixed, Params::Rounds))
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.digest)
    }

    /// The value with the digest replaced by zero bytes, salt kept.
    fn masked(&self) -> Result<String> {
        let zeros = vec![0u8; self.digest.len()];
        let body = if self.hex {
            "0".repeat(2 * zeros.len())
        } else if self.fshp_rounds.is_some() {
            b64_encode_padded(&[self.salt.as_slice(), &zeros].concat())
        } else {
            b64_encode_padded(&[zeros.as_slice(), &self.salt].concat())
        };
        Ok(format!("{}{body}", self.tag))
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        Ok(match self.fshp_rounds {
            None => self.alg.digest(password, &self.salt),
            Some(rounds) => {
                let mut d = self.alg.digest(&self.salt, password);
                for _ in 1..rounds {
                    d = self.alg.digest(&d, &[]);
                }
                d
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha384_tags() {
        let p = Parsed::parse("{SHA384}qLZLq9CsqRpZvbt3YbQh1PK7OCgNOnW6DyHyvrxFWD1EbFmGYMlM5oDEfRnDB4On")
            .unwrap();
        assert_eq!(p.identified().scheme, Scheme::LdapSha384);
        // 96 hex digits under {SHA384} are not a hex form (only {MD5} and
        // {SHA} have one): base64 of the wrong length.
        assert!(Parsed::parse(&format!("{{SHA384}}{}", "ab".repeat(48))).is_err());
        let s = Parsed::parse(
            "{SSHA384}YecPLZsrUZaY9O0eBqWZKgh9OVftfsBha4rEArZMTx/6QzDBi9GVshQRYaKENg40B03nVcKwZXI=",
        )
        .unwrap();
        assert_eq!(s.identified().scheme, Scheme::LdapSaltedSha384);
        assert_eq!(s.salt.len(), 8);
        // A salted value must hold more than the digest.
        assert!(Parsed::parse(&format!("{{SSHA384}}{}", b64_encode_padded(&[0; 48]))).is_err());
    }
}
