//! Firebase Authentication's modified scrypt (github.com/firebase/scrypt,
//! the `firebase-scrypt` PyPI package): the `passwordHash` of an
//! `auth:export` is base64 of the project's signer key encrypted with
//! AES-256-CTR (zero IV) under the first 32 bytes of
//! scrypt(password, salt ‖ salt separator, N = 2^mem_cost, r = rounds, p = 1).
//!
//! The row holds the hash and its base64 salt; the project's hash config
//! (`base64_signer_key`, `base64_salt_separator`, `rounds`, `mem_cost`) is
//! an installation setting: the row's params, else the policy's `[params]`.

use aes::cipher::{KeyIvInit, StreamCipher};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Extra, Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{b64_decode, mask_tail, parse_decimal};
use crate::error::{Error, Result};

const SCHEME: Scheme = Scheme::FirebaseScrypt;

type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;

pub(crate) struct Parsed {
    log_n: u8,
    r: u32,
    /// The user's salt followed by the project's salt separator.
    salt: Vec<u8>,
    signer_key: Zeroizing<Vec<u8>>,
    expected: Vec<u8>,
    masked: String,
}

fn param<'a>(extra: &Extra<'a>, what: &'static str) -> Result<&'a str> {
    let key = what.strip_prefix("params.").unwrap_or(what);
    extra.params.and_then(|p| p.get(key)).ok_or(Error::MissingInput { scheme: SCHEME, what })
}

impl Parsed {
    pub(crate) fn parse(s: &str, extra: Extra<'_>) -> Result<Self> {
        let expected = b64_decode(s).filter(|h| !h.is_empty() && h.len() <= 1024);
        let expected = expected.ok_or(Error::malformed(SCHEME, "passwordHash must be base64"))?;
        let signer_key = param(&extra, "params.base64_signer_key")?;
        let separator = param(&extra, "params.base64_salt_separator")?;
        let rounds = param(&extra, "params.rounds")?;
        let mem_cost = param(&extra, "params.mem_cost")?;
        let signer_key = Zeroizing::new(
            b64_decode(signer_key)
                .filter(|k| !k.is_empty() && k.len() <= 1024)
                .ok_or(Error::InvalidConfig("params.base64_signer_key is not base64".into()))?,
        );
        let separator = b64_decode(separator)
            .ok_or(Error::InvalidConfig("params.base64_salt_separator is not base64".into()))?;
        let r = parse_decimal(rounds).ok_or(Error::InvalidConfig("params.rounds must be a number".into()))?;
        let n =
            parse_decimal(mem_cost).ok_or(Error::InvalidConfig("params.mem_cost must be a number".into()))?;
        // scrypt needs r >= 1 and 1 <= log2(N) < 64 (N >= 2); the memory
        // they ask for is checked against the ceilings in `check`.
        if r == 0 {
            return Err(Error::too_big(SCHEME, "rounds", 0, 1));
        }
        let r = u32::try_from(r).map_err(|_| Error::too_big(SCHEME, "rounds", r, u32::MAX.into()))?;
        if n == 0 || n > 63 {
            return Err(Error::too_big(SCHEME, "mem_cost", n, if n == 0 { 1 } else { 63 }));
        }
        let salt = extra.salt.ok_or(Error::MissingInput { scheme: SCHEME, what: "salt" })?;
        let mut salt = b64_decode(salt).ok_or(Error::malformed(SCHEME, "salt must be base64"))?;
        salt.extend_from_slice(&separator);
        Ok(Parsed { log_n: n as u8, r, salt, signer_key, expected, masked: mask_tail(s, s.len(), 'A') })
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        Identified::new(SCHEME, Params::Scrypt { log_n: self.log_n, r: self.r, p: 1 })
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        let bytes = 128u128 * (1u128 << self.log_n) * u128::from(self.r);
        c.memory_bytes(SCHEME, bytes)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn masked(&self) -> Result<String> {
        Ok(self.masked.clone())
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        scrypt::Params::new(self.log_n, self.r, 1)
            .map_err(|_| Error::malformed(SCHEME, "parameters rejected by scrypt"))?;
        let mut key = Zeroizing::new([0u8; 32]);
        crate::primitives::scrypt::scrypt(password, &self.salt, self.log_n, self.r, 1, key.as_mut_slice());
        let mut out = Zeroizing::new(self.signer_key.to_vec());
        let mut cipher = Aes256Ctr::new(key.as_slice().into(), &[0u8; 16].into());
        cipher.apply_keystream(&mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::SiteParams;

    const HASH: &str =
        "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
    const KEY: &str =
        "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";

    fn params(mem_cost: &str) -> SiteParams {
        SiteParams::new()
            .with("base64_signer_key", KEY)
            .and_then(|p| p.with("base64_salt_separator", "Bw=="))
            .and_then(|p| p.with("rounds", "8"))
            .and_then(|p| p.with("mem_cost", mem_cost))
            .expect("params")
    }

    #[test]
    fn the_published_example_verifies() {
        let p = params("14");
        let parsed = Parsed::parse(
            HASH,
            Extra { salt: Some("42xEC+ixf3L2lw=="), params: Some(&p), ..Extra::default() },
        )
        .expect("parse");
        parsed.check(&Ceilings::default()).expect("within the ceilings");
        let kdf = Kdf { secret: None, threads: 1 };
        assert!(bool::from(parsed.verify(b"user1password", kdf).expect("verify")));
        assert!(!bool::from(parsed.verify(b"user1passwore", kdf).expect("verify")));
    }

    #[test]
    fn refusals() {
        let salt = Some("42xEC+ixf3L2lw==");
        assert!(matches!(
            Parsed::parse(HASH, Extra { salt, ..Extra::default() }),
            Err(Error::MissingInput { what: "params.base64_signer_key", .. })
        ));
        let p = params("14");
        assert!(matches!(
            Parsed::parse(HASH, Extra { params: Some(&p), ..Extra::default() }),
            Err(Error::MissingInput { what: "salt", .. })
        ));
        for bad in ["0", "64", "300", "014", "x"] {
            let p = params(bad);
            assert!(
                Parsed::parse(HASH, Extra { salt, params: Some(&p), ..Extra::default() }).is_err(),
                "{bad}"
            );
        }
        // N = 2^40: refused by the ceilings, before any memory is touched.
        let p = params("40");
        let parsed =
            Parsed::parse(HASH, Extra { salt, params: Some(&p), ..Extra::default() }).expect("parse");
        let t = std::time::Instant::now();
        assert!(matches!(parsed.check(&Ceilings::default()), Err(Error::ParameterOutOfRange { .. })));
        assert!(t.elapsed() < std::time::Duration::from_millis(50));
        assert!(Parsed::parse(
            "not base64!",
            Extra { salt, params: Some(&params("14")), ..Extra::default() }
        )
        .is_err());
    }
}
