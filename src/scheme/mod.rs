//! The families: one module each, and the routing from a stored string to
//! the module that owns its format (the catalogue of labels and facts is
//! `crate::catalogue`).
//!
//! A module knows one family (or a few that share a format): how to parse it,
//! which of its parameters cost work (checked against [`Ceilings`] before any
//! work), and how to verify a password against it. Nothing outside this folder
//! looks at byte layouts.

use std::borrow::Cow;

use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::catalogue::{Identified, Params, Scheme};
use crate::ceilings::Ceilings;
use crate::error::{Error, Result};
use crate::site::SiteParams;

pub(crate) mod app_digest;
pub(crate) mod argon2;
pub(crate) mod aspnet;
pub(crate) mod bcrypt;
pub(crate) mod better_auth;
pub(crate) mod cisco;
pub(crate) mod dbms;
pub(crate) mod des_crypt;
pub(crate) mod digest;
pub(crate) mod dovecot;
pub(crate) mod firebase;
pub(crate) mod hex_pbkdf2;
pub(crate) mod keycloak;
pub(crate) mod ldap;
pub(crate) mod magento;
pub(crate) mod md5_crypt;
pub(crate) mod mediawiki_md5;
pub(crate) mod mysql_sha2;
pub(crate) mod pbkdf2;
pub(crate) mod phpass;
pub(crate) mod scrypt;
pub(crate) mod sha1_crypt;
pub(crate) mod sha_crypt;
pub(crate) mod shiro;
pub(crate) mod spring;
pub(crate) mod sun_md5_crypt;
pub(crate) mod werkzeug_legacy;
pub(crate) mod yescrypt;

pub use digest::{DigestEncoding, KdfRecipe, Recipe, RecipeKdf, RecipeParam, SaltEncoding, SaltLayout};

/// One family's parsed stored hash. Each family module implements it for its
/// own type; nothing else matches on families.
pub(crate) trait Family {
    /// The family and parameters (and marks) of the hash.
    fn identified(&self) -> Identified;

    /// Refuse parameters above the ceilings, before any work is done.
    fn check(&self, _ceilings: &Ceilings) -> Result<()> {
        Ok(())
    }

    /// The value verify recomputes from a password: the legacy digest that
    /// [`crate::wrap`] feeds to the outer KDF. `kdf.secret` is the pepper
    /// named by [`Family::marks`].
    fn derive(&self, password: &[u8], kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>>;

    /// The stored digest [`Family::derive`] must reproduce.
    fn expected(&self) -> Cow<'_, [u8]>;

    /// The stored string with every password-derived byte replaced by zero:
    /// salt, parameters and layout kept, nothing a guess can be tested against.
    fn masked(&self) -> Result<String>;

    /// The pepper key id and Argon2 associated data the hash records, if any.
    fn marks(&self) -> (Option<&[u8]>, Option<&[u8]>) {
        (None, None)
    }

    /// The notation of the declared recipe a digest resolved through.
    fn recipe_notation(&self) -> Option<&str> {
        None
    }

    /// Constant-time verify: the returned `Choice` is 1 for a match.
    fn verify(&self, password: &[u8], kdf: Kdf<'_>) -> Result<Choice> {
        let got = self.derive(password, kdf)?;
        Ok(got.as_slice().ct_eq(&self.expected()))
    }
}

/// A stored hash parsed into its family's typed form. Built only by
/// [`parse`]; its cost parameters are checked by [`Family::check`] before
/// [`Family::verify`] does any work.
pub(crate) type Parsed<'a> = Box<dyn Family + 'a>;

/// A locked or unusable account: never verifies, costs no work.
struct Disabled;

impl Family for Disabled {
    fn identified(&self) -> Identified {
        Identified::new(Scheme::Disabled, Params::Fixed)
    }

    fn derive(&self, _password: &[u8], _kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        Err(Error::Unsupported { scheme: Scheme::Disabled, what: "a locked account has no digest" })
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&[])
    }

    fn masked(&self) -> Result<String> {
        Err(Error::Unsupported { scheme: Scheme::Disabled, what: "a locked account is never wrapped" })
    }

    fn verify(&self, _password: &[u8], _kdf: Kdf<'_>) -> Result<Choice> {
        Ok(Choice::from(0))
    }
}

/// A family behind a prefix that names it: LDAP's `{CRYPT}`, Django's
/// `crypt$salt$`, Dovecot's `{SHA512-CRYPT}`, Spring Security's `{bcrypt}`,
/// Jenkins's `#jbcrypt:`, Nextcloud's `1|`. The prefix names the scheme and
/// is kept in the masked string; the inner string does the work.
struct Wrapped<'a> {
    scheme: Scheme,
    prefix: Cow<'a, str>,
    inner: Parsed<'a>,
}

impl Family for Wrapped<'_> {
    fn identified(&self) -> Identified {
        Identified { scheme: self.scheme, ..self.inner.identified() }
    }

    fn check(&self, c: &Ceilings) -> Result<()> {
        self.inner.check(c)
    }

    fn derive(&self, password: &[u8], kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        self.inner.derive(password, kdf)
    }

    fn expected(&self) -> Cow<'_, [u8]> {
        self.inner.expected()
    }

    fn masked(&self) -> Result<String> {
        Ok(format!("{}{}", self.prefix, self.inner.masked()?))
    }

    fn marks(&self) -> (Option<&[u8]>, Option<&[u8]>) {
        self.inner.marks()
    }

    fn verify(&self, password: &[u8], kdf: Kdf<'_>) -> Result<Choice> {
        self.inner.verify(password, kdf)
    }
}

/// What a KDF run may use beyond the password: the pepper a hash's `keyid`
/// names (Argon2's secret input) and the threads it may fill Argon2 lanes on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kdf<'a> {
    pub secret: Option<&'a [u8]>,
    pub threads: u32,
}

/// The row-level inputs a parse may need beyond the stored string: the
/// separate salt column, the user name, the installation's settings
/// (`params`: Firebase's hash config, a pepper) and the column that records
/// how the row was hashed (`params_col`: Keycloak's `credential_data`,
/// Gitea's `passwd_hash_algo`).
#[derive(Clone, Copy, Default)]
pub(crate) struct Extra<'a> {
    pub salt: Option<&'a str>,
    pub user: Option<&'a str>,
    pub params: Option<&'a SiteParams>,
    pub params_col: Option<&'a str>,
}

/// Parse a self-describing stored string. `Ok(None)` means the string carries
/// no marker of its own and must be resolved through a declared scheme.
pub(crate) fn parse_self_describing(s: &str) -> Result<Option<Parsed<'_>>> {
    parse_nested(s, 0)
}

/// How many wrappers (`*` of a locked account, `{CRYPT}`) one stored string
/// may nest. Real strings nest at most two (`*{CRYPT}$6$…`); a deeper string
/// is malformed, so no input can drive the parse's recursion deep (a line of
/// 30,000 `*` once overflowed the stack).
const MAX_NESTING: usize = 4;

fn nested_too_deeply() -> Error {
    Error::Malformed { scheme: None, what: "wrappers (`*`, `{CRYPT}`) nested too deeply" }
}

/// [`parse_self_describing`] of a string found inside `depth` wrappers.
fn parse_nested(s: &str, depth: usize) -> Result<Option<Parsed<'_>>> {
    if depth > MAX_NESTING {
        return Err(nested_too_deeply());
    }
    if s.is_empty() {
        return Err(Error::Malformed { scheme: None, what: "empty string" });
    }
    // MySQL's caching_sha2_password salt is any 7-bit byte but NUL and `$`:
    // control characters are let through for its prefix only, and its
    // parser accepts them only in the salt.
    let controls_allowed = s.starts_with("$A$");
    if s.bytes().any(|b| !b.is_ascii() || (b.is_ascii_control() && !controls_allowed)) {
        return Err(Error::Malformed { scheme: None, what: "control or non-ASCII characters" });
    }
    if let Some(disabled) = parse_disabled(s, depth)? {
        return Ok(Some(disabled));
    }
    let parsed: Parsed<'_> = if let Some(rest) = s.strip_prefix('$') {
        let id = rest.split('$').next().unwrap_or_default();
        match id {
            "1" => Box::new(md5_crypt::Md5Crypt::parse(s, false)?),
            "apr1" => Box::new(md5_crypt::Md5Crypt::parse(s, true)?),
            "5" | "6" => Box::new(sha_crypt::ShaCrypt::parse(s)?),
            "y" => Box::new(yescrypt::Yescrypt::parse(s)?),
            "2a" | "2b" | "2y" | "2x" => Box::new(bcrypt::Parsed::parse_plain(s, Scheme::Bcrypt)?),
            "bcrypt-sha256" => Box::new(bcrypt::Parsed::parse_passlib_sha256(s)?),
            "wp" => Box::new(bcrypt::Parsed::parse_wordpress(s)?),
            "P" | "H" | "S" => Box::new(phpass::Parsed::parse(s)?),
            "pbkdf2" | "pbkdf2-sha256" | "pbkdf2-sha512" => Box::new(pbkdf2::Parsed::parse_passlib(s)?),
            "p5k2" => Box::new(pbkdf2::Parsed::parse_p5k2(s)?),
            "scrypt" => Box::new(scrypt::Parsed::parse_passlib(s)?),
            "argon2id" | "argon2i" | "argon2d" => Box::new(argon2::Parsed::parse(s, None)?),
            "sha1" => Box::new(sha1_crypt::Sha1Crypt::parse(s)?),
            "8" | "9" => Box::new(cisco::Parsed::parse(s)?),
            "A" => Box::new(mysql_sha2::Parsed::parse(s)?),
            "mysql" => Box::new(mysql_sha2::Parsed::parse_hashcat(s)?),
            "shiro1" => Box::new(shiro::Parsed::parse(s)?),
            "3" => Box::new(digest::Parsed::parse_builtin(s, Scheme::BsdNthash, Extra::default())?),
            m if m == "md5" || m.starts_with("md5,") => Box::new(sun_md5_crypt::SunMd5Crypt::parse(s)?),
            _ => {
                return Err(Error::Malformed { scheme: None, what: "unknown `$id$` prefix" });
            }
        }
    } else if let Some(p) = parse_spring(s, depth)? {
        p
    } else if let Some(inner) = s.strip_prefix("{CRYPT}") {
        parse_ldap_crypt(inner, depth)?
    } else if s.starts_with("{PKCS5S2}") {
        Box::new(pbkdf2::Parsed::parse_atlassian(s)?)
    } else if s.starts_with("{PBKDF2") {
        Box::new(parse_pbkdf2_tag(s)?)
    } else if s.starts_with("{FSHP") {
        Box::new(ldap::Parsed::parse_fshp(s)?)
    } else if let Some((label, inner_family, inner)) = dovecot::crypt_wrapper(s) {
        parse_dovecot_crypt(label, inner_family, inner, depth)?
    } else if let Some(p) = dovecot::Scram::parse(s)? {
        Box::new(p)
    } else if let Some(p) = dovecot::Parsed::parse(s)? {
        Box::new(p)
    } else if s.starts_with('{') {
        Box::new(ldap::Parsed::parse(s)?)
    } else if s.starts_with('_') {
        Box::new(des_crypt::DesCrypt::parse_bsdi(s)?)
    } else if s.starts_with("grub.pbkdf2.") {
        Box::new(pbkdf2::Parsed::parse_grub(s)?)
    } else if s.starts_with(":pbkdf2:") {
        Box::new(pbkdf2::Parsed::parse_mediawiki(s)?)
    } else if s.starts_with(":A:") || s.starts_with(":B:") {
        Box::new(mediawiki_md5::Parsed::parse(s)?)
    } else if let Some(p) = parse_nextcloud(s, depth)? {
        p
    } else if let Some(p) = dbms::parse_prefixed(s)? {
        Box::new(p)
    } else if let Some((prefix, rest)) = s.split_once('$') {
        match prefix {
            "pbkdf2_sha256" | "pbkdf2_sha1" | "pbkdf2_wrapped_sha1" => {
                Box::new(pbkdf2::Parsed::parse_django(s)?)
            }
            "argon2" => Box::new(argon2::Parsed::parse(rest, Some(Scheme::DjangoArgon2))?),
            "bcrypt" => Box::new(bcrypt::Parsed::parse_plain(rest, Scheme::DjangoBcrypt)?),
            "bcrypt_sha256" => Box::new(bcrypt::Parsed::parse_plain(rest, Scheme::DjangoBcryptSha256)?),
            "scrypt" => Box::new(scrypt::Parsed::parse_django(s)?),
            "md5" | "sha1" if rest.starts_with('$') => Box::new(digest::Parsed::parse_django_unsalted(s)?),
            "md5" | "sha1" => parse_django_salted(s)?,
            "crypt" => parse_django_des(rest)?,
            "U" if rest.starts_with("S$") => Box::new(phpass::Parsed::parse(s)?),
            p if p.starts_with("pbkdf2:") => Box::new(pbkdf2::Parsed::parse_werkzeug(s)?),
            p if p.starts_with("scrypt:") => Box::new(scrypt::Parsed::parse_werkzeug(s)?),
            _ => return Ok(None),
        }
    } else if let Some(p) = aspnet::parse_aspnet(s)? {
        Box::new(p)
    } else {
        return Ok(None);
    };
    Ok(Some(parsed))
}

/// The `{PBKDF2…}` tags. `{PBKDF2}` has three layouts, told apart by
/// content: Dovecot's `$1$salt$rounds$hex` (starts with `$`), ForgeRock's
/// `iterations:base64` (a `:`, no `$`), else passlib / 389-ds's
/// `rounds$salt$checksum`. `{PBKDF2-SHA256}` / `{PBKDF2-SHA512}` come in
/// adapted base64 (passlib) and standard base64 (389-ds 2.x): the parser
/// reads the alphabet from the content.
fn parse_pbkdf2_tag(s: &str) -> Result<pbkdf2::Parsed> {
    let body = s.split_once('}').map_or("", |(_, b)| b);
    if s.starts_with("{PBKDF2_SHA256}") {
        pbkdf2::Parsed::parse_389ds(s)
    } else if s.starts_with("{PBKDF2-HMAC-") {
        pbkdf2::Parsed::parse_forgerock(s)
    } else if s.starts_with("{PBKDF2}$") {
        pbkdf2::Parsed::parse_dovecot(s)
    } else if s.starts_with("{PBKDF2}") && body.contains(':') && !body.contains('$') {
        pbkdf2::Parsed::parse_forgerock(s)
    } else {
        pbkdf2::Parsed::parse_ldap(s)
    }
}

/// `md5$salt$hex` / `sha1$salt$hex`: Django's salted digest (digest(salt .
/// pass)) and Werkzeug's legacy HMAC (HMAC(key = salt, pass)) share the form.
/// A salt of a length Django's hashers wrote (5, 12, 22) is Django's, and so
/// is any string Werkzeug could not have written (a salt outside `gen_salt`'s
/// `[A-Za-z0-9]`, hex that is not lower case); any other is ambiguous, and
/// the row's family or the policy's declaration decides (docs/schemes.md).
fn parse_django_salted(s: &str) -> Result<Parsed<'_>> {
    let django = digest::Parsed::parse_django(s)?;
    let salt = s.split('$').nth(1).unwrap_or_default();
    if digest::django_wrote_salt(salt) || !werkzeug_legacy::salted_form(s) {
        return Ok(Box::new(django));
    }
    Err(Error::Ambiguous { candidates: vec![django.identified().scheme, Scheme::WerkzeugLegacy] })
}

/// Nextcloud's `version|hash` (lib/private/Security/Hasher.php): versions 1
/// to 3, and Nextcloud password_verifies the hash after the `|` whatever the
/// version says (`2|$argon2id$…` verifies): a bcrypt hash is
/// `nextcloud_bcrypt`, an Argon2i or Argon2id one `nextcloud_argon2`.
/// Version 0 and versions above 3 are not versions. `Ok(None)`: no
/// `digits|` prefix.
fn parse_nextcloud(s: &str, depth: usize) -> Result<Option<Parsed<'_>>> {
    let Some((version, inner)) = s.split_once('|') else { return Ok(None) };
    if version.is_empty() || version.len() > 9 || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let bad = |what| Error::Malformed { scheme: Some(Scheme::NextcloudBcrypt), what };
    if !matches!(version, "1" | "2" | "3") {
        return Err(bad("Nextcloud hash version must be 1, 2 or 3"));
    }
    if depth >= MAX_NESTING {
        return Err(nested_too_deeply());
    }
    let parsed = parse_nested(inner, depth + 1)?.ok_or(bad("a Nextcloud version before an unknown hash"))?;
    let scheme = match parsed.identified().scheme {
        Scheme::Bcrypt => Scheme::NextcloudBcrypt,
        Scheme::Argon2i | Scheme::Argon2id => Scheme::NextcloudArgon2,
        _ => return Err(bad("a Nextcloud version before a hash Nextcloud does not write")),
    };
    let prefix = s.get(..version.len() + 1).unwrap_or_default();
    Ok(Some(Box::new(Wrapped { scheme, prefix: Cow::Borrowed(prefix), inner: parsed })))
}

/// Locked and unusable accounts: a bare `!`, `!!` or `*`; `*LK*`/`*NP*`
/// markers; `!` in front of anything (shadow's lock, Django's unusable
/// password); `*` in front of a self-describing hash. `*` + 40 hex is MySQL's
/// format, left to the declarations; any other `*…` is malformed.
fn parse_disabled(s: &str, depth: usize) -> Result<Option<Parsed<'_>>> {
    if matches!(s, "!" | "!!" | "*") || s.starts_with("*LK*") || s.starts_with("*NP*") || s.starts_with('!') {
        return Ok(Some(Box::new(Disabled)));
    }
    if let Some(rest) = s.strip_prefix('*') {
        if rest.len() == 40 && rest.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        if depth >= MAX_NESTING {
            return Err(nested_too_deeply());
        }
        return match parse_nested(rest, depth + 1) {
            Ok(Some(_)) => Ok(Some(Box::new(Disabled))),
            _ => Err(Error::Malformed { scheme: None, what: "`*` before an unrecognised string" }),
        };
    }
    Ok(None)
}

/// `{CRYPT}` + a crypt(3) string: reported under the LDAP label of the family.
fn parse_ldap_crypt(inner: &str, depth: usize) -> Result<Parsed<'_>> {
    if depth >= MAX_NESTING {
        return Err(nested_too_deeply());
    }
    let parsed = match parse_nested(inner, depth + 1)? {
        Some(p) => p,
        None => Box::new(des_crypt::DesCrypt::parse_des(inner)?),
    };
    let label = match parsed.identified().scheme {
        Scheme::Md5Crypt => Scheme::LdapMd5Crypt,
        Scheme::Sha1Crypt => Scheme::LdapSha1Crypt,
        Scheme::Sha256Crypt => Scheme::LdapSha256Crypt,
        Scheme::Sha512Crypt => Scheme::LdapSha512Crypt,
        Scheme::Bcrypt => Scheme::LdapBcrypt,
        Scheme::DesCrypt => Scheme::LdapDesCrypt,
        Scheme::BsdiCrypt => Scheme::LdapBsdiCrypt,
        Scheme::Disabled => return Ok(Box::new(Disabled)),
        other => other,
    };
    Ok(Box::new(Wrapped { scheme: label, prefix: Cow::Borrowed("{CRYPT}"), inner: parsed }))
}

/// Dovecot's `{SHA512-CRYPT}`, `{BLF-CRYPT}`, `{ARGON2ID}`, `{MD5}$1$`, …
/// around a crypt(3) or Argon2 string, reported under the Dovecot label. The
/// tag must name the inner family (`{SHA256-CRYPT}$6$…` is refused, although
/// Dovecot would hand it to the system crypt), and an Argon2 string must be
/// what libsodium writes and reads: version 19, no `keyid` or `data`.
fn parse_dovecot_crypt<'a>(
    label: Scheme,
    family: Scheme,
    inner: &'a str,
    depth: usize,
) -> Result<Parsed<'a>> {
    if depth >= MAX_NESTING {
        return Err(nested_too_deeply());
    }
    let parsed = parse_nested(inner, depth + 1)?.ok_or(Error::malformed(label, "not a crypt string"))?;
    let id = parsed.identified();
    if id.scheme == Scheme::Disabled {
        return Ok(parsed);
    }
    if id.scheme != family {
        return Err(Error::malformed(label, "the tag does not name the inner string's family"));
    }
    let (keyid, data) = parsed.marks();
    if keyid.is_some()
        || data.is_some()
        || matches!(id.params, Params::Argon2 { version, .. } if version != 19)
    {
        return Err(Error::malformed(label, "Argon2 string libsodium does not read (version, keyid, data)"));
    }
    let tag = dovecot::wrapper_tag(label).ok_or(Error::malformed(label, "not a Dovecot crypt tag"))?;
    Ok(Box::new(Wrapped { scheme: label, prefix: Cow::Borrowed(tag), inner: parsed }))
}

/// Spring Security's `DelegatingPasswordEncoder` strings (`{id}` + what the
/// encoder wrote) and Jenkins's `#jbcrypt:`. `Ok(None)` when `s` is neither
/// (`{MD5}` + base64 or hex is LDAP's: Spring's `{MD5}` has its `{salt}`
/// right after the id).
fn parse_spring(s: &str, depth: usize) -> Result<Option<Parsed<'_>>> {
    if let Some(inner) = s.strip_prefix("#jbcrypt:") {
        // jBCrypt 0.4 reads `$2a$` (and the `$2$` nobody writes) only.
        if !inner.starts_with("$2a$") {
            return Err(Error::malformed(Scheme::JenkinsJbcrypt, "jBCrypt reads `$2a$` strings only"));
        }
        let prefix = s.get(..9).unwrap_or_default();
        return prefixed(Scheme::JenkinsJbcrypt, prefix, inner, depth, &[Scheme::Bcrypt]).map(Some);
    }
    let Some((id, rest)) = spring::split_id(s) else { return Ok(None) };
    let prefix = s.get(..id.len() + 2).unwrap_or_default();
    let parsed = match id {
        "bcrypt" => prefixed(Scheme::SpringBcrypt, prefix, rest, depth, &[Scheme::Bcrypt])?,
        "argon2" | "argon2@SpringSecurity_v5_8" => {
            let argon2 = [Scheme::Argon2id, Scheme::Argon2i, Scheme::Argon2d];
            let p = prefixed(Scheme::SpringArgon2, prefix, rest, depth, &argon2)?;
            // Spring's Argon2EncodingUtils reads m, t and p only.
            if p.marks() != (None, None) {
                return Err(Error::malformed(Scheme::SpringArgon2, "parameters must be m=,t=,p="));
            }
            p
        }
        "ldap" => {
            spring::check_ldap_body(rest)?;
            let sha = [Scheme::LdapSaltedSha1, Scheme::LdapSha1];
            prefixed(Scheme::SpringLdap, prefix, rest, depth, &sha)?
        }
        _ => match spring::Parsed::parse(s)? {
            Some(p) => Box::new(p),
            None => return Ok(None),
        },
    };
    Ok(Some(parsed))
}

/// `inner`, which must be one of `families`, behind `prefix`, reported as `scheme`.
fn prefixed<'a>(
    scheme: Scheme,
    prefix: &'a str,
    inner: &'a str,
    depth: usize,
    families: &[Scheme],
) -> Result<Parsed<'a>> {
    if depth >= MAX_NESTING {
        return Err(nested_too_deeply());
    }
    let parsed = parse_nested(inner, depth + 1)?;
    match parsed {
        Some(p) if families.contains(&p.identified().scheme) => {
            Ok(Box::new(Wrapped { scheme, prefix: Cow::Borrowed(prefix), inner: p }))
        }
        _ => Err(Error::malformed(scheme, "the prefix's family does not follow it")),
    }
}

/// Django's `crypt$<salt>$<13-char DES crypt>`. The salt field is empty
/// (Django 1.4+), the crypt's own 2-character salt, or Django 1.0's 5
/// characters of which only the first two are the crypt's salt
/// (`crypt$c2e86$c2M87q...WWcU`): as passlib reads it, its first two
/// characters must be the crypt's salt and the rest is ignored.
fn parse_django_des(rest: &str) -> Result<Parsed<'_>> {
    let sch = Scheme::DjangoDesCrypt;
    let (salt, des) = rest.split_once('$').ok_or(Error::malformed(sch, "expected crypt$salt$hash"))?;
    if !salt.is_empty() && (!crate::encoding::is_crypt64(salt) || salt.get(..2) != des.get(..2)) {
        return Err(Error::malformed(sch, "salt field does not start with the crypt's salt"));
    }
    let inner = Box::new(des_crypt::DesCrypt::parse_des(des)?);
    // The masked string's salt field is the crypt's own two characters.
    let prefix = Cow::Owned(format!("crypt${}$", des.get(..2).unwrap_or_default()));
    Ok(Box::new(Wrapped { scheme: sch, prefix, inner }))
}

/// Parse a stored string. The row's hint comes first where it names a family
/// with a declared form and the string has that form (so a family that reuses
/// another's string with an extra input, or one of several families a string
/// fits, is the one the row names); a hint that does not fit gives way to a
/// self-describing string (the row was upgraded since its family column was
/// written). Then the string's own form; then the policy's declared schemes
/// and recipes, for a string that is not self-describing or that fits
/// several families.
pub(crate) fn parse<'a>(
    s: &'a str,
    extra: Extra<'a>,
    hint: Option<Scheme>,
    declared: &'a [Scheme],
    recipes: &'a [Recipe],
) -> Result<Parsed<'a>> {
    if let Some(h) = hint.filter(|h| *h != Scheme::Recipe) {
        if let Some(res) = parse_declared(s, h, extra) {
            return match res {
                Ok(p) => Ok(p),
                // The string has the named family's form but the row or the
                // policy lacks an input (a Devise pepper): say so rather than
                // verify it as the family the string alone would be.
                Err(e @ Error::MissingInput { .. }) => Err(e),
                Err(e) => match parse_self_describing(s) {
                    Ok(Some(p)) => Ok(p),
                    _ => Err(e),
                },
            };
        }
    }
    // A declared family whose strings another family also reads (a Devise
    // row is a plain bcrypt string) takes the strings of its form, when
    // exactly one such declared family does.
    let mut claims = declared.iter().filter(|d| reads_another_familys_string(**d)).filter_map(|d| {
        match parse_declared(s, *d, extra) {
            Some(r @ (Ok(_) | Err(Error::MissingInput { .. }))) => Some(r),
            _ => None,
        }
    });
    if let (Some(only), None) = (claims.next(), claims.next()) {
        return only;
    }
    let ambiguous = match parse_self_describing(s) {
        Ok(Some(p)) => return Ok(p),
        Ok(None) => None,
        Err(Error::Ambiguous { candidates }) => Some(candidates),
        Err(e) => return Err(e),
    };
    if let Some(candidates) = ambiguous {
        // A string of several families' form: the row's hint or exactly one
        // declared candidate decides, else it stays ambiguous.
        let chosen: Vec<Scheme> =
            candidates.iter().copied().filter(|c| hint == Some(*c) || declared.contains(c)).collect();
        return match chosen.as_slice() {
            [one] => match parse_declared(s, *one, extra) {
                Some(res) => res,
                None => Err(Error::Ambiguous { candidates }),
            },
            _ => Err(Error::Ambiguous { candidates }),
        };
    }
    if let Some(scheme) = hint {
        if scheme == Scheme::Recipe {
            return match recipes {
                [only] => digest::Parsed::parse_declared_recipe(s, only, extra),
                _ => Err(Error::InvalidConfig(
                    "the row names the `recipe` scheme but the policy does not declare exactly one recipe"
                        .into(),
                )),
            };
        }
        return parse_declared(s, scheme, extra)
            .unwrap_or_else(|| Err(Error::malformed(scheme, "string does not have this scheme's form")));
    }
    let candidates = shape_candidates(s);
    if candidates.is_empty() && recipes.is_empty() {
        return Err(Error::Malformed { scheme: None, what: "no known format has this shape" });
    }
    // The declared schemes this shape could be: one that fits wins; when
    // none fits, the first one's own error says why (a salted scheme whose
    // row has no salt, say) rather than "not self-describing".
    let mut refusal = None;
    let mut fits: Vec<Result<Parsed<'a>>> = Vec::new();
    for d in declared.iter().filter(|d| candidates.contains(d)) {
        match parse_declared(s, *d, extra) {
            Some(Ok(p)) => fits.push(Ok(p)),
            Some(Err(e)) => {
                refusal.get_or_insert(e);
            }
            None => {}
        }
    }
    fits.extend(
        recipes.iter().map(|r| digest::Parsed::parse_declared_recipe(s, r, extra)).filter(|r| r.is_ok()),
    );
    if fits.len() == 1 {
        if let Some(only) = fits.pop() {
            return only;
        }
    }
    if candidates.is_empty() {
        return Err(Error::Malformed {
            scheme: None,
            what: "no known format or declared recipe has this shape",
        });
    }
    match refusal {
        Some(e) if fits.is_empty() => Err(e),
        _ => Err(Error::Ambiguous { candidates }),
    }
}

/// Parse as one named scheme that has a declared form: a family that is not
/// self-describing, or one whose string also fits another family. `None`
/// when `scheme` has no declared form (it is recognised from its string).
fn parse_declared<'a>(s: &'a str, scheme: Scheme, extra: Extra<'a>) -> Option<Result<Parsed<'a>>> {
    fn boxed<'a, F: Family + 'a>(r: Result<F>) -> Option<Result<Parsed<'a>>> {
        Some(r.map(|p| Box::new(p) as Parsed<'a>))
    }
    match scheme {
        Scheme::DesCrypt => boxed(des_crypt::DesCrypt::parse_des(s)),
        Scheme::Mysql323 => boxed(dbms::Parsed::parse_mysql323(s)),
        Scheme::Bigcrypt => boxed(des_crypt::DesCrypt::parse_bigcrypt(s)),
        Scheme::WerkzeugLegacy => boxed(werkzeug_legacy::Parsed::parse(s)),
        Scheme::DjangoSaltedMd5 | Scheme::DjangoSaltedSha1 => {
            boxed(digest::Parsed::parse_django_salted(s, scheme))
        }
        Scheme::DeviseBcryptPepper => boxed(bcrypt::Parsed::parse_suffixed(s, scheme, extra.params)),
        Scheme::NextcloudBcrypt if s.contains('|') => Some(
            parse_nextcloud(s, 0)
                .and_then(|p| p.ok_or(Error::malformed(scheme, "string does not have this scheme's form"))),
        ),
        Scheme::NextcloudBcrypt => boxed(bcrypt::Parsed::parse_suffixed(s, scheme, extra.params)),
        s2 if digest::builtin(s2).is_some() => boxed(digest::Parsed::parse_builtin(s, s2, extra)),
        // wave 3: rows with a salt, params or params column
        Scheme::FirebaseScrypt => boxed(firebase::Parsed::parse(s, extra)),
        Scheme::KeycloakPbkdf2 => boxed(keycloak::Parsed::parse(s, extra)),
        Scheme::GiteaPbkdf2 => boxed(hex_pbkdf2::Parsed::parse_gitea(s, extra)),
        Scheme::GrafanaPbkdf2 => boxed(hex_pbkdf2::Parsed::parse_grafana(s, extra)),
        Scheme::DiscoursePbkdf2 => boxed(hex_pbkdf2::Parsed::parse_discourse(s, extra)),
        Scheme::AspnetMembershipSha1 => boxed(app_digest::Parsed::parse_aspnet_membership(s, extra)),
        Scheme::SymfonyMessageDigest => boxed(app_digest::Parsed::parse_symfony(s, extra)),
        Scheme::RabbitmqSha256 => boxed(app_digest::Parsed::parse_rabbitmq(s)),
        Scheme::BetterAuthScrypt => boxed(better_auth::Parsed::parse(s)),
        Scheme::Magento2 => boxed(magento::Parsed::parse(s)),
        _ => None,
    }
}

/// Families whose declared form is a string another family reads on its own
/// (a Devise or old ownCloud row is a plain bcrypt string; Werkzeug's and
/// Django's salted digests share `sha1$salt$hex`): declaring one makes the
/// strings of its form its own, unless another such declared family fits too.
fn reads_another_familys_string(scheme: Scheme) -> bool {
    matches!(
        scheme,
        Scheme::DeviseBcryptPepper
            | Scheme::NextcloudBcrypt
            | Scheme::WerkzeugLegacy
            | Scheme::DjangoSaltedMd5
            | Scheme::DjangoSaltedSha1
    )
}

/// True when a policy may declare `scheme`: the schemes that need a
/// declaration, and the self-describing ones whose strings can also be
/// another family's (Django's salted digests and Werkzeug's HMACs).
pub(crate) fn declarable(scheme: Scheme) -> bool {
    (scheme.needs_declaration() && scheme != Scheme::Recipe)
        || matches!(scheme, Scheme::DjangoSaltedMd5 | Scheme::DjangoSaltedSha1)
}

/// The declarable schemes whose shape `s` has, for the ambiguity error.
fn shape_candidates(s: &str) -> Vec<Scheme> {
    Scheme::ALL
        .iter()
        .copied()
        .filter(|sch| sch.needs_declaration() && *sch != Scheme::Recipe)
        .filter(|sch| match sch {
            Scheme::DesCrypt => des_crypt::looks_like_des(s),
            Scheme::Mysql323 => dbms::looks_like_mysql323(s),
            Scheme::Bigcrypt => des_crypt::looks_like_bigcrypt(s),
            // wave 3: rows with a salt, params or params column (exact shapes
            // only; the others' strings are bare base64 or hex of common lengths)
            Scheme::KeycloakPbkdf2 => keycloak::looks_like(s),
            Scheme::GiteaPbkdf2 | Scheme::GrafanaPbkdf2 => hex_pbkdf2::looks_like_50_byte_key(s),
            Scheme::BetterAuthScrypt => better_auth::looks_like(s),
            Scheme::Magento2 => magento::looks_like(s),
            Scheme::WerkzeugLegacy => werkzeug_legacy::looks_like(s),
            other => digest::looks_like(s, *other),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scheme::ALL {
            assert_eq!(Scheme::from_name(s.name()), Some(*s));
        }
    }
}

/// Parse → format → parse is the identity for every family of the three
/// vector waves, with `masked` as the formatter (the stored string with its digest
/// zeroed): the masked string parses to the same scheme and parameters, and
/// masks to itself. Reads tests/vectors; says so loudly when absent.
#[cfg(test)]
mod round_trip {
    use super::*;

    fn field(line: &str, key: &str) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        v.get(key).and_then(|x| x.as_str()).map(str::to_owned)
    }

    #[test]
    fn parse_format_parse_is_identity() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
        let mut checked = 0;
        for file in ["valid_invalid.jsonl", "more_valid_invalid.jsonl", "wave3_valid_invalid.jsonl"] {
            let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
                eprintln!("!!! SKIPPED round-trip test: {} not found", dir.join(file).display());
                return;
            };
            for line in text.lines() {
                let (Some(hash), Some(family)) = (field(line, "hash"), field(line, "family")) else {
                    continue;
                };
                let salt = field(line, "salt");
                let user = field(line, "user");
                let params_col = field(line, "params_col");
                let params = serde_json::from_str::<serde_json::Value>(line)
                    .ok()
                    .and_then(|v| v.get("params").map(|p| SiteParams::from_json_value(p).expect("params")));
                let extra = Extra {
                    salt: salt.as_deref(),
                    user: user.as_deref(),
                    params: params.as_ref(),
                    params_col: params_col.as_deref(),
                };
                let hint = Scheme::from_name(&family).filter(|s| s.needs_declaration());
                let Ok(first) = parse(&hash, extra, hint, &[], &[]) else { continue };
                if first.identified().scheme == Scheme::Disabled {
                    continue;
                }
                let masked = first.masked().unwrap_or_else(|e| panic!("{family}: {e}"));
                let second = parse(&masked, extra, hint, &[], &[])
                    .unwrap_or_else(|e| panic!("{family}: {masked}: {e}"));
                assert_eq!(second.identified(), first.identified(), "{family}: {masked}");
                assert_eq!(second.masked().ok().as_deref(), Some(masked.as_str()), "{family}");
                assert!(second.expected().iter().all(|b| *b == 0 || !masked.is_empty()));
                checked += 1;
            }
        }
        assert!(checked > 900, "{checked} strings checked");
    }
}
