//! KDF recipes: an application's home-made PBKDF2 or scrypt layout, declared
//! as data ([`Recipe::kdf`]) instead of waiting for a catalogue family.
//!
//! A KDF recipe names the function (PBKDF2-HMAC-SHA1/256/512 or scrypt), the
//! stored string's layout as a `format` with placeholders (`{hash}`, and
//! optionally `{salt}` and any cost parameter: `{iterations}`, `{length}`,
//! `{n}`, `{log_n}`, `{r}`, `{p}`), how the salt's text becomes bytes, and
//! where each cost parameter comes from: a constant of the recipe, a
//! placeholder of the format, a field of the row's params column
//! (`params_col:1`, `params_col:i`) or an installation setting
//! (`params:rounds`). Every cost read from a row is checked against the
//! [`Ceilings`] before any work.

use std::borrow::Cow;

use base64ct::{Base64UrlUnpadded, Encoding as _};
use sha2::{Digest as _, Sha256};
use unicode_normalization::UnicodeNormalization as _;
use zeroize::Zeroizing;

use super::{Call, DigestEncoding, Func, Recipe, SaltLayout};
use crate::catalogue::{Identified, Normalization, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::encoding::{
    b64_decode, b64_encode_padded, b64_encode_unpadded, hex_decode, is_hex, parse_decimal,
};
use crate::error::{Error, Result};
use crate::primitives::prf::Prf;
use crate::scheme::{Extra, Family, Kdf};

/// The KDF a [`KdfRecipe`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecipeKdf {
    /// PBKDF2-HMAC-SHA1 (`pbkdf2_sha1`).
    Pbkdf2Sha1,
    /// PBKDF2-HMAC-SHA256 (`pbkdf2_sha256`).
    Pbkdf2Sha256,
    /// PBKDF2-HMAC-SHA512 (`pbkdf2_sha512`).
    Pbkdf2Sha512,
    /// scrypt (RFC 7914) (`scrypt`).
    Scrypt,
}

impl RecipeKdf {
    /// The KDF of a policy file's `kdf` key.
    pub fn from_name(name: &str) -> Option<RecipeKdf> {
        Some(match name {
            "pbkdf2_sha1" => RecipeKdf::Pbkdf2Sha1,
            "pbkdf2_sha256" => RecipeKdf::Pbkdf2Sha256,
            "pbkdf2_sha512" => RecipeKdf::Pbkdf2Sha512,
            "scrypt" => RecipeKdf::Scrypt,
            _ => return None,
        })
    }

    /// The name a policy file's `kdf` key gives it.
    pub fn name(self) -> &'static str {
        match self {
            RecipeKdf::Pbkdf2Sha1 => "pbkdf2_sha1",
            RecipeKdf::Pbkdf2Sha256 => "pbkdf2_sha256",
            RecipeKdf::Pbkdf2Sha512 => "pbkdf2_sha512",
            RecipeKdf::Scrypt => "scrypt",
        }
    }

    fn prf(self) -> Option<Prf> {
        match self {
            RecipeKdf::Pbkdf2Sha1 => Some(Prf::Sha1),
            RecipeKdf::Pbkdf2Sha256 => Some(Prf::Sha256),
            RecipeKdf::Pbkdf2Sha512 => Some(Prf::Sha512),
            RecipeKdf::Scrypt => None,
        }
    }
}

/// How the text of a KDF recipe's salt (the salt column, or `{salt}` in the
/// format) becomes the KDF's salt bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaltEncoding {
    /// The text's own bytes (the default): Grafana, Discourse, Better Auth's
    /// hex text.
    #[default]
    Text,
    /// Hex, decoded (either case).
    Hex,
    /// Standard base64, decoded (padding optional).
    Base64,
}

impl SaltEncoding {
    fn name(self) -> &'static str {
        match self {
            SaltEncoding::Text => "text",
            SaltEncoding::Hex => "hex",
            SaltEncoding::Base64 => "base64",
        }
    }
}

/// A cost or length parameter of a KDF recipe; its policy-file key is
/// [`RecipeParam::key`] (`iterations`, and `iterations_from` for its source).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecipeParam {
    /// PBKDF2's iteration count.
    Iterations,
    /// The derived key's length in bytes. Optional: without it, the stored
    /// key's own length is used; with it, a stored key of another length is
    /// malformed.
    Length,
    /// scrypt's N (a power of two).
    N,
    /// scrypt's log2(N), for stores that write the exponent.
    LogN,
    /// scrypt's block size r.
    R,
    /// scrypt's parallelism p.
    P,
}

const PARAMS: [RecipeParam; 6] = [
    RecipeParam::Iterations,
    RecipeParam::Length,
    RecipeParam::N,
    RecipeParam::LogN,
    RecipeParam::R,
    RecipeParam::P,
];

impl RecipeParam {
    /// The parameter's key in a policy file (and in a format's placeholder).
    pub fn key(self) -> &'static str {
        match self {
            RecipeParam::Iterations => "iterations",
            RecipeParam::Length => "length",
            RecipeParam::N => "n",
            RecipeParam::LogN => "log_n",
            RecipeParam::R => "r",
            RecipeParam::P => "p",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The values a recipe may state for the parameter.
    fn range(self) -> (u64, u64) {
        match self {
            RecipeParam::Iterations | RecipeParam::R | RecipeParam::P => (1, u64::from(u32::MAX)),
            RecipeParam::Length => (1, MAX_KEY_LEN as u64),
            RecipeParam::N => (2, 1 << 63),
            RecipeParam::LogN => (1, 63),
        }
    }
}

/// The longest derived key a KDF recipe verifies, in bytes.
const MAX_KEY_LEN: usize = 1024;
/// The longest format a KDF recipe may declare.
const MAX_FORMAT_LEN: usize = 256;
/// The longest params column a KDF recipe reads.
const MAX_COLUMN_LEN: usize = 4096;

/// A field of the row's params column.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Field {
    /// The n-th piece (from 0) of the column cut at every `$` and `,`.
    Index(usize),
    /// The piece `name=value`; in a JSON object column, the member `name`.
    Key(String),
}

/// Where a parameter's value comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Source {
    #[default]
    Absent,
    Value(u64),
    /// Its placeholder in the format.
    Hash,
    /// A field of the params column; the value, if any, when the field is absent.
    Column(Field, Option<u64>),
    /// An installation setting (`Extra::params`); the value when it is unset.
    Site(String, Option<u64>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Hash,
    Salt,
    Param(RecipeParam),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Hole(Slot),
}

/// A built KDF recipe (inside [`Recipe`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KdfSpec {
    kdf: RecipeKdf,
    format: Vec<Piece>,
    salt_encoding: SaltEncoding,
    text_salt_len: Option<usize>,
    normalize: Normalization,
    sources: [Source; 6],
    wrap_id: String,
}

impl KdfSpec {
    pub(super) fn wrap_id(&self) -> &str {
        &self.wrap_id
    }

    fn source(&self, p: RecipeParam) -> &Source {
        self.sources.get(p.index()).unwrap_or(&Source::Absent)
    }
}

/// A KDF recipe under construction: [`Recipe::kdf`] starts one,
/// [`KdfRecipe::build`] checks it whole and gives the [`Recipe`].
///
/// Grafana's `user.password`: hex(PBKDF2-HMAC-SHA256(password, the salt
/// column's text, 10000, 50)):
///
/// ```
/// use rehash::{Policy, Recipe, RecipeKdf, RecipeParam, Scheme, Stored};
/// let grafana = Recipe::kdf(RecipeKdf::Pbkdf2Sha256)
///     .param(RecipeParam::Iterations, 10_000)
///     .param(RecipeParam::Length, 50)
///     .build()?;
/// let policy = Policy::builder().recipe(grafana).build()?;
/// let row = Stored::new("59acf18b94d7eb0694c61e60ce44c110c7a683ac6a8f09580d626f90f4a242000746579358d77dd9e570e83fa24faa88a8a6")
///     .with_salt("F3FAxVm33R")
///     .with_scheme(Scheme::Recipe);
/// assert!(policy.verify(b"admin", row)?.is_valid());
/// # Ok::<(), rehash::Error>(())
/// ```
///
/// Discourse: the iteration count and key length are in the row's
/// `password_algorithm` column, `$pbkdf2-sha256$i=600000,l=32$`:
///
/// ```
/// use rehash::{Recipe, RecipeKdf, RecipeParam};
/// let discourse = Recipe::kdf(RecipeKdf::Pbkdf2Sha256)
///     .param_from(RecipeParam::Iterations, "params_col:i")
///     .param_from(RecipeParam::Length, "params_col:l")
///     .build()?;
/// # Ok::<(), rehash::Error>(())
/// ```
///
/// Better Auth: `hex(salt):hex(scrypt(NFKC(password), salt as its hex
/// text, N 16384, r 16, p 1, 64))`:
///
/// ```
/// use rehash::{Normalization, Recipe, RecipeKdf, RecipeParam};
/// let better_auth = Recipe::kdf(RecipeKdf::Scrypt)
///     .format("{salt}:{hash}")
///     .param(RecipeParam::N, 16_384)
///     .param(RecipeParam::R, 16)
///     .param(RecipeParam::P, 1)
///     .param(RecipeParam::Length, 64)
///     .normalize(Normalization::Nfkc)
///     .build()?;
/// # Ok::<(), rehash::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct KdfRecipe {
    kdf: RecipeKdf,
    format: String,
    encoding: DigestEncoding,
    salt_encoding: SaltEncoding,
    text_salt_len: Option<usize>,
    normalize: Normalization,
    values: [Option<u64>; 6],
    from: [Option<String>; 6],
}

impl Recipe {
    /// Start a KDF recipe: by default the stored string is the derived key
    /// alone in hex (`format` `{hash}`), the salt is the row's salt column
    /// used as text, and the password is used as given.
    pub fn kdf(kdf: RecipeKdf) -> KdfRecipe {
        KdfRecipe {
            kdf,
            format: "{hash}".into(),
            encoding: DigestEncoding::Hex,
            salt_encoding: SaltEncoding::Text,
            text_salt_len: None,
            normalize: Normalization::None,
            values: [None; 6],
            from: Default::default(),
        }
    }
}

fn cfg(msg: String) -> Error {
    Error::InvalidConfig(msg)
}

impl KdfRecipe {
    /// The stored string's layout: literal text and placeholders `{hash}`
    /// (required), `{salt}` (else the salt is the row's salt column) and
    /// any parameter (`{iterations}`, `{length}`, `{n}`, `{log_n}`, `{r}`,
    /// `{p}`, read as decimal). Placeholders are separated by literal text;
    /// each ends at the first occurrence of the text that follows it.
    pub fn format(mut self, format: &str) -> Self {
        self.format = format.to_owned();
        self
    }

    /// How the derived key is written (hex by default).
    pub fn encoding(mut self, encoding: DigestEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// How the salt's text becomes bytes (text by default).
    pub fn salt_encoding(mut self, salt_encoding: SaltEncoding) -> Self {
        self.salt_encoding = salt_encoding;
        self
    }

    /// A salt of exactly `len` characters is used as text whatever
    /// [`KdfRecipe::salt_encoding`] says (Gitea's legacy 10-character salts
    /// beside its hex ones).
    pub fn text_salt_len(mut self, len: usize) -> Self {
        self.text_salt_len = Some(len);
        self
    }

    /// Normalize the password (NFC or NFKC) before the KDF, as the
    /// application did (Better Auth: NFKC).
    pub fn normalize(mut self, form: Normalization) -> Self {
        self.normalize = form;
        self
    }

    /// The parameter's value; with [`KdfRecipe::param_from`] too, the value
    /// used when the row lacks the field.
    pub fn param(mut self, param: RecipeParam, value: u64) -> Self {
        if let Some(v) = self.values.get_mut(param.index()) {
            *v = Some(value);
        }
        self
    }

    /// Read the parameter from the row: `params_col:N` is the N-th piece
    /// (from 0) of the params column cut at every `$` and `,` (Gitea's
    /// `pbkdf2$50000$50`: iterations `params_col:1`, length `params_col:2`);
    /// `params_col:NAME` is the piece `NAME=value` (Discourse's
    /// `$pbkdf2-sha256$i=600000,l=32$`: `params_col:i`), or the member
    /// `NAME` when the column is a JSON object (Keycloak's
    /// `{"hashIterations":27500,…}`); `params:NAME` is the installation
    /// setting `NAME` ([`crate::SiteParams`]). Values are decimal, without
    /// leading zeros.
    pub fn param_from(mut self, param: RecipeParam, selector: &str) -> Self {
        if let Some(v) = self.from.get_mut(param.index()) {
            *v = Some(selector.to_owned());
        }
        self
    }

    /// Check the recipe whole. Every error is [`Error::InvalidConfig`]
    /// naming the policy-file key at fault.
    pub fn build(self) -> Result<Recipe> {
        let kdf = self.kdf.name();
        let format =
            parse_format(&self.format).map_err(|e| cfg(format!("`format` `{}`: {e}", self.format)))?;
        let mut sources: [Source; 6] = Default::default();
        for p in PARAMS {
            let key = p.key();
            let value = self.values.get(p.index()).copied().flatten();
            let from = self.from.get(p.index()).cloned().flatten();
            let in_format = format.contains(&Piece::Hole(Slot::Param(p)));
            if let Some(v) = value {
                let (lo, hi) = p.range();
                let power_of_two = p != RecipeParam::N || v.is_power_of_two();
                if !(lo..=hi).contains(&v) || !power_of_two {
                    let also = if p == RecipeParam::N { " and a power of two" } else { "" };
                    return Err(cfg(format!("`{key}` = {v}: must be {lo} to {hi}{also}")));
                }
            }
            let source = match (in_format, value, from) {
                (true, None, None) => Source::Hash,
                (true, _, _) => {
                    return Err(cfg(format!(
                        "`{key}` is read from the format's {{{key}}}: give neither `{key}` nor `{key}_from`"
                    )))
                }
                (false, v, Some(sel)) => parse_selector(&sel, v)
                    .ok_or_else(|| cfg(format!("`{key}_from` = `{sel}`: {SELECTOR_FORMS}")))?,
                (false, Some(v), None) => Source::Value(v),
                (false, None, None) => Source::Absent,
            };
            if let Some(s) = sources.get_mut(p.index()) {
                *s = source;
            }
        }
        let given = |p: RecipeParam| sources.get(p.index()).is_some_and(|s| *s != Source::Absent);
        let (needed, unused): (&[RecipeParam], &[RecipeParam]) = match self.kdf {
            RecipeKdf::Scrypt => (&[RecipeParam::R, RecipeParam::P], &[RecipeParam::Iterations]),
            _ => (
                &[RecipeParam::Iterations],
                &[RecipeParam::N, RecipeParam::LogN, RecipeParam::R, RecipeParam::P],
            ),
        };
        if let Some(p) = unused.iter().find(|p| given(**p)) {
            return Err(cfg(format!("`{}` does not apply to {kdf}", p.key())));
        }
        if let Some(p) = needed.iter().find(|p| !given(**p)) {
            let key = p.key();
            return Err(cfg(format!("{kdf} needs `{key}` (or `{key}_from`, or {{{key}}} in `format`)")));
        }
        if self.kdf == RecipeKdf::Scrypt && given(RecipeParam::N) == given(RecipeParam::LogN) {
            return Err(cfg("scrypt needs exactly one of `n` and `log_n`".into()));
        }
        if self.text_salt_len.is_some() && self.salt_encoding == SaltEncoding::Text {
            return Err(cfg("`text_salt_len` applies to hex or base64 salts only".into()));
        }
        if self.text_salt_len == Some(0) {
            return Err(cfg("`text_salt_len` must be at least 1".into()));
        }
        let notation = self.describe();
        let digest = Sha256::digest(notation.as_bytes());
        let wrap_id: String = Base64UrlUnpadded::encode_string(&digest).chars().take(6).collect();
        let spec = KdfSpec {
            kdf: self.kdf,
            format,
            salt_encoding: self.salt_encoding,
            text_salt_len: self.text_salt_len,
            normalize: self.normalize,
            sources,
            wrap_id,
        };
        Ok(Recipe {
            notation,
            // Unused by a KDF recipe: the digest fields keep neutral values.
            call: Call { func: Func::Sha256, raw: false, args: Vec::new(), key: Vec::new() },
            encoding: self.encoding,
            layout: SaltLayout::Separate,
            prefix: "",
            upper_hex: false,
            scheme: Scheme::Recipe,
            rounds: 1,
            raw_rounds: false,
            constant: Zeroizing::new(Vec::new()),
            kdf: Some(Box::new(spec)),
        })
    }

    /// The canonical description: every setting that changes the
    /// computation, in a fixed order (the recipe's notation; its SHA-256
    /// names the recipe in wrapped strings).
    fn describe(&self) -> String {
        let mut d = format!("{} format={}", self.kdf.name(), self.format);
        d.push_str(match self.encoding {
            DigestEncoding::Hex => " encoding=hex",
            DigestEncoding::Base64 => " encoding=base64",
        });
        d.push_str(" salt_encoding=");
        d.push_str(self.salt_encoding.name());
        if let Some(n) = self.text_salt_len {
            d.push_str(&format!(" text_salt_len={n}"));
        }
        d.push_str(match self.normalize {
            Normalization::None => "",
            Normalization::Nfc => " normalize=nfc",
            Normalization::Nfkc => " normalize=nfkc",
        });
        for p in PARAMS {
            if let Some(v) = self.values.get(p.index()).copied().flatten() {
                d.push_str(&format!(" {}={v}", p.key()));
            }
            if let Some(s) = self.from.get(p.index()).cloned().flatten() {
                d.push_str(&format!(" {}_from={s}", p.key()));
            }
        }
        d
    }
}

const SELECTOR_FORMS: &str =
    "expected `params_col:N` (a piece number), `params_col:NAME` or `params:NAME` (NAME of letters, digits, `_`, `-`, `.`)";

fn parse_selector(sel: &str, default: Option<u64>) -> Option<Source> {
    let name_ok = |n: &str| {
        !n.is_empty() && n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    };
    if let Some(f) = sel.strip_prefix("params_col:") {
        if f.bytes().all(|b| b.is_ascii_digit()) {
            let i = parse_decimal(f).filter(|i| *i < 64)?;
            return Some(Source::Column(Field::Index(i as usize), default));
        }
        return name_ok(f).then(|| Source::Column(Field::Key(f.to_owned()), default));
    }
    let name = sel.strip_prefix("params:")?;
    name_ok(name).then(|| Source::Site(name.to_owned(), default))
}

fn parse_format(f: &str) -> Result<Vec<Piece>, String> {
    if f.len() > MAX_FORMAT_LEN || f.bytes().any(|b| b.is_ascii_control() || !b.is_ascii()) {
        return Err(format!("at most {MAX_FORMAT_LEN} printable ASCII characters"));
    }
    let mut pieces = Vec::new();
    let mut rest = f;
    while !rest.is_empty() {
        let (lit, after) = match rest.find('{') {
            Some(i) => (rest.get(..i).unwrap_or_default(), rest.get(i + 1..).unwrap_or_default()),
            None => (rest, ""),
        };
        if lit.contains('}') {
            return Err("a `}` outside a placeholder".into());
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit.to_owned()));
        }
        if lit.len() == rest.len() {
            break;
        }
        let (name, tail) = after.split_once('}').ok_or("a `{` without its `}`")?;
        let slot = match name {
            "hash" => Slot::Hash,
            "salt" => Slot::Salt,
            other => Slot::Param(PARAMS.into_iter().find(|p| p.key() == other).ok_or_else(|| {
                format!("unknown placeholder {{{other}}} (hash, salt, iterations, length, n, log_n, r, p)")
            })?),
        };
        if pieces.contains(&Piece::Hole(slot)) {
            return Err(format!("{{{name}}} appears twice"));
        }
        if matches!(pieces.last(), Some(Piece::Hole(_))) {
            return Err("two placeholders need literal text between them".into());
        }
        pieces.push(Piece::Hole(slot));
        rest = tail;
    }
    if !pieces.contains(&Piece::Hole(Slot::Hash)) {
        return Err("no {hash} placeholder".into());
    }
    Ok(pieces)
}

/// Match `s` against the format: the text of each placeholder in order, or
/// `None`. Linear: a placeholder ends at the first occurrence of the literal
/// after it; the last one takes what the literals after it leave.
fn match_format<'s>(pieces: &[Piece], s: &'s str) -> Option<Vec<&'s str>> {
    let mut holes = Vec::new();
    let mut rest = s;
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Lit(l) => rest = rest.strip_prefix(l.as_str())?,
            Piece::Hole(_) => {
                let more = pieces.get(i + 1..).unwrap_or_default();
                let end = if more.iter().any(|p| matches!(p, Piece::Hole(_))) {
                    match more.first() {
                        Some(Piece::Lit(l)) => rest.find(l.as_str())?,
                        _ => return None,
                    }
                } else {
                    let fixed: usize =
                        more.iter().map(|p| if let Piece::Lit(l) = p { l.len() } else { 0 }).sum();
                    rest.len().checked_sub(fixed)?
                };
                let (h, r) = (rest.get(..end)?, rest.get(end..)?);
                if h.is_empty() {
                    return None;
                }
                holes.push(h);
                rest = r;
            }
        }
    }
    rest.is_empty().then_some(holes)
}

/// A field of the params column, as text.
fn column_field<'c>(col: &'c str, field: &Field) -> Result<Option<Cow<'c, str>>> {
    let bad = |what| Error::malformed(Scheme::Recipe, what);
    if col.len() > MAX_COLUMN_LEN {
        return Err(bad("params_col is too long"));
    }
    if col.trim_start().starts_with('{') {
        let Field::Key(k) = field else { return Err(bad("params_col is JSON: name its member")) };
        let v: serde_json::Value =
            serde_json::from_str(col).map_err(|_| bad("params_col is not valid JSON"))?;
        return match v.get(k) {
            None => Ok(None),
            Some(serde_json::Value::Number(n)) => Ok(Some(Cow::Owned(n.to_string()))),
            Some(serde_json::Value::String(s)) => Ok(Some(Cow::Owned(s.clone()))),
            Some(_) => Err(bad("params_col member is not a number")),
        };
    }
    let mut pieces = col.split(['$', ',']);
    match field {
        Field::Index(i) => Ok(pieces.nth(*i).map(Cow::Borrowed)),
        Field::Key(k) => {
            let mut found = pieces.filter_map(|p| p.strip_prefix(k.as_str())?.strip_prefix('='));
            match (found.next(), found.next()) {
                (Some(v), None) => Ok(Some(Cow::Borrowed(v))),
                (None, _) => Ok(None),
                (Some(_), Some(_)) => Err(bad("params_col names a parameter twice")),
            }
        }
    }
}

/// A stored string parsed by a KDF recipe.
pub(crate) struct Parsed<'a> {
    recipe: &'a Recipe,
    spec: &'a KdfSpec,
    holes: Vec<&'a str>,
    salt: Vec<u8>,
    expected: Vec<u8>,
    padded: bool,
    /// Each parameter's value as read (unchecked until `check`).
    values: [Option<u64>; 6],
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse(s: &'a str, recipe: &'a Recipe, spec: &'a KdfSpec, extra: Extra<'a>) -> Result<Self> {
        let sch = Scheme::Recipe;
        let holes = match_format(&spec.format, s)
            .ok_or(Error::malformed(sch, "does not have the recipe's format"))?;
        let slots = spec.format.iter().filter_map(|p| if let Piece::Hole(h) = p { Some(*h) } else { None });
        let text_of = |want: Slot| slots.clone().zip(holes.iter()).find(|(h, _)| *h == want).map(|(_, t)| *t);
        let key = text_of(Slot::Hash).unwrap_or_default();
        let expected = match recipe.encoding {
            DigestEncoding::Hex => is_hex(key).then(|| hex_decode(key)).flatten(),
            DigestEncoding::Base64 => b64_decode(key),
        }
        .filter(|k| (1..=MAX_KEY_LEN).contains(&k.len()))
        .ok_or(Error::malformed(sch, "derived key: wrong encoding or length"))?;
        let salt_text = match text_of(Slot::Salt) {
            Some(t) => t,
            None => extra.salt.ok_or(Error::MissingInput { scheme: sch, what: "salt" })?,
        };
        let as_text = spec.salt_encoding == SaltEncoding::Text || spec.text_salt_len == Some(salt_text.len());
        let salt = if as_text {
            Some(salt_text.as_bytes().to_vec())
        } else if spec.salt_encoding == SaltEncoding::Hex {
            is_hex(salt_text).then(|| hex_decode(salt_text)).flatten()
        } else {
            b64_decode(salt_text)
        }
        .ok_or(Error::malformed(sch, "salt is not in the recipe's salt encoding"))?;
        let mut values = [None; 6];
        for p in PARAMS {
            let v = match spec.source(p) {
                Source::Absent => None,
                Source::Value(v) => Some(*v),
                Source::Hash => {
                    let t = text_of(Slot::Param(p)).unwrap_or_default();
                    Some(
                        parse_decimal(t)
                            .ok_or(Error::malformed(sch, "a parameter of the string is not decimal"))?,
                    )
                }
                Source::Column(field, default) => {
                    let text = match extra.params_col {
                        Some(col) => column_field(col, field)?,
                        None if default.is_some() => None,
                        None => return Err(Error::MissingInput { scheme: sch, what: "params_col" }),
                    };
                    match (text, default) {
                        (Some(t), _) => Some(
                            parse_decimal(&t)
                                .ok_or(Error::malformed(sch, "params_col field is not decimal"))?,
                        ),
                        (None, Some(d)) => Some(*d),
                        (None, None) => {
                            return Err(Error::malformed(sch, "params_col lacks a field the recipe reads"))
                        }
                    }
                }
                Source::Site(name, default) => match (extra.params.and_then(|sp| sp.get(name)), default) {
                    (Some(t), _) => {
                        Some(parse_decimal(t).ok_or(Error::malformed(sch, "params setting is not decimal"))?)
                    }
                    (None, Some(d)) => Some(*d),
                    (None, None) => return Err(Error::MissingInput { scheme: sch, what: "params" }),
                },
            };
            if let Some(slot) = values.get_mut(p.index()) {
                *slot = v;
            }
        }
        let p = Parsed { recipe, spec, holes, salt, padded: key.ends_with('='), expected, values };
        if p.value(RecipeParam::Length).is_some_and(|l| l != p.expected.len() as u64) {
            return Err(Error::malformed(sch, "the derived key's length is not the recipe's length"));
        }
        if p.value(RecipeParam::N).is_some_and(|n| n < 2 || !n.is_power_of_two()) {
            return Err(Error::malformed(sch, "scrypt N must be a power of two"));
        }
        for q in [RecipeParam::Iterations, RecipeParam::R, RecipeParam::P, RecipeParam::LogN] {
            if p.value(q) == Some(0) {
                return Err(Error::malformed(sch, "a cost parameter is zero"));
            }
        }
        Ok(p)
    }

    fn value(&self, p: RecipeParam) -> Option<u64> {
        self.values.get(p.index()).copied().flatten()
    }

    /// scrypt's log2(N), from `n` or `log_n`.
    fn log_n(&self) -> u64 {
        match self.value(RecipeParam::N) {
            Some(n) => u64::from(n.trailing_zeros()),
            None => self.value(RecipeParam::LogN).unwrap_or(0),
        }
    }

    /// The scrypt parameters, once checked.
    fn scrypt_params(&self) -> Result<(u8, u32, u32)> {
        let sch = Scheme::Recipe;
        let log_n = u8::try_from(self.log_n()).ok().filter(|l| *l <= 63);
        let log_n = log_n.ok_or(Error::too_big(sch, "log_n", self.log_n(), 63))?;
        let r = self.value(RecipeParam::R).unwrap_or(0);
        let p = self.value(RecipeParam::P).unwrap_or(0);
        let r32 = u32::try_from(r).map_err(|_| Error::too_big(sch, "r", r, u32::MAX.into()))?;
        let p32 = u32::try_from(p).map_err(|_| Error::too_big(sch, "p", p, u32::MAX.into()))?;
        scrypt::Params::new(log_n, r32, p32)
            .map_err(|_| Error::malformed(sch, "parameters rejected by scrypt"))?;
        Ok((log_n, r32, p32))
    }

    fn normalized(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if self.spec.normalize == Normalization::None {
            return Ok(Zeroizing::new(password.to_vec()));
        }
        let text = core::str::from_utf8(password)
            .map_err(|_| Error::PasswordNotUtf8 { what: "the recipe's Unicode normalization" })?;
        let s: Zeroizing<String> = Zeroizing::new(match self.spec.normalize {
            Normalization::Nfkc => text.nfkc().collect(),
            _ => text.nfc().collect(),
        });
        Ok(Zeroizing::new(s.as_bytes().to_vec()))
    }
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        let params = match self.spec.kdf {
            RecipeKdf::Scrypt => Params::Scrypt {
                log_n: u8::try_from(self.log_n()).unwrap_or(u8::MAX),
                r: u32::try_from(self.value(RecipeParam::R).unwrap_or(0)).unwrap_or(u32::MAX),
                p: u32::try_from(self.value(RecipeParam::P).unwrap_or(0)).unwrap_or(u32::MAX),
            },
            _ => Params::Rounds(self.value(RecipeParam::Iterations).unwrap_or(0)),
        };
        Identified::new(Scheme::Recipe, params)
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        let sch = Scheme::Recipe;
        match self.spec.kdf.prf() {
            Some(prf) => {
                let it = self.value(RecipeParam::Iterations).unwrap_or(0);
                c.iterations(sch, "iterations", it)?;
                // PBKDF2 runs the whole count once per block of the key.
                let blocks = self.expected.len().div_ceil(prf.len()) as u64;
                c.iterations(sch, "iterations × key blocks", it.saturating_mul(blocks))
            }
            None => {
                c.parallelism(sch, self.value(RecipeParam::P).unwrap_or(0))?;
                let log_n = self.log_n();
                if log_n > 63 {
                    return Err(Error::too_big(sch, "log_n", log_n, 63));
                }
                let r = u128::from(self.value(RecipeParam::R).unwrap_or(0));
                let p = u128::from(self.value(RecipeParam::P).unwrap_or(0));
                c.memory_bytes(sch, 128 * r * ((1u128 << log_n) + p))?;
                self.scrypt_params().map(|_| ())
            }
        }
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn recipe_notation(&self) -> Option<&str> {
        Some(self.recipe.wrap_id())
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let password = self.normalized(password)?;
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        match self.spec.kdf.prf() {
            Some(prf) => {
                let it = self.value(RecipeParam::Iterations).unwrap_or(0);
                let rounds = u32::try_from(it).ok().filter(|r| *r > 0).ok_or(Error::too_big(
                    Scheme::Recipe,
                    "iterations",
                    it,
                    u32::MAX.into(),
                ))?;
                prf.derive(&password, &self.salt, rounds, &mut out);
            }
            None => {
                let (log_n, r, p) = self.scrypt_params()?;
                crate::primitives::scrypt::scrypt(&password, &self.salt, log_n, r, p, &mut out);
            }
        }
        Ok(out)
    }

    /// The stored string with the derived key zeroed.
    fn masked(&self) -> Result<String> {
        let mut out = String::new();
        let mut holes = self.holes.iter();
        for piece in &self.spec.format {
            match piece {
                Piece::Lit(l) => out.push_str(l),
                Piece::Hole(slot) => {
                    let text = holes.next().copied().unwrap_or_default();
                    if *slot != Slot::Hash {
                        out.push_str(text);
                        continue;
                    }
                    let zeros = vec![0u8; self.expected.len()];
                    out.push_str(&match (self.recipe.encoding, self.padded) {
                        (DigestEncoding::Hex, _) => "0".repeat(2 * zeros.len()),
                        (DigestEncoding::Base64, true) => b64_encode_padded(&zeros),
                        (DigestEncoding::Base64, false) => b64_encode_unpadded(&zeros),
                    });
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pbkdf2() -> KdfRecipe {
        Recipe::kdf(RecipeKdf::Pbkdf2Sha256)
    }

    fn err(r: KdfRecipe) -> String {
        match r.build() {
            Err(Error::InvalidConfig(m)) => m,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    #[test]
    fn formats_parse_and_refuse() {
        assert!(parse_format("{salt}:{hash}").is_ok());
        assert!(parse_format("$p${iterations}${salt}${hash}").is_ok());
        for bad in
            ["{salt}", "{hash}{salt}", "{hash}:{hash}", "{hash", "a}{hash}", "{x}{hash}", "{hash}\u{1}"]
        {
            assert!(parse_format(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn format_matching_is_exact() {
        let f = parse_format("$p${iterations}${salt}${hash}").expect("format");
        assert_eq!(match_format(&f, "$p$10$ab$cd"), Some(vec!["10", "ab", "cd"]));
        assert_eq!(match_format(&f, "$p$10$ab$cd$ef"), Some(vec!["10", "ab", "cd$ef"]));
        assert_eq!(match_format(&f, "$p$$ab$cd"), None);
        assert_eq!(match_format(&f, "$q$10$ab$cd"), None);
        let g = parse_format("{salt}:{hash}!").expect("format");
        assert_eq!(match_format(&g, "s:h!"), Some(vec!["s", "h"]));
        assert_eq!(match_format(&g, "s:h"), None);
    }

    #[test]
    fn hostile_formats_match_in_linear_time() {
        let f = parse_format("{salt}:{iterations}:{hash}").expect("format");
        let s = ":".repeat(100_000);
        let t = std::time::Instant::now();
        let _ = match_format(&f, &s);
        assert!(t.elapsed() < std::time::Duration::from_millis(200));
    }

    #[test]
    fn builds_refuse_with_the_key_named() {
        assert!(err(pbkdf2()).contains("`iterations`"));
        assert!(err(pbkdf2().param(RecipeParam::Iterations, 0)).contains("`iterations` = 0"));
        assert!(err(pbkdf2().param(RecipeParam::Iterations, 1 << 33)).contains("`iterations`"));
        assert!(err(pbkdf2().param(RecipeParam::Iterations, 1).param(RecipeParam::R, 8)).contains("`r`"));
        assert!(err(pbkdf2().param_from(RecipeParam::Iterations, "column:1")).contains("`iterations_from`"));
        assert!(
            err(pbkdf2().param_from(RecipeParam::Iterations, "params_col:")).contains("`iterations_from`")
        );
        assert!(err(pbkdf2().param(RecipeParam::Iterations, 1).format("{salt}")).contains("`format`"));
        let twice = pbkdf2().format("{iterations}${hash}").param(RecipeParam::Iterations, 5);
        assert!(err(twice).contains("`iterations`"));
        let text = pbkdf2().param(RecipeParam::Iterations, 5).text_salt_len(10);
        assert!(err(text).contains("`text_salt_len`"));
        let scrypt = Recipe::kdf(RecipeKdf::Scrypt);
        assert!(err(scrypt.clone().param(RecipeParam::R, 8).param(RecipeParam::P, 1)).contains("`n`"));
        assert!(err(scrypt.clone().param(RecipeParam::N, 1000)).contains("power of two"));
        let both = scrypt.param(RecipeParam::N, 1024).param(RecipeParam::LogN, 10);
        assert!(err(both.param(RecipeParam::R, 8).param(RecipeParam::P, 1)).contains("exactly one"));
    }

    #[test]
    fn column_fields() {
        let f = |col, field: Field| column_field(col, &field).expect("field").map(|c| c.into_owned());
        assert_eq!(f("pbkdf2$50000$50", Field::Index(1)).as_deref(), Some("50000"));
        assert_eq!(f("pbkdf2", Field::Index(1)), None);
        assert_eq!(f("$pbkdf2-sha256$i=600000,l=32$", Field::Key("i".into())).as_deref(), Some("600000"));
        assert_eq!(f("$pbkdf2-sha256$i=600000,l=32$", Field::Key("x".into())), None);
        assert_eq!(
            f(r#"{"hashIterations":27500,"algorithm":"pbkdf2"}"#, Field::Key("hashIterations".into()))
                .as_deref(),
            Some("27500")
        );
        assert!(column_field("i=1,i=2", &Field::Key("i".into())).is_err());
        assert!(column_field("{not json", &Field::Key("i".into())).is_err());
    }

    #[test]
    fn the_wrap_id_follows_the_computation() {
        let a = pbkdf2().param(RecipeParam::Iterations, 10_000).build().expect("a");
        let b = pbkdf2().param(RecipeParam::Iterations, 10_001).build().expect("b");
        assert_eq!(a.wrap_id().len(), 6);
        assert_ne!(a.wrap_id(), b.wrap_id());
        assert_eq!(
            a.notation(),
            "pbkdf2_sha256 format={hash} encoding=hex salt_encoding=text iterations=10000"
        );
    }
}
