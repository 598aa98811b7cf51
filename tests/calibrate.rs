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
