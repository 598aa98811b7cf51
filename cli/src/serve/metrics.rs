//! Counters for `/metrics`, in the Prometheus text format (version 0.0.4).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Everything `/metrics` reports.
#[derive(Default)]
pub struct Metrics {
    /// (endpoint, result, scheme) → verifies.
    verifies: Mutex<BTreeMap<(&'static str, &'static str, &'static str), u64>>,
    /// (kind, outcome) → write-backs.
    writes: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    /// (key) → requests refused by a rate limit.
    limited: Mutex<BTreeMap<&'static str, u64>>,
    latency_counts: [AtomicU64; BUCKETS.len()],
    latency_sum_us: AtomicU64,
    latency_count: AtomicU64,
    /// Requests refused for a missing or wrong secret.
    pub unauthorized: AtomicU64,
    /// Requests refused because too many were in flight.
    pub overloaded: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    *lock(map).entry(key).or_insert(0) += 1;
}

impl Metrics {
    /// One verify answered, and how long the request took.
    pub fn verify(&self, endpoint: &'static str, result: &'static str, scheme: &'static str, took: Duration) {
        bump(&self.verifies, (endpoint, result, scheme));
        let secs = took.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.latency_counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_sum_us.fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    /// One write-back tried.
    pub fn write(&self, kind: &'static str, outcome: &'static str) {
        bump(&self.writes, (kind, outcome));
    }

    /// One request refused by the `key` rate limit.
    pub fn limited(&self, key: &'static str) {
        bump(&self.limited, key);
    }

    /// The text exposition; `queued` and `in_flight` are read at the time.
    pub fn render(&self, queued: usize, in_flight: usize, rate_keys: (usize, usize)) -> String {
        let mut o = String::new();
        o.push_str(
            "# HELP rehash_serve_verifies_total Verifies answered, by endpoint, result and stored scheme.\n",
        );
        o.push_str("# TYPE rehash_serve_verifies_total counter\n");
        for ((e, r, s), n) in lock(&self.verifies).iter() {
            let _ = writeln!(
                o,
                "rehash_serve_verifies_total{{endpoint=\"{e}\",result=\"{r}\",scheme=\"{s}\"}} {n}"
            );
        }
        o.push_str("# HELP rehash_serve_verify_duration_seconds Time from request to answer of a verify.\n");
        o.push_str("# TYPE rehash_serve_verify_duration_seconds histogram\n");
        for (i, le) in BUCKETS.iter().enumerate() {
            let n = self.latency_counts[i].load(Ordering::Relaxed);
            let _ = writeln!(o, "rehash_serve_verify_duration_seconds_bucket{{le=\"{le}\"}} {n}");
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(o, "rehash_serve_verify_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(o, "rehash_serve_verify_duration_seconds_sum {sum}");
        let _ = writeln!(o, "rehash_serve_verify_duration_seconds_count {count}");
        o.push_str("# HELP rehash_serve_limiter_queue KDF computations waiting for the memory budget.\n");
        o.push_str("# TYPE rehash_serve_limiter_queue gauge\n");
        let _ = writeln!(o, "rehash_serve_limiter_queue {queued}");
        o.push_str("# HELP rehash_serve_requests_in_flight Verify requests being answered.\n");
        o.push_str("# TYPE rehash_serve_requests_in_flight gauge\n");
        let _ = writeln!(o, "rehash_serve_requests_in_flight {in_flight}");
        o.push_str("# HELP rehash_serve_rate_limited_total Requests refused by a rate limit, by key.\n");
        o.push_str("# TYPE rehash_serve_rate_limited_total counter\n");
        for (k, n) in lock(&self.limited).iter() {
            let _ = writeln!(o, "rehash_serve_rate_limited_total{{key=\"{k}\"}} {n}");
        }
        o.push_str("# HELP rehash_serve_rate_limit_keys Keys held by the rate limiters.\n");
        o.push_str("# TYPE rehash_serve_rate_limit_keys gauge\n");
        let _ = writeln!(o, "rehash_serve_rate_limit_keys{{key=\"client\"}} {}", rate_keys.0);
        let _ = writeln!(o, "rehash_serve_rate_limit_keys{{key=\"identifier\"}} {}", rate_keys.1);
        o.push_str(
            "# HELP rehash_serve_writebacks_total Write-backs after a verified login, by kind and outcome.\n",
        );
        o.push_str("# TYPE rehash_serve_writebacks_total counter\n");
        for ((k, r), n) in lock(&self.writes).iter() {
            let _ = writeln!(o, "rehash_serve_writebacks_total{{kind=\"{k}\",outcome=\"{r}\"}} {n}");
        }
        o.push_str("# HELP rehash_serve_unauthorized_total Requests without the right secret.\n");
        o.push_str("# TYPE rehash_serve_unauthorized_total counter\n");
        let _ = writeln!(o, "rehash_serve_unauthorized_total {}", self.unauthorized.load(Ordering::Relaxed));
        o.push_str(
            "# HELP rehash_serve_overloaded_total Requests refused because too many were in flight.\n",
        );
        o.push_str("# TYPE rehash_serve_overloaded_total counter\n");
        let _ = writeln!(o, "rehash_serve_overloaded_total {}", self.overloaded.load(Ordering::Relaxed));
        o
    }
}
