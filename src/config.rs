//! The policy file: a [`Policy`] written as TOML, for applications that keep
//! their configuration out of code. Every table and key is optional; unknown
//! keys are an error (a typo must not silently fall back to a default).
//!
//! ```toml
//! [target]                 # new hashes: argon2id (default) | django_argon2 | bcrypt | bcrypt_sha256 | scrypt | pbkdf2_sha256
//! scheme = "argon2id"
//! m_kib = 19456            # argon2id: m_kib, t, p
//! t = 2
//! p = 1
//! # django_argon2: Django's `argon2$argon2id$…`, m_kib, t, p (default 102400, 2, 8)
//! # cost = 12              # bcrypt, bcrypt_sha256
//! # log_n = 17, r = 8, p = 1   # scrypt
//! # iterations = 600000    # pbkdf2_sha256
//!
//! [legacy]
//! declare = ["md5_hex"]    # schemes whose strings are not self-describing
//!
//! [[legacy.recipe]]        # home-made salted digests, in hashcat notation
//! notation = "sha256($salt.$pass)"   # also HMACs, key first: "hmac_sha256($salt,$pass)"
//! encoding = "hex"         # hex | base64
//! layout = "separate"      # none | hash_colon_salt | salt_dollar_hash | separate
//! rounds = 1               # optional iteration, `raw_rounds = true` for raw bytes
//! # constant_env = "SHOP_COOKIE_KEY"  # `$const`, read from the environment
//!
//! [[legacy.recipe]]        # home-made PBKDF2 or scrypt layouts (see "KDF recipes")
//! kdf = "pbkdf2_sha256"    # pbkdf2_sha1 | pbkdf2_sha256 | pbkdf2_sha512 | scrypt
//! iterations = 10000
//! length = 50
//!
//! [ceilings]               # refuse stored parameters above these, before any work
//! memory_kib = 262144
//! argon2_passes = 16      # Argon2 passes and yescrypt time factor t
//! parallelism = 16
//! bcrypt_cost = 16
//! iterations = 10000000
//!
//! [kdf]
//! argon2_threads = 1       # threads one Argon2 hash (p > 1) may fill lanes on
//!                          # (`[ceilings] argon2_threads`, its old place, is still read)
//!
//! [password]
//! max_bytes = 4096
//! normalize = "none"       # none | nfc | nfkc (new argon2id hashes; recorded in the hash)
//!
//! [timing]
//! equal_time_failures = true  # pad failed logins against weaker hashes (default)
//!
//! [pepper]                 # argon2id only; secrets come from the environment or a file
//! current = "k2"
//! keys = [
//!   { id = "k1", env = "REHASH_PEPPER_K1" },
//!   { id = "k2", file = "/run/secrets/rehash_pepper_k2" },
//! ]
//!
//! [params]                 # settings of the installation that some families need
//! rounds = 8               # (Firebase's project hash config, a Devise pepper, …):
//! mem_cost = 14            # plain strings and integers, or a secret by env/file
//! base64_salt_separator = "Bw=="
//! base64_signer_key = { env = "FIREBASE_SIGNER_KEY" }
//! ```
//!
//! Secrets are never written in the file itself: pepper keys and recipe
//! constants name an environment variable or a file (whose trailing newline is
//! dropped). Errors name the key at fault and never print a secret.
//!
//! # KDF recipes
//!
//! A `[[legacy.recipe]]` with `kdf` instead of `notation` declares a
//! home-made PBKDF2 or scrypt layout that the catalogue lacks (the Rust
//! equivalent is [`Recipe::kdf`](crate::Recipe::kdf)). Its keys:
//!
//! | key | meaning |
//! |---|---|
//! | `kdf` | `pbkdf2_sha1`, `pbkdf2_sha256`, `pbkdf2_sha512` or `scrypt` |
//! | `format` | the stored string's layout, default `"{hash}"`: literal text and the placeholders `{hash}` (the derived key, required), `{salt}` (else the salt is the row's salt column) and any parameter below (`{iterations}`, `{n}`, …, read as decimal). Placeholders are separated by literal text and each ends at the first occurrence of the text after it |
//! | `encoding` | how the derived key is written: `hex` (default, either case) or `base64` |
//! | `salt_encoding` | how the salt's text becomes bytes: `text` (default: its own bytes), `hex` or `base64` |
//! | `text_salt_len` | a salt of exactly this many characters is used as text whatever `salt_encoding` says |
//! | `normalize` | `none` (default), `nfc` or `nfkc`: the password's Unicode form before the KDF |
//! | `iterations` | PBKDF2's count (required for PBKDF2, 1 to 2^32−1) |
//! | `length` | the derived key's length in bytes (1 to 1024). Optional: without it the stored key's own length is used; with it a key of another length is malformed |
//! | `n` or `log_n`, `r`, `p` | scrypt's cost (required for scrypt; `n` a power of two) |
//!
//! Each parameter is a constant (`iterations = 10000`), a placeholder of
//! `format`, or read from the row with `<key>_from` (`iterations_from`,
//! `length_from`, `n_from`, `log_n_from`, `r_from`, `p_from`):
//!
//! - `"params_col:N"`: the N-th piece, counting from 0, of the row's params
//!   column cut at every `$` and `,` (Gitea's `pbkdf2$50000$50`: piece 1 is
//!   the count, piece 2 the length);
//! - `"params_col:NAME"`: the piece `NAME=value` of that column (Discourse's
//!   `$pbkdf2-sha256$i=600000,l=32$`: `params_col:i`), or, when the column
//!   is a JSON object, its member `NAME` (Keycloak's `{"hashIterations":…}`);
//! - `"params:NAME"`: the installation setting `NAME` of `[params]`.
//!
//! With both `<key>_from` and `<key>`, the constant is used when the row
//! lacks the field. Values are decimal without leading zeros. Every cost read
//! from a row is checked against `[ceilings]` before any work (PBKDF2: the
//! count, and the count times the key's blocks; scrypt: `p` and the memory
//! 128·r·(N + p)); a mistake in a recipe is an error at load that names the
//! key. A row resolves to the recipe through the `recipe` scheme
//! (`Stored::with_scheme(Scheme::Recipe)`, `rehash verify`'s `family`).
//! A wrapped row records six characters of the SHA-256 of the recipe's
//! description, so changing a recipe's computation makes its wrapped rows an
//! error rather than a silent mismatch.
//!
//! Examples, tested against real rows of these applications
//! (`tests/recipes.rs`):
//!
//! ```toml
//! [[legacy.recipe]]            # Grafana: hex(PBKDF2-HMAC-SHA256(pw, salt column as text, 10000, 50))
//! kdf = "pbkdf2_sha256"
//! iterations = 10000
//! length = 50
//!
//! [[legacy.recipe]]            # Gitea / Forgejo / Gogs; the params column is passwd_hash_algo
//! kdf = "pbkdf2_sha256"
//! iterations_from = "params_col:1"   # `pbkdf2$50000$50` …
//! iterations = 10000                 # … or 10000 and 50 when it says only `pbkdf2`
//! length_from = "params_col:2"
//! length = 50
//! salt_encoding = "hex"              # hex salts, but…
//! text_salt_len = 10                 # …the old 10-character ones are used as text
//!
//! [[legacy.recipe]]            # Discourse; the params column is password_algorithm
//! kdf = "pbkdf2_sha256"
//! iterations_from = "params_col:i"   # `$pbkdf2-sha256$i=600000,l=32$`
//! length_from = "params_col:l"
//!
//! [[legacy.recipe]]            # Better Auth: hex(salt):hex(scrypt(NFKC(pw), salt hex text, 16384, 16, 1, 64))
//! kdf = "scrypt"
//! format = "{salt}:{hash}"
//! n = 16384
//! r = 16
//! p = 1
//! length = 64
//! normalize = "nfkc"
//! ```
//!
//! These are alternatives: rows that name the `recipe` scheme need a policy
//! that declares exactly one recipe.

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::catalogue::Normalization;
use crate::catalogue::Scheme;
use crate::ceilings::Ceilings;
use crate::error::{Error, Result};
use crate::policy::{Pepper, Policy, Target};
use crate::scheme::{DigestEncoding, Recipe, RecipeKdf, RecipeParam, SaltEncoding, SaltLayout};
use crate::site::SiteParams;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    target: Option<TargetCfg>,
    #[serde(default)]
    legacy: Option<Legacy>,
    #[serde(default)]
    ceilings: Option<CeilingsCfg>,
    #[serde(default)]
    kdf: Option<KdfCfg>,
    #[serde(default)]
    password: Option<PasswordCfg>,
    #[serde(default)]
    pepper: Option<PepperCfg>,
    #[serde(default)]
    timing: Option<TimingCfg>,
    #[serde(default)]
    params: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimingCfg {
    equal_time_failures: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetCfg {
    #[serde(default = "default_scheme")]
    scheme: String,
    m_kib: Option<u32>,
    t: Option<u32>,
    p: Option<u32>,
    cost: Option<u32>,
    log_n: Option<u8>,
    r: Option<u32>,
    iterations: Option<u32>,
}

fn default_scheme() -> String {
    "argon2id".into()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Legacy {
    #[serde(default)]
    declare: Vec<String>,
    #[serde(default)]
    recipe: Vec<RecipeCfg>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipeCfg {
    /// A digest recipe: its hashcat notation.
    notation: Option<String>,
    /// A KDF recipe: its function.
    kdf: Option<String>,
    encoding: Option<String>,
    // Digest recipes only.
    layout: Option<String>,
    rounds: Option<u32>,
    raw_rounds: Option<bool>,
    constant_env: Option<String>,
    // KDF recipes only.
    format: Option<String>,
    salt_encoding: Option<String>,
    text_salt_len: Option<usize>,
    normalize: Option<String>,
    iterations: Option<u64>,
    iterations_from: Option<String>,
    length: Option<u64>,
    length_from: Option<String>,
    n: Option<u64>,
    n_from: Option<String>,
    log_n: Option<u64>,
    log_n_from: Option<String>,
    r: Option<u64>,
    r_from: Option<String>,
    p: Option<u64>,
    p_from: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CeilingsCfg {
    memory_kib: Option<u64>,
    argon2_passes: Option<u32>,
    parallelism: Option<u32>,
    bcrypt_cost: Option<u32>,
    iterations: Option<u64>,
    /// Read from files written before `[kdf]` existed; `[kdf]` wins.
    argon2_threads: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfCfg {
    argon2_threads: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordCfg {
    max_bytes: Option<usize>,
    normalize: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PepperCfg {
    current: Option<String>,
    #[serde(default)]
    keys: Vec<KeyCfg>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyCfg {
    id: String,
    env: Option<String>,
    file: Option<String>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::InvalidConfig(msg.into())
}

/// Where a policy file's secrets come from. [`Policy::from_toml`] reads the
/// environment and files; tests and embedders may supply their own.
pub trait SecretSource {
    /// The value of environment variable `name`.
    fn env(&self, name: &str) -> Option<Zeroizing<Vec<u8>>>;
    /// The contents of the file at `path`.
    fn file(&self, path: &str) -> Option<Zeroizing<Vec<u8>>>;
}

/// Reads secrets from the process environment and the file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvAndFiles;

impl SecretSource for EnvAndFiles {
    fn env(&self, name: &str) -> Option<Zeroizing<Vec<u8>>> {
        std::env::var_os(name).map(|v| Zeroizing::new(v.into_encoded_bytes()))
    }

    fn file(&self, path: &str) -> Option<Zeroizing<Vec<u8>>> {
        let mut v = std::fs::read(path).ok()?;
        while v.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
            v.pop();
        }
        Some(Zeroizing::new(v))
    }
}

impl Policy {
    /// A policy from its TOML file format (see the [module docs](crate::config)),
    /// with secrets read from the environment and files.
    pub fn from_toml(text: &str) -> Result<Policy> {
        Policy::from_toml_with(text, &EnvAndFiles)
    }

    /// As [`Policy::from_toml`], with secrets from `secrets`.
    pub fn from_toml_with(text: &str, secrets: &dyn SecretSource) -> Result<Policy> {
        let file: File = toml::from_str(text).map_err(|e| bad(format!("policy file: {}", e.message())))?;
        let mut b = Policy::builder();
        if let Some(t) = file.target {
            b = b.target(target(&t)?);
        }
        let legacy = file.legacy.unwrap_or_default();
        for name in &legacy.declare {
            let s = Scheme::from_name(name)
                .ok_or_else(|| bad(format!("legacy.declare: unknown scheme `{name}`")))?;
            b = b.declare(s);
        }
        for (i, r) in legacy.recipe.iter().enumerate() {
            b = b.recipe(recipe(r, secrets).map_err(|e| bad(format!("legacy.recipe[{i}]: {e}")))?);
        }
        let old_threads = file.ceilings.as_ref().and_then(|c| c.argon2_threads);
        if let Some(c) = file.ceilings {
            let d = Ceilings::default();
            b = b.ceilings(Ceilings {
                memory_kib: c.memory_kib.unwrap_or(d.memory_kib),
                argon2_passes: c.argon2_passes.unwrap_or(d.argon2_passes),
                parallelism: c.parallelism.unwrap_or(d.parallelism),
                bcrypt_cost: c.bcrypt_cost.unwrap_or(d.bcrypt_cost),
                iterations: c.iterations.unwrap_or(d.iterations),
            });
        }
        if let Some(threads) = file.kdf.and_then(|k| k.argon2_threads).or(old_threads) {
            b = b.argon2_threads(threads);
        }
        if let Some(p) = file.password {
            if let Some(max) = p.max_bytes {
                b = b.max_password_bytes(max);
            }
            b = b.normalization(match p.normalize.as_deref() {
                None | Some("none") => Normalization::None,
                Some("nfc") => Normalization::Nfc,
                Some("nfkc") => Normalization::Nfkc,
                Some(other) => {
                    return Err(bad(format!("password.normalize: `{other}` is not none, nfc or nfkc")))
                }
            });
        }
        if let Some(t) = file.timing {
            b = b.equal_time_failures(t.equal_time_failures);
        }
        if let Some(table) = &file.params {
            b = b.site_params(site_params(table, secrets)?);
        }
        if let Some(p) = file.pepper {
            for k in &p.keys {
                let secret = match (&k.env, &k.file) {
                    (Some(e), None) => secrets.env(e),
                    (None, Some(f)) => secrets.file(f),
                    _ => return Err(bad(format!("pepper key `{}`: give exactly one of env or file", k.id))),
                }
                .ok_or_else(|| bad(format!("pepper key `{}`: its secret could not be read", k.id)))?;
                b = b.pepper(
                    Pepper::new(k.id.as_bytes(), &secret)
                        .map_err(|e| bad(format!("pepper key `{}`: {e}", k.id)))?,
                );
            }
            if let Some(c) = &p.current {
                b = b.current_pepper(c.as_bytes());
            }
        }
        b.build()
    }
}

/// `[params]`: strings, integers and booleans as written; `{ env = "VAR" }`
/// or `{ file = "path" }` for a secret.
fn site_params(table: &toml::Table, secrets: &dyn SecretSource) -> Result<SiteParams> {
    let mut out = SiteParams::new();
    for (k, v) in table {
        let value: Zeroizing<String> = match v {
            toml::Value::String(s) => Zeroizing::new(s.clone()),
            toml::Value::Integer(i) => Zeroizing::new(i.to_string()),
            toml::Value::Boolean(b) => Zeroizing::new(b.to_string()),
            toml::Value::Table(t) => {
                let secret = match (t.get("env"), t.get("file"), t.len()) {
                    (Some(toml::Value::String(e)), None, 1) => secrets.env(e),
                    (None, Some(toml::Value::String(f)), 1) => secrets.file(f),
                    _ => return Err(bad(format!("params.{k}: give exactly one of env or file"))),
                }
                .ok_or_else(|| bad(format!("params.{k}: its secret could not be read")))?;
                let text = std::str::from_utf8(&secret)
                    .map_err(|_| bad(format!("params.{k}: the secret is not UTF-8 text")))?;
                Zeroizing::new(text.to_owned())
            }
            _ => {
                return Err(bad(format!(
                    "params.{k}: expected a string, an integer, a boolean or {{ env | file }}"
                )))
            }
        };
        out.insert(k, value.as_str())?;
    }
    Ok(out)
}

fn target(t: &TargetCfg) -> Result<Target> {
    let need =
        |v: Option<u32>, k: &str| v.ok_or_else(|| bad(format!("target: `{k}` is required for {}", t.scheme)));
    let only = |allowed: &[&str]| -> Result<()> {
        let given = [
            ("m_kib", t.m_kib.is_some()),
            ("t", t.t.is_some()),
            ("p", t.p.is_some()),
            ("cost", t.cost.is_some()),
            ("log_n", t.log_n.is_some()),
            ("r", t.r.is_some()),
            ("iterations", t.iterations.is_some()),
        ];
        match given.iter().find(|(k, set)| *set && !allowed.contains(k)) {
            Some((k, _)) => Err(bad(format!("target: `{k}` does not apply to {}", t.scheme))),
            None => Ok(()),
        }
    };
    Ok(match t.scheme.as_str() {
        "argon2id" => {
            only(&["m_kib", "t", "p"])?;
            Target::Argon2id { m_kib: t.m_kib.unwrap_or(19_456), t: t.t.unwrap_or(2), p: t.p.unwrap_or(1) }
        }
        "django_argon2" => {
            only(&["m_kib", "t", "p"])?;
            // Django's defaults (Target::DJANGO_ARGON2).
            Target::DjangoArgon2 { m_kib: t.m_kib.unwrap_or(102_400), t: t.t.unwrap_or(2), p: t.p.unwrap_or(8) }
        }
        "bcrypt" => {
            only(&["cost"])?;
            Target::Bcrypt { cost: need(t.cost, "cost")? }
        }
        "bcrypt_sha256" => {
            only(&["cost"])?;
            Target::BcryptSha256 { cost: need(t.cost, "cost")? }
        }
        "scrypt" => {
            only(&["log_n", "r", "p"])?;
            Target::Scrypt { log_n: t.log_n.unwrap_or(17), r: t.r.unwrap_or(8), p: t.p.unwrap_or(1) }
        }
        "pbkdf2_sha256" => {
            only(&["iterations"])?;
            Target::Pbkdf2Sha256 { iterations: need(t.iterations, "iterations")? }
        }
        other => {
            return Err(bad(format!(
                "target.scheme: `{other}` is not argon2id, django_argon2, bcrypt, bcrypt_sha256, scrypt or pbkdf2_sha256"
            )))
        }
    })
}

fn recipe(r: &RecipeCfg, secrets: &dyn SecretSource) -> Result<Recipe> {
    let encoding = match r.encoding.as_deref() {
        None | Some("hex") => DigestEncoding::Hex,
        Some("base64") => DigestEncoding::Base64,
        Some(o) => return Err(bad(format!("encoding `{o}` is not hex or base64"))),
    };
    let notation = match (&r.notation, &r.kdf) {
        (Some(n), None) => n,
        (None, Some(k)) => return kdf_recipe(r, k, encoding),
        (Some(_), Some(_)) => {
            return Err(bad("give `notation` (a digest recipe) or `kdf` (a KDF recipe), not both"))
        }
        (None, None) => return Err(bad("give `notation` (a digest recipe) or `kdf` (a KDF recipe)")),
    };
    let kdf_keys = [
        ("format", r.format.is_some()),
        ("salt_encoding", r.salt_encoding.is_some()),
        ("text_salt_len", r.text_salt_len.is_some()),
        ("normalize", r.normalize.is_some()),
        ("iterations", r.iterations.is_some() || r.iterations_from.is_some()),
        ("length", r.length.is_some() || r.length_from.is_some()),
        ("n", r.n.is_some() || r.n_from.is_some()),
        ("log_n", r.log_n.is_some() || r.log_n_from.is_some()),
        ("r", r.r.is_some() || r.r_from.is_some()),
        ("p", r.p.is_some() || r.p_from.is_some()),
    ];
    if let Some((k, _)) = kdf_keys.iter().find(|(_, set)| *set) {
        return Err(bad(format!("`{k}` applies to KDF recipes (`kdf`), not to a digest `notation`")));
    }
    let layout = match r.layout.as_deref() {
        None | Some("none") => SaltLayout::None,
        Some("hash_colon_salt") => SaltLayout::HashColonSalt,
        Some("salt_dollar_hash") => SaltLayout::SaltDollarHash,
        Some("separate") => SaltLayout::Separate,
        Some(o) => {
            return Err(bad(format!(
                "layout `{o}` is not none, hash_colon_salt, salt_dollar_hash or separate"
            )))
        }
    };
    let mut recipe = Recipe::new(notation, encoding, layout)?;
    if let Some(n) = r.rounds {
        recipe = recipe.with_rounds(n, r.raw_rounds.unwrap_or(false))?;
    }
    if let Some(var) = &r.constant_env {
        let c = secrets.env(var).ok_or_else(|| bad(format!("constant_env `{var}` is not set")))?;
        recipe = recipe.with_constant(&c);
    }
    Ok(recipe)
}

/// A `[[legacy.recipe]]` with `kdf`: PBKDF2 or scrypt (see the module docs).
fn kdf_recipe(r: &RecipeCfg, kdf: &str, encoding: DigestEncoding) -> Result<Recipe> {
    let digest_keys = [
        ("layout", r.layout.is_some()),
        ("rounds", r.rounds.is_some()),
        ("raw_rounds", r.raw_rounds.is_some()),
        ("constant_env", r.constant_env.is_some()),
    ];
    if let Some((k, _)) = digest_keys.iter().find(|(_, set)| *set) {
        return Err(bad(format!("`{k}` applies to digest recipes (`notation`), not to `kdf = \"{kdf}\"`")));
    }
    let f = RecipeKdf::from_name(kdf).ok_or_else(|| {
        bad(format!("kdf `{kdf}` is not pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512 or scrypt"))
    })?;
    let mut b = Recipe::kdf(f).encoding(encoding);
    if let Some(fmt) = &r.format {
        b = b.format(fmt);
    }
    b = b.salt_encoding(match r.salt_encoding.as_deref() {
        None | Some("text") => SaltEncoding::Text,
        Some("hex") => SaltEncoding::Hex,
        Some("base64") => SaltEncoding::Base64,
        Some(o) => return Err(bad(format!("salt_encoding `{o}` is not text, hex or base64"))),
    });
    if let Some(n) = r.text_salt_len {
        b = b.text_salt_len(n);
    }
    b = b.normalize(match r.normalize.as_deref() {
        None | Some("none") => Normalization::None,
        Some("nfc") => Normalization::Nfc,
        Some("nfkc") => Normalization::Nfkc,
        Some(o) => return Err(bad(format!("normalize `{o}` is not none, nfc or nfkc"))),
    });
    let params = [
        (RecipeParam::Iterations, r.iterations, &r.iterations_from),
        (RecipeParam::Length, r.length, &r.length_from),
        (RecipeParam::N, r.n, &r.n_from),
        (RecipeParam::LogN, r.log_n, &r.log_n_from),
        (RecipeParam::R, r.r, &r.r_from),
        (RecipeParam::P, r.p, &r.p_from),
    ];
    for (param, value, from) in params {
        if let Some(v) = value {
            b = b.param(param, v);
        }
        if let Some(sel) = from {
            b = b.param_from(param, sel);
        }
    }
    b.build()
}
