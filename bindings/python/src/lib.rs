//! `rehash._rehash`: the Python extension module of rehash, over the `rehash`
//! crate itself (no C ABI in between). The public Python API is the
//! `rehash` package around it (`bindings/python/rehash/`): `Context`, the
//! exception classes of `rehash.errors`, `rehash.contrib.django`.
//!
//! Every call that hashes runs with the GIL released (`Python::detach`), so
//! threads verify in parallel. Errors are raised as the classes of
//! `rehash.errors`, chosen by [`rehash::Error::kind`]; their messages are the
//! library's, which never contain a password, a salt or a stored hash.
//!
//! No `unsafe` here: pyo3 (0.30) keeps the CPython C API behind its own
//! safe interface, and its macros' expansions pass `forbid(unsafe_code)`.
#![forbid(unsafe_code)]

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyString};
use rehash::{Error, Params, Policy, Scheme, SiteParams, Stored, Target, Upgrade, Verification};
use zeroize::Zeroizing;

/// The exception of `rehash.errors` for a library error.
fn raise(py: Python<'_>, e: &Error) -> PyErr {
    let class = match e {
        Error::Malformed { .. } => "MalformedHashError",
        Error::Ambiguous { .. } => "AmbiguousHashError",
        Error::ParameterOutOfRange { .. } => "ParameterOutOfRangeError",
        Error::Unsupported { .. } => "UnsupportedHashError",
        Error::PasswordTooLong { .. } => "PasswordTooLongError",
        Error::MissingInput { .. } => "MissingInputError",
        Error::UnknownPepper { .. } => "UnknownPepperError",
        Error::InvalidConfig(_) => "ConfigError",
        Error::PasswordNotUtf8 { .. } => "NotUtf8Error",
        Error::Internal(_) => "InternalError",
        _ => "RehashError",
    };
    let family = match e {
        Error::Malformed { scheme, .. } => scheme.map(Scheme::name),
        Error::ParameterOutOfRange { scheme, .. }
        | Error::Unsupported { scheme, .. }
        | Error::MissingInput { scheme, .. } => Some(scheme.name()),
        _ => None,
    };
    let candidates: Vec<&str> = match e {
        Error::Ambiguous { candidates } => candidates.iter().map(|s| s.name()).collect(),
        _ => Vec::new(),
    };
    error(py, class, &e.to_string(), e.kind(), family, candidates)
}

/// An instance of `rehash.errors.<class>(message, kind, family, candidates)`.
fn error(
    py: Python<'_>,
    class: &str,
    message: &str,
    kind: &str,
    family: Option<&str>,
    candidates: Vec<&str>,
) -> PyErr {
    let made = py
        .import("rehash.errors")
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1((message, kind, family, candidates)));
    match made {
        Ok(v) => PyErr::from_value(v),
        Err(e) => e,
    }
}

fn config_error(py: Python<'_>, message: &str) -> PyErr {
    error(py, "ConfigError", message, "invalid_config", None, Vec::new())
}

fn not_utf8(py: Python<'_>, what: &str) -> PyErr {
    error(py, "NotUtf8Error", &format!("{what} is not valid UTF-8"), "not_utf8", None, Vec::new())
}

/// A password as bytes: `str` (encoded as UTF-8), `bytes`, `bytearray`.
fn password(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<Zeroizing<Vec<u8>>> {
    if let Ok(s) = v.cast::<PyString>() {
        // A str with lone surrogates has no UTF-8 form.
        let text = s.to_cow().map_err(|_| not_utf8(py, "the password"))?;
        return Ok(Zeroizing::new(text.as_bytes().to_vec()));
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(Zeroizing::new(b.as_bytes().to_vec()));
    }
    if let Ok(b) = v.cast::<PyByteArray>() {
        return Ok(Zeroizing::new(b.to_vec()));
    }
    Err(PyTypeError::new_err("the password must be str, bytes or bytearray"))
}

/// A text argument (stored hash, salt column, user name, …): `str`, or
/// `bytes` that are UTF-8.
fn text(py: Python<'_>, v: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow().map_err(|_| not_utf8(py, what))?.into_owned());
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return String::from_utf8(b.as_bytes().to_vec()).map_err(|_| not_utf8(py, what));
    }
    Err(PyTypeError::new_err(format!("{what} must be str or bytes")))
}

fn opt_text(py: Python<'_>, v: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<String>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_none() => Ok(None),
        Some(v) => text(py, v, what).map(Some),
    }
}

/// The installation's settings: a mapping of str to str, int or bool, or
/// its JSON text.
fn site_params(py: Python<'_>, v: &Bound<'_, PyAny>) -> PyResult<SiteParams> {
    if let Ok(d) = v.cast::<PyDict>() {
        let mut out = SiteParams::new();
        for (k, val) in d.iter() {
            let key = k.cast::<PyString>().map_err(|_| PyTypeError::new_err("params keys must be str"))?;
            let key = key.to_cow().map_err(|_| not_utf8(py, "a params key"))?;
            // bool before int: in Python a bool is an int.
            let value = if let Ok(b) = val.cast::<PyBool>() {
                b.is_true().to_string()
            } else if val.cast::<PyInt>().is_ok() {
                val.str()?.to_cow()?.into_owned()
            } else if let Ok(s) = val.cast::<PyString>() {
                s.to_cow().map_err(|_| not_utf8(py, "a params value"))?.into_owned()
            } else {
                let short: String = key.chars().take(64).collect();
                return Err(PyTypeError::new_err(format!("params[{short:?}] must be str, int or bool")));
            };
            out.insert(&key, value).map_err(|e| config_error(py, &e.to_string()))?;
        }
        return Ok(out);
    }
    let json = text(py, v, "params")?;
    SiteParams::from_json(&json).map_err(|e| config_error(py, &e.to_string()))
}

/// A stored row: the string and what the family may need beside it.
struct Row {
    hash: String,
    salt: Option<String>,
    user: Option<String>,
    scheme: Option<Scheme>,
    params: Option<SiteParams>,
    params_col: Option<String>,
}

impl Row {
    fn new(
        py: Python<'_>,
        hash: &Bound<'_, PyAny>,
        salt: Option<&Bound<'_, PyAny>>,
        user: Option<&Bound<'_, PyAny>>,
        scheme: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        params_col: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Row> {
        let scheme = match opt_text(py, scheme, "the family")? {
            None => None,
            Some(name) => Some(Scheme::from_name(&name).ok_or_else(|| {
                let short: String = name.chars().take(64).collect();
                config_error(py, &format!("unknown family `{short}` (rehash.families() lists them)"))
            })?),
        };
        Ok(Row {
            hash: text(py, hash, "the stored hash")?,
            salt: opt_text(py, salt, "the salt")?,
            user: opt_text(py, user, "the user name")?,
            scheme,
            params: match params {
                Some(p) if !p.is_none() => Some(site_params(py, p)?),
                _ => None,
            },
            params_col: opt_text(py, params_col, "params_col")?,
        })
    }

    fn stored(&self) -> Stored<'_> {
        let mut s = Stored::new(&self.hash);
        if let Some(x) = &self.salt {
            s = s.with_salt(x);
        }
        if let Some(x) = &self.user {
            s = s.with_user(x);
        }
        if let Some(x) = self.scheme {
            s = s.with_scheme(x);
        }
        if let Some(x) = &self.params {
            s = s.with_params(x);
        }
        if let Some(x) = &self.params_col {
            s = s.with_params_col(x);
        }
        s
    }
}

/// A rehash policy: the target new hashes are made with, the declared legacy
/// families and recipes, ceilings, password limit, peppers. Immutable and
/// shared freely between threads.
#[pyclass(frozen, module = "rehash._rehash", name = "Policy")]
struct PyPolicy {
    inner: Policy,
}

#[pymethods]
impl PyPolicy {
    /// A policy from the TOML of rehash's policy file (docs: the `config`
    /// module of the rehash crate).
    #[staticmethod]
    fn from_toml(py: Python<'_>, toml: &Bound<'_, PyAny>) -> PyResult<Self> {
        let toml = text(py, toml, "the policy file")?;
        Policy::from_toml(&toml).map(|inner| PyPolicy { inner }).map_err(|e| raise(py, &e))
    }

    /// Argon2id m=19456 KiB, t=2, p=1; no declared legacy families.
    #[staticmethod]
    fn default() -> Self {
        PyPolicy { inner: Policy::default() }
    }

    /// `(valid, needs_upgrade)`; never makes a new hash.
    #[pyo3(signature = (password, hash, *, salt=None, user=None, scheme=None, params=None, params_col=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify(
        &self,
        py: Python<'_>,
        password: &Bound<'_, PyAny>,
        hash: &Bound<'_, PyAny>,
        salt: Option<&Bound<'_, PyAny>>,
        user: Option<&Bound<'_, PyAny>>,
        scheme: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        params_col: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(bool, bool)> {
        let pw = self::password(py, password)?;
        let row = Row::new(py, hash, salt, user, scheme, params, params_col)?;
        let got = py.detach(|| self.inner.verify(&pw, row.stored()));
        match got {
            Ok(Verification::Valid { needs_upgrade, .. }) => Ok((true, needs_upgrade)),
            Ok(_) => Ok((false, false)),
            Err(e) => Err(raise(py, &e)),
        }
    }

    /// The login call: `(valid, new_hash)`; `new_hash` is set when the stored
    /// hash is below the policy (store it with compare-and-swap). A failed
    /// login against a weaker hash is padded to the cost of a target verify
    /// unless the policy's `[timing] equal_time_failures` is off.
    #[pyo3(signature = (password, hash, *, salt=None, user=None, scheme=None, params=None, params_col=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify_and_upgrade(
        &self,
        py: Python<'_>,
        password: &Bound<'_, PyAny>,
        hash: &Bound<'_, PyAny>,
        salt: Option<&Bound<'_, PyAny>>,
        user: Option<&Bound<'_, PyAny>>,
        scheme: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        params_col: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(bool, Option<String>)> {
        let pw = self::password(py, password)?;
        let row = Row::new(py, hash, salt, user, scheme, params, params_col)?;
        match py.detach(|| self.inner.verify_and_upgrade(&pw, row.stored())) {
            Ok(Upgrade::Valid { new_hash }) => Ok((true, new_hash)),
            Ok(_) => Ok((false, None)),
            Err(e) => Err(raise(py, &e)),
        }
    }

    /// The cost of a verify under the target, for a user that does not
    /// exist; always False.
    fn verify_dummy(&self, py: Python<'_>, password: &Bound<'_, PyAny>) -> PyResult<bool> {
        let pw = self::password(py, password)?;
        let _ = py.detach(|| self.inner.verify_dummy(&pw));
        Ok(false)
    }

    /// A new hash under the target, with a fresh random salt.
    fn hash(&self, py: Python<'_>, password: &Bound<'_, PyAny>) -> PyResult<String> {
        let pw = self::password(py, password)?;
        py.detach(|| self.inner.hash(&pw)).map_err(|e| raise(py, &e))
    }

    /// A new hash under the target with the caller's salt (8 to 64 bytes;
    /// a `str` salt is used as its UTF-8 bytes), for hashers that are handed
    /// one (Django's `encode(password, salt)`).
    fn hash_with_salt(
        &self,
        py: Python<'_>,
        password: &Bound<'_, PyAny>,
        salt: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let pw = self::password(py, password)?;
        let salt = self::password(py, salt)?;
        py.detach(|| self.inner.hash_with_salt(&pw, &salt)).map_err(|e| raise(py, &e))
    }

    /// The family label of a stored string, e.g. `"phpass"`.
    #[pyo3(signature = (hash, *, salt=None, user=None, scheme=None, params=None, params_col=None))]
    #[allow(clippy::too_many_arguments)]
    fn identify(
        &self,
        py: Python<'_>,
        hash: &Bound<'_, PyAny>,
        salt: Option<&Bound<'_, PyAny>>,
        user: Option<&Bound<'_, PyAny>>,
        scheme: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        params_col: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        let row = Row::new(py, hash, salt, user, scheme, params, params_col)?;
        self.inner.identify(row.stored()).map(|id| id.scheme.name()).map_err(|e| raise(py, &e))
    }

    /// The family and cost parameters of a stored string, as a dict:
    /// `{"family": …, "params": {…}}`.
    #[pyo3(signature = (hash, *, salt=None, user=None, scheme=None, params=None, params_col=None))]
    #[allow(clippy::too_many_arguments)]
    fn inspect<'py>(
        &self,
        py: Python<'py>,
        hash: &Bound<'py, PyAny>,
        salt: Option<&Bound<'py, PyAny>>,
        user: Option<&Bound<'py, PyAny>>,
        scheme: Option<&Bound<'py, PyAny>>,
        params: Option<&Bound<'py, PyAny>>,
        params_col: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let row = Row::new(py, hash, salt, user, scheme, params, params_col)?;
        let id = self.inner.identify(row.stored()).map_err(|e| raise(py, &e))?;
        let out = PyDict::new(py);
        out.set_item("family", id.scheme.name())?;
        out.set_item("params", params_dict(py, &id.params)?)?;
        Ok(out)
    }

    /// True when the stored string is below the policy's target (the same
    /// rule a verify applies to a matching password).
    #[pyo3(signature = (hash, *, salt=None, user=None, scheme=None, params=None, params_col=None))]
    #[allow(clippy::too_many_arguments)]
    fn needs_upgrade(
        &self,
        py: Python<'_>,
        hash: &Bound<'_, PyAny>,
        salt: Option<&Bound<'_, PyAny>>,
        user: Option<&Bound<'_, PyAny>>,
        scheme: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        params_col: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let row = Row::new(py, hash, salt, user, scheme, params, params_col)?;
        let id = self.inner.identify(row.stored()).map_err(|e| raise(py, &e))?;
        Ok(self.inner.needs_upgrade(&id))
    }

    /// Argon2id over a legacy hash, without the password (docs/wrap.md).
    #[pyo3(signature = (hash, *, salt=None, user=None, scheme=None, params=None, params_col=None))]
    #[allow(clippy::too_many_arguments)]
    fn wrap(
        &self,
        py: Python<'_>,
        hash: &Bound<'_, PyAny>,
        salt: Option<&Bound<'_, PyAny>>,
        user: Option<&Bound<'_, PyAny>>,
        scheme: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        params_col: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let row = Row::new(py, hash, salt, user, scheme, params, params_col)?;
        py.detach(|| self.inner.wrap(row.stored())).map_err(|e| raise(py, &e))
    }

    /// The family new hashes are written in (`"argon2id"`, `"django_argon2"`, …).
    #[getter]
    fn target(&self) -> &'static str {
        self.inner.target().scheme().name()
    }

    /// The target's cost parameters, e.g. `{"m_kib": 19456, "t": 2, "p": 1}`.
    #[getter]
    fn target_params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        match *self.inner.target() {
            Target::Argon2id { m_kib, t, p } | Target::DjangoArgon2 { m_kib, t, p } => {
                out.set_item("m_kib", m_kib)?;
                out.set_item("t", t)?;
                out.set_item("p", p)?;
            }
            Target::Bcrypt { cost } | Target::BcryptSha256 { cost } => out.set_item("cost", cost)?,
            Target::Scrypt { log_n, r, p } => {
                out.set_item("log_n", log_n)?;
                out.set_item("r", r)?;
                out.set_item("p", p)?;
            }
            Target::Pbkdf2Sha256 { iterations } => out.set_item("iterations", iterations)?,
            _ => {}
        }
        Ok(out)
    }

    /// The length of a new hash under the target (exact).
    #[getter]
    fn hash_len(&self) -> usize {
        self.inner.hash_len()
    }
}

fn params_dict<'py>(py: Python<'py>, p: &Params) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    match *p {
        Params::Rounds(r) => out.set_item("rounds", r)?,
        Params::Bcrypt { cost } => out.set_item("cost", cost)?,
        Params::Scrypt { log_n, r, p } | Params::Yescrypt { log_n, r, p } => {
            out.set_item("log_n", log_n)?;
            out.set_item("r", r)?;
            out.set_item("p", p)?;
        }
        Params::Argon2 { m_kib, t, p, version } => {
            out.set_item("m_kib", m_kib)?;
            out.set_item("t", t)?;
            out.set_item("p", p)?;
            out.set_item("version", version)?;
        }
        _ => {}
    }
    Ok(out)
}

/// The version of the rehash library inside.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Every family the library knows: `(label, kind, needs_declaration,
/// salted, hashcat_mode, stored_form)`, in catalogue order.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn families() -> Vec<(&'static str, &'static str, bool, bool, Option<u32>, &'static str)> {
    Scheme::ALL
        .iter()
        .map(|s| {
            let kind = match s.kind() {
                rehash::Kind::Modern => "modern",
                _ => "legacy",
            };
            (s.name(), kind, s.needs_declaration(), s.is_salted(), s.hashcat_mode(), s.stored_form())
        })
        .collect()
}

#[pymodule]
fn _rehash(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPolicy>()?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(families, m)?)?;
    Ok(())
}
