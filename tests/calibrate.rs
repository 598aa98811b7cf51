//! Calibration never recommends parameters under the OWASP floors, and says so
//! when the floor itself misses the goal.

use std::time::Duration;

use rehash::calibrate::{calibrate, Goal};
use rehash::Target;

#[test]
fn an_impossible_goal_gets_the_floors_flagged() {
    let goal =
        Goal { target: Duration::from_micros(1), max_memory_kib: 64 * 1024, parallelism: 1, threads: 1 };
    let c = calibrate(goal).expect("calibrate");
    assert_eq!(c.argon2id.target, Target::Argon2id { m_kib: 19_456, t: 2, p: 1 });
    assert_eq!(c.bcrypt.target, Target::Bcrypt { cost: 10 });
    assert_eq!(c.scrypt.target, Target::Scrypt { log_n: 17, r: 8, p: 1 });
    assert_eq!(c.pbkdf2_sha256.target, Target::Pbkdf2Sha256 { iterations: 600_000 });
    for p in [c.argon2id, c.bcrypt, c.scrypt, c.pbkdf2_sha256] {
        assert!(p.floor_exceeds_goal);
    }
    let toml = c.to_toml(&goal);
    assert!(toml.contains("scheme = \"argon2id\"") && toml.contains("OWASP floor"));
    // The fragment is a valid policy file.
    rehash::Policy::from_toml(&toml).expect("the fragment parses");
}

#[test]
fn a_fragment_above_the_default_ceilings_raises_them() {
    use rehash::calibrate::{Calibration, Pick};
    // A fast machine with a large memory cap lands above the default ceilings
    // (256 MiB, 16 passes): the fragment must raise them, or the policy would
    // refuse its own hashes.
    let pick = |target| Pick { target, measured: Duration::from_millis(240), floor_exceeds_goal: false };
    let c = Calibration {
        argon2id: pick(Target::Argon2id { m_kib: 512 * 1024, t: 20, p: 4 }),
        bcrypt: pick(Target::Bcrypt { cost: 12 }),
        scrypt: pick(Target::Scrypt { log_n: 17, r: 8, p: 1 }),
        pbkdf2_sha256: pick(Target::Pbkdf2Sha256 { iterations: 2_000_000 }),
    };
    let goal =
        Goal { target: Duration::from_millis(250), max_memory_kib: 1 << 20, parallelism: 4, threads: 2 };
    let policy = rehash::Policy::from_toml(&c.to_toml(&goal)).expect("the fragment parses");
    let ceil = policy.ceilings();
    assert!(ceil.memory_kib >= 512 * 1024 && ceil.argon2_passes >= 20 && policy.argon2_threads() == 2);
    assert_eq!(policy.target(), &Target::Argon2id { m_kib: 512 * 1024, t: 20, p: 4 });
}

#[test]
fn measuring_above_the_default_ceilings_really_verifies() {
    // t = 17 is over the default pass ceiling (16): measure raises it for its
    // own policy and fails loudly if the verify does not succeed.
    let d = rehash::calibrate::measure(Target::Argon2id { m_kib: 64, t: 17, p: 1 }, 1).expect("measured");
    assert!(d > Duration::ZERO);
}
