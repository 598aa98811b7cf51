//! Raw and salted digests, described as data.
//!
//! A [`Recipe`] is a composition in hashcat's notation (`md5($pass)`,
//! `sha256($salt.$pass)`, `md5(md5($pass).$salt)`, `md4(utf16le($pass))`), an
//! output encoding and the place the salt lives. Every built-in digest family is
//! one recipe; an application declares its own home-made layout the same way.
//! Inner calls produce lower-case hex, as PHP's `md5()` does; a `_bin` suffix
//! (`sha1(sha1_bin($pass))`) passes raw bytes instead, and `strtoupper(…)`
//! upper-cases its argument (`md5(strtoupper(md5($pass)))`, hashcat 4300).
//! `$const` is an application-wide constant such as PrestaShop's `COOKIE_KEY`
//! (`md5($const.$pass)`), given with [`Recipe::with_constant`]; a recipe may be
//! iterated ([`Recipe::with_rounds`]). `hmac_sha256($salt,$pass)` is an HMAC,
//! key first (also `hmac_md5`, `hmac_sha1`, `hmac_sha384`, `hmac_sha512`).
//! Verify accepts hex of either case.
//!
//! A recipe may also run a KDF instead of a digest — PBKDF2-HMAC-SHA1/256/512
//! or scrypt, with its cost read from the recipe, the hash string or the row's
//! params column ([`Recipe::kdf`], in the `kdf` submodule).

use std::sync::OnceLock;

use md4::Md4;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use std::borrow::Cow;

use hmac::{Hmac, KeyInit, Mac};

mod kdf;
pub use kdf::{KdfRecipe, RecipeKdf, RecipeParam, SaltEncoding};

use super::Extra;
use super::{Family, Kdf};
use crate::catalogue::{Identified, Params, Scheme};
use crate::encoding::{b64_decode, hex_decode, hex_lower, is_hex};
use crate::error::{Error, Result};

/// A digest function a recipe may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    Md4,
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    /// UTF-8 text re-encoded as UTF-16LE (NTLM); not a digest.
    Utf16le,
    /// ASCII upper-casing of the argument (PHP's `strtoupper`); not a digest.
    Upper,
    /// HMAC over the message argument, keyed with the first argument.
    HmacMd5,
    HmacSha1,
    HmacSha256,
    HmacSha384,
    HmacSha512,
}

fn hmac_of<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    // HMAC takes keys of any length: this never fails.
    let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|_| Error::Internal("HMAC key"))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().to_vec())
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "md4" => Func::Md4,
            "md5" => Func::Md5,
            "sha1" => Func::Sha1,
            "sha256" => Func::Sha256,
            "sha384" => Func::Sha384,
            "sha512" => Func::Sha512,
            "utf16le" => Func::Utf16le,
            "strtoupper" => Func::Upper,
            "hmac_md5" => Func::HmacMd5,
            "hmac_sha1" => Func::HmacSha1,
            "hmac_sha256" => Func::HmacSha256,
            "hmac_sha384" => Func::HmacSha384,
            "hmac_sha512" => Func::HmacSha512,
            _ => return None,
        })
    }

    fn output_len(self) -> Option<usize> {
        Some(match self {
            Func::Md4 | Func::Md5 | Func::HmacMd5 => 16,
            Func::Sha1 | Func::HmacSha1 => 20,
            Func::Sha256 | Func::HmacSha256 => 32,
            Func::Sha384 | Func::HmacSha384 => 48,
            Func::Sha512 | Func::HmacSha512 => 64,
            Func::Utf16le | Func::Upper => return None,
        })
    }

    fn is_hmac(self) -> bool {
        matches!(
            self,
            Func::HmacMd5 | Func::HmacSha1 | Func::HmacSha256 | Func::HmacSha384 | Func::HmacSha512
        )
    }

    /// The function of `data` (for an HMAC, keyed with `key`).
    fn apply_keyed(self, key: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        Ok(Zeroizing::new(match self {
            Func::HmacMd5 => hmac_of::<Hmac<Md5>>(key, data)?,
            Func::HmacSha1 => hmac_of::<Hmac<Sha1>>(key, data)?,
            Func::HmacSha256 => hmac_of::<Hmac<Sha256>>(key, data)?,
            Func::HmacSha384 => hmac_of::<Hmac<Sha384>>(key, data)?,
            Func::HmacSha512 => hmac_of::<Hmac<Sha512>>(key, data)?,
            _ => return self.apply(data),
        }))
    }

    fn apply(self, data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        Ok(Zeroizing::new(match self {
            Func::Md4 => Md4::digest(data).to_vec(),
            Func::Md5 => Md5::digest(data).to_vec(),
            Func::Sha1 => Sha1::digest(data).to_vec(),
            Func::Sha256 => Sha256::digest(data).to_vec(),
            Func::Sha384 => Sha384::digest(data).to_vec(),
            Func::Sha512 => Sha512::digest(data).to_vec(),
            Func::Utf16le => {
                let text =
                    core::str::from_utf8(data).map_err(|_| Error::PasswordNotUtf8 { what: "utf16le()" })?;
                text.encode_utf16().flat_map(u16::to_le_bytes).collect()
            }
            Func::Upper => data.to_ascii_uppercase(),
            // Only reached without a key: `Call::eval` keys every HMAC, and
            // an HMAC recipe is never iterated (`Recipe::with_rounds`).
            Func::HmacMd5 | Func::HmacSha1 | Func::HmacSha256 | Func::HmacSha384 | Func::HmacSha512 => {
                return Err(Error::Internal("HMAC without a key"))
            }
        }))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    Pass,
    Salt,
    User,
    Const,
    Call(Box<Call>),
}

/// The values a recipe's terms stand for.
struct Inputs<'a> {
    pass: &'a [u8],
    salt: &'a [u8],
    user: &'a [u8],
    constant: &'a [u8],
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Call {
    func: Func,
    /// Pass raw bytes upward instead of lower-case hex (`sha1_bin`).
    raw: bool,
    args: Vec<Term>,
    /// An HMAC's key (its first argument); empty for every other function.
    key: Vec<Term>,
}

impl Call {
    fn eval(&self, inp: &Inputs<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let buf = Self::concat(&self.args, inp)?;
        if self.func.is_hmac() {
            let key = Self::concat(&self.key, inp)?;
            return self.func.apply_keyed(&key, &buf);
        }
        self.func.apply(&buf)
    }

    /// The terms' values joined.
    fn concat(terms: &[Term], inp: &Inputs<'_>) -> Result<Zeroizing<Vec<u8>>> {
        let mut buf = Zeroizing::new(Vec::with_capacity(inp.pass.len() + inp.salt.len() + 64));
        for t in terms {
            match t {
                Term::Pass => buf.extend_from_slice(inp.pass),
                Term::Salt => buf.extend_from_slice(inp.salt),
                Term::User => buf.extend_from_slice(inp.user),
                Term::Const => buf.extend_from_slice(inp.constant),
                Term::Call(inner) => {
                    let v = inner.eval(inp)?;
                    if inner.raw || inner.func.output_len().is_none() {
                        buf.extend_from_slice(&v);
                    } else {
                        buf.extend_from_slice(hex_lower(&v).as_bytes());
                    }
                }
            }
        }
        Ok(buf)
    }

    fn uses(&self, what: &Term) -> bool {
        self.args.iter().chain(self.key.iter()).any(|t| match t {
            Term::Call(c) => c.uses(what),
            other => other == what,
        })
    }
}

/// How the digest itself is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestEncoding {
    /// Hex, either case accepted on verify.
    Hex,
    /// Standard base64, padding optional.
    Base64,
}

/// Where a salted digest keeps its salt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaltLayout {
    /// No salt: the stored value is the digest alone.
    None,
    /// `digest:salt` (Joomla, osCommerce, vBulletin exports).
    HashColonSalt,
    /// `salt$digest`.
    SaltDollarHash,
    /// The salt is a separate column, passed beside the hash.
    Separate,
}

/// An application's digest recipe, declared as data.
///
/// ```
/// use rehash::{Recipe, SaltLayout, DigestEncoding};
/// let r = Recipe::new("sha256($salt.$pass)", DigestEncoding::Hex, SaltLayout::HashColonSalt)?;
/// assert_eq!(r.notation(), "sha256($salt.$pass)");
/// # Ok::<(), rehash::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Recipe {
    notation: String,
    call: Call,
    encoding: DigestEncoding,
    layout: SaltLayout,
    prefix: &'static str,
    upper_hex: bool,
    scheme: Scheme,
    rounds: u32,
    raw_rounds: bool,
    constant: Zeroizing<Vec<u8>>,
    /// A KDF recipe's function and parameters (then `call`, `layout`,
    /// `rounds` and `constant` are unused).
    kdf: Option<Box<kdf::KdfSpec>>,
}

impl Recipe {
    /// Parse a composition in hashcat's notation. Functions: `md4`, `md5`,
    /// `sha1`, `sha256`, `sha384`, `sha512` (each also as `…_bin` for raw
    /// inner output), `utf16le`, `strtoupper`, and the HMACs `hmac_md5`,
    /// `hmac_sha1`, `hmac_sha256`, `hmac_sha384`, `hmac_sha512` of two
    /// arguments, key first (`hmac_sha256($salt, $pass)`); terms `$pass`,
    /// `$salt`, `$user`, `$const`, joined by `.`.
    ///
    /// ```
    /// use rehash::{DigestEncoding, Policy, Recipe, SaltLayout, Scheme, Stored};
    /// // Werkzeug < 2.3's `sha1$salt$hex`: HMAC-SHA1 keyed with the salt.
    /// let r = Recipe::new("hmac_sha1($salt, $pass)", DigestEncoding::Hex, SaltLayout::Separate)?;
    /// let policy = Policy::builder().recipe(r).build()?;
    /// let row = Stored::new("647616b8f36502239e8c0185226aa110b08c1511")
    ///     .with_salt("MI8rVwSy")
    ///     .with_scheme(Scheme::Recipe);
    /// assert!(policy.verify(b"xs3gEafrVBK4QsJ", row)?.is_valid());
    /// # Ok::<(), rehash::Error>(())
    /// ```
    pub fn new(notation: &str, encoding: DigestEncoding, layout: SaltLayout) -> Result<Recipe> {
        let call = parse_notation(notation)?;
        if call.raw || call.func.output_len().is_none() {
            return Err(Error::InvalidConfig(
                "a recipe's outermost function must be a digest without _bin".into(),
            ));
        }
        let uses_salt = call.uses(&Term::Salt);
        if uses_salt == (layout == SaltLayout::None) {
            return Err(Error::InvalidConfig(
                "a recipe uses $salt exactly when its salt layout is not None".into(),
            ));
        }
        Ok(Recipe {
            notation: notation.to_owned(),
            call,
            encoding,
            layout,
            prefix: "",
            upper_hex: false,
            scheme: Scheme::Recipe,
            rounds: 1,
            raw_rounds: false,
            constant: Zeroizing::new(Vec::new()),
            kdf: None,
        })
    }

    /// Apply the outermost function `rounds` times in all: every round after
    /// the first digests the previous round's output, as lower-case hex or,
    /// with `raw`, as raw bytes. 1 (the default) means no iteration.
    pub fn with_rounds(mut self, rounds: u32, raw: bool) -> Result<Recipe> {
        if !(1..=1_000_000).contains(&rounds) {
            return Err(Error::InvalidConfig("recipe rounds must be 1..=1000000".into()));
        }
        if rounds > 1 && self.call.func.is_hmac() {
            return Err(Error::InvalidConfig("an HMAC recipe is not iterated (rounds = 1)".into()));
        }
        self.rounds = rounds;
        self.raw_rounds = raw;
        Ok(self)
    }

    /// The application-wide constant `$const` stands for (a site key such as
    /// PrestaShop's `COOKIE_KEY`). It is secret: `Debug` does not show it.
    pub fn with_constant(mut self, constant: &[u8]) -> Recipe {
        self.constant = Zeroizing::new(constant.to_vec());
        self
    }

    fn digest(&self, pass: &[u8], salt: &[u8], user: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let inp = Inputs { pass, salt, user, constant: &self.constant };
        let mut out = self.call.eval(&inp)?;
        for _ in 1..self.rounds {
            out = if self.raw_rounds {
                self.call.func.apply(&out)?
            } else {
                self.call.func.apply(hex_lower(&out).as_bytes())?
            };
        }
        Ok(out)
    }

    /// The recipe as written: the digest notation, or a KDF recipe's
    /// canonical description (`pbkdf2_sha256 iterations=10000 …`).
    pub fn notation(&self) -> &str {
        &self.notation
    }

    /// What a wrapped string records to name this recipe: a digest recipe's
    /// notation (as wraps always did), or for a KDF recipe six base64url
    /// characters of SHA-256 over its canonical description, so the wrap
    /// stays short and names exactly this computation.
    pub(crate) fn wrap_id(&self) -> &str {
        match &self.kdf {
            Some(k) => k.wrap_id(),
            None => &self.notation,
        }
    }

    fn output_len(&self) -> usize {
        self.call.func.output_len().unwrap_or(0)
    }
}

impl core::fmt::Debug for Recipe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.kdf.is_some() {
            return f.debug_struct("Recipe").field("kdf", &self.notation).finish();
        }
        f.debug_struct("Recipe")
            .field("notation", &self.notation)
            .field("encoding", &self.encoding)
            .field("layout", &self.layout)
            .field("rounds", &self.rounds)
            .field("constant", &if self.constant.is_empty() { "none" } else { "<redacted>" })
            .finish()
    }
}

fn parse_notation(s: &str) -> Result<Call> {
    let bad = |what: &str| Error::InvalidConfig(format!("recipe `{s}`: {what}"));
    let mut p = NotationParser { s: s.as_bytes(), pos: 0, depth: 0 };
    let call = p.call().map_err(bad)?;
    if p.pos != p.s.len() {
        return Err(bad("trailing characters"));
    }
    Ok(call)
}

struct NotationParser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

impl NotationParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> Result<(), &'static str> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err("unexpected character")
        }
    }

    fn ident(&mut self) -> &str {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
            self.pos += 1;
        }
        core::str::from_utf8(self.s.get(start..self.pos).unwrap_or_default()).unwrap_or_default()
    }

    fn call(&mut self) -> Result<Call, &'static str> {
        self.depth += 1;
        if self.depth > 8 {
            return Err("nested too deeply");
        }
        let name = self.ident().to_owned();
        let (base, raw) = match name.strip_suffix("_bin") {
            Some(b) => (b, true),
            None => (name.as_str(), false),
        };
        let func = Func::from_name(base).ok_or("unknown function")?;
        self.eat(b'(')?;
        let mut args = self.terms()?;
        let mut key = Vec::new();
        if func.is_hmac() {
            self.eat(b',').map_err(|_| "an HMAC takes two arguments: key, message")?;
            while self.peek() == Some(b' ') {
                self.pos += 1;
            }
            key = core::mem::replace(&mut args, self.terms()?);
        }
        self.eat(b')')?;
        self.depth -= 1;
        Ok(Call { func, raw, args, key })
    }

    /// Terms joined by `.`.
    fn terms(&mut self) -> Result<Vec<Term>, &'static str> {
        let mut args = vec![self.term()?];
        while self.peek() == Some(b'.') {
            self.pos += 1;
            args.push(self.term()?);
        }
        Ok(args)
    }

    fn term(&mut self) -> Result<Term, &'static str> {
        if self.peek() == Some(b'$') {
            self.pos += 1;
            return match self.ident() {
                "pass" => Ok(Term::Pass),
                "salt" => Ok(Term::Salt),
                "user" => Ok(Term::User),
                "const" => Ok(Term::Const),
                _ => Err("unknown variable"),
            };
        }
        Ok(Term::Call(Box::new(self.call()?)))
    }
}

/// The built-in digest families as recipes.
pub(crate) fn builtin(scheme: Scheme) -> Option<&'static Recipe> {
    static TABLE: OnceLock<Vec<Recipe>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        use DigestEncoding::Hex;
        use SaltLayout as L;
        let defs: [(Scheme, &str, L, &'static str, bool); 17] = [
            (Scheme::Md5Hex, "md5($pass)", L::None, "", false),
            (Scheme::Sha1Hex, "sha1($pass)", L::None, "", false),
            (Scheme::Sha256Hex, "sha256($pass)", L::None, "", false),
            (Scheme::Sha512Hex, "sha512($pass)", L::None, "", false),
            (Scheme::Md5Md5Hex, "md5(md5($pass))", L::None, "", false),
            (Scheme::Ntlm, "md4(utf16le($pass))", L::None, "", false),
            (Scheme::Mysql41, "sha1(sha1_bin($pass))", L::None, "*", true),
            (Scheme::PostgresMd5, "md5($pass.$user)", L::None, "md5", false),
            (Scheme::Md5PassSalt, "md5($pass.$salt)", L::HashColonSalt, "", false),
            (Scheme::Md5SaltPass, "md5($salt.$pass)", L::HashColonSalt, "", false),
            (Scheme::Sha1SaltPass, "sha1($salt.$pass)", L::Separate, "", false),
            (Scheme::Sha256SaltPass, "sha256($salt.$pass)", L::Separate, "", false),
            (Scheme::Sha256PassSalt, "sha256($pass.$salt)", L::HashColonSalt, "", false),
            (Scheme::Sha512PassSalt, "sha512($pass.$salt)", L::Separate, "", false),
            (Scheme::Vbulletin, "md5(md5($pass).$salt)", L::HashColonSalt, "", false),
            (Scheme::HexMd4, "md4($pass)", L::None, "", false),
            (Scheme::BsdNthash, "md4(utf16le($pass))", L::None, "$3$$", false),
        ];
        defs.iter()
            .filter_map(|(scheme, notation, layout, prefix, upper)| {
                let call = parse_notation(notation).ok()?;
                Some(Recipe {
                    notation: (*notation).to_owned(),
                    call,
                    encoding: Hex,
                    layout: *layout,
                    prefix,
                    upper_hex: *upper,
                    scheme: *scheme,
                    rounds: 1,
                    raw_rounds: false,
                    constant: Zeroizing::new(Vec::new()),
                    kdf: None,
                })
            })
            .collect()
    });
    table.iter().find(|r| r.scheme == scheme)
}

/// FreeBSD's `$3$$` NT hash as its crypt(3) computes it (libxcrypt
/// `crypt-nthash.c`, from FreeBSD): the password is a C string (it ends at the
/// first NUL), each of its *bytes* is widened to 16 bits (`byte, 0`), and MD4
/// runs over that (checked against libxcrypt 4.4 up to 511 bytes). That is
/// UTF-16LE only for ASCII: a UTF-8 `é` is the two units `C3 00 A9 00`, not
/// `E9 00`. (`ntlm` stays md4(UTF-16LE of the text), as Windows computes it.)
fn bsd_nthash(password: &[u8]) -> Zeroizing<Vec<u8>> {
    let c_str = password.split(|&b| b == 0).next().unwrap_or_default();
    let wide: Zeroizing<Vec<u8>> = Zeroizing::new(c_str.iter().flat_map(|&b| [b, 0]).collect());
    Zeroizing::new(Md4::digest(wide.as_slice()).to_vec())
}

/// Django's salted digests (`md5$salt$hex`, `sha1$salt$hex` = digest(salt .
/// pass)) and its unsalted ones (`md5$$hex`, `sha1$$hex` = digest(pass),
/// Django ≤ 5.0's `UnsaltedMD5PasswordHasher` / `UnsaltedSHA1PasswordHasher`).
fn django_recipe(scheme: Scheme) -> Option<&'static Recipe> {
    static CELLS: [OnceLock<Recipe>; 4] = [const { OnceLock::new() }; 4];
    let (i, notation, layout, prefix) = match scheme {
        Scheme::DjangoSaltedMd5 => (0, "md5($salt.$pass)", SaltLayout::SaltDollarHash, ""),
        Scheme::DjangoSaltedSha1 => (1, "sha1($salt.$pass)", SaltLayout::SaltDollarHash, ""),
        Scheme::DjangoUnsaltedMd5 => (2, "md5($pass)", SaltLayout::None, "md5$$"),
        Scheme::DjangoUnsaltedSha1 => (3, "sha1($pass)", SaltLayout::None, "sha1$$"),
        _ => return None,
    };
    let cell = CELLS.get(i)?;
    Some(cell.get_or_init(|| Recipe {
        notation: notation.to_owned(),
        call: parse_notation(notation).unwrap_or(Call {
            func: Func::Md5,
            raw: false,
            args: vec![],
            key: vec![],
        }),
        encoding: DigestEncoding::Hex,
        layout,
        prefix,
        upper_hex: false,
        scheme,
        rounds: 1,
        raw_rounds: false,
        constant: Zeroizing::new(Vec::new()),
        kdf: None,
    }))
}

/// True when a salt has a length Django's own salted hashers wrote: 5 hex
/// characters (Django 1.0–1.3: the first 5 of a hex digest), 12 (1.4–3.0:
/// `get_random_string()`), 22 (3.1 on: 128 bits of `[A-Za-z0-9]`).
pub(crate) fn django_wrote_salt(salt: &str) -> bool {
    matches!(salt.len(), 5 | 12 | 22)
}

/// True when `s` has the shape of the declarable digest family `scheme`.
pub(crate) fn looks_like(s: &str, scheme: Scheme) -> bool {
    builtin(scheme).is_some_and(|r| split(s, r).is_some())
}

/// Split a stored value into (encoded digest, salt in the string) per layout.
fn split<'a>(s: &'a str, r: &Recipe) -> Option<(&'a str, Option<&'a str>)> {
    let s = s.strip_prefix(r.prefix)?;
    let (digest, salt) = match r.layout {
        SaltLayout::None | SaltLayout::Separate => (s, None),
        SaltLayout::HashColonSalt => {
            let (d, salt) = s.split_once(':')?;
            (d, Some(salt))
        }
        SaltLayout::SaltDollarHash => {
            let (salt, d) = s.split_once('$')?;
            (d, Some(salt))
        }
    };
    let ok = match r.encoding {
        DigestEncoding::Hex => {
            digest.len() == 2 * r.output_len()
                && is_hex(digest)
                && (!r.upper_hex || !digest.bytes().any(|c| c.is_ascii_lowercase()))
        }
        DigestEncoding::Base64 => b64_decode(digest).is_some_and(|d| d.len() == r.output_len()),
    };
    ok.then_some((digest, salt))
}

/// A parsed digest hash: its recipe, the expected digest and the salt.
pub(crate) struct Parsed<'a> {
    recipe: &'a Recipe,
    expected: Vec<u8>,
    salt: &'a [u8],
    user: &'a [u8],
}

impl<'a> Parsed<'a> {
    pub(crate) fn parse_builtin(s: &'a str, scheme: Scheme, extra: Extra<'a>) -> Result<Self> {
        let recipe = builtin(scheme).ok_or(Error::malformed(scheme, "not a digest family"))?;
        Self::parse_recipe(s, recipe, extra)
    }

    /// Django's salted `md5$salt$hex` / `sha1$salt$hex`, by its prefix.
    pub(crate) fn parse_django(s: &'a str) -> Result<Self> {
        let scheme = if s.starts_with("md5$") { Scheme::DjangoSaltedMd5 } else { Scheme::DjangoSaltedSha1 };
        Self::parse_django_salted(s, scheme)
    }

    /// Django's salted digest `scheme` (declared, or chosen by the salt).
    pub(crate) fn parse_django_salted(s: &'a str, scheme: Scheme) -> Result<Self> {
        let prefix = match scheme {
            Scheme::DjangoSaltedMd5 => "md5$",
            Scheme::DjangoSaltedSha1 => "sha1$",
            _ => return Err(Error::malformed(scheme, "not a Django salted digest")),
        };
        let recipe = django_recipe(scheme).ok_or(Error::malformed(scheme, "not a Django digest"))?;
        if !s.starts_with(prefix) {
            return Err(Error::malformed(scheme, "prefix"));
        }
        let rest = s.split_once('$').map(|(_, r)| r).unwrap_or_default();
        let p = Self::parse_recipe(rest, recipe, Extra::default())?;
        if p.salt.is_empty() {
            return Err(Error::malformed(recipe.scheme, "empty salt"));
        }
        Ok(p)
    }

    /// Django ≤ 5.0's unsalted `md5$$hex` / `sha1$$hex`. Django compares the
    /// lower-case hexdigest it computes, so upper-case hex never verified there
    /// and is refused here.
    pub(crate) fn parse_django_unsalted(s: &'a str) -> Result<Self> {
        let scheme =
            if s.starts_with("md5$$") { Scheme::DjangoUnsaltedMd5 } else { Scheme::DjangoUnsaltedSha1 };
        let recipe = django_recipe(scheme).ok_or(Error::malformed(scheme, "not a Django digest"))?;
        let digest = s.strip_prefix(recipe.prefix).ok_or(Error::malformed(scheme, "prefix"))?;
        if digest.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(Error::malformed(scheme, "hex digest must be lower case"));
        }
        Self::parse_recipe(s, recipe, Extra::default())
    }

    /// Parse `s` as a declared recipe, digest or KDF.
    pub(crate) fn parse_declared_recipe(
        s: &'a str,
        recipe: &'a Recipe,
        extra: Extra<'a>,
    ) -> Result<super::Parsed<'a>> {
        match &recipe.kdf {
            Some(spec) => Ok(Box::new(kdf::Parsed::parse(s, recipe, spec, extra)?)),
            None => Ok(Box::new(Self::parse_recipe(s, recipe, extra)?)),
        }
    }

    fn parse_recipe(s: &'a str, recipe: &'a Recipe, extra: Extra<'a>) -> Result<Self> {
        let (digest, salt_in_string) =
            split(s, recipe).ok_or(Error::malformed(recipe.scheme, "wrong length, encoding or layout"))?;
        let expected = match recipe.encoding {
            DigestEncoding::Hex => hex_decode(digest),
            DigestEncoding::Base64 => b64_decode(digest),
        }
        .ok_or(Error::malformed(recipe.scheme, "bad digest encoding"))?;
        let salt = match recipe.layout {
            SaltLayout::Separate => {
                extra.salt.ok_or(Error::MissingInput { scheme: recipe.scheme, what: "salt" })?
            }
            _ => salt_in_string.unwrap_or_default(),
        };
        let user = if recipe.call.uses(&Term::User) {
            extra.user.ok_or(Error::MissingInput { scheme: recipe.scheme, what: "user" })?
        } else {
            ""
        };
        Ok(Parsed { recipe, expected, salt: salt.as_bytes(), user: user.as_bytes() })
    }
}

impl Family for Parsed<'_> {
    fn identified(&self) -> Identified {
        Identified::new(self.recipe.scheme, Params::Fixed)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.expected)
    }

    fn recipe_notation(&self) -> Option<&str> {
        (self.recipe.scheme == Scheme::Recipe).then_some(self.recipe.notation.as_str())
    }

    fn derive(&self, password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        if self.recipe.scheme == Scheme::BsdNthash {
            return Ok(bsd_nthash(password));
        }
        self.recipe.digest(password, self.salt, self.user)
    }

    /// The stored string with the digest set to zero bytes.
    fn masked(&self) -> Result<String> {
        let r = self.recipe;
        let zeros = match r.encoding {
            DigestEncoding::Hex => "0".repeat(2 * self.expected.len()),
            DigestEncoding::Base64 => crate::encoding::b64_encode_padded(&vec![0u8; self.expected.len()]),
        };
        let salt = String::from_utf8_lossy(self.salt);
        let wrapper = match r.scheme {
            Scheme::DjangoSaltedMd5 => "md5$",
            Scheme::DjangoSaltedSha1 => "sha1$",
            _ => "",
        };
        Ok(match r.layout {
            SaltLayout::None | SaltLayout::Separate => format!("{}{zeros}", r.prefix),
            SaltLayout::HashColonSalt => format!("{}{zeros}:{salt}", r.prefix),
            SaltLayout::SaltDollarHash => format!("{wrapper}{}{salt}${zeros}", r.prefix),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notation_parses_and_rejects() {
        assert!(Recipe::new("md5(md5($pass).$salt)", DigestEncoding::Hex, SaltLayout::HashColonSalt).is_ok());
        assert!(Recipe::new("md5($pass", DigestEncoding::Hex, SaltLayout::None).is_err());
        assert!(Recipe::new("crc32($pass)", DigestEncoding::Hex, SaltLayout::None).is_err());
        assert!(Recipe::new("md5($pass)", DigestEncoding::Hex, SaltLayout::HashColonSalt).is_err());
        assert!(Recipe::new("md5_bin($pass)", DigestEncoding::Hex, SaltLayout::None).is_err());
        let deep = "md5(".repeat(20) + "$pass" + &")".repeat(20);
        assert!(Recipe::new(&deep, DigestEncoding::Hex, SaltLayout::None).is_err());
    }

    #[test]
    fn django_unsalted_is_lower_case_hex_of_its_length() {
        assert!(Parsed::parse_django_unsalted("sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8").is_ok());
        assert!(Parsed::parse_django_unsalted("sha1$$5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8").is_err());
        assert!(Parsed::parse_django_unsalted("md5$$5f4dcc3b5aa765d61d8327deb882cf9").is_err());
        assert!(Parsed::parse_django_unsalted("md5$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8").is_err());
        let p = Parsed::parse_django_unsalted("md5$$5f4dcc3b5aa765d61d8327deb882cf99").expect("parse");
        assert_eq!(p.masked().expect("mask"), format!("md5$${}", "0".repeat(32)));
        assert!(Parsed::parse_django_salted(
            "sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
            Scheme::DjangoSaltedSha1
        )
        .is_err());
    }

    #[test]
    fn every_builtin_is_built() {
        // Every declared scheme is a built-in digest or has its own declared
        // parse (DES crypt, bigcrypt, MySQL 3.23, the wave-3 row formats).
        for s in Scheme::ALL {
            if s.needs_declaration() && *s != Scheme::Recipe {
                let declared = super::super::parse_declared("", *s, Extra::default()).is_some();
                assert!(builtin(*s).is_some() || declared, "{s}");
            }
        }
    }
}
