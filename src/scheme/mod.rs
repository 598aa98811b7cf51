//! The scheme catalogue: every family rehash can identify and verify, and the
//! dispatch from a stored string to the module that owns its format.
//!
//! A module knows one family (or a few that share a format): how to parse it,
//! which of its parameters cost work (checked against [`Ceilings`] before any
//! work), and how to verify a password against it. Nothing outside this folder
//! looks at byte layouts.

use core::fmt;

use std::borrow::Cow;

use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::policy::Ceilings;

pub(crate) mod argon2;
pub(crate) mod bcrypt;
pub(crate) mod crypt;
pub(crate) mod dbms;
pub(crate) mod des;
pub(crate) mod des_core;
pub(crate) mod digest;
pub(crate) mod ldap;
pub(crate) mod pbkdf2;
pub(crate) mod phpass;
pub(crate) mod scrypt;
pub(crate) mod scrypt_core;
pub(crate) mod shacrypt;

pub use digest::{DigestEncoding, Recipe, SaltLayout};

/// Whether a scheme is still acceptable as a storage target or only kept for
/// verifying what old systems wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A memory- or CPU-hard scheme that rehash can also produce
    /// (Argon2, bcrypt, scrypt, PBKDF2). Upgraded only when below the target.
    Modern,
    /// Verify-only: any successful verify reports `needs_upgrade`.
    Legacy,
}

macro_rules! catalogue {
    ($( $variant:ident : $name:literal, $hashcat:expr, $kind:ident, $hint:literal, $form:literal; )*) => {
        /// A password-hash family. [`Scheme::name`] is the label used in the
        /// shared vectors, passlib's name where passlib has one.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Scheme {
            $( #[doc = concat!("`", $name, "`: ", $form)] $variant, )*
        }

        impl Scheme {
            /// Every scheme, in catalogue order.
            pub const ALL: &'static [Scheme] = &[$(Scheme::$variant),*];

            /// The scheme's label, e.g. `"md5_crypt"`.
            pub fn name(self) -> &'static str {
                match self { $(Scheme::$variant => $name),* }
            }

            /// The hashcat mode number, where a well-known one exists.
            pub fn hashcat_mode(self) -> Option<u32> {
                match self { $(Scheme::$variant => $hashcat),* }
            }

            /// Modern target or legacy, verify-only family.
            pub fn kind(self) -> Kind {
                match self { $(Scheme::$variant => Kind::$kind),* }
            }

            /// True when a stored string of this family cannot be recognised from
            /// the string alone, so the application must declare it.
            pub fn needs_declaration(self) -> bool {
                match self { $(Scheme::$variant => $hint),* }
            }

            /// How the family's stored strings look.
            pub fn stored_form(self) -> &'static str {
                match self { $(Scheme::$variant => $form),* }
            }

            /// Look a scheme up by its label.
            pub fn from_name(name: &str) -> Option<Scheme> {
                match name { $($name => Some(Scheme::$variant),)* _ => None }
            }
        }
    };
}

catalogue! {
    Md5Hex: "md5_hex", Some(0), Legacy, true, "32 hex: md5(pass)";
    Sha1Hex: "sha1_hex", Some(100), Legacy, true, "40 hex: sha1(pass)";
    Sha256Hex: "sha256_hex", Some(1400), Legacy, true, "64 hex: sha256(pass)";
    Sha512Hex: "sha512_hex", Some(1700), Legacy, true, "128 hex: sha512(pass)";
    Md5Md5Hex: "md5_md5_hex", Some(2600), Legacy, true, "32 hex: md5(hex(md5(pass)))";
    Ntlm: "ntlm", Some(1000), Legacy, true, "32 hex: md4(utf16le(pass))";
    Mysql41: "mysql41", Some(300), Legacy, true, "`*` + 40 upper hex: sha1(sha1_bin(pass))";
    PostgresMd5: "postgres_md5", Some(12), Legacy, true, "`md5` + hex(md5(pass . user))";
    Md5PassSalt: "md5_pass_salt", Some(10), Legacy, true, "`hex:salt`, md5(pass . salt) (Joomla)";
    Md5SaltPass: "md5_salt_pass", Some(20), Legacy, true, "`hex:salt`, md5(salt . pass) (osCommerce)";
    Sha1SaltPass: "sha1_salt_pass", Some(120), Legacy, true, "hex of sha1(salt . pass), salt in its own column";
    Sha256SaltPass: "sha256_salt_pass", Some(1420), Legacy, true, "hex of sha256(salt . pass), salt in its own column";
    Sha256PassSalt: "sha256_pass_salt", Some(1410), Legacy, true, "`hex:salt`, sha256(pass . salt)";
    Sha512PassSalt: "sha512_pass_salt", Some(1710), Legacy, true, "hex of sha512(pass . salt), salt in its own column";
    Vbulletin: "vbulletin", Some(2611), Legacy, true, "`hex:salt`, md5(hex(md5(pass)) . salt)";
    Md5Crypt: "md5_crypt", Some(500), Legacy, false, "`$1$salt$hash`";
    Apr1: "apr1", Some(1600), Legacy, false, "`$apr1$salt$hash` (Apache)";
    Sha256Crypt: "sha256_crypt", Some(7400), Legacy, false, "`$5$[rounds=N$]salt$hash`";
    Sha512Crypt: "sha512_crypt", Some(1800), Legacy, false, "`$6$[rounds=N$]salt$hash`";
    Bcrypt: "bcrypt", Some(3200), Modern, false, "`$2a$`, `$2b$`, `$2y$` + cost + salt + hash";
    BcryptSha256: "bcrypt_sha256", None, Modern, false, "`$bcrypt-sha256$v=2,t=2b,r=N$salt$hash` (passlib)";
    DesCrypt: "des_crypt", Some(1500), Legacy, true, "13 chars, traditional crypt(3)";
    BsdiCrypt: "bsdi_crypt", Some(12400), Legacy, false, "`_` + 19 chars, BSDi extended DES";
    Phpass: "phpass", Some(400), Legacy, false, "`$P$` or `$H$` (WordPress, phpBB3)";
    LdapMd5: "ldap_md5", None, Legacy, false, "`{MD5}` + base64(md5(pass))";
    LdapSha1: "ldap_sha1", Some(101), Legacy, false, "`{SHA}` + base64(sha1(pass))";
    LdapSaltedMd5: "ldap_salted_md5", None, Legacy, false, "`{SMD5}` + base64(md5(pass . salt) . salt)";
    LdapSaltedSha1: "ldap_salted_sha1", Some(111), Legacy, false, "`{SSHA}` + base64(sha1(pass . salt) . salt)";
    LdapSaltedSha256: "ldap_salted_sha256", Some(1411), Legacy, false, "`{SSHA256}` + base64(sha256(pass . salt) . salt)";
    LdapSaltedSha512: "ldap_salted_sha512", Some(1711), Legacy, false, "`{SSHA512}` + base64(sha512(pass . salt) . salt)";
    DjangoPbkdf2Sha256: "django_pbkdf2_sha256", Some(10000), Modern, false, "`pbkdf2_sha256$iter$salt$b64`";
    DjangoPbkdf2Sha1: "django_pbkdf2_sha1", None, Legacy, false, "`pbkdf2_sha1$iter$salt$b64`";
    DjangoArgon2: "django_argon2", None, Modern, false, "`argon2$argon2id$v=19$…`";
    DjangoBcryptSha256: "django_bcrypt_sha256", None, Modern, false, "`bcrypt_sha256$$2b$…` (bcrypt over hex sha256)";
    DjangoBcrypt: "django_bcrypt", None, Modern, false, "`bcrypt$$2b$…`";
    DjangoScrypt: "django_scrypt", None, Modern, false, "`scrypt$N$salt$r$p$b64`";
    DjangoSaltedMd5: "django_salted_md5", None, Legacy, false, "`md5$salt$hex`";
    DjangoSaltedSha1: "django_salted_sha1", Some(124), Legacy, false, "`sha1$salt$hex`";
    Pbkdf2Sha256: "pbkdf2_sha256_passlib", Some(20300), Modern, false, "`$pbkdf2-sha256$rounds$salt$hash` (adapted base64)";
    Pbkdf2Sha512: "pbkdf2_sha512_passlib", Some(20200), Modern, false, "`$pbkdf2-sha512$rounds$salt$hash`";
    Pbkdf2Sha1: "pbkdf2_sha1_passlib", Some(20400), Legacy, false, "`$pbkdf2$rounds$salt$hash`";
    AtlassianPbkdf2Sha1: "atlassian_pbkdf2_sha1", Some(12001), Legacy, false, "`{PKCS5S2}` + base64(salt . key)";
    WerkzeugPbkdf2: "werkzeug_pbkdf2", None, Modern, false, "`pbkdf2:sha256:N$salt$hex` (also sha512)";
    WerkzeugScrypt: "werkzeug_scrypt", None, Modern, false, "`scrypt:N:r:p$salt$hex`";
    ScryptPasslib: "scrypt_passlib", None, Modern, false, "`$scrypt$ln=…,r=…,p=…$salt$hash`";
    Argon2id: "argon2id", None, Modern, false, "`$argon2id$v=19$m=…,t=…,p=…$salt$hash` (PHC)";
    Argon2i: "argon2i", None, Modern, false, "`$argon2i$v=19$…` (PHC)";
    Argon2d: "argon2d", None, Modern, false, "`$argon2d$v=19$…` (PHC)";
    Yescrypt: "yescrypt", None, Legacy, false, "`$y$params$salt$hash` (libxcrypt, Debian/Fedora shadow)";
    LdapHexMd5: "ldap_hex_md5", None, Legacy, false, "`{MD5}` + hex(md5(pass))";
    LdapHexSha1: "ldap_hex_sha1", None, Legacy, false, "`{SHA}` + hex(sha1(pass))";
    LdapMd5Crypt: "ldap_md5_crypt", None, Legacy, false, "`{CRYPT}$1$…`";
    LdapSha1Crypt: "ldap_sha1_crypt", None, Legacy, false, "`{CRYPT}$sha1$…`";
    LdapSha256Crypt: "ldap_sha256_crypt", None, Legacy, false, "`{CRYPT}$5$…`";
    LdapSha512Crypt: "ldap_sha512_crypt", None, Legacy, false, "`{CRYPT}$6$…`";
    LdapBcrypt: "ldap_bcrypt", None, Legacy, false, "`{CRYPT}$2b$…`";
    LdapDesCrypt: "ldap_des_crypt", None, Legacy, false, "`{CRYPT}` + 13-char DES crypt";
    LdapBsdiCrypt: "ldap_bsdi_crypt", None, Legacy, false, "`{CRYPT}_…` (BSDi extended DES)";
    LdapPbkdf2Sha1: "ldap_pbkdf2_sha1", None, Legacy, false, "`{PBKDF2}rounds$salt$checksum` (adapted base64)";
    LdapPbkdf2Sha256: "ldap_pbkdf2_sha256", None, Legacy, false, "`{PBKDF2-SHA256}rounds$salt$checksum`";
    LdapPbkdf2Sha512: "ldap_pbkdf2_sha512", None, Legacy, false, "`{PBKDF2-SHA512}rounds$salt$checksum`";
    Sha1Crypt: "sha1_crypt", Some(15100), Legacy, false, "`$sha1$rounds$salt$checksum` (NetBSD)";
    SunMd5Crypt: "sun_md5_crypt", None, Legacy, false, "`$md5[,rounds=N]$salt$[$]checksum` (Solaris)";
    BsdNthash: "bsd_nthash", None, Legacy, false, "`$3$$` + hex NT hash (FreeBSD)";
    Bigcrypt: "bigcrypt", None, Legacy, true, "DES crypt extended past 8 characters (HP-UX, Digital Unix)";
    HexMd4: "hex_md4", Some(900), Legacy, true, "32 hex: md4(pass)";
    DjangoDesCrypt: "django_des_crypt", None, Legacy, false, "`crypt$salt$des-crypt`";
    GrubPbkdf2Sha512: "grub_pbkdf2_sha512", Some(7200), Legacy, false, "`grub.pbkdf2.sha512.rounds.SALT.HASH`";
    Fshp: "fshp", None, Legacy, false, "`{FSHP<variant>|<saltlen>|<rounds>}` + base64(salt . digest)";
    CtaPbkdf2Sha1: "cta_pbkdf2_sha1", None, Legacy, false, "`$p5k2$rounds-hex$salt$checksum` (url-safe base64, padded)";
    DlitzPbkdf2Sha1: "dlitz_pbkdf2_sha1", None, Legacy, false, "`$p5k2$rounds-hex$salt$checksum` (32-char checksum)";
    Drupal7: "drupal7", Some(7900), Legacy, false, "`$S$` + SHA-512 phpass variant, 55 characters";
    Drupal7WrappedMd5: "drupal7_wrapped_md5", None, Legacy, false, "`U$S$…`: drupal7 over hex(md5(pass))";
    WordpressBcrypt: "wordpress_bcrypt", None, Legacy, false, "`$wp$2y$…`: bcrypt over base64(HMAC-SHA384(`wp-sha384`, pass))";
    Disabled: "disabled", None, Legacy, false, "a locked or unusable account: `!…`, `*…`, `*LK*…`, Django's `!` + 40 chars";
    Mysql323: "mysql323", Some(200), Legacy, true, "16 hex: MySQL 3.23 OLD_PASSWORD(pass), spaces and tabs skipped";
    Mssql2000: "mssql2000", Some(131), Legacy, false, "`0x0100` + hex salt + sha1(utf16le(pass) . salt) + sha1(utf16le(upper(pass)) . salt)";
    Mssql2005: "mssql2005", Some(132), Legacy, false, "`0x0100` + hex salt + sha1(utf16le(pass) . salt)";
    Oracle11: "oracle11", Some(112), Legacy, false, "`S:` + hex sha1(pass . salt) + 20 hex salt";
    PostgresScramSha256: "postgres_scram_sha256", Some(28600), Legacy, false, "`SCRAM-SHA-256$iter:salt$StoredKey:ServerKey` (pg_authid)";
    AspnetIdentityV2: "aspnet_identity_v2", None, Legacy, false, "base64 of 0x00 . salt . PBKDF2-HMAC-SHA1(1000 iterations)";
    AspnetIdentityV3: "aspnet_identity_v3", None, Legacy, false, "base64 of 0x01 . prf . iterations . salt length . salt . subkey";
    RehashWrap: "rehash_wrap", None, Legacy, false, "`$rw2$…` (`$rehash-wrap$v=1$…` before): Argon2id over a legacy digest (rehash's onion)";
    Recipe: "recipe", None, Legacy, true, "an application's own salted digest, declared as a recipe";
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The cost parameters of a stored hash, as far as its format records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Params {
    /// The family has no tunable cost (raw and salted digests, md5-crypt, …).
    Fixed,
    /// An iteration count (PBKDF2, sha-crypt rounds, BSDi rounds, phpass's
    /// 2^log2 count written out).
    Rounds(u64),
    /// bcrypt's log2 cost.
    Bcrypt {
        /// log2 of the number of key-expansion rounds.
        cost: u32,
    },
    /// scrypt's N (as log2), r and p.
    Scrypt {
        /// log2(N).
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
    },
    /// Argon2's memory (KiB), passes and lanes, and the version (0x10 or 0x13).
    Argon2 {
        /// Memory in KiB.
        m_kib: u32,
        /// Passes over memory.
        t: u32,
        /// Lanes.
        p: u32,
        /// Algorithm version: 16 or 19.
        version: u32,
    },
    /// yescrypt's N (as log2), r and p.
    Yescrypt {
        /// log2(N).
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
    },
}

impl Params {
    /// The memory one computation with these parameters holds at its peak, in
    /// KiB (at least 1, so every computation counts against a memory budget).
    pub fn memory_kib(&self) -> u64 {
        let kib = match *self {
            Params::Argon2 { m_kib, .. } => u64::from(m_kib),
            Params::Scrypt { log_n, r, .. } | Params::Yescrypt { log_n, r, .. } => {
                (128u64.saturating_mul(u64::from(r)) << log_n.min(40)) / 1024
            }
            Params::Bcrypt { .. } => 5,
            _ => 1,
        };
        kib.max(1)
    }
}

/// What [`crate::identify`] learned from a stored string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identified {
    /// The family.
    pub scheme: Scheme,
    /// Its cost parameters.
    pub params: Params,
}

/// A stored hash parsed into its family's typed form. Built only by
/// [`parse`]; its cost parameters are checked by [`Parsed::check`] before
/// [`Parsed::verify`] does any work.
pub(crate) enum Parsed<'a> {
    Digest(digest::Parsed<'a>),
    Md5Crypt(crypt::Md5Crypt<'a>),
    ShaCrypt(crypt::ShaCrypt<'a>),
    Yescrypt(crypt::Yescrypt<'a>),
    Des(des::Parsed<'a>),
    Bcrypt(bcrypt::Parsed),
    Phpass(phpass::Parsed<'a>),
    Ldap(ldap::Parsed),
    Pbkdf2(pbkdf2::Parsed),
    Scrypt(scrypt::Parsed),
    Argon2(argon2::Parsed),
    /// A locked or unusable account: never verifies, costs no work.
    Disabled,
    /// A family carried inside another's wrapper (`{CRYPT}…`, Django's
    /// `crypt$…`): the wrapper names the scheme, the inner string does the work.
    Wrapped(Scheme, Box<Parsed<'a>>),
    Dbms(dbms::Parsed),
}

impl Parsed<'_> {
    pub(crate) fn identified(&self) -> Identified {
        match self {
            Parsed::Digest(p) => p.identified(),
            Parsed::Md5Crypt(p) => p.identified(),
            Parsed::ShaCrypt(p) => p.identified(),
            Parsed::Yescrypt(p) => p.identified(),
            Parsed::Des(p) => p.identified(),
            Parsed::Bcrypt(p) => p.identified(),
            Parsed::Phpass(p) => p.identified(),
            Parsed::Ldap(p) => p.identified(),
            Parsed::Pbkdf2(p) => p.identified(),
            Parsed::Scrypt(p) => p.identified(),
            Parsed::Argon2(p) => p.identified(),
            Parsed::Dbms(p) => p.identified(),
            Parsed::Disabled => Identified { scheme: Scheme::Disabled, params: Params::Fixed },
            Parsed::Wrapped(scheme, inner) => Identified { scheme: *scheme, ..inner.identified() },
        }
    }

    /// Refuse parameters above the ceilings, before any work is done.
    pub(crate) fn check(&self, c: &Ceilings) -> Result<()> {
        match self {
            Parsed::Digest(_) | Parsed::Md5Crypt(_) | Parsed::Disabled => Ok(()),
            Parsed::Ldap(p) => p.check(c),
            Parsed::Wrapped(_, inner) => inner.check(c),
            Parsed::ShaCrypt(p) => p.check(c),
            Parsed::Yescrypt(p) => p.check(c),
            Parsed::Des(p) => p.check(c),
            Parsed::Bcrypt(p) => p.check(c),
            Parsed::Phpass(p) => p.check(c),
            Parsed::Pbkdf2(p) => p.check(c),
            Parsed::Scrypt(p) => p.check(c),
            Parsed::Argon2(p) => p.check(c),
            Parsed::Dbms(p) => p.check(c),
        }
    }

    /// The pepper key id and Argon2 associated data the hash records, if any.
    pub(crate) fn marks(&self) -> (Option<&[u8]>, Option<&[u8]>) {
        match self {
            Parsed::Argon2(p) => p.marks(),
            Parsed::Wrapped(_, inner) => inner.marks(),
            _ => (None, None),
        }
    }

    /// The value verify recomputes from a password: the legacy digest that
    /// [`crate::wrap`] feeds to the outer KDF. `secret` is the pepper named by
    /// [`Parsed::marks`].
    pub(crate) fn derive(&self, password: &[u8], kdf: Kdf<'_>) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            Parsed::Digest(p) => p.derive(password),
            Parsed::Md5Crypt(p) => Ok(p.derive(password)),
            Parsed::ShaCrypt(p) => p.derive(password),
            Parsed::Yescrypt(p) => p.derive(password),
            Parsed::Des(p) => p.derive(password),
            Parsed::Bcrypt(p) => p.derive(password),
            Parsed::Phpass(p) => Ok(p.derive(password)),
            Parsed::Ldap(p) => Ok(p.derive(password)),
            Parsed::Pbkdf2(p) => p.derive(password),
            Parsed::Scrypt(p) => p.derive(password),
            Parsed::Argon2(p) => p.derive(password, kdf),
            Parsed::Dbms(p) => p.derive(password),
            Parsed::Wrapped(_, inner) => inner.derive(password, kdf),
            Parsed::Disabled => {
                Err(Error::Unsupported { scheme: Scheme::Disabled, what: "a locked account has no digest" })
            }
        }
    }

    /// The notation of the declared recipe a digest resolved through.
    pub(crate) fn recipe_notation(&self) -> Option<&str> {
        match self {
            Parsed::Digest(p) => p.recipe_notation(),
            _ => None,
        }
    }

    /// The stored digest [`Parsed::derive`] must reproduce.
    pub(crate) fn expected(&self) -> Cow<'_, [u8]> {
        match self {
            Parsed::Digest(p) => Cow::Borrowed(p.expected()),
            Parsed::Md5Crypt(p) => Cow::Borrowed(p.expected()),
            Parsed::ShaCrypt(p) => Cow::Borrowed(p.expected()),
            Parsed::Yescrypt(p) => Cow::Borrowed(p.expected()),
            Parsed::Des(p) => Cow::Borrowed(p.expected()),
            Parsed::Bcrypt(p) => Cow::Borrowed(p.expected()),
            Parsed::Phpass(p) => Cow::Borrowed(p.expected()),
            Parsed::Ldap(p) => Cow::Borrowed(p.expected()),
            Parsed::Pbkdf2(p) => Cow::Borrowed(p.expected()),
            Parsed::Scrypt(p) => Cow::Borrowed(p.expected()),
            Parsed::Argon2(p) => Cow::Borrowed(p.expected()),
            Parsed::Dbms(p) => p.expected(),
            Parsed::Wrapped(_, inner) => inner.expected(),
            Parsed::Disabled => Cow::Borrowed(&[]),
        }
    }

    /// The stored string with every password-derived byte replaced by zero:
    /// salt, parameters and layout kept, nothing a guess can be tested against.
    pub(crate) fn masked(&self) -> Result<String> {
        Ok(match self {
            Parsed::Digest(p) => p.masked(),
            Parsed::Md5Crypt(p) => p.masked(),
            Parsed::ShaCrypt(p) => p.masked(),
            Parsed::Yescrypt(p) => p.masked(),
            Parsed::Des(p) => p.masked(),
            Parsed::Bcrypt(p) => p.masked(),
            Parsed::Phpass(p) => p.masked(),
            Parsed::Ldap(p) => p.masked(),
            Parsed::Pbkdf2(p) => p.masked(),
            Parsed::Scrypt(p) => p.masked(),
            Parsed::Argon2(p) => p.masked(),
            Parsed::Dbms(p) => p.masked(),
            Parsed::Wrapped(scheme, inner) => {
                let inner = inner.masked()?;
                match scheme {
                    Scheme::DjangoDesCrypt => format!("crypt${}${inner}", inner.get(..2).unwrap_or_default()),
                    _ => format!("{{CRYPT}}{inner}"),
                }
            }
            Parsed::Disabled => {
                return Err(Error::Unsupported {
                    scheme: Scheme::Disabled,
                    what: "a locked account is never wrapped",
                })
            }
        })
    }

    /// Constant-time verify: the returned `Choice` is 1 for a match.
    pub(crate) fn verify(&self, password: &[u8], kdf: Kdf<'_>) -> Result<Choice> {
        if let Parsed::Disabled = self {
            return Ok(Choice::from(0));
        }
        let got = self.derive(password, kdf)?;
        Ok(got.as_slice().ct_eq(&self.expected()))
    }
}

/// What a KDF run may use beyond the password: the pepper a hash's `keyid`
/// names (Argon2's secret input) and the threads it may fill Argon2 lanes on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kdf<'a> {
    pub secret: Option<&'a [u8]>,
    pub threads: u32,
}

/// The row-level inputs a parse may need beyond the stored string.
#[derive(Clone, Copy, Default)]
pub(crate) struct Extra<'a> {
    pub salt: Option<&'a str>,
    pub user: Option<&'a str>,
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
    if s.bytes().any(|b| b.is_ascii_control() || !b.is_ascii()) {
        return Err(Error::Malformed { scheme: None, what: "control or non-ASCII characters" });
    }
    if let Some(disabled) = parse_disabled(s, depth)? {
        return Ok(Some(disabled));
    }
    let parsed = if let Some(rest) = s.strip_prefix('$') {
        let id = rest.split('$').next().unwrap_or_default();
        match id {
            "1" => Parsed::Md5Crypt(crypt::Md5Crypt::parse(s, false)?),
            "apr1" => Parsed::Md5Crypt(crypt::Md5Crypt::parse(s, true)?),
            "5" | "6" => Parsed::ShaCrypt(crypt::ShaCrypt::parse(s)?),
            "y" => Parsed::Yescrypt(crypt::Yescrypt::parse(s)?),
            "2a" | "2b" | "2y" | "2x" => Parsed::Bcrypt(bcrypt::Parsed::parse_plain(s, Scheme::Bcrypt)?),
            "bcrypt-sha256" => Parsed::Bcrypt(bcrypt::Parsed::parse_passlib_sha256(s)?),
            "wp" => Parsed::Bcrypt(bcrypt::Parsed::parse_wordpress(s)?),
            "P" | "H" | "S" => Parsed::Phpass(phpass::Parsed::parse(s)?),
            "pbkdf2" | "pbkdf2-sha256" | "pbkdf2-sha512" => Parsed::Pbkdf2(pbkdf2::Parsed::parse_passlib(s)?),
            "p5k2" => Parsed::Pbkdf2(pbkdf2::Parsed::parse_p5k2(s)?),
            "scrypt" => Parsed::Scrypt(scrypt::Parsed::parse_passlib(s)?),
            "argon2id" | "argon2i" | "argon2d" => Parsed::Argon2(argon2::Parsed::parse(s, None)?),
            "sha1" => Parsed::Des(des::Parsed::parse_sha1_crypt(s)?),
            "3" => Parsed::Digest(digest::Parsed::parse_builtin(s, Scheme::BsdNthash, Extra::default())?),
            m if m == "md5" || m.starts_with("md5,") => Parsed::Des(des::Parsed::parse_sun_md5(s)?),
            _ => {
                return Err(Error::Malformed { scheme: None, what: "unknown `$id$` prefix" });
            }
        }
    } else if let Some(inner) = s.strip_prefix("{CRYPT}") {
        parse_ldap_crypt(inner, depth)?
    } else if s.starts_with("{PKCS5S2}") {
        Parsed::Pbkdf2(pbkdf2::Parsed::parse_atlassian(s)?)
    } else if s.starts_with("{PBKDF2") {
        Parsed::Pbkdf2(pbkdf2::Parsed::parse_ldap(s)?)
    } else if s.starts_with("{FSHP") {
        Parsed::Ldap(ldap::Parsed::parse_fshp(s)?)
    } else if s.starts_with('{') {
        Parsed::Ldap(ldap::Parsed::parse(s)?)
    } else if s.starts_with('_') {
        Parsed::Des(des::Parsed::parse_bsdi(s)?)
    } else if s.starts_with("grub.pbkdf2.") {
        Parsed::Pbkdf2(pbkdf2::Parsed::parse_grub(s)?)
    } else if let Some(p) = dbms::parse_prefixed(s)? {
        Parsed::Dbms(p)
    } else if let Some((prefix, rest)) = s.split_once('$') {
        match prefix {
            "pbkdf2_sha256" | "pbkdf2_sha1" => Parsed::Pbkdf2(pbkdf2::Parsed::parse_django(s)?),
            "argon2" => Parsed::Argon2(argon2::Parsed::parse(rest, Some(Scheme::DjangoArgon2))?),
            "bcrypt" => Parsed::Bcrypt(bcrypt::Parsed::parse_plain(rest, Scheme::DjangoBcrypt)?),
            "bcrypt_sha256" => Parsed::Bcrypt(bcrypt::Parsed::parse_plain(rest, Scheme::DjangoBcryptSha256)?),
            "scrypt" => Parsed::Scrypt(scrypt::Parsed::parse_django(s)?),
            "md5" | "sha1" => Parsed::Digest(digest::Parsed::parse_django(s)?),
            "crypt" => parse_django_des(rest)?,
            "U" if rest.starts_with("S$") => Parsed::Phpass(phpass::Parsed::parse(s)?),
            p if p.starts_with("pbkdf2:") => Parsed::Pbkdf2(pbkdf2::Parsed::parse_werkzeug(s)?),
            p if p.starts_with("scrypt:") => Parsed::Scrypt(scrypt::Parsed::parse_werkzeug(s)?),
            _ => return Ok(None),
        }
    } else if let Some(p) = dbms::parse_aspnet(s)? {
        Parsed::Dbms(p)
    } else {
        return Ok(None);
    };
    Ok(Some(parsed))
}

/// Locked and unusable accounts: a bare `!`, `!!` or `*`; `*LK*`/`*NP*`
/// markers; `!` in front of anything (shadow's lock, Django's unusable
/// password); `*` in front of a self-describing hash. `*` + 40 hex is MySQL's
/// format, left to the declarations; any other `*…` is malformed.
fn parse_disabled(s: &str, depth: usize) -> Result<Option<Parsed<'_>>> {
    if matches!(s, "!" | "!!" | "*") || s.starts_with("*LK*") || s.starts_with("*NP*") || s.starts_with('!') {
        return Ok(Some(Parsed::Disabled));
    }
    if let Some(rest) = s.strip_prefix('*') {
        if rest.len() == 40 && rest.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        if depth >= MAX_NESTING {
            return Err(nested_too_deeply());
        }
        return match parse_nested(rest, depth + 1) {
            Ok(Some(_)) => Ok(Some(Parsed::Disabled)),
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
        None => Parsed::Des(des::Parsed::parse_des(inner)?),
    };
    let label = match parsed.identified().scheme {
        Scheme::Md5Crypt => Scheme::LdapMd5Crypt,
        Scheme::Sha1Crypt => Scheme::LdapSha1Crypt,
        Scheme::Sha256Crypt => Scheme::LdapSha256Crypt,
        Scheme::Sha512Crypt => Scheme::LdapSha512Crypt,
        Scheme::Bcrypt => Scheme::LdapBcrypt,
        Scheme::DesCrypt => Scheme::LdapDesCrypt,
        Scheme::BsdiCrypt => Scheme::LdapBsdiCrypt,
        Scheme::Disabled => return Ok(Parsed::Disabled),
        other => other,
    };
    Ok(Parsed::Wrapped(label, Box::new(parsed)))
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
    Ok(Parsed::Wrapped(sch, Box::new(Parsed::Des(des::Parsed::parse_des(des)?))))
}

/// Parse a stored string, using `declared` (the row's hint, then the policy's
/// declared schemes and recipes) only where the string is not self-describing.
pub(crate) fn parse<'a>(
    s: &'a str,
    extra: Extra<'a>,
    hint: Option<Scheme>,
    declared: &'a [Scheme],
    recipes: &'a [Recipe],
) -> Result<Parsed<'a>> {
    if let Some(p) = parse_self_describing(s)? {
        return Ok(p);
    }
    if let Some(scheme) = hint {
        if scheme == Scheme::Recipe {
            return match recipes {
                [only] => Ok(Parsed::Digest(digest::Parsed::parse_recipe(s, only, extra)?)),
                _ => Err(Error::InvalidConfig(
                    "the row names the `recipe` scheme but the policy does not declare exactly one recipe"
                        .into(),
                )),
            };
        }
        return parse_declared(s, scheme, extra);
    }
    let candidates = shape_candidates(s);
    if candidates.is_empty() && recipes.is_empty() {
        return Err(Error::Malformed { scheme: None, what: "no known format has this shape" });
    }
    let mut fits: Vec<Result<Parsed<'a>>> = declared
        .iter()
        .filter(|d| candidates.contains(d))
        .map(|d| parse_declared(s, *d, extra))
        .filter(|r| r.is_ok())
        .collect();
    fits.extend(
        recipes
            .iter()
            .map(|r| digest::Parsed::parse_recipe(s, r, extra).map(Parsed::Digest))
            .filter(|r| r.is_ok()),
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
    Err(Error::Ambiguous { candidates })
}

/// Parse as one declared, non-self-describing scheme.
fn parse_declared<'a>(s: &'a str, scheme: Scheme, extra: Extra<'a>) -> Result<Parsed<'a>> {
    match scheme {
        Scheme::DesCrypt => Ok(Parsed::Des(des::Parsed::parse_des(s)?)),
        Scheme::Mysql323 => Ok(Parsed::Dbms(dbms::Parsed::parse_mysql323(s)?)),
        Scheme::Bigcrypt => Ok(Parsed::Des(des::Parsed::parse_bigcrypt(s)?)),
        s2 if digest::builtin(s2).is_some() => {
            Ok(Parsed::Digest(digest::Parsed::parse_builtin(s, s2, extra)?))
        }
        other => Err(Error::malformed(other, "string does not have this scheme's form")),
    }
}

/// The declarable schemes whose shape `s` has, for the ambiguity error.
fn shape_candidates(s: &str) -> Vec<Scheme> {
    Scheme::ALL
        .iter()
        .copied()
        .filter(|sch| sch.needs_declaration() && *sch != Scheme::Recipe)
        .filter(|sch| match sch {
            Scheme::DesCrypt => des::looks_like_des(s),
            Scheme::Mysql323 => dbms::looks_like_mysql323(s),
            Scheme::Bigcrypt => des::looks_like_bigcrypt(s),
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

/// Parse → format → parse is the identity for every family of both vector
/// waves, with `masked` as the formatter (the stored string with its digest
/// zeroed): the masked string parses to the same scheme and parameters, and
/// masks to itself. Reads ../shared/vectors; says so loudly when absent.
#[cfg(test)]
mod round_trip {
    use super::*;

    fn field(line: &str, key: &str) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        v.get(key).and_then(|x| x.as_str()).map(str::to_owned)
    }

    #[test]
    fn parse_format_parse_is_identity() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors");
        let mut checked = 0;
        for file in ["valid_invalid.jsonl", "more_valid_invalid.jsonl"] {
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
                let extra = Extra { salt: salt.as_deref(), user: user.as_deref() };
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
        assert!(checked > 400, "{checked} strings checked");
    }
}
