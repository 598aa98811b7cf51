//! Pick cost parameters for a verify-latency target on this machine.
//!
//! [`calibrate`] times real hashes (median of a few runs) and searches, per
//! target family, for the strongest parameters whose verify stays within the
//! target latency — never below the OWASP Password Storage floors. If even the
//! floor is slower than the target, the floor is recommended and flagged.

use std::time::{Duration, Instant};

use crate::ceilings::Ceilings;
use crate::error::{Error, Result};
use crate::policy::{Policy, Target};

/// What to calibrate for.
#[derive(Clone, Copy, Debug)]
pub struct Goal {
    /// The verify latency to aim for.
    pub target: Duration,
    /// The most memory one Argon2/scrypt computation may use, in KiB.
    pub max_memory_kib: u32,
    /// Argon2 lanes (p).
    pub parallelism: u32,
    /// Threads one Argon2 hash may fill its lanes on
    /// ([`crate::PolicyBuilder::argon2_threads`]); 1 = one thread per login.
    pub threads: u32,
}

impl Default for Goal {
    fn default() -> Self {
        Goal { target: Duration::from_millis(250), max_memory_kib: 64 * 1024, parallelism: 1, threads: 1 }
    }
}

/// One recommendation: parameters, their measured verify time, and whether
/// the floor itself missed the target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pick {
    /// The recommended target.
    pub target: Target,
    /// Median measured verify time with it.
    pub measured: Duration,
    /// True when the OWASP floor alone is slower than the goal.
    pub floor_exceeds_goal: bool,
}

/// Recommendations for every target family.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Calibration {
    /// Argon2id (the default target).
    pub argon2id: Pick,
    /// bcrypt.
    pub bcrypt: Pick,
    /// scrypt.
    pub scrypt: Pick,
    /// PBKDF2-HMAC-SHA-256.
    pub pbkdf2_sha256: Pick,
}

/// Median verify time of `target` over `runs` runs, on one thread per hash.
pub fn measure(target: Target, runs: usize) -> Result<Duration> {
    measure_with_threads(target, runs, 1)
}

/// Median verify time of `target` over `runs` runs, Argon2 lanes filled on
/// up to `threads` threads.
pub fn measure_with_threads(target: Target, runs: usize, threads: u32) -> Result<Duration> {
    // Production code: the calibration probes must run below the floor too
    // (the search starts there), so the policy opens the dangerous door.
    let policy = Policy::builder()
        .target(target)
        .ceilings(ceilings_for(&target))
        .argon2_threads(threads)
        .dangerous()
        .allow_below_owasp_floor()
        .build()?;
    let hash = policy.hash(b"calibration password")?;
    let mut times = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let verified = policy.verify(b"calibration password", hash.as_str())?;
        times.push(start.elapsed());
        // A refused or failed verify would time nothing: never calibrate on it.
        if !verified.is_valid() {
            return Err(Error::Internal("calibration hash did not verify"));
        }
    }
    times.sort();
    Ok(times.get(times.len() / 2).copied().unwrap_or_default())
}

/// The default ceilings, raised where `target` goes above them (so the
/// policy verifies its own hashes).
pub fn ceilings_for(target: &Target) -> Ceilings {
    let mut c = Ceilings::default();
    match *target {
        Target::Argon2id { m_kib, t, p } | Target::DjangoArgon2 { m_kib, t, p } => {
            c.memory_kib = c.memory_kib.max(m_kib.into());
            c.argon2_passes = c.argon2_passes.max(t);
            c.parallelism = c.parallelism.max(p);
        }
        Target::Scrypt { log_n, r, p } => {
            let kib = (128u64 * u64::from(r)) << log_n.min(40);
            c.memory_kib = c.memory_kib.max(kib / 1024);
            c.parallelism = c.parallelism.max(p);
        }
        Target::Bcrypt { cost } | Target::BcryptSha256 { cost } => c.bcrypt_cost = c.bcrypt_cost.max(cost),
        Target::Pbkdf2Sha256 { iterations } => c.iterations = c.iterations.max(iterations.into()),
    }
    c
}

/// Largest value in `lo..=hi` whose time fits the goal, by doubling then
/// bisecting; `time` is monotone in the value.
fn search(
    lo: u64,
    hi: u64,
    goal: Duration,
    mut time: impl FnMut(u64) -> Result<Duration>,
) -> Result<(u64, Duration, bool)> {
    let t_lo = time(lo)?;
    if t_lo > goal || lo >= hi {
        return Ok((lo, t_lo, t_lo > goal));
    }
    let (mut good, mut good_t) = (lo, t_lo);
    let mut bad = None;
    let mut probe = lo;
    while bad.is_none() {
        probe = probe.saturating_mul(2).min(hi);
        let t = time(probe)?;
        if t <= goal {
            (good, good_t) = (probe, t);
            if probe == hi {
                return Ok((good, good_t, false));
            }
        } else {
            bad = Some(probe);
        }
    }
    let mut bad = bad.unwrap_or(hi);
    while bad - good > (good / 32).max(1) {
        let mid = good + (bad - good) / 2;
        let t = time(mid)?;
        if t <= goal {
            (good, good_t) = (mid, t);
        } else {
            bad = mid;
        }
    }
    Ok((good, good_t, false))
}

/// Measure this machine and recommend parameters for each target family.
pub fn calibrate(goal: Goal) -> Result<Calibration> {
    let runs = 3;
    let p = goal.parallelism.max(1);
    // Argon2id: memory first (the attacker's cost), then passes.
    let floor_m = 19_456u64.max(8 * u64::from(p));
    let max_m = u64::from(goal.max_memory_kib).max(floor_m);
    let (m, mut t_m, over) = search(floor_m, max_m, goal.target, |m| {
        measure_with_threads(Target::Argon2id { m_kib: m as u32, t: 2, p }, runs, goal.threads)
    })?;
    let mut t = 2u32;
    if m == max_m && !over {
        let (passes, tt, _) = search(2, 64, goal.target, |t| {
            measure_with_threads(Target::Argon2id { m_kib: m as u32, t: t as u32, p }, runs, goal.threads)
        })?;
        t = passes as u32;
        t_m = tt;
    }
    let argon2id =
        Pick { target: Target::Argon2id { m_kib: m as u32, t, p }, measured: t_m, floor_exceeds_goal: over };

    // bcrypt: each cost step doubles the time.
    let mut cost = 10u32;
    let mut t_b = measure(Target::Bcrypt { cost }, runs)?;
    let over_b = t_b > goal.target;
    while !over_b && cost < 16 {
        let next = measure(Target::Bcrypt { cost: cost + 1 }, runs)?;
        if next > goal.target {
            break;
        }
        cost += 1;
        t_b = next;
    }
    let bcrypt = Pick { target: Target::Bcrypt { cost }, measured: t_b, floor_exceeds_goal: over_b };

    // scrypt: N doubles per step, r = 8, within the memory limit.
    let mut log_n = 17u8;
    let mut t_s = measure(Target::Scrypt { log_n, r: 8, p: 1 }, runs)?;
    let over_s = t_s > goal.target;
    let fits = |ln: u8| (128u64 * 8) << ln <= u64::from(goal.max_memory_kib.max(16 * 1024)) * 1024;
    while !over_s && log_n < 24 && fits(log_n + 1) {
        let next = measure(Target::Scrypt { log_n: log_n + 1, r: 8, p: 1 }, runs)?;
        if next > goal.target {
            break;
        }
        log_n += 1;
        t_s = next;
    }
    let scrypt =
        Pick { target: Target::Scrypt { log_n, r: 8, p: 1 }, measured: t_s, floor_exceeds_goal: over_s };

    // PBKDF2: linear in iterations; scale from a measured sample, then check.
    let sample = 100_000u32;
    let t_sample = measure(Target::Pbkdf2Sha256 { iterations: sample }, runs)?.as_secs_f64().max(1e-9);
    let scaled = (f64::from(sample) * goal.target.as_secs_f64() / t_sample) as u64;
    let iterations = (scaled / 10_000 * 10_000).clamp(600_000, u64::from(u32::MAX)) as u32;
    let t_p = measure(Target::Pbkdf2Sha256 { iterations }, runs)?;
    let pbkdf2_sha256 = Pick {
        target: Target::Pbkdf2Sha256 { iterations },
        measured: t_p,
        floor_exceeds_goal: iterations == 600_000 && t_p > goal.target,
    };
    Ok(Calibration { argon2id, bcrypt, scrypt, pbkdf2_sha256 })
}

impl Calibration {
    /// The recommendation as a policy-file fragment (Argon2id as the target,
    /// the others as commented alternatives).
    pub fn to_toml(&self, goal: &Goal) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let flag =
            |p: &Pick| if p.floor_exceeds_goal { " (OWASP floor; slower than the goal here)" } else { "" };
        let mut s = format!(
            "# rehash calibrate: goal {:.0} ms per verify, at most {} KiB per hash, p = {}, {} thread(s) per hash\n\
             # Argon2 path on this CPU: {}\n",
            ms(goal.target),
            goal.max_memory_kib,
            goal.parallelism,
            goal.threads.max(1),
            crate::argon2_path()
        );
        if let Target::Argon2id { m_kib, t, p } = self.argon2id.target {
            s += &format!(
                "[target]\nscheme = \"argon2id\"\nm_kib = {m_kib}\nt = {t}\np = {p}\n# measured: {:.1} ms{}\n",
                ms(self.argon2id.measured),
                flag(&self.argon2id)
            );
            // Ceilings the recommended target needs, beyond the defaults, so
            // the policy verifies the hashes it makes.
            let (need, d) = (ceilings_for(&self.argon2id.target), Ceilings::default());
            let mut raised = String::new();
            if need.memory_kib > d.memory_kib {
                raised += &format!("memory_kib = {}\n", need.memory_kib);
            }
            if need.argon2_passes > d.argon2_passes {
                raised += &format!("argon2_passes = {}\n", need.argon2_passes);
            }
            if need.parallelism > d.parallelism {
                raised += &format!("parallelism = {}\n", need.parallelism);
            }
            if !raised.is_empty() {
                s += &format!("\n[ceilings]\n{raised}");
            }
            if goal.threads.min(p) > 1 {
                s += &format!("\n[kdf]\nargon2_threads = {}\n", goal.threads.min(p));
            }
        }
        s += "\n# Alternatives for shops that must use another family, each measured here:\n";
        if let Target::Bcrypt { cost } = self.bcrypt.target {
            s += &format!(
                "# scheme = \"bcrypt\", cost = {cost}  # {:.1} ms{}\n",
                ms(self.bcrypt.measured),
                flag(&self.bcrypt)
            );
        }
        if let Target::Scrypt { log_n, r, p } = self.scrypt.target {
            s += &format!(
                "# scheme = \"scrypt\", log_n = {log_n}, r = {r}, p = {p}  # {:.1} ms{}\n",
                ms(self.scrypt.measured),
                flag(&self.scrypt)
            );
        }
        if let Target::Pbkdf2Sha256 { iterations } = self.pbkdf2_sha256.target {
            s += &format!(
                "# scheme = \"pbkdf2_sha256\", iterations = {iterations}  # {:.1} ms{}\n",
                ms(self.pbkdf2_sha256.measured),
                flag(&self.pbkdf2_sha256)
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_finds_the_largest_fitting_value() {
        // time = value ms; goal 300 ms.
        let r = search(10, 10_000, Duration::from_millis(300), |v| Ok(Duration::from_millis(v)));
        let (v, t, over) = r.ok().unwrap_or_default();
        assert!((291..=300).contains(&v), "{v}");
        assert_eq!(t, Duration::from_millis(v));
        assert!(!over);
        // The floor itself is over the goal: the floor, flagged.
        let r = search(500, 10_000, Duration::from_millis(300), |v| Ok(Duration::from_millis(v)));
        assert_eq!(r.ok(), Some((500, Duration::from_millis(500), true)));
        // Capped by the maximum.
        let r = search(10, 100, Duration::from_millis(300), |v| Ok(Duration::from_millis(v)));
        assert_eq!(r.ok().map(|x| x.0), Some(100));
    }
}
