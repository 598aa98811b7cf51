//! Keycloak's PBKDF2 credentials (`CREDENTIAL` table, realm exports): the
//! row's `secret_data` JSON `{"value":b64,"salt":b64,"additionalParameters":{}}`
//! is the stored string, its `credential_data` JSON
//! `{"hashIterations":N,"algorithm":"pbkdf2-sha256",…}` the params column.
//! As `Pbkdf2PasswordHashProvider.verify` does, the key length is the length
//! of the stored value; `pbkdf2` is PBKDF2-HMAC-SHA1, `pbkdf2-sha256` and
//! `pbkdf2-sha512` name their PRF.

use serde_json::{Map, Value};
use zeroize::Zeroizing;

use std::borrow::Cow;

use super::{Extra, Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{b64_decode, b64_encode_padded};
use crate::error::{Error, Result};
use crate::primitives::prf::Prf;

const SCHEME: Scheme = Scheme::KeycloakPbkdf2;

/// The longest JSON document read (either column); real ones are under 200
/// bytes. Checked before parsing, so a hostile row cannot make it expensive.
const MAX_JSON: usize = 4096;

/// The longest stored key (Keycloak writes 32 or 64 bytes).
const MAX_KEY: usize = 256;

pub(crate) struct Parsed {
    prf: Prf,
    rounds: u64,
    salt: Vec<u8>,
    salt_text: String,
    expected: Vec<u8>,
    additional: Map<String, Value>,
}

fn object(text: &str, what: &'static str) -> Result<Map<String, Value>> {
    if text.len() > MAX_JSON {
        return Err(Error::malformed(SCHEME, "JSON column over 4096 bytes"));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Error::malformed(SCHEME, what)),
    }
}

impl Parsed {
    /// `s` is `secret_data`, `extra.params_col` is `credential_data`.
    pub(crate) fn parse(s: &str, extra: Extra<'_>) -> Result<Self> {
        let secret = object(s, "secret_data must be a JSON object")?;
        let value = secret.get("value").and_then(Value::as_str);
        let salt_text = secret.get("salt").and_then(Value::as_str);
        let (Some(value), Some(salt_text)) = (value, salt_text) else {
            return Err(Error::malformed(SCHEME, "secret_data needs `value` and `salt`"));
        };
        if secret.keys().any(|k| !matches!(k.as_str(), "value" | "salt" | "additionalParameters")) {
            return Err(Error::malformed(SCHEME, "secret_data has an unknown field"));
        }
        let additional = match secret.get("additionalParameters") {
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(Error::malformed(SCHEME, "additionalParameters must be an object")),
        };
        let expected = b64_decode(value).filter(|v| !v.is_empty() && v.len() <= MAX_KEY);
        let expected = expected.ok_or(Error::malformed(SCHEME, "value must be base64 of 1-256 bytes"))?;
        let salt = b64_decode(salt_text).ok_or(Error::malformed(SCHEME, "salt must be base64"))?;

        let credential =
            extra.params_col.ok_or(Error::MissingInput { scheme: SCHEME, what: "params_col" })?;
        let credential = object(credential, "credential_data must be a JSON object")?;
        let rounds = match credential.get("hashIterations") {
            Some(Value::Number(n)) => n.as_u64().ok_or(Error::malformed(SCHEME, "hashIterations"))?,
            _ => return Err(Error::malformed(SCHEME, "credential_data needs hashIterations")),
        };
        if rounds == 0 {
            return Err(Error::too_big(SCHEME, "iterations", 0, 1));
        }
        let prf = match credential.get("algorithm").and_then(Value::as_str) {
            Some("pbkdf2") => Prf::Sha1,
            Some("pbkdf2-sha256") => Prf::Sha256,
            Some("pbkdf2-sha512") => Prf::Sha512,
            Some(_) => {
                return Err(Error::Unsupported { scheme: SCHEME, what: "algorithm other than pbkdf2" })
            }
            None => return Err(Error::malformed(SCHEME, "credential_data needs algorithm")),
        };
        Ok(Parsed { prf, rounds, salt, salt_text: salt_text.to_owned(), expected, additional })
    }
}

impl Family for Parsed {
    fn identified(&self) -> Identified {
        Identified::new(SCHEME, Params::Rounds(self.rounds))
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        c.iterations(SCHEME, "iterations", self.rounds)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    /// `secret_data` as Keycloak writes it (compact, in its field order)
    /// with the value zeroed.
    fn masked(&self) -> Result<String> {
        let zero = b64_encode_padded(&vec![0u8; self.expected.len()]);
        let text = |v: &str| serde_json::to_string(v).map_err(|_| Error::Internal("JSON string"));
        let additional =
            serde_json::to_string(&self.additional).map_err(|_| Error::Internal("JSON object"))?;
        Ok(format!(
            "{{\"value\":{},\"salt\":{},\"additionalParameters\":{additional}}}",
            text(&zero)?,
            text(&self.salt_text)?
        ))
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let rounds = u32::try_from(self.rounds)
            .map_err(|_| Error::too_big(SCHEME, "iterations", self.rounds, u32::MAX.into()))?;
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        self.prf.derive(password, &self.salt, rounds, &mut out);
        Ok(out)
    }
}

/// True when `s` is a `secret_data` object with `value` and `salt`.
pub(crate) fn looks_like(s: &str) -> bool {
    s.starts_with('{')
        && s.len() <= MAX_JSON
        && serde_json::from_str::<Value>(s).is_ok_and(|v| {
            v.get("value").is_some_and(Value::is_string) && v.get("salt").is_some_and(Value::is_string)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = r#"{"value":"W3g+TCAoIz4YjpAH/pNNOJ+VuT5/6Al7+YBAH0KlllS1v/gRVAtbzZBM0BKvVwdWHUQMQ/B6q2s4ju5VEKVM9w==","salt":"u+GFFwAqfeg/p3PhM2Psow==","additionalParameters":{}}"#;

    fn with(col: &str) -> Result<Parsed> {
        Parsed::parse(SECRET, Extra { params_col: Some(col), ..Extra::default() })
    }

    #[test]
    fn reads_both_columns() {
        let p = with(r#"{"hashIterations":20000,"algorithm":"pbkdf2","additionalParameters":{}}"#)
            .expect("parse");
        let got = p.derive(b"Q7ZvN-rbbcSx", Kdf { secret: None, threads: 1 }).expect("derive");
        assert_eq!(got.as_slice(), &*p.expected());
        let masked = p.masked().expect("masked");
        assert!(
            masked.starts_with(r#"{"value":"AAAA"#)
                && masked.contains(r#""salt":"u+GFFwAqfeg/p3PhM2Psow==""#)
        );
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            Parsed::parse(SECRET, Extra::default()),
            Err(Error::MissingInput { what: "params_col", .. })
        ));
        for bad in [
            r#"{"hashIterations":0,"algorithm":"pbkdf2"}"#,
            r#"{"hashIterations":-1,"algorithm":"pbkdf2"}"#,
            r#"{"hashIterations":"20000","algorithm":"pbkdf2"}"#,
            r#"{"algorithm":"pbkdf2"}"#,
            r#"{"hashIterations":20000}"#,
            r#"{"hashIterations":20000,"algorithm":"argon2"}"#,
            r#"[1]"#,
            "not json",
        ] {
            assert!(with(bad).is_err(), "{bad}");
        }
        let big = format!(r#"{{"hashIterations":20000,"algorithm":"pbkdf2","x":"{}"}}"#, "a".repeat(5000));
        assert!(with(&big).is_err());
        for bad in [
            r#"{"value":"AAAA"}"#,
            r#"{"value":"!!","salt":"AAAA"}"#,
            r#"{"value":"AAAA","salt":"AA","y":1}"#,
        ] {
            let col = r#"{"hashIterations":1,"algorithm":"pbkdf2"}"#;
            assert!(
                Parsed::parse(bad, Extra { params_col: Some(col), ..Extra::default() }).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn absurd_iterations_are_refused_before_work() {
        let p = with(r#"{"hashIterations":4294967295,"algorithm":"pbkdf2-sha512"}"#).expect("parse");
        assert!(matches!(p.check(&Ceilings::default()), Err(Error::ParameterOutOfRange { .. })));
    }
}
