//! Onion wrapping: make a dormant legacy hash strong without its password.
//!
//! A legacy hash stores a digest `D = legacy(password, salt, params)`. Wrapping
//! computes `W = Argon2id(D)` under the policy's target parameters (and, when
//! the policy holds a pepper, with the pepper as Argon2's secret input and its
//! key id recorded), then stores `W` beside the legacy *setting* — the legacy
//! string with every byte of `D` replaced by zero. Verify recomputes `D` from
//! the password and the setting, then `W`. The weak digest is gone from the
//! table; a successful login replaces the wrapped hash by a direct target hash.
//!
//! Version 2 (written from now on; `docs/wrap.md` has the code table and the
//! reasons) fits a VARCHAR(128) column:
//!
//! ```text
//! wrapped = "$rw2$" code body "$" m "," t "," p ["," keyid] "$" b64url(salt16 || tag32)
//! code    = 2 characters [A-Za-z0-9] naming the inner family and a template of
//!           its masked setting (literal prefix, zero digest, holes), or "--"
//! body    = the template's holes joined by "$" (template codes)
//!         | label ":" rest                    (code "--": any family)
//!         | b64url(recipe notation) ":" rest  (code "rc": a declared recipe; for a
//!                                             KDF recipe, its 6-character id)
//! rest    = the masked setting, its longest run of one character (5 or more)
//!           written as "~" char count (count: 2 base64url digits), "~" as "~~"
//! keyid   = standard base64 without padding of the pepper's key id (1-8 bytes)
//! ```
//!
//! A v2 string records neither the separate salt column nor the user name:
//! it is verified with the row's own columns, as the legacy hash was.
//!
//! Version 1 (`$rehash-wrap$v=1$…`, the setting and row fields in base64url
//! beside a full Argon2id PHC string) is still parsed and verified.

use base64ct::{Base64Unpadded, Base64UrlUnpadded, Encoding as _};

use crate::catalogue::{Identified, Scheme};
use crate::error::{Error, Result};
use crate::scheme::Family as _;

/// The prefix of version 1 wrapped strings (still verified, no longer written).
pub(crate) const PREFIX_V1: &str = "$rehash-wrap$v=1$";

/// The prefix of version 2 wrapped strings, the ones [`crate::Policy::wrap`] writes.
pub(crate) const PREFIX_V2: &str = "$rw2$";

/// The length of W, the outer Argon2id tag, in every wrapped string.
pub(crate) const OUTER_TAG_LEN: usize = 32;

/// The length of the outer Argon2id salt in version 2 strings.
pub(crate) const OUTER_SALT_LEN: usize = 16;

/// True when `s` has the prefix of a wrapped string of any version.
pub(crate) fn is_wrapped(s: &str) -> bool {
    s.starts_with(PREFIX_V2) || s.starts_with(PREFIX_V1)
}

/// A parsed wrapped string.
pub(crate) struct Onion {
    pub version: u8,
    pub inner_scheme: Scheme,
    pub setting: String,
    /// Version 1 only: the salt column and user name recorded in the string.
    pub salt: Option<String>,
    pub user: Option<String>,
    pub recipe: Option<String>,
    pub outer: crate::scheme::argon2::Parsed,
}

fn malformed(what: &'static str) -> Error {
    Error::malformed(Scheme::RehashWrap, what)
}

fn text(v: &str) -> Result<String> {
    let bytes = Base64UrlUnpadded::decode_vec(v).map_err(|_| malformed("base64url"))?;
    String::from_utf8(bytes).map_err(|_| malformed("inner field is not UTF-8"))
}

impl Onion {
    pub(crate) fn parse(s: &str) -> Result<Onion> {
        if s.starts_with(PREFIX_V2) {
            Onion::parse_v2(s)
        } else {
            Onion::parse_v1(s)
        }
    }

    fn parse_v1(s: &str) -> Result<Onion> {
        let rest = s.strip_prefix(PREFIX_V1).ok_or(malformed("prefix or version"))?;
        let (inner, outer) = rest.split_once('$').ok_or(malformed("missing outer hash"))?;
        let mut o = Onion {
            version: 1,
            inner_scheme: Scheme::Recipe,
            setting: String::new(),
            salt: None,
            user: None,
            recipe: None,
            outer: crate::scheme::argon2::Parsed::parse(outer, None)?,
        };
        let (mut label, mut setting) = (None, None);
        for kv in inner.split(',') {
            match kv.split_once('=') {
                Some(("inner", v)) if label.is_none() => label = Some(v),
                Some(("s", v)) if setting.is_none() => setting = Some(text(v)?),
                Some(("salt", v)) if o.salt.is_none() => o.salt = Some(text(v)?),
                Some(("user", v)) if o.user.is_none() => o.user = Some(text(v)?),
                Some(("recipe", v)) if o.recipe.is_none() => o.recipe = Some(text(v)?),
                _ => return Err(malformed("inner parameters")),
            }
        }
        let label = label.ok_or(malformed("missing inner="))?;
        o.inner_scheme = Scheme::from_name(label).ok_or(malformed("unknown inner scheme"))?;
        o.setting = setting.ok_or(malformed("missing s="))?;
        o.check_outer()?;
        Ok(o)
    }

    fn parse_v2(s: &str) -> Result<Onion> {
        let rest = s.strip_prefix(PREFIX_V2).ok_or(malformed("prefix or version"))?;
        let (rest, salt_tag) = rest.rsplit_once('$').ok_or(malformed("missing outer salt and tag"))?;
        let (inner, params) = rest.rsplit_once('$').ok_or(malformed("missing outer parameters"))?;
        // Outer: m,t,p[,keyid] and 48 bytes of salt || tag, rebuilt as the
        // PHC string the Argon2 module parses and checks.
        if salt_tag.len() != 64 {
            return Err(malformed("outer salt and tag must be 48 bytes"));
        }
        let st = Base64UrlUnpadded::decode_vec(salt_tag).map_err(|_| malformed("outer salt and tag"))?;
        let (salt, tag) = st.split_at_checked(OUTER_SALT_LEN).ok_or(malformed("outer salt and tag"))?;
        let fields: Vec<&str> = params.split(',').collect();
        let (m, t, p, keyid) = match fields.as_slice() {
            [m, t, p] => (*m, *t, *p, None),
            [m, t, p, k] => (*m, *t, *p, Some(*k)),
            _ => return Err(malformed("outer parameters")),
        };
        for n in [m, t, p] {
            let canonical = n.len() <= 10 && crate::encoding::parse_decimal(n).is_some();
            if !canonical {
                return Err(malformed("outer parameters"));
            }
        }
        let mut phc = format!("argon2id$v=19$m={m},t={t},p={p}");
        if let Some(k) = keyid {
            let id = Base64Unpadded::decode_vec(k).map_err(|_| malformed("outer key id"))?;
            if id.is_empty() || id.len() > 8 || Base64Unpadded::encode_string(&id) != k {
                return Err(malformed("outer key id"));
            }
            phc.push_str(",keyid=");
            phc.push_str(k);
        }
        phc.push('$');
        phc.push_str(&Base64Unpadded::encode_string(salt));
        phc.push('$');
        phc.push_str(&Base64Unpadded::encode_string(tag));
        let outer = crate::scheme::argon2::Parsed::parse(&phc, None)?;

        if inner.len() > MAX_SETTING {
            return Err(malformed("inner setting too long"));
        }
        let code = inner.get(..2).ok_or(malformed("missing family code"))?;
        let body = inner.get(2..).ok_or(malformed("family code"))?;
        let (inner_scheme, setting, recipe) = decode_setting(code, body)?;
        // One string, one spelling: a body the writer would not produce
        // (another code, another split of the run, …) is malformed.
        if encode_setting(inner_scheme, &setting, recipe.as_deref()) != (code.to_owned(), body.to_owned()) {
            return Err(malformed("inner setting is not in canonical form"));
        }
        let o = Onion { version: 2, inner_scheme, setting, salt: None, user: None, recipe, outer };
        o.check_outer()?;
        Ok(o)
    }

    fn check_outer(&self) -> Result<()> {
        if matches!(self.inner_scheme, Scheme::RehashWrap | Scheme::Disabled) {
            return Err(malformed("inner scheme cannot be wrapped"));
        }
        if self.outer.identified().scheme != Scheme::Argon2id {
            return Err(malformed("outer hash must be argon2id"));
        }
        // rehash writes W with a 32-byte tag and nothing else: a shorter or
        // longer one (a truncated row, say) is damage, not another hash.
        if self.outer.expected().len() != OUTER_TAG_LEN {
            return Err(malformed("outer hash must have a 32-byte tag"));
        }
        Ok(())
    }

    pub(crate) fn identified(&self) -> Identified {
        Identified::new(Scheme::RehashWrap, self.outer.identified().params)
    }
}

/// A new version 2 wrapped string. `keyid` is the pepper's key id, `salt_tag`
/// the outer salt (16 bytes) followed by W (32 bytes).
pub(crate) fn format_v2(
    scheme: Scheme,
    setting: &str,
    recipe: Option<&str>,
    (m, t, p): (u32, u32, u32),
    keyid: Option<&[u8]>,
    salt_tag: &[u8],
) -> String {
    let (code, body) = encode_setting(scheme, setting, recipe);
    let mut s = format!("{PREFIX_V2}{code}{body}${m},{t},{p}");
    if let Some(k) = keyid {
        s.push(',');
        s.push_str(&Base64Unpadded::encode_string(k));
    }
    s.push('$');
    s.push_str(&Base64UrlUnpadded::encode_string(salt_tag));
    s
}

/// The inner part of a version 1 wrapped string (kept to write test strings:
/// [`crate::Policy::wrap_v1_for_tests`]).
pub(crate) fn format_inner_v1(
    scheme: Scheme,
    setting: &str,
    salt: Option<&str>,
    user: Option<&str>,
    recipe: Option<&str>,
) -> String {
    let mut s = format!(
        "{PREFIX_V1}inner={},s={}",
        scheme.name(),
        Base64UrlUnpadded::encode_string(setting.as_bytes())
    );
    for (k, v) in [("salt", salt), ("user", user), ("recipe", recipe)] {
        if let Some(v) = v {
            s.push_str(&format!(",{k}={}", Base64UrlUnpadded::encode_string(v.as_bytes())));
        }
    }
    s
}

/// Join a version 1 inner part and an outer `$argon2id$…` string.
pub(crate) fn join_v1(inner: &str, outer: &str) -> String {
    format!("{inner}${}", outer.strip_prefix('$').unwrap_or(outer))
}

// ---------------------------------------------------------------------------
// Family codes.

/// One piece of a code's template of a masked setting.
#[derive(Clone, Copy, Debug)]
enum Part {
    /// Literal text the code implies.
    Lit(&'static str),
    /// `n` copies of one character (a zeroed digest) the code implies.
    Fill(u8, usize),
    /// Text written in the body: no `$` unless it is the last hole.
    Hole,
    /// Standard base64 (unpadded) of 1-64 ASCII letters and digits, written
    /// decoded (Django's argon2 salt).
    Text,
}

use Part::{Fill, Hole, Lit, Text};

/// A code: its two characters, the family, and the template.
struct Code {
    code: &'static str,
    scheme: Scheme,
    parts: &'static [Part],
}

const fn c(code: &'static str, scheme: Scheme, parts: &'static [Part]) -> Code {
    Code { code, scheme, parts }
}

const Z16: Part = Fill(b'0', 16);
const Z32: Part = Fill(b'0', 32);
const Z40: Part = Fill(b'0', 40);
const Z64: Part = Fill(b'0', 64);
const Z80: Part = Fill(b'0', 80);
const Z128: Part = Fill(b'0', 128);
const D11: Part = Fill(b'.', 11);
const D22: Part = Fill(b'.', 22);
const D28: Part = Fill(b'.', 28);
const D31: Part = Fill(b'.', 31);
const D43: Part = Fill(b'.', 43);
const D86: Part = Fill(b'.', 86);
const A22: Part = Fill(b'A', 22);
const A27: Part = Fill(b'A', 27);
const A43: Part = Fill(b'A', 43);
const A86: Part = Fill(b'A', 86);
const S: Part = Lit("$");
/// hashcat's MySQL notation of a zeroed digest: `*` + hex of 43 `.`.
const MYSQL_HEX_DOTS: &str =
    "*2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E2E";

/// The code table (documented in docs/wrap.md). Two codes never share their
/// two characters; a family may have several templates, the writer picks the
/// one with the shortest body (the first on a tie), and any setting no
/// template fits is written under `--` with the family's label.
#[rustfmt::skip]
const CODES: &[Code] = &[
    // Unsalted and column-salted digests: the whole setting is implied.
    c("m5", Scheme::Md5Hex, &[Z32]),
    c("s1", Scheme::Sha1Hex, &[Z40]),
    c("s2", Scheme::Sha256Hex, &[Z64]),
    c("s5", Scheme::Sha512Hex, &[Z128]),
    c("mm", Scheme::Md5Md5Hex, &[Z32]),
    c("nt", Scheme::Ntlm, &[Z32]),
    c("m4", Scheme::HexMd4, &[Z32]),
    c("my", Scheme::Mysql41, &[Lit("*"), Z40]),
    c("m3", Scheme::Mysql323, &[Z16]),
    c("pm", Scheme::PostgresMd5, &[Lit("md5"), Z32]),
    c("bn", Scheme::BsdNthash, &[Lit("$3$$"), Z32]),
    c("lh", Scheme::LdapHexMd5, &[Lit("{MD5}"), Z32]),
    c("lH", Scheme::LdapHexSha1, &[Lit("{SHA}"), Z40]),
    c("lm", Scheme::LdapMd5, &[Lit("{MD5}"), Fill(b'A', 22), Lit("==")]),
    c("ls", Scheme::LdapSha1, &[Lit("{SHA}"), A27, Lit("=")]),
    c("1s", Scheme::Sha1SaltPass, &[Z40]),
    c("2s", Scheme::Sha256SaltPass, &[Z64]),
    c("5p", Scheme::Sha512PassSalt, &[Z128]),
    // hex:salt
    c("mp", Scheme::Md5PassSalt, &[Z32, Lit(":"), Hole]),
    c("ms", Scheme::Md5SaltPass, &[Z32, Lit(":"), Hole]),
    c("2p", Scheme::Sha256PassSalt, &[Z64, Lit(":"), Hole]),
    c("vb", Scheme::Vbulletin, &[Z32, Lit(":"), Hole]),
    c("d5", Scheme::DjangoSaltedMd5, &[Lit("md5$"), Hole, S, Z32]),
    c("d1", Scheme::DjangoSaltedSha1, &[Lit("sha1$"), Hole, S, Z40]),
    c("o1", Scheme::Oracle11, &[Lit("S:"), Z40, Hole]),
    c("q0", Scheme::Mssql2000, &[Lit("0x0100"), Hole, Z80]),
    c("q5", Scheme::Mssql2005, &[Lit("0x0100"), Hole, Z40]),
    // crypt(3) and its wrappers
    c("m1", Scheme::Md5Crypt, &[Lit("$1$"), Hole, S, D22]),
    c("ap", Scheme::Apr1, &[Lit("$apr1$"), Hole, S, D22]),
    c("5r", Scheme::Sha256Crypt, &[Lit("$5$rounds="), Hole, S, Hole, S, D43]),
    c("5c", Scheme::Sha256Crypt, &[Lit("$5$"), Hole, S, D43]),
    c("6r", Scheme::Sha512Crypt, &[Lit("$6$rounds="), Hole, S, Hole, S, D86]),
    c("6c", Scheme::Sha512Crypt, &[Lit("$6$"), Hole, S, D86]),
    c("yj", Scheme::Yescrypt, &[Lit("$y$j9T$"), Hole, S, D43]),
    c("ye", Scheme::Yescrypt, &[Lit("$y$"), Hole, S, Hole, S, D43]),
    c("sc", Scheme::Sha1Crypt, &[Lit("$sha1$"), Hole, S, Hole, S, D28]),
    c("sm", Scheme::SunMd5Crypt, &[Lit("$md5$"), Hole, Lit("$$"), D22]),
    c("sr", Scheme::SunMd5Crypt, &[Lit("$md5,rounds="), Hole, S, Hole, Lit("$$"), D22]),
    c("de", Scheme::DesCrypt, &[Hole, D11]),
    c("bg", Scheme::Bigcrypt, &[Hole, D22]),
    c("bd", Scheme::BsdiCrypt, &[Lit("_"), Hole, D11]),
    c("pP", Scheme::Phpass, &[Lit("$P$"), Hole, D22]),
    c("pH", Scheme::Phpass, &[Lit("$H$"), Hole, D22]),
    c("d7", Scheme::Drupal7, &[Lit("$S$"), Hole, D43]),
    c("dU", Scheme::Drupal7WrappedMd5, &[Lit("U$S$"), Hole, D43]),
    c("dd", Scheme::DjangoDesCrypt, &[Lit("crypt$"), Hole, S, Hole, D11]),
    c("ld", Scheme::LdapDesCrypt, &[Lit("{CRYPT}"), Hole, D11]),
    c("lB", Scheme::LdapBsdiCrypt, &[Lit("{CRYPT}_"), Hole, D11]),
    c("l1", Scheme::LdapMd5Crypt, &[Lit("{CRYPT}$1$"), Hole, S, D22]),
    c("L5", Scheme::LdapSha256Crypt, &[Lit("{CRYPT}$5$rounds="), Hole, S, Hole, S, D43]),
    c("l5", Scheme::LdapSha256Crypt, &[Lit("{CRYPT}$5$"), Hole, S, D43]),
    c("L6", Scheme::LdapSha512Crypt, &[Lit("{CRYPT}$6$rounds="), Hole, S, Hole, S, D86]),
    c("l6", Scheme::LdapSha512Crypt, &[Lit("{CRYPT}$6$"), Hole, S, D86]),
    c("lS", Scheme::LdapSha1Crypt, &[Lit("{CRYPT}$sha1$"), Hole, S, Hole, S, D28]),
    // bcrypt
    c("2a", Scheme::Bcrypt, &[Lit("$2a$"), Hole, S, Hole, D31]),
    c("2b", Scheme::Bcrypt, &[Lit("$2b$"), Hole, S, Hole, D31]),
    c("2y", Scheme::Bcrypt, &[Lit("$2y$"), Hole, S, Hole, D31]),
    c("2x", Scheme::Bcrypt, &[Lit("$2x$"), Hole, S, Hole, D31]),
    c("bs", Scheme::BcryptSha256, &[Lit("$bcrypt-sha256$v=2,t=2b,r="), Hole, S, Hole, S, D31]),
    c("wp", Scheme::WordpressBcrypt, &[Lit("$wp$2y$"), Hole, S, Hole, D31]),
    c("db", Scheme::DjangoBcrypt, &[Lit("bcrypt$$2b$"), Hole, S, Hole, D31]),
    c("dB", Scheme::DjangoBcryptSha256, &[Lit("bcrypt_sha256$$2b$"), Hole, S, Hole, D31]),
    c("lb", Scheme::LdapBcrypt, &[Lit("{CRYPT}$2b$"), Hole, S, Hole, D31]),
    // LDAP salted digests: base64(digest . salt), the zero digest first
    c("lM", Scheme::LdapSaltedMd5, &[Lit("{SMD5}"), Fill(b'A', 21), Hole]),
    c("l2", Scheme::LdapSaltedSha1, &[Lit("{SSHA}"), Fill(b'A', 26), Hole]),
    c("l3", Scheme::LdapSaltedSha256, &[Lit("{SSHA256}"), Fill(b'A', 42), Hole]),
    c("l4", Scheme::LdapSaltedSha512, &[Lit("{SSHA512}"), Fill(b'A', 85), Hole]),
    // FSHP with 16-byte salts: base64(salt . digest)
    c("f0", Scheme::Fshp, &[Lit("{FSHP0|16|"), Hole, Lit("}"), Hole, Fill(b'A', 26)]),
    c("f1", Scheme::Fshp, &[Lit("{FSHP1|16|"), Hole, Lit("}"), Hole, Fill(b'A', 42)]),
    c("f2", Scheme::Fshp, &[Lit("{FSHP2|16|"), Hole, Lit("}"), Hole, Fill(b'A', 64), Lit("==")]),
    c("f3", Scheme::Fshp, &[Lit("{FSHP3|16|"), Hole, Lit("}"), Hole, Fill(b'A', 85), Lit("=")]),
    // PBKDF2
    c("p1", Scheme::Pbkdf2Sha1, &[Lit("$pbkdf2$"), Hole, S, Hole, S, A27]),
    c("p2", Scheme::Pbkdf2Sha256, &[Lit("$pbkdf2-sha256$"), Hole, S, Hole, S, A43]),
    c("p5", Scheme::Pbkdf2Sha512, &[Lit("$pbkdf2-sha512$"), Hole, S, Hole, S, A86]),
    c("lp", Scheme::LdapPbkdf2Sha1, &[Lit("{PBKDF2}"), Hole, S, Hole, S, A27]),
    c("lP", Scheme::LdapPbkdf2Sha256, &[Lit("{PBKDF2-SHA256}"), Hole, S, Hole, S, A43]),
    c("lQ", Scheme::LdapPbkdf2Sha512, &[Lit("{PBKDF2-SHA512}"), Hole, S, Hole, S, A86]),
    c("dp", Scheme::DjangoPbkdf2Sha256, &[Lit("pbkdf2_sha256$"), Hole, S, Hole, S, A43, Lit("=")]),
    c("dq", Scheme::DjangoPbkdf2Sha1, &[Lit("pbkdf2_sha1$"), Hole, S, Hole, S, A27, Lit("=")]),
    c("at", Scheme::AtlassianPbkdf2Sha1, &[Lit("{PKCS5S2}"), Hole, Fill(b'A', 42)]),
    c("ct", Scheme::CtaPbkdf2Sha1, &[Lit("$p5k2$"), Hole, S, Hole, S, A27, Lit("=")]),
    c("dl", Scheme::DlitzPbkdf2Sha1, &[Lit("$p5k2$"), Hole, S, Hole, S, Fill(b'A', 32)]),
    c("gr", Scheme::GrubPbkdf2Sha512, &[Lit("grub.pbkdf2.sha512."), Hole, Lit("."), Hole, Lit("."), Z128]),
    c("w2", Scheme::WerkzeugPbkdf2, &[Lit("pbkdf2:sha256:"), Hole, S, Hole, S, Z64]),
    c("w5", Scheme::WerkzeugPbkdf2, &[Lit("pbkdf2:sha512:"), Hole, S, Hole, S, Z128]),
    c("n2", Scheme::AspnetIdentityV2, &[Lit("A"), Hole, A43, Lit("==")]),
    c("n3", Scheme::AspnetIdentityV3, &[Lit("AQAAAAEAACcQAAAA"), Hole, A43, Lit("==")]),
    c("n7", Scheme::AspnetIdentityV3, &[Lit("AQAAAAIAAYagAAAA"), Hole, A43, Lit("==")]),
    c("nv", Scheme::AspnetIdentityV3, &[Lit("AQAAAA"), Hole, A43, Lit("==")]),
    c("nw", Scheme::AspnetIdentityV3, &[Lit("AQAAAA"), Hole, Fill(b'A', 21)]),
    c("ps", Scheme::PostgresScramSha256,
        &[Lit("SCRAM-SHA-256$"), Hole, Lit(":"), Hole, S, A43, Lit("=:"), A43, Lit("=")]),
    // scrypt and Argon2
    c("ws", Scheme::WerkzeugScrypt, &[Lit("scrypt:"), Hole, S, Hole, S, Z128]),
    c("sp", Scheme::ScryptPasslib, &[Lit("$scrypt$ln="), Hole, Lit(",r="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("ds", Scheme::DjangoScrypt, &[Lit("scrypt$"), Hole, S, Hole, S, Hole, S, Hole, S, A86, Lit("==")]),
    c("ai", Scheme::Argon2id,
        &[Lit("$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("aI", Scheme::Argon2i,
        &[Lit("$argon2i$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("ad", Scheme::Argon2d,
        &[Lit("$argon2d$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("aj", Scheme::Argon2id,
        &[Lit("$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A22]),
    c("aJ", Scheme::Argon2i,
        &[Lit("$argon2i$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A22]),
    c("ae", Scheme::Argon2d,
        &[Lit("$argon2d$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A22]),
    c("da", Scheme::DjangoArgon2,
        &[Lit("argon2$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Text, S, A43]),
    c("dA", Scheme::DjangoArgon2,
        &[Lit("argon2$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),

    // wave 3: Spring Security, Jenkins
    c("Sb", Scheme::SpringBcrypt, &[Lit("{bcrypt}$2a$"), Hole, S, Hole, D31]),
    c("SB", Scheme::SpringBcrypt, &[Lit("{bcrypt}$2b$"), Hole, S, Hole, D31]),
    c("Sy", Scheme::SpringBcrypt, &[Lit("{bcrypt}$2y$"), Hole, S, Hole, D31]),
    c("Jb", Scheme::JenkinsJbcrypt, &[Lit("#jbcrypt:$2a$"), Hole, S, Hole, D31]),
    c("Sp", Scheme::SpringPbkdf2, &[Lit("{pbkdf2}"), Hole, Z64]),
    c("SP", Scheme::SpringPbkdf2, &[Lit("{pbkdf2@SpringSecurity_v5_8}"), Hole, Z64]),
    c("Ss", Scheme::SpringScrypt, &[Lit("{scrypt}$"), Hole, S, Hole, S, A43, Lit("=")]),
    c("SS", Scheme::SpringScrypt, &[Lit("{scrypt@SpringSecurity_v5_8}$"), Hole, S, Hole, S, A43, Lit("=")]),
    c("S2", Scheme::SpringSha256, &[Lit("{sha256}"), Hole, Z64]),
    c("S4", Scheme::SpringMessageDigest, &[Lit("{MD4}{"), Hole, Lit("}"), Z32]),
    c("S5", Scheme::SpringMessageDigest, &[Lit("{MD5}{"), Hole, Lit("}"), Z32]),
    c("S1", Scheme::SpringMessageDigest, &[Lit("{SHA-1}{"), Hole, Lit("}"), Z40]),
    c("S6", Scheme::SpringMessageDigest, &[Lit("{SHA-256}{"), Hole, Lit("}"), Z64]),
    c("Sn", Scheme::SpringNoop, &[Lit("{noop}")]),
    c("Sa", Scheme::SpringArgon2,
        &[Lit("{argon2}$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("Si", Scheme::SpringArgon2,
        &[Lit("{argon2}$argon2i$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("Sd", Scheme::SpringArgon2,
        &[Lit("{argon2}$argon2d$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("SA", Scheme::SpringArgon2,
        &[Lit("{argon2@SpringSecurity_v5_8}$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("SI", Scheme::SpringArgon2,
        &[Lit("{argon2@SpringSecurity_v5_8}$argon2i$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("SD", Scheme::SpringArgon2,
        &[Lit("{argon2@SpringSecurity_v5_8}$argon2d$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("Sl", Scheme::SpringLdap, &[Lit("{ldap}{SSHA}"), Fill(b'A', 26), Hole]),
    c("SL", Scheme::SpringLdap, &[Lit("{ldap}{ssha}"), Fill(b'A', 26), Hole]),

    // wave 3: Dovecot
    c("DS", Scheme::DovecotSha256, &[Lit("{SHA256}"), A43, Lit("=")]),
    c("Ds", Scheme::DovecotSha256, &[Lit("{SHA256}"), Z64]),
    c("DT", Scheme::DovecotSha512, &[Lit("{SHA512}"), A86, Lit("==")]),
    c("Dt", Scheme::DovecotSha512, &[Lit("{SHA512}"), Z128]),
    c("DU", Scheme::DovecotSha1, &[Lit("{SHA1}"), A27, Lit("=")]),
    c("Du", Scheme::DovecotSha1, &[Lit("{SHA1}"), Z40]),
    c("DL", Scheme::DovecotLdapMd5, &[Lit("{LDAP-MD5}"), A22, Lit("==")]),
    c("Dl", Scheme::DovecotLdapMd5, &[Lit("{LDAP-MD5}"), Z32]),
    c("DM", Scheme::DovecotPlainMd5, &[Lit("{PLAIN-MD5}"), Z32]),
    c("Dm", Scheme::DovecotPlainMd5, &[Lit("{PLAIN-MD5}"), A22, Lit("==")]),
    c("DN", Scheme::DovecotPlainMd4, &[Lit("{PLAIN-MD4}"), Z32]),
    c("Dn", Scheme::DovecotPlainMd4, &[Lit("{PLAIN-MD4}"), A22, Lit("==")]),
    c("DC", Scheme::DovecotCramMd5, &[Lit("{CRAM-MD5}"), Z64]),
    c("Dc", Scheme::DovecotCramMd5, &[Lit("{CRAM-MD5}"), A43, Lit("=")]),
    c("DP", Scheme::DovecotPlain, &[Lit("{PLAIN}")]),
    c("DQ", Scheme::DovecotCleartext, &[Lit("{CLEARTEXT}")]),
    c("D5", Scheme::DovecotSha256Crypt, &[Lit("{SHA256-CRYPT}$5$"), Hole, S, D43]),
    c("X5", Scheme::DovecotSha256Crypt, &[Lit("{SHA256-CRYPT}$5$rounds="), Hole, S, Hole, S, D43]),
    c("D6", Scheme::DovecotSha512Crypt, &[Lit("{SHA512-CRYPT}$6$"), Hole, S, D86]),
    c("X6", Scheme::DovecotSha512Crypt, &[Lit("{SHA512-CRYPT}$6$rounds="), Hole, S, Hole, S, D86]),
    c("D1", Scheme::DovecotMd5Crypt, &[Lit("{MD5-CRYPT}$1$"), Hole, S, D22]),
    c("D0", Scheme::DovecotMd5, &[Lit("{MD5}$1$"), Hole, S, D22]),
    c("DB", Scheme::DovecotBlfCrypt, &[Lit("{BLF-CRYPT}$2y$"), Hole, S, Hole, D31]),
    c("Db", Scheme::DovecotBlfCrypt, &[Lit("{BLF-CRYPT}$2b$"), Hole, S, Hole, D31]),
    c("XB", Scheme::DovecotBlfCrypt, &[Lit("{BLF-CRYPT}$2a$"), Hole, S, Hole, D31]),
    c("DI", Scheme::DovecotArgon2id,
        &[Lit("{ARGON2ID}$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("Di", Scheme::DovecotArgon2i,
        &[Lit("{ARGON2I}$argon2i$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("DK", Scheme::DovecotScramSha1, &[Lit("{SCRAM-SHA-1}"), Hole, Lit(","), Hole, Lit(","), A27, Lit("=,"), A27, Lit("=")]),
    c("Dk", Scheme::DovecotScramSha256,
        &[Lit("{SCRAM-SHA-256}"), Hole, Lit(","), Hole, Lit(","), A43, Lit("=,"), A43, Lit("=")]),
    // `{SCHEME.HEX}` / `{SCHEME.B64}`: the tag as written (any case), the
    // zeroed digest of each length, then the salt (SSHA-family) if any.
    c("XH", Scheme::DovecotHexSuffix, &[Lit("{"), Hole, Lit("}"), Z32, Hole]),
    c("XI", Scheme::DovecotHexSuffix, &[Lit("{"), Hole, Lit("}"), Z40, Hole]),
    c("XJ", Scheme::DovecotHexSuffix, &[Lit("{"), Hole, Lit("}"), Z64, Hole]),
    c("XK", Scheme::DovecotHexSuffix, &[Lit("{"), Hole, Lit("}"), Z128, Hole]),
    c("XP", Scheme::DovecotHexSuffix, &[Lit("{"), Hole, Lit("}")]),
    c("XA", Scheme::DovecotB64Suffix, &[Lit("{"), Hole, Lit("}"), Fill(b'A', 21), Hole]),
    c("XC", Scheme::DovecotB64Suffix, &[Lit("{"), Hole, Lit("}"), Fill(b'A', 26), Hole]),
    c("XE", Scheme::DovecotB64Suffix, &[Lit("{"), Hole, Lit("}"), Fill(b'A', 42), Hole]),
    c("XG", Scheme::DovecotB64Suffix, &[Lit("{"), Hole, Lit("}"), Fill(b'A', 85), Hole]),
    c("XQ", Scheme::DovecotB64Suffix, &[Lit("{"), Hole, Lit("}")]),

    // wave 3: directories, databases, network devices, Shiro, MediaWiki PBKDF2
    // 389-ds: the 64-byte salt alone is 86 characters (exempt, docs/wrap.md);
    // the key's 256 zero bytes from the 92nd character on are implied.
    c("P9", Scheme::LdapPbkdf2Sha256389ds, &[Lit("{PBKDF2_SHA256}"), Hole, Fill(b'A', 341)]),
    // 389-ds 2.x's standard base64 (24-byte salt): its default 10000 rounds implied
    c("P1", Scheme::LdapPbkdf2Sha1Tag, &[Lit("{PBKDF2-SHA1}10000$"), Hole, S, A27, Lit("=")]),
    c("Pa", Scheme::LdapPbkdf2Sha1Tag, &[Lit("{PBKDF2-SHA1}"), Hole, S, Hole, S, A27, Lit("=")]),
    c("P2", Scheme::LdapPbkdf2Sha256, &[Lit("{PBKDF2-SHA256}10000$"), Hole, S, A43, Lit("=")]),
    c("Pb", Scheme::LdapPbkdf2Sha256, &[Lit("{PBKDF2-SHA256}"), Hole, S, Hole, S, A43, Lit("=")]),
    c("P5", Scheme::LdapPbkdf2Sha512, &[Lit("{PBKDF2-SHA512}10000$"), Hole, S, A86, Lit("==")]),
    c("Pc", Scheme::LdapPbkdf2Sha512, &[Lit("{PBKDF2-SHA512}"), Hole, S, Hole, S, A86, Lit("==")]),
    c("Y3", Scheme::LdapSha384, &[Lit("{SHA384}"), Fill(b'A', 64)]),
    c("Y4", Scheme::LdapSaltedSha384, &[Lit("{SSHA384}"), Fill(b'A', 64), Hole]),
    // ForgeRock: base64(zero key . salt)
    c("F1", Scheme::ForgerockPbkdf2, &[Lit("{PBKDF2}"), Hole, Lit(":"), Fill(b'A', 26), Hole]),
    c("F2", Scheme::ForgerockPbkdf2, &[Lit("{PBKDF2-HMAC-SHA256}"), Hole, Lit(":"), Fill(b'A', 42), Hole]),
    c("F5", Scheme::ForgerockPbkdf2, &[Lit("{PBKDF2-HMAC-SHA512}"), Hole, Lit(":"), Fill(b'A', 85), Hole]),
    c("Q1", Scheme::DovecotPbkdf2, &[Lit("{PBKDF2}$1$"), Hole, S, Hole, S, Z40]),
    // Shiro: 16-byte salts (`==` implied), then any
    c("A2", Scheme::ApacheShiro, &[Lit("$shiro1$SHA-256$"), Hole, S, Hole, Lit("==$"), A43, Lit("=")]),
    c("A5", Scheme::ApacheShiro, &[Lit("$shiro1$SHA-512$"), Hole, S, Hole, Lit("==$"), A86, Lit("==")]),
    c("Aa", Scheme::ApacheShiro, &[Lit("$shiro1$SHA-256$"), Hole, S, Hole, S, A43, Lit("=")]),
    c("Ab", Scheme::ApacheShiro, &[Lit("$shiro1$SHA-512$"), Hole, S, Hole, S, A86, Lit("==")]),
    // MediaWiki: the default setting, each algorithm at its own length, 16-byte keys
    c("M0", Scheme::MediawikiPbkdf2, &[Lit(":pbkdf2:sha512:30000:64:"), Hole, Lit(":"), A86, Lit("==")]),
    c("M5", Scheme::MediawikiPbkdf2, &[Lit(":pbkdf2:sha512:"), Hole, Lit(":64:"), Hole, Lit(":"), A86, Lit("==")]),
    c("M2", Scheme::MediawikiPbkdf2, &[Lit(":pbkdf2:sha256:"), Hole, Lit(":32:"), Hole, Lit(":"), A43, Lit("=")]),
    c("M1", Scheme::MediawikiPbkdf2, &[Lit(":pbkdf2:sha1:"), Hole, Lit(":20:"), Hole, Lit(":"), A27, Lit("=")]),
    c("Mg", Scheme::MediawikiPbkdf2,
        &[Lit(":pbkdf2:"), Hole, Lit(":"), Hole, Lit(":16:"), Hole, Lit(":"), A22, Lit("==")]),
    c("C8", Scheme::CiscoType8, &[Lit("$8$"), Hole, S, D43]),
    c("C9", Scheme::CiscoType9, &[Lit("$9$"), Hole, S, D43]),
    c("O2", Scheme::Oracle12c, &[Lit("T:"), Z128, Hole]),
    c("Q2", Scheme::Mssql2012, &[Lit("0x0200"), Hole, Z128]),
    // MySQL: the default 5000 rounds, then any; hashcat's notation (hex salt,
    // exempt) with its zeroed digest `2E` × 43 implied
    c("Y5", Scheme::MysqlCachingSha2, &[Lit("$A$005$"), Hole, D43]),
    c("Ym", Scheme::MysqlCachingSha2, &[Lit("$A$"), Hole, S, Hole, D43]),
    c("Yh", Scheme::MysqlCachingSha2, &[Lit("$mysql$A$"), Hole, Lit("*"), Hole, Lit(MYSQL_HEX_DOTS)]),

    // wave 3: rows with a salt, params or params column: Firebase, Keycloak, Gitea, Grafana, Discourse, ASP.NET Membership, Symfony, RabbitMQ, Better Auth, Magento
    c("Ef", Scheme::FirebaseScrypt, &[A86, Lit("==")]),
    c("K5", Scheme::KeycloakPbkdf2,
        &[Lit("{\"value\":\""), A86, Lit("==\",\"salt\":\""), Hole, Lit("\",\"additionalParameters\":{}}")]),
    c("K2", Scheme::KeycloakPbkdf2,
        &[Lit("{\"value\":\""), A43, Lit("=\",\"salt\":\""), Hole, Lit("\",\"additionalParameters\":{}}")]),
    c("Gt", Scheme::GiteaPbkdf2, &[Fill(b'0', 100)]),
    c("Gr", Scheme::GrafanaPbkdf2, &[Fill(b'0', 100)]),
    c("Gd", Scheme::DiscoursePbkdf2, &[Z64]),
    c("Hm", Scheme::AspnetMembershipSha1, &[A27, Lit("=")]),
    c("Hs", Scheme::SymfonyMessageDigest, &[A86, Lit("==")]),
    c("Rq", Scheme::RabbitmqSha256, &[Hole, Fill(b'A', 42)]),
    c("Ba", Scheme::BetterAuthScrypt, &[Hole, Lit(":"), Z128]),
    c("T1", Scheme::Magento2, &[Z64, Lit(":"), Hole, Lit(":1")]),
    c("T2", Scheme::Magento2, &[Z64, Lit(":"), Hole, Lit(":2")]),
    c("T3", Scheme::Magento2, &[Z64, Lit(":"), Hole, Lit(":3_32_2_67108864")]),
    c("T4", Scheme::Magento2, &[Z64, Lit(":"), Hole, Lit(":1:3_32_2_67108864")]),

    // wave 3: application frameworks: Django unsalted, Werkzeug, Nextcloud, Devise, MediaWiki
    c("Zm", Scheme::DjangoUnsaltedMd5, &[Lit("md5$$"), Z32]),
    c("Zs", Scheme::DjangoUnsaltedSha1, &[Lit("sha1$$"), Z40]),
    c("Vw", Scheme::DjangoPbkdf2WrappedSha1, &[Lit("pbkdf2_wrapped_sha1$"), Hole, S, Hole, S, A43, Lit("=")]),
    c("W1", Scheme::WerkzeugLegacy, &[Lit("sha1$"), Hole, S, Z40]),
    c("W5", Scheme::WerkzeugLegacy, &[Lit("md5$"), Hole, S, Z32]),
    c("W2", Scheme::WerkzeugLegacy, &[Lit("sha256$"), Hole, S, Z64]),
    c("W6", Scheme::WerkzeugLegacy, &[Lit("sha512$"), Hole, S, Z128]),
    c("Wp", Scheme::WerkzeugLegacy, &[Lit("plain$"), Hole, S]),
    c("Ny", Scheme::NextcloudBcrypt, &[Lit("1|$2y$"), Hole, S, Hole, D31]),
    c("Na", Scheme::NextcloudBcrypt, &[Lit("1|$2a$"), Hole, S, Hole, D31]),
    c("NY", Scheme::NextcloudBcrypt, &[Lit("$2y$"), Hole, S, Hole, D31]),
    c("NA", Scheme::NextcloudBcrypt, &[Lit("$2a$"), Hole, S, Hole, D31]),
    c("Ni", Scheme::NextcloudArgon2,
        &[Lit("2|$argon2i$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("NI", Scheme::NextcloudArgon2,
        &[Lit("3|$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("Nj", Scheme::NextcloudArgon2,
        &[Lit("2|$argon2id$v=19$m="), Hole, Lit(",t="), Hole, Lit(",p="), Hole, S, Hole, S, A43]),
    c("Ua", Scheme::DeviseBcryptPepper, &[Lit("$2a$"), Hole, S, Hole, D31]),
    c("Va", Scheme::MediawikiA, &[Lit(":A:"), Z32]),
    c("VA", Scheme::MediawikiA, &[Lit(":A:"), Hole, Lit(":"), Z32]),
    c("Vb", Scheme::MediawikiB, &[Lit(":B:"), Hole, Lit(":"), Z32]),

];

/// The code of any family's setting that no template fits: `--label:rest`.
const GENERIC: &str = "--";
/// The code of a declared recipe's setting: `rc` b64url(notation) `:` rest.
const RECIPE: &str = "rc";

/// Match `s` against `parts`, collecting the holes' body text. No
/// backtracking, so the work is linear in `s`: a hole before another hole
/// ends at the first occurrence of the literal that follows it (and holds no
/// `$`); the last hole takes what the fixed-length parts after it leave.
fn match_parts(s: &str, parts: &[Part], holes: &mut Vec<String>) -> bool {
    let Some((first, more)) = parts.split_first() else { return s.is_empty() };
    match *first {
        Lit(l) => s.strip_prefix(l).is_some_and(|r| match_parts(r, more, holes)),
        Fill(ch, n) => {
            s.as_bytes().get(..n).is_some_and(|run| run.iter().all(|b| *b == ch))
                && s.get(n..).is_some_and(|r| match_parts(r, more, holes))
        }
        Hole | Text => {
            let last = !more.iter().any(|p| matches!(p, Hole | Text));
            let end = if last {
                let fixed: usize = more
                    .iter()
                    .map(|p| match *p {
                        Lit(l) => l.len(),
                        Fill(_, n) => n,
                        Hole | Text => 0,
                    })
                    .sum();
                s.len().checked_sub(fixed)
            } else {
                match more.first() {
                    Some(Lit(l)) => s.find(l).filter(|e| !s.get(..*e).unwrap_or_default().contains('$')),
                    _ => None,
                }
            };
            let Some((h, r)) = end.and_then(|e| Some((s.get(..e)?, s.get(e..)?))) else { return false };
            let written = match *first {
                Text => match text_hole_decode(h) {
                    Some(t) => t,
                    None => return false,
                },
                _ => h.to_owned(),
            };
            holes.push(written);
            match_parts(r, more, holes)
        }
    }
}

/// The decoded text of a [`Part::Text`] hole, if `h` is the canonical
/// base64 of 1-64 ASCII letters and digits.
fn text_hole_decode(h: &str) -> Option<String> {
    let bytes = Base64Unpadded::decode_vec(h).ok()?;
    let ok = (1..=64).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_alphanumeric);
    (ok && Base64Unpadded::encode_string(&bytes) == h).then(|| String::from_utf8(bytes).ok()).flatten()
}

/// Rebuild the setting from a template and the holes written in the body.
fn fill_parts(parts: &[Part], body: &str) -> Result<String> {
    let holes = parts.iter().filter(|p| matches!(p, Hole | Text)).count();
    let mut pieces = if holes == 0 {
        if !body.is_empty() {
            return Err(malformed("text after a code that implies the whole setting"));
        }
        Vec::new()
    } else {
        body.splitn(holes, '$').collect::<Vec<_>>()
    };
    if pieces.len() != holes {
        return Err(malformed("inner setting has too few fields"));
    }
    pieces.reverse();
    let mut s = String::new();
    for part in parts {
        match *part {
            Lit(l) => s.push_str(l),
            Fill(ch, n) => s.extend(core::iter::repeat_n(char::from(ch), n)),
            Hole => s.push_str(pieces.pop().ok_or(malformed("inner setting"))?),
            Text => {
                let t = pieces.pop().ok_or(malformed("inner setting"))?;
                if t.is_empty() || t.len() > 64 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(malformed("inner text field"));
                }
                s.push_str(&Base64Unpadded::encode_string(t.as_bytes()));
            }
        }
    }
    Ok(s)
}

/// The longest masked setting a version 2 string may stand for.
const MAX_SETTING: usize = 4096;

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The generic encoding of a setting: `~` doubled, the first longest run of
/// one character (5 or more, at most 4095) as `~` char count.
fn rest_encode(s: &str) -> String {
    let b = s.as_bytes();
    let (mut best, mut best_len, mut i) = (0, 0, 0);
    while let Some(&ch) = b.get(i) {
        let run = b.get(i..).unwrap_or_default().iter().take_while(|x| **x == ch).count();
        if ch != b'~' && run > best_len {
            (best, best_len) = (i, run);
        }
        i += run;
    }
    let best_len = best_len.min(4095);
    let digit = |v: usize| char::from(B64URL.get(v).copied().unwrap_or(b'A'));
    let mut out = String::with_capacity(s.len());
    let mut skip_to = 0;
    for (idx, ch) in s.char_indices() {
        if idx < skip_to {
            continue;
        }
        if best_len >= 5 && idx == best {
            out.push('~');
            out.push(ch);
            out.push(digit(best_len / 64));
            out.push(digit(best_len % 64));
            skip_to = idx + best_len;
            continue;
        }
        if ch == '~' {
            out.push('~');
        }
        out.push(ch);
    }
    out
}

fn rest_decode(body: &str) -> Result<String> {
    let digit = |c: char| B64URL.iter().position(|d| char::from(*d) == c).ok_or(malformed("run length"));
    let mut out = String::with_capacity(body.len() + 64);
    let mut it = body.chars();
    while let Some(ch) = it.next() {
        if out.len() > MAX_SETTING {
            return Err(malformed("inner setting too long"));
        }
        if ch != '~' {
            out.push(ch);
            continue;
        }
        match it.next() {
            Some('~') => out.push('~'),
            Some(fill) => {
                let hi = digit(it.next().ok_or(malformed("run length"))?)?;
                let lo = digit(it.next().ok_or(malformed("run length"))?)?;
                out.extend(core::iter::repeat_n(fill, hi * 64 + lo));
            }
            None => return Err(malformed("dangling ~")),
        }
    }
    Ok(out)
}

/// The code and body a version 2 string writes for a masked setting.
pub(crate) fn encode_setting(scheme: Scheme, setting: &str, recipe: Option<&str>) -> (String, String) {
    if let Some(n) = recipe {
        let body = format!("{}:{}", Base64UrlUnpadded::encode_string(n.as_bytes()), rest_encode(setting));
        return (RECIPE.to_owned(), body);
    }
    let mut best: Option<(&'static str, String)> = None;
    for code in CODES.iter().filter(|c| c.scheme == scheme) {
        let mut holes = Vec::new();
        if match_parts(setting, code.parts, &mut holes) {
            let body = holes.join("$");
            if best.as_ref().is_none_or(|(_, b)| body.len() < b.len()) {
                best = Some((code.code, body));
            }
        }
    }
    // The generic form when no template fits, or when it is shorter (a
    // digest longer than the template's, say).
    let generic = format!("{}:{}", scheme.name(), rest_encode(setting));
    match best {
        Some((code, body)) if body.len() <= generic.len() => (code.to_owned(), body),
        _ => (GENERIC.to_owned(), generic),
    }
}

/// The family, masked setting and recipe notation a code and body stand for.
fn decode_setting(code: &str, body: &str) -> Result<(Scheme, String, Option<String>)> {
    if code == GENERIC {
        let (label, rest) = body.split_once(':').ok_or(malformed("missing family label"))?;
        let scheme = Scheme::from_name(label).ok_or(malformed("unknown inner scheme"))?;
        return Ok((scheme, rest_decode(rest)?, None));
    }
    if code == RECIPE {
        let (notation, rest) = body.split_once(':').ok_or(malformed("missing recipe notation"))?;
        return Ok((Scheme::Recipe, rest_decode(rest)?, Some(text(notation)?)));
    }
    let entry = CODES.iter().find(|c| c.code == code).ok_or(malformed("unknown family code"))?;
    Ok((entry.scheme, fill_parts(entry.parts, body)?, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_alphanumeric() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CODES {
            assert!(c.code.len() == 2 && c.code.bytes().all(|b| b.is_ascii_alphanumeric()), "{}", c.code);
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            assert_ne!(c.code, RECIPE);
        }
    }

    #[test]
    fn rest_round_trips() {
        for s in ["", "~", "~~~~~~~~", "abc", "0000000000:salt~x", "$1$ab$......................", "aaaaab"] {
            let e = rest_encode(s);
            assert_eq!(rest_decode(&e).expect("decode"), s, "{e}");
        }
        assert_eq!(rest_encode("x00000y"), "x~0AFy");
        assert!(rest_decode("~").is_err() && rest_decode("~0A").is_err() && rest_decode("~0A!").is_err());
    }

    #[test]
    fn hostile_settings_are_matched_in_linear_time() {
        let s = format!("$scrypt$ln={}", ",r=,p=".repeat(600));
        let t = std::time::Instant::now();
        let _ = encode_setting(Scheme::ScryptPasslib, &s, None);
        assert!(t.elapsed() < std::time::Duration::from_millis(200));
    }

    #[test]
    fn templates_round_trip() {
        let s = "$6$rounds=5000$saltsalt$".to_owned() + &".".repeat(86);
        let (code, body) = encode_setting(Scheme::Sha512Crypt, &s, None);
        assert_eq!((code.as_str(), body.as_str()), ("6r", "5000$saltsalt"));
        assert_eq!(decode_setting(&code, &body).expect("decode").1, s);
        let (code, body) = encode_setting(Scheme::Md5Hex, &"0".repeat(32), None);
        assert_eq!((code.as_str(), body.as_str()), ("m5", ""));
        assert!(decode_setting("m5", "x").is_err());
    }
}
