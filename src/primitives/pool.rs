//! Working memory kept across calls for the memory-hard cores (Argon2's
//! arenas, scrypt's V, yescrypt's work areas). A call takes the smallest
//! pooled item that is large enough (or makes one) and gives it back wiped.
//! Reuse keeps the pages faulted in and keeps the process's memory bounded
//! by the number of concurrent computations; the wipe is the caller's, who
//! knows how much of the item a call used.

use std::sync::Mutex;

/// Items kept for reuse: at most `kept`; more concurrent computations than
/// that allocate and free their own.
pub(crate) struct Pool<T> {
    items: Mutex<Vec<T>>,
    kept: usize,
}

impl<T> Pool<T> {
    /// An empty pool that keeps at most `kept` items.
    pub(crate) const fn new(kept: usize) -> Self {
        Pool { items: Mutex::new(Vec::new()), kept }
    }

    /// The smallest pooled item whose `size` is at least `need`, taken out
    /// of the pool; `None` when none fits (or the lock is poisoned).
    pub(crate) fn take(&self, need: usize, size: impl Fn(&T) -> usize) -> Option<T> {
        let mut items = self.items.lock().ok()?;
        let best = items.iter().enumerate().filter(|(_, t)| size(t) >= need).min_by_key(|(_, t)| size(t));
        let i = best.map(|(i, _)| i)?;
        Some(items.swap_remove(i))
    }

    /// Keep `item` (already wiped) for the next call, unless the pool is
    /// full; then it is dropped.
    pub(crate) fn give_back(&self, item: T) {
        if let Ok(mut items) = self.items.lock() {
            if items.len() < self.kept {
                items.push(item);
            }
        }
    }

    /// How many pooled items have a `size` of at least `need`.
    pub(crate) fn count(&self, need: usize, size: impl Fn(&T) -> usize) -> usize {
        self.items.lock().map(|items| items.iter().filter(|t| size(t) >= need).count()).unwrap_or(0)
    }

    /// The most items the pool keeps.
    pub(crate) fn kept(&self) -> usize {
        self.kept
    }
}
