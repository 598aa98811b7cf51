//! Async login helpers (feature `tokio`): KDF work runs on tokio's blocking
//! pool, never on the executor, and a [`Limiter`] bounds the memory of
//! concurrent memory-hard computations by a byte budget, queueing the rest —
//! so a burst of logins against Argon2 cannot run the server out of memory.

use std::sync::Arc;

use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::policy::{Policy, Stored, Upgrade};
use crate::scheme::Scheme;

/// A stored hash with owned fields, to move into a blocking task.
#[derive(Clone, Default)]
pub struct OwnedStored {
    /// The stored string.
    pub hash: String,
    /// The separate salt column, if the family has one.
    pub salt: Option<String>,
    /// The user name (PostgreSQL md5).
    pub user: Option<String>,
    /// The row's declared scheme.
    pub scheme: Option<Scheme>,
}

impl OwnedStored {
    /// A stored string on its own.
    pub fn new(hash: impl Into<String>) -> Self {
        OwnedStored { hash: hash.into(), ..OwnedStored::default() }
    }

    fn borrow(&self) -> Stored<'_> {
        let mut s = Stored::new(&self.hash);
        if let Some(x) = &self.salt {
            s = s.with_salt(x);
        }
        if let Some(u) = &self.user {
            s = s.with_user(u);
        }
        if let Some(k) = self.scheme {
            s = s.with_scheme(k);
        }
        s
    }
}

impl core::fmt::Debug for OwnedStored {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.borrow(), f)
    }
}

/// Bounds the memory of concurrent KDF computations. Cheap to clone; share
/// one per process (or per policy).
#[derive(Clone, Debug)]
pub struct Limiter {
    budget_kib: u64,
    permits: Arc<Semaphore>,
}

impl Limiter {
    /// A limiter for `budget_bytes` of KDF memory in flight.
    pub fn new(budget_bytes: u64) -> Limiter {
        let budget_kib = (budget_bytes / 1024).clamp(1, Semaphore::MAX_PERMITS as u64);
        Limiter { budget_kib, permits: Arc::new(Semaphore::new(budget_kib as usize)) }
    }

    /// The budget in KiB.
    pub fn budget_kib(&self) -> u64 {
        self.budget_kib
    }

    /// Run `work`, which holds up to `kib` KiB, on the blocking pool once the
    /// budget allows.
    async fn run<T: Send + 'static>(
        &self,
        kib: u64,
        scheme: Scheme,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        if kib > self.budget_kib {
            return Err(Error::too_big(scheme, "memory_kib", kib, self.budget_kib));
        }
        let n = u32::try_from(kib).map_err(|_| Error::too_big(scheme, "memory_kib", kib, self.budget_kib))?;
        let _permit = self.permits.acquire_many(n).await.map_err(|_| Error::Internal("limiter closed"))?;
        tokio::task::spawn_blocking(work).await.map_err(|_| Error::Internal("KDF task failed"))
    }

    /// [`Policy::verify_and_upgrade`] off the executor, within the budget. The
    /// memory counted is the larger of the stored hash's verify and the
    /// target's hash, since an upgrade runs them one after the other.
    pub async fn verify_and_upgrade(
        &self,
        policy: &Arc<Policy>,
        password: Zeroizing<Vec<u8>>,
        stored: OwnedStored,
    ) -> Result<Upgrade> {
        let id = policy.identify(stored.borrow())?;
        let kib = id.params.memory_kib().max(policy.target_memory_kib());
        let policy = Arc::clone(policy);
        self.run(kib, id.scheme, move || policy.verify_and_upgrade(&password, stored.borrow())).await?
    }

    /// [`Policy::verify_dummy`] off the executor, within the budget.
    pub async fn verify_dummy(&self, policy: &Arc<Policy>, password: Zeroizing<Vec<u8>>) -> Result<Upgrade> {
        let kib = policy.target_memory_kib();
        let policy = Arc::clone(policy);
        self.run(kib, policy.target().scheme(), move || policy.verify_dummy(&password)).await
    }

    /// [`Policy::hash`] off the executor, within the budget.
    pub async fn hash(&self, policy: &Arc<Policy>, password: Zeroizing<Vec<u8>>) -> Result<String> {
        let kib = policy.target_memory_kib();
        let policy = Arc::clone(policy);
        self.run(kib, policy.target().scheme(), move || policy.hash(&password)).await?
    }
}
