//! Async login helpers (feature `tokio`): KDF work runs on tokio's blocking
//! pool, never on the executor, and a [`Limiter`] bounds the memory of
//! concurrent memory-hard computations by a byte budget, queueing the rest —
//! so a burst of logins against Argon2 cannot run the server out of memory.
//! It also counts threads: an Argon2 hash with p > 1 lanes may fill them on
//! several threads ([`crate::Ceilings::argon2_threads`]), and holds that many
//! of the limiter's thread permits while it runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use crate::catalogue::{Params, Scheme};
use crate::error::{Error, Result};
use crate::policy::Target;
use crate::policy::{Policy, Stored, Upgrade};
use crate::site::SiteParams;

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
    /// The row's own installation settings (else the policy's `[params]`).
    pub params: Option<SiteParams>,
    /// The row's column that says how it was hashed.
    pub params_col: Option<String>,
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
        if let Some(p) = &self.params {
            s = s.with_params(p);
        }
        if let Some(c) = &self.params_col {
            s = s.with_params_col(c);
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
    threads: u32,
    thread_permits: Arc<Semaphore>,
    queued: Arc<AtomicUsize>,
}

/// Counts one computation waiting for its permits while it lives.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::Relaxed);
        Queued(n)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Limiter {
    /// A limiter for `budget_bytes` of KDF memory in flight, and as many KDF
    /// threads as the machine has cores.
    pub fn new(budget_bytes: u64) -> Limiter {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Limiter::with_threads(budget_bytes, u32::try_from(cores).unwrap_or(u32::MAX))
    }

    /// A limiter for `budget_bytes` of KDF memory and `threads` KDF threads
    /// in flight (at least 1). A computation that may use more threads than
    /// the whole budget waits for all of it.
    pub fn with_threads(budget_bytes: u64, threads: u32) -> Limiter {
        let budget_kib = (budget_bytes / 1024).clamp(1, Semaphore::MAX_PERMITS as u64);
        let threads = threads.clamp(1, u32::try_from(Semaphore::MAX_PERMITS).unwrap_or(u32::MAX));
        Limiter {
            budget_kib,
            permits: Arc::new(Semaphore::new(budget_kib as usize)),
            threads,
            thread_permits: Arc::new(Semaphore::new(threads as usize)),
            queued: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Pre-fault as many Argon2 arenas of `policy`'s target size as the
    /// memory budget can run at once (at most 32) in the process-wide pool:
    /// the arenas the limiter admits are then warm from the first login.
    /// Returns the number of fitting arenas pooled.
    pub fn prewarm(&self, policy: &Policy) -> usize {
        let per = policy.target_memory_kib().max(1);
        policy.prewarm(usize::try_from(self.budget_kib / per).unwrap_or(usize::MAX))
    }

    /// The thread budget.
    pub fn thread_budget(&self) -> u32 {
        self.threads
    }

    /// The budget in KiB.
    pub fn budget_kib(&self) -> u64 {
        self.budget_kib
    }

    /// Computations waiting for memory or thread permits right now (the
    /// queue a metrics endpoint reports).
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Run `work`, which holds up to `kib` KiB, on the blocking pool once the
    /// budget allows; it may run on up to `threads` threads.
    async fn run<T: Send + 'static>(
        &self,
        (kib, threads): (u64, u32),
        scheme: Scheme,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        if kib > self.budget_kib {
            return Err(Error::too_big(scheme, "memory_kib", kib, self.budget_kib));
        }
        let n = u32::try_from(kib).map_err(|_| Error::too_big(scheme, "memory_kib", kib, self.budget_kib))?;
        let closed = |_| Error::Internal("limiter closed");
        let waiting = Queued::new(&self.queued);
        let _threads =
            self.thread_permits.acquire_many(threads.clamp(1, self.threads)).await.map_err(closed)?;
        let _permit = self.permits.acquire_many(n).await.map_err(closed)?;
        drop(waiting);
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
        let threads = threads_for(policy, &id.params).max(target_threads(policy));
        let policy = Arc::clone(policy);
        self.run((kib, threads), id.scheme, move || policy.verify_and_upgrade(&password, stored.borrow()))
            .await?
    }

    /// [`Policy::verify_dummy`] off the executor, within the budget.
    pub async fn verify_dummy(&self, policy: &Arc<Policy>, password: Zeroizing<Vec<u8>>) -> Result<Upgrade> {
        let kib = policy.target_memory_kib();
        let threads = target_threads(policy);
        let policy = Arc::clone(policy);
        self.run((kib, threads), policy.target().scheme(), move || policy.verify_dummy(&password)).await
    }

    /// [`Policy::hash`] off the executor, within the budget.
    pub async fn hash(&self, policy: &Arc<Policy>, password: Zeroizing<Vec<u8>>) -> Result<String> {
        let kib = policy.target_memory_kib();
        let threads = target_threads(policy);
        let policy = Arc::clone(policy);
        self.run((kib, threads), policy.target().scheme(), move || policy.hash(&password)).await?
    }
}

/// Threads a computation with `params` may use under `policy`.
fn threads_for(policy: &Policy, params: &Params) -> u32 {
    match *params {
        Params::Argon2 { p, .. } => policy.argon2_threads_for(p),
        _ => 1,
    }
}

/// Threads the policy's target hash may use.
fn target_threads(policy: &Policy) -> u32 {
    match policy.target() {
        Target::Argon2id { p, .. } | Target::DjangoArgon2 { p, .. } => policy.argon2_threads_for(*p),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_queue_counts_computations_waiting_for_permits() {
        // One thread permit: while one computation runs, two wait.
        let limiter = Limiter::with_threads(1 << 20, 1);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let (l, rx) = (limiter.clone(), std::sync::Arc::clone(&rx));
                tokio::spawn(async move {
                    l.run((1, 1), Scheme::Argon2id, move || {
                        let _ = rx.lock().expect("lock").recv();
                    })
                    .await
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        while limiter.queued() != 2 {
            assert!(Instant::now() < deadline, "queued = {}", limiter.queued());
            std::thread::sleep(Duration::from_millis(5));
            tokio::task::yield_now().await;
        }
        for _ in 0..3 {
            tx.send(()).expect("send");
        }
        for t in tasks {
            t.await.expect("task").expect("run");
        }
        assert_eq!(limiter.queued(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn computations_hold_their_thread_permits() {
        // Budget of 2 threads: two 2-thread computations never overlap, two
        // 1-thread computations do.
        let limiter = Limiter::with_threads(1 << 20, 2);
        let span = |threads: u32| {
            let l = limiter.clone();
            tokio::spawn(async move {
                l.run((1, threads), Scheme::Argon2id, || {
                    let start = Instant::now();
                    std::thread::sleep(Duration::from_millis(150));
                    (start, Instant::now())
                })
                .await
            })
        };
        let overlap = |a: (Instant, Instant), b: (Instant, Instant)| a.0 < b.1 && b.0 < a.1;
        let (a, b) = (span(2), span(2));
        let (a, b) = (a.await.expect("task").expect("run"), b.await.expect("task").expect("run"));
        assert!(!overlap(a, b), "two 2-thread computations ran at once under a 2-thread budget");
        let (a, b) = (span(1), span(1));
        let (a, b) = (a.await.expect("task").expect("run"), b.await.expect("task").expect("run"));
        assert!(overlap(a, b), "two 1-thread computations were serialised under a 2-thread budget");
        // More threads than the budget: waits for all of it instead of failing.
        assert!(span(5).await.expect("task").is_ok());
    }
}
