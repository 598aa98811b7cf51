//! Token buckets per key (client address, login identifier) in a map of
//! bounded size. Keys are 64-bit SipHash values under a per-process random
//! key, so an entry costs the same whatever the identifier's length. When the
//! map is full, entries whose bucket has refilled (the same as no entry) are
//! swept, at most once a second; if it is still full, a new key is refused
//! (fail closed) rather than evicting a live bucket an attacker could reset.

use std::collections::HashMap;
use std::hash::{BuildHasher as _, Hash};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Requests per second, and how many may come at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size.
    pub burst: f64,
}

impl Rate {
    /// `N/s`, `N/min` or `N/h` (the burst is given apart).
    pub fn parse(s: &str, burst: u32) -> Result<Option<Rate>, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let (n, unit) =
            t.split_once('/').ok_or_else(|| format!("`{s}`: give a rate as N/s, N/min or N/h, or off"))?;
        let n: f64 = n.trim().parse().map_err(|_| format!("`{s}`: `{n}` is not a number"))?;
        let secs = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            u => return Err(format!("`{s}`: unknown unit `{u}` (s, min or h)")),
        };
        if !(n.is_finite() && n > 0.0) || burst == 0 {
            return Err(format!("`{s}`: the rate and the burst must be positive (or the rate `off`)"));
        }
        Ok(Some(Rate { per_second: n / secs, burst: f64::from(burst) }))
    }
}

/// What a bucket says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go on (one token taken).
    Allow,
    /// Over the rate: try again after this long.
    Deny(Duration),
    /// The map is full of live buckets: refused.
    Full,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

struct Inner {
    map: HashMap<u64, Bucket>,
    last_sweep: Option<Instant>,
}

/// Buckets keyed by a hash of the key.
pub struct Buckets {
    rate: Rate,
    cap: usize,
    hasher: std::collections::hash_map::RandomState,
    inner: Mutex<Inner>,
}

impl Buckets {
    /// Buckets at `rate`, at most `cap` keys at once.
    pub fn new(rate: Rate, cap: usize) -> Buckets {
        Buckets {
            rate,
            cap: cap.max(1),
            hasher: std::collections::hash_map::RandomState::new(),
            inner: Mutex::new(Inner { map: HashMap::new(), last_sweep: None }),
        }
    }

    /// The bucket of `key` (any hashable value).
    pub fn key(&self, key: impl Hash) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Take a token from `key`'s bucket at `now`.
    pub fn take(&self, key: u64, now: Instant) -> Verdict {
        let Rate { per_second, burst } = self.rate;
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !inner.map.contains_key(&key) && inner.map.len() >= self.cap {
            let due =
                inner.last_sweep.is_none_or(|t| now.saturating_duration_since(t) >= Duration::from_secs(1));
            if !due {
                return Verdict::Full;
            }
            inner.last_sweep = Some(now);
            inner.map.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second < burst
            });
            if inner.map.len() >= self.cap {
                return Verdict::Full;
            }
        }
        let b = inner.map.entry(key).or_insert(Bucket { tokens: burst, at: now });
        b.tokens = (b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Verdict::Allow
        } else {
            Verdict::Deny(Duration::from_secs_f64(((1.0 - b.tokens) / per_second).max(0.001)))
        }
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).map.len()
    }
}

/// The rate-limit key of a client address: an IPv4 address, or the /64 an
/// IPv6 address is in (one host usually holds a whole /64).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(Rate::parse("50/s", 100), Ok(Some(Rate { per_second: 50.0, burst: 100.0 })));
        assert_eq!(Rate::parse("30/min", 5), Ok(Some(Rate { per_second: 0.5, burst: 5.0 })));
        assert_eq!(Rate::parse("off", 5), Ok(None));
        assert!(Rate::parse("5", 5).is_err());
        assert!(Rate::parse("0/s", 5).is_err());
        assert!(Rate::parse("5/s", 0).is_err());
        assert!(Rate::parse("5/fortnight", 1).is_err());
    }

    #[test]
    fn a_bucket_refills_at_its_rate() {
        let b = Buckets::new(Rate { per_second: 2.0, burst: 3.0 }, 10);
        let (k, t0) = (b.key("alice"), Instant::now());
        for _ in 0..3 {
            assert_eq!(b.take(k, t0), Verdict::Allow);
        }
        let Verdict::Deny(wait) = b.take(k, t0) else { panic!("the fourth request at once must wait") };
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        // Half a second later one token is back, not two.
        assert_eq!(b.take(k, t0 + Duration::from_millis(500)), Verdict::Allow);
        assert!(matches!(b.take(k, t0 + Duration::from_millis(500)), Verdict::Deny(_)));
        // Other keys have their own bucket.
        assert_eq!(b.take(b.key("bob"), t0), Verdict::Allow);
    }

    #[test]
    fn the_map_is_bounded_and_sweeps_only_refilled_buckets() {
        let b = Buckets::new(Rate { per_second: 1.0, burst: 2.0 }, 3);
        let t0 = Instant::now();
        for k in 0..3u64 {
            assert_eq!(b.take(k, t0), Verdict::Allow);
        }
        // Full of live buckets: a new key is refused, old keys go on.
        assert_eq!(b.take(99, t0), Verdict::Full);
        assert_eq!(b.take(0, t0), Verdict::Allow);
        assert_eq!(b.len(), 3);
        // Within a second of the last sweep, no new sweep (and still full).
        assert_eq!(b.take(98, t0 + Duration::from_millis(500)), Verdict::Full);
        // Two seconds on, keys 1 and 2 have refilled (key 0 spent two tokens
        // and is back to 2 too): all swept, the new key gets a bucket.
        assert_eq!(b.take(97, t0 + Duration::from_secs(3)), Verdict::Allow);
        assert_eq!(b.len(), 1);
        // A key whose bucket is still draining survives a sweep.
        let b = Buckets::new(Rate { per_second: 0.001, burst: 1.0 }, 1);
        assert_eq!(b.take(1, t0), Verdict::Allow);
        assert_eq!(b.take(2, t0 + Duration::from_secs(2)), Verdict::Full);
        assert!(matches!(b.take(1, t0 + Duration::from_secs(2)), Verdict::Deny(_)));
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
