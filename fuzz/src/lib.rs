//! Helpers shared by the fuzz targets: the input layout, the cheap policies
//! and the fake secret source.
//!
//! The `verify` and `wrap` targets read their input as NUL-separated fields,
//! so seeds are easy to write from the vector files and the mutator keeps the
//! structure:
//!
//! ```text
//! stored \0 salt \0 user \0 scheme-label \0 password
//! ```
//!
//! The password is last and takes every remaining byte (NULs included); an
//! empty or missing salt, user or label is `None`. Fields other than the
//! password are read as lossy UTF-8.

use std::borrow::Cow;

use rehash::config::SecretSource;
use rehash::{
    Ceilings, DigestEncoding, Normalization, Pepper, Policy, Recipe, SaltLayout, Scheme, Stored, Target,
};
use zeroize::Zeroizing;

/// One decoded fuzz input of the `verify` and `wrap` targets.
pub struct Input<'a> {
    /// The stored string.
    pub stored: Cow<'a, str>,
    /// The separate salt column.
    pub salt: Option<Cow<'a, str>>,
    /// The user name.
    pub user: Option<Cow<'a, str>>,
    /// The label as written in the input (may name no scheme).
    pub label: Option<Cow<'a, str>>,
    /// The password bytes.
    pub password: &'a [u8],
}

impl<'a> Input<'a> {
    /// Split `data` into its fields.
    pub fn parse(data: &'a [u8]) -> Input<'a> {
        let mut it = data.splitn(5, |b| *b == 0);
        let stored = String::from_utf8_lossy(it.next().unwrap_or_default());
        let mut opt = || it.next().filter(|f| !f.is_empty()).map(String::from_utf8_lossy);
        let salt = opt();
        let user = opt();
        let label = opt();
        let password = it.next().unwrap_or_default();
        Input { stored, salt, user, label, password }
    }

    /// The scheme the label names, if any.
    pub fn hint(&self) -> Option<Scheme> {
        self.label.as_deref().and_then(Scheme::from_name)
    }

    /// The row as rehash takes it.
    pub fn row(&self) -> Stored<'_> {
        let mut s = Stored::new(&self.stored);
        if let Some(x) = &self.salt {
            s = s.with_salt(x);
        }
        if let Some(u) = &self.user {
            s = s.with_user(u);
        }
        if let Some(h) = self.hint() {
            s = s.with_scheme(h);
        }
        s
    }
}

/// Low ceilings, so that no stored string can make one run slow: 1 MiB of
/// memory, 2 Argon2 passes, bcrypt cost 5, 2000 iterations.
pub fn low_ceilings() -> Ceilings {
    Ceilings { memory_kib: 1024, argon2_passes: 2, parallelism: 2, bcrypt_cost: 5, iterations: 2000 }
}

/// The longest password the fuzz policies take.
pub const MAX_PASSWORD: usize = 1024;

/// A weak recipe the policies declare, so recipe strings are reachable.
fn recipe() -> Recipe {
    Recipe::new("md5(md5($pass).$salt)", DigestEncoding::Hex, SaltLayout::HashColonSalt).expect("recipe")
}

/// The cheap policies: an Argon2id target of m = 8..64 KiB, t = 1, low
/// ceilings; one plain, one with declared schemes and a recipe, one with a
/// pepper and NFKC normalization.
pub fn policies() -> &'static [Policy] {
    static P: std::sync::OnceLock<Vec<Policy>> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let base = |m_kib| {
            Policy::builder()
                .target(Target::Argon2id { m_kib, t: 1, p: 1 })
                .dangerous()
                .allow_below_owasp_floor()
                .ceilings(low_ceilings())
                .argon2_threads(2)
                .max_password_bytes(MAX_PASSWORD)
        };
        vec![
            base(8).build().expect("plain policy"),
            base(64)
                .declare(Scheme::Md5Hex)
                .declare(Scheme::Sha1SaltPass)
                .declare(Scheme::DesCrypt)
                .recipe(recipe())
                .build()
                .expect("declaring policy"),
            base(16)
                .pepper(Pepper::new(b"k1", &[7u8; 32]).expect("pepper"))
                .pepper(Pepper::new(b"k2", &[9u8; 32]).expect("pepper"))
                .current_pepper(b"k2")
                .normalization(Normalization::Nfkc)
                .build()
                .expect("peppered policy"),
        ]
    })
}

/// Secrets without the environment or the file system: any name gives 32
/// bytes derived from it, except names starting with `missing` (no secret)
/// and `short` (a secret too short for a pepper).
#[derive(Debug, Clone, Copy, Default)]
pub struct FakeSecrets;

impl FakeSecrets {
    fn get(name: &str) -> Option<Zeroizing<Vec<u8>>> {
        if name.starts_with("missing") {
            return None;
        }
        if name.starts_with("short") {
            return Some(Zeroizing::new(b"short".to_vec()));
        }
        let seed = name.bytes().fold(0x9e37_79b9u32, |h, b| h.rotate_left(5) ^ u32::from(b));
        Some(Zeroizing::new((0..32u32).map(|i| (seed.wrapping_mul(i + 1) >> 8) as u8).collect()))
    }
}

impl SecretSource for FakeSecrets {
    fn env(&self, name: &str) -> Option<Zeroizing<Vec<u8>>> {
        FakeSecrets::get(name)
    }

    fn file(&self, path: &str) -> Option<Zeroizing<Vec<u8>>> {
        FakeSecrets::get(path)
    }
}
