//! The scheme catalogue: every family rehash knows, with the facts the rest
//! of the code needs about it (label, hashcat mode, modern or legacy, whether
//! its strings are self-describing, whether it is salted, how it looks), and
//! the types that describe a stored hash without parsing it: [`Params`] and
//! [`Identified`]. A leaf: it imports nothing of the crate.
//!
//! Adding a family is one line here and one module under `scheme/` (see
//! CONTRIBUTING.md).

use core::fmt;

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
    ($( $variant:ident : $name:literal, $hashcat:expr, $kind:ident, $hint:literal, $salted:literal, $form:literal; )*) => {
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

            /// True when equal passwords give different stored strings (a salt,
            /// or the user name, goes into the digest). Unsalted families'
            /// equal strings mean equal passwords, which `rehash scan` reports.
            pub fn is_salted(self) -> bool {
                match self { $(Scheme::$variant => $salted),* }
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
    Md5Hex: "md5_hex", Some(0), Legacy, true, false, "32 hex: md5(pass)";
    Sha1Hex: "sha1_hex", Some(100), Legacy, true, false, "40 hex: sha1(pass)";
    Sha256Hex: "sha256_hex", Some(1400), Legacy, true, false, "64 hex: sha256(pass)";
    Sha512Hex: "sha512_hex", Some(1700), Legacy, true, false, "128 hex: sha512(pass)";
    Md5Md5Hex: "md5_md5_hex", Some(2600), Legacy, true, false, "32 hex: md5(hex(md5(pass)))";
    Ntlm: "ntlm", Some(1000), Legacy, true, false, "32 hex: md4(utf16le(pass))";
    Mysql41: "mysql41", Some(300), Legacy, true, false, "`*` + 40 upper hex: sha1(sha1_bin(pass))";
    PostgresMd5: "postgres_md5", Some(12), Legacy, true, true, "`md5` + hex(md5(pass . user))";
    Md5PassSalt: "md5_pass_salt", Some(10), Legacy, true, true, "`hex:salt`, md5(pass . salt) (Joomla)";
    Md5SaltPass: "md5_salt_pass", Some(20), Legacy, true, true, "`hex:salt`, md5(salt . pass) (osCommerce)";
    Sha1SaltPass: "sha1_salt_pass", Some(120), Legacy, true, true, "hex of sha1(salt . pass), salt in its own column";
    Sha256SaltPass: "sha256_salt_pass", Some(1420), Legacy, true, true, "hex of sha256(salt . pass), salt in its own column";
    Sha256PassSalt: "sha256_pass_salt", Some(1410), Legacy, true, true, "`hex:salt`, sha256(pass . salt)";
    Sha512PassSalt: "sha512_pass_salt", Some(1710), Legacy, true, true, "hex of sha512(pass . salt), salt in its own column";
    Vbulletin: "vbulletin", Some(2611), Legacy, true, true, "`hex:salt`, md5(hex(md5(pass)) . salt)";
    Md5Crypt: "md5_crypt", Some(500), Legacy, false, true, "`$1$salt$hash`";
    Apr1: "apr1", Some(1600), Legacy, false, true, "`$apr1$salt$hash` (Apache)";
    Sha256Crypt: "sha256_crypt", Some(7400), Legacy, false, true, "`$5$[rounds=N$]salt$hash`";
    Sha512Crypt: "sha512_crypt", Some(1800), Legacy, false, true, "`$6$[rounds=N$]salt$hash`";
    Bcrypt: "bcrypt", Some(3200), Modern, false, true, "`$2a$`, `$2b$`, `$2x$`, `$2y$` + cost + salt + hash";
    BcryptSha256: "bcrypt_sha256", None, Modern, false, true, "`$bcrypt-sha256$v=2,t=2b,r=N$salt$hash` (passlib)";
    DesCrypt: "des_crypt", Some(1500), Legacy, true, true, "13 chars, traditional crypt(3)";
    BsdiCrypt: "bsdi_crypt", Some(12400), Legacy, false, true, "`_` + 19 chars, BSDi extended DES";
    Phpass: "phpass", Some(400), Legacy, false, true, "`$P$` or `$H$` (WordPress, phpBB3)";
    LdapMd5: "ldap_md5", None, Legacy, false, false, "`{MD5}` + base64(md5(pass))";
    LdapSha1: "ldap_sha1", Some(101), Legacy, false, false, "`{SHA}` + base64(sha1(pass))";
    LdapSaltedMd5: "ldap_salted_md5", None, Legacy, false, true, "`{SMD5}` + base64(md5(pass . salt) . salt)";
    LdapSaltedSha1: "ldap_salted_sha1", Some(111), Legacy, false, true, "`{SSHA}` + base64(sha1(pass . salt) . salt)";
    LdapSaltedSha256: "ldap_salted_sha256", Some(1411), Legacy, false, true, "`{SSHA256}` + base64(sha256(pass . salt) . salt)";
    LdapSaltedSha512: "ldap_salted_sha512", Some(1711), Legacy, false, true, "`{SSHA512}` + base64(sha512(pass . salt) . salt)";
    DjangoPbkdf2Sha256: "django_pbkdf2_sha256", Some(10000), Modern, false, true, "`pbkdf2_sha256$iter$salt$b64`";
    DjangoPbkdf2Sha1: "django_pbkdf2_sha1", None, Legacy, false, true, "`pbkdf2_sha1$iter$salt$b64`";
    DjangoArgon2: "django_argon2", None, Modern, false, true, "`argon2$argon2id$v=19$…`";
    DjangoBcryptSha256: "django_bcrypt_sha256", None, Modern, false, true, "`bcrypt_sha256$$2b$…` (bcrypt over hex sha256)";
    DjangoBcrypt: "django_bcrypt", None, Modern, false, true, "`bcrypt$$2b$…`";
    DjangoScrypt: "django_scrypt", None, Modern, false, true, "`scrypt$N$salt$r$p$b64`";
    DjangoSaltedMd5: "django_salted_md5", None, Legacy, false, true, "`md5$salt$hex`";
    DjangoSaltedSha1: "django_salted_sha1", Some(124), Legacy, false, true, "`sha1$salt$hex`";
    Pbkdf2Sha256: "pbkdf2_sha256_passlib", Some(20300), Modern, false, true, "`$pbkdf2-sha256$rounds$salt$hash` (adapted base64)";
    Pbkdf2Sha512: "pbkdf2_sha512_passlib", Some(20200), Modern, false, true, "`$pbkdf2-sha512$rounds$salt$hash`";
    Pbkdf2Sha1: "pbkdf2_sha1_passlib", Some(20400), Legacy, false, true, "`$pbkdf2$rounds$salt$hash`";
    AtlassianPbkdf2Sha1: "atlassian_pbkdf2_sha1", Some(12001), Legacy, false, true, "`{PKCS5S2}` + base64(salt . key)";
    WerkzeugPbkdf2: "werkzeug_pbkdf2", None, Modern, false, true, "`pbkdf2:sha256:N$salt$hex` (also sha512)";
    WerkzeugScrypt: "werkzeug_scrypt", None, Modern, false, true, "`scrypt:N:r:p$salt$hex`";
    ScryptPasslib: "scrypt_passlib", None, Modern, false, true, "`$scrypt$ln=…,r=…,p=…$salt$hash`";
    Argon2id: "argon2id", None, Modern, false, true, "`$argon2id$v=19$m=…,t=…,p=…$salt$hash` (PHC)";
    Argon2i: "argon2i", None, Modern, false, true, "`$argon2i$v=19$…` (PHC)";
    Argon2d: "argon2d", None, Modern, false, true, "`$argon2d$v=19$…` (PHC)";
    Yescrypt: "yescrypt", None, Legacy, false, true, "`$y$params$salt$hash` (libxcrypt, Debian/Fedora shadow)";
    LdapHexMd5: "ldap_hex_md5", None, Legacy, false, false, "`{MD5}` + hex(md5(pass))";
    LdapHexSha1: "ldap_hex_sha1", None, Legacy, false, false, "`{SHA}` + hex(sha1(pass))";
    LdapMd5Crypt: "ldap_md5_crypt", None, Legacy, false, true, "`{CRYPT}$1$…`";
    LdapSha1Crypt: "ldap_sha1_crypt", None, Legacy, false, true, "`{CRYPT}$sha1$…`";
    LdapSha256Crypt: "ldap_sha256_crypt", None, Legacy, false, true, "`{CRYPT}$5$…`";
    LdapSha512Crypt: "ldap_sha512_crypt", None, Legacy, false, true, "`{CRYPT}$6$…`";
    LdapBcrypt: "ldap_bcrypt", None, Legacy, false, true, "`{CRYPT}$2b$…`";
    LdapDesCrypt: "ldap_des_crypt", None, Legacy, false, true, "`{CRYPT}` + 13-char DES crypt";
    LdapBsdiCrypt: "ldap_bsdi_crypt", None, Legacy, false, true, "`{CRYPT}_…` (BSDi extended DES)";
    LdapPbkdf2Sha1: "ldap_pbkdf2_sha1", None, Legacy, false, true, "`{PBKDF2}rounds$salt$checksum` (adapted base64)";
    LdapPbkdf2Sha256: "ldap_pbkdf2_sha256", None, Legacy, false, true, "`{PBKDF2-SHA256}rounds$salt$checksum`";
    LdapPbkdf2Sha512: "ldap_pbkdf2_sha512", None, Legacy, false, true, "`{PBKDF2-SHA512}rounds$salt$checksum`";
    Sha1Crypt: "sha1_crypt", Some(15100), Legacy, false, true, "`$sha1$rounds$salt$checksum` (NetBSD)";
    SunMd5Crypt: "sun_md5_crypt", None, Legacy, false, true, "`$md5[,rounds=N]$salt$[$]checksum` (Solaris)";
    BsdNthash: "bsd_nthash", None, Legacy, false, false, "`$3$$` + hex NT hash (FreeBSD)";
    Bigcrypt: "bigcrypt", None, Legacy, true, true, "DES crypt extended past 8 characters (HP-UX, Digital Unix)";
    HexMd4: "hex_md4", Some(900), Legacy, true, false, "32 hex: md4(pass)";
    DjangoDesCrypt: "django_des_crypt", None, Legacy, false, true, "`crypt$salt$des-crypt`";
    GrubPbkdf2Sha512: "grub_pbkdf2_sha512", Some(7200), Legacy, false, true, "`grub.pbkdf2.sha512.rounds.SALT.HASH`";
    Fshp: "fshp", None, Legacy, false, true, "`{FSHP<variant>|<saltlen>|<rounds>}` + base64(salt . digest)";
    CtaPbkdf2Sha1: "cta_pbkdf2_sha1", None, Legacy, false, true, "`$p5k2$rounds-hex$salt$checksum` (url-safe base64, padded)";
    DlitzPbkdf2Sha1: "dlitz_pbkdf2_sha1", None, Legacy, false, true, "`$p5k2$rounds-hex$salt$checksum` (32-char checksum)";
    Drupal7: "drupal7", Some(7900), Legacy, false, true, "`$S$` + SHA-512 phpass variant, 55 characters";
    Drupal7WrappedMd5: "drupal7_wrapped_md5", None, Legacy, false, true, "`U$S$…`: drupal7 over hex(md5(pass))";
    WordpressBcrypt: "wordpress_bcrypt", None, Legacy, false, true, "`$wp$2y$…`: bcrypt over base64(HMAC-SHA384(`wp-sha384`, pass))";
    // wave 3: Spring Security, Jenkins
    SpringBcrypt: "spring_bcrypt", None, Legacy, false, true, "`{bcrypt}$2a$10$…`: bcrypt behind Spring Security's DelegatingPasswordEncoder id";
    SpringPbkdf2: "spring_pbkdf2", None, Legacy, false, true, "`{pbkdf2}` + hex(salt8 . dk32), PBKDF2-HMAC-SHA1 185000; `{pbkdf2@SpringSecurity_v5_8}` + hex(salt16 . dk32), PBKDF2-HMAC-SHA256 310000";
    SpringScrypt: "spring_scrypt", None, Legacy, false, true, "`{scrypt}$e0801$b64salt$b64dk` (hex word: log2 N << 16 | r << 8 | p), also `{scrypt@SpringSecurity_v5_8}`";
    SpringSha256: "spring_sha256", None, Legacy, false, true, "`{sha256}` + hex(salt8 . sha256^1024(salt . pass)) (StandardPasswordEncoder)";
    SpringMessageDigest: "spring_message_digest", None, Legacy, false, true, "`{MD5}`, `{MD4}`, `{SHA-1}`, `{SHA-256}` + `{salt}` + hex(digest(pass . `{salt}`))";
    SpringNoop: "spring_noop", None, Legacy, false, false, "`{noop}` + the password in plain text";
    SpringArgon2: "spring_argon2", None, Legacy, false, true, "`{argon2}` or `{argon2@SpringSecurity_v5_8}` + a PHC Argon2 string";
    SpringLdap: "spring_ldap", None, Legacy, false, true, "`{ldap}{SSHA}` + base64(sha1(pass . salt) . salt) (also `{ssha}`)";
    JenkinsJbcrypt: "jenkins_jbcrypt", None, Legacy, false, true, "`#jbcrypt:$2a$…` (Jenkins's own user database)";

    // wave 3: Dovecot
    DovecotSha256: "dovecot_sha256", None, Legacy, false, false, "`{SHA256}` + base64(sha256(pass)) (or hex) (Dovecot)";
    DovecotSha512: "dovecot_sha512", None, Legacy, false, false, "`{SHA512}` + base64(sha512(pass)) (or hex) (Dovecot)";
    DovecotSha1: "dovecot_sha1", None, Legacy, false, false, "`{SHA1}` + base64(sha1(pass)) (or hex) (Dovecot)";
    DovecotLdapMd5: "dovecot_ldap_md5", None, Legacy, false, false, "`{LDAP-MD5}` + base64(md5(pass)) (or hex) (Dovecot)";
    DovecotPlainMd5: "dovecot_plain_md5", None, Legacy, false, false, "`{PLAIN-MD5}` + hex(md5(pass)) (or base64) (Dovecot)";
    DovecotPlainMd4: "dovecot_plain_md4", None, Legacy, false, false, "`{PLAIN-MD4}` + hex(md4(pass)) (or base64) (Dovecot)";
    DovecotSha256Crypt: "dovecot_sha256_crypt", None, Legacy, false, true, "`{SHA256-CRYPT}$5$…` (Dovecot)";
    DovecotSha512Crypt: "dovecot_sha512_crypt", None, Legacy, false, true, "`{SHA512-CRYPT}$6$…` (Dovecot)";
    DovecotMd5Crypt: "dovecot_md5_crypt", None, Legacy, false, true, "`{MD5-CRYPT}$1$…` (Dovecot)";
    DovecotBlfCrypt: "dovecot_blf_crypt", None, Legacy, false, true, "`{BLF-CRYPT}$2y$…` (Dovecot)";
    DovecotMd5: "dovecot_md5", None, Legacy, false, true, "`{MD5}$1$…`: Dovecot's `{MD5}` before an md5-crypt string";
    DovecotArgon2id: "dovecot_argon2id", None, Legacy, false, true, "`{ARGON2ID}$argon2id$…` (Dovecot)";
    DovecotArgon2i: "dovecot_argon2i", None, Legacy, false, true, "`{ARGON2I}$argon2i$…` (Dovecot)";
    DovecotPlain: "dovecot_plain", None, Legacy, false, false, "`{PLAIN}` + the plaintext (Dovecot)";
    DovecotCleartext: "dovecot_cleartext", None, Legacy, false, false, "`{CLEARTEXT}` + the plaintext (Dovecot)";
    DovecotCramMd5: "dovecot_cram_md5", None, Legacy, false, false, "`{CRAM-MD5}` + hex of the HMAC-MD5 outer and inner states (Dovecot)";
    DovecotHexSuffix: "dovecot_hex_suffix", None, Legacy, false, true, "`{SCHEME.HEX}` + hex of the scheme's raw bytes (Dovecot)";
    DovecotB64Suffix: "dovecot_b64_suffix", None, Legacy, false, true, "`{SCHEME.B64}` + base64 of the scheme's raw bytes (Dovecot)";
    DovecotScramSha1: "dovecot_scram_sha1", None, Legacy, false, true, "`{SCRAM-SHA-1}iter,salt,StoredKey,ServerKey` (Dovecot)";
    DovecotScramSha256: "dovecot_scram_sha256", None, Legacy, false, true, "`{SCRAM-SHA-256}iter,salt,StoredKey,ServerKey` (Dovecot)";

    // wave 3: directories, databases, network devices, Shiro, MediaWiki PBKDF2
    LdapPbkdf2Sha256389ds: "ldap_pbkdf2_sha256_389ds", None, Legacy, false, true, "`{PBKDF2_SHA256}` + base64(be32 iterations . 64-byte salt . 256-byte PBKDF2-HMAC-SHA256) (389-ds)";
    LdapPbkdf2Sha1Tag: "ldap_pbkdf2_sha1_tag", None, Legacy, false, true, "`{PBKDF2-SHA1}rounds$salt$checksum` (389-ds 2.x, standard base64)";
    LdapSaltedSha384: "ldap_salted_sha384", None, Legacy, false, true, "`{SSHA384}` + base64(sha384(pass . salt) . salt)";
    LdapSha384: "ldap_sha384", None, Legacy, false, false, "`{SHA384}` + base64(sha384(pass))";
    ForgerockPbkdf2: "forgerock_pbkdf2", None, Legacy, false, true, "`{PBKDF2-HMAC-SHA256}iter:` + base64(key . salt8) (also SHA512, `{PBKDF2}` SHA-1; ForgeRock DS, OpenDJ)";
    DovecotPbkdf2: "dovecot_pbkdf2", None, Legacy, false, true, "`{PBKDF2}$1$salt$rounds$` + hex PBKDF2-HMAC-SHA1 (Dovecot)";
    ApacheShiro: "apache_shiro", Some(12150), Legacy, false, true, "`$shiro1$SHA-256$iter$b64salt$b64hash`: digest iterated over salt . pass";
    MediawikiPbkdf2: "mediawiki_pbkdf2", None, Legacy, false, true, "`:pbkdf2:sha512:30000:64:b64salt:b64hash` (MediaWiki >= 1.24)";
    CiscoType8: "cisco_type8", Some(9200), Legacy, false, true, "`$8$salt14$` + 43 chars: PBKDF2-HMAC-SHA256, 20000 iterations (Cisco IOS)";
    CiscoType9: "cisco_type9", Some(9300), Legacy, false, true, "`$9$salt14$` + 43 chars: scrypt N 16384, r 1, p 1 (Cisco IOS)";
    Oracle12c: "oracle12c", Some(12300), Legacy, false, true, "`T:` + hex sha512(PBKDF2-HMAC-SHA512(pass, salt . AUTH_PBKDF2_SPEEDY_KEY, 4096) . salt) + 32 hex salt";
    Mssql2012: "mssql2012", Some(1731), Legacy, false, true, "`0x0200` + hex salt + sha512(utf16le(pass) . salt)";
    MysqlCachingSha2: "mysql_caching_sha2", Some(7401), Legacy, false, true, "`$A$005$` + 20-byte salt + 43-char sha256-crypt (MySQL 8 caching_sha2_password)";

    // wave 3: rows with a salt, params or params column: Firebase, Keycloak, Gitea, Grafana, Discourse, ASP.NET Membership, Symfony, RabbitMQ, Better Auth, Magento
    FirebaseScrypt: "firebase_scrypt", None, Legacy, true, true, "base64 passwordHash: AES-256-CTR of the project's signer key under scrypt(pass, salt . separator); salt column, project config in params";
    KeycloakPbkdf2: "keycloak_pbkdf2", None, Legacy, true, true, "secret_data JSON `{\"value\":b64,\"salt\":b64,…}`, credential_data JSON (iterations, PRF) in the params column";
    GiteaPbkdf2: "gitea_pbkdf2", None, Legacy, true, true, "hex PBKDF2-HMAC-SHA256; salt column; `passwd_hash_algo` (`pbkdf2$50000$50`) in the params column";
    GrafanaPbkdf2: "grafana_pbkdf2", None, Legacy, true, true, "hex PBKDF2-HMAC-SHA256(pass, salt, 10000, 50); salt column";
    DiscoursePbkdf2: "discourse_pbkdf2", None, Legacy, true, true, "hex PBKDF2-HMAC-SHA256; salt column; `$pbkdf2-sha256$i=…,l=32$` in the params column";
    AspnetMembershipSha1: "aspnet_membership_sha1", Some(141), Legacy, true, true, "base64 sha1(salt . utf16le(pass)); base64 salt column";
    SymfonyMessageDigest: "symfony_message_digest", None, Legacy, true, true, "base64 of sha512 iterated 5000 times over `pass{salt}`; salt column";
    RabbitmqSha256: "rabbitmq_sha256", None, Legacy, true, true, "base64(salt4 . sha256(salt4 . pass))";
    BetterAuthScrypt: "better_auth_scrypt", None, Legacy, true, true, "`hex(salt16):hex(scrypt(NFKC(pass), salt hex text, N 16384, r 16, p 1))`";
    Magento2: "magento2", None, Legacy, true, true, "`hash:salt:version[:version]` (sha256(salt . pass) = 1, Argon2id13 = 2 / `3_32_2_67108864`)";

    // wave 3: application frameworks: Django unsalted, Werkzeug, Nextcloud, Devise, MediaWiki
    DjangoUnsaltedMd5: "django_unsalted_md5", None, Legacy, false, false, "`md5$$` + hex md5(pass) (Django ≤ 5.0; the bare hex form is md5_hex)";
    DjangoUnsaltedSha1: "django_unsalted_sha1", None, Legacy, false, false, "`sha1$$` + hex sha1(pass) (Django ≤ 5.0)";
    DjangoPbkdf2WrappedSha1: "django_pbkdf2_wrapped_sha1", None, Legacy, false, true, "`pbkdf2_wrapped_sha1$iter$salt$b64`: PBKDF2-SHA256 over hex(sha1(salt . pass))";
    WerkzeugLegacy: "werkzeug_legacy", None, Legacy, true, true, "`sha1$salt$hex(HMAC(salt, pass))` (also md5, sha224–sha512), `sha1$$hex`, `plain$$pass` (Werkzeug < 2.3)";
    NextcloudBcrypt: "nextcloud_bcrypt", None, Legacy, true, true, "`1|$2y$…`; old ownCloud rows: plain bcrypt of pass . passwordsalt (`params.passwordsalt`)";
    NextcloudArgon2: "nextcloud_argon2", None, Legacy, false, true, "`2|$argon2i$…`, `3|$argon2id$…` (Nextcloud)";
    DeviseBcryptPepper: "devise_bcrypt_pepper", None, Legacy, true, true, "plain `$2a$` bcrypt of pass . pepper (`params.pepper`, Devise)";
    MediawikiA: "mediawiki_a", None, Legacy, false, false, "`:A:` + hex md5(pass) (also `:A:salt:` + the type-B digest)";
    MediawikiB: "mediawiki_b", Some(3711), Legacy, false, true, "`:B:salt:` + hex md5(salt . `-` . hex md5(pass))";

    Disabled: "disabled", None, Legacy, false, true, "a locked or unusable account: `!…`, `*…`, `*LK*…`, Django's `!` + 40 chars";
    Mysql323: "mysql323", Some(200), Legacy, true, false, "16 hex: MySQL 3.23 OLD_PASSWORD(pass), spaces and tabs skipped";
    Mssql2000: "mssql2000", Some(131), Legacy, false, true, "`0x0100` + hex salt + sha1(utf16le(pass) . salt) + sha1(utf16le(upper(pass)) . salt)";
    Mssql2005: "mssql2005", Some(132), Legacy, false, true, "`0x0100` + hex salt + sha1(utf16le(pass) . salt)";
    Oracle11: "oracle11", Some(112), Legacy, false, true, "`S:` + hex sha1(pass . salt) + 20 hex salt";
    PostgresScramSha256: "postgres_scram_sha256", Some(28600), Legacy, false, true, "`SCRAM-SHA-256$iter:salt$StoredKey:ServerKey` (pg_authid)";
    AspnetIdentityV2: "aspnet_identity_v2", None, Legacy, false, true, "base64 of 0x00 . salt . PBKDF2-HMAC-SHA1(1000 iterations)";
    AspnetIdentityV3: "aspnet_identity_v3", None, Legacy, false, true, "base64 of 0x01 . prf . iterations . salt length . salt . subkey";
    RehashWrap: "rehash_wrap", None, Legacy, false, true, "`$rw2$…` (`$rehash-wrap$v=1$…` before): Argon2id over a legacy digest (rehash's onion)";
    Recipe: "recipe", None, Legacy, true, true, "an application's own salted digest, declared as a recipe";
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

/// What [`crate::identify`] learned from a stored string: the family, its
/// cost parameters, and the marks a policy may retire (pepper key id,
/// normalization form). [`crate::Policy::needs_upgrade`] decides from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identified {
    /// The family.
    pub scheme: Scheme,
    /// Its cost parameters.
    pub params: Params,
    /// The pepper key id the hash was made under (Argon2 `keyid=`), if any.
    pub key_id: Option<KeyId>,
    /// The Unicode normalization the hash records (Argon2 `data=`).
    pub normalization: Normalization,
}

impl Identified {
    /// A hash of `scheme` with `params` and no marks.
    pub fn new(scheme: Scheme, params: Params) -> Identified {
        Identified { scheme, params, key_id: None, normalization: Normalization::None }
    }
}

/// A pepper key id as stored in a hash: 1 to 8 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId {
    len: u8,
    bytes: [u8; 8],
}

impl KeyId {
    /// The id, if it has 1 to 8 bytes.
    pub fn new(id: &[u8]) -> Option<KeyId> {
        if id.is_empty() || id.len() > 8 {
            return None;
        }
        let mut bytes = [0u8; 8];
        bytes.get_mut(..id.len())?.copy_from_slice(id);
        Some(KeyId { len: id.len() as u8, bytes })
    }

    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({:?})", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// Unicode normalization applied to a password before a *new* hash is made.
/// Off by default. The form is recorded in the hash (Argon2's associated data),
/// and verify applies exactly the recorded form, never several in turn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Normalization {
    /// Use the password's bytes as given (the default).
    #[default]
    None,
    /// Canonical composition (NFC).
    Nfc,
    /// Compatibility composition (NFKC): folds full-width and other variants.
    Nfkc,
}

impl Normalization {
    pub(crate) fn mark(self) -> Option<&'static [u8]> {
        match self {
            Normalization::None => None,
            Normalization::Nfc => Some(b"nfc"),
            Normalization::Nfkc => Some(b"nfkc"),
        }
    }

    pub(crate) fn from_mark(data: Option<&[u8]>) -> Normalization {
        match data {
            Some(b"nfc") => Normalization::Nfc,
            Some(b"nfkc") => Normalization::Nfkc,
            _ => Normalization::None,
        }
    }
}
