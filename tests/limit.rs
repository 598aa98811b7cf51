//! The async helpers and the memory-budget limiter (feature `tokio`).
#![cfg(feature = "tokio")]

use std::sync::Arc;

use rehash::limit::{Limiter, OwnedStored};
use rehash::{Error, Policy, Scheme, Target, Upgrade};
use zeroize::Zeroizing;

fn pw(s: &str) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(s.as_bytes().to_vec())
}

fn small_policy() -> Arc<Policy> {
    Arc::new(
        Policy::builder()
            .target(Target::Argon2id { m_kib: 256, t: 1, p: 1 })
            .dangerous()
            .allow_below_owasp_floor()
            .declare(Scheme::Md5Hex)
            .build()
            .expect("policy"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_logins_complete_within_a_small_budget() {
    let policy = small_policy();
    // Room for 2 computations of 256 KiB at a time; 40 logins queue and finish.
    let limiter = Limiter::new(512 * 1024);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (l, p) = (limiter.clone(), Arc::clone(&policy));
        tasks.push(tokio::spawn(async move {
            let stored = OwnedStored::new("5f4dcc3b5aa765d61d8327deb882cf99");
            let pass = if i % 2 == 0 { "password" } else { "wrong" };
            (i, l.verify_and_upgrade(&p, pw(pass), stored).await)
        }));
    }
    for t in tasks {
        let (i, r) = t.await.expect("task");
        match r.expect("verify") {
            Upgrade::Valid { new_hash: Some(h) } => assert!(i % 2 == 0 && h.starts_with("$argon2id$")),
            Upgrade::Invalid => assert!(i % 2 == 1),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_computation_larger_than_the_budget_is_refused() {
    let policy = small_policy();
    let limiter = Limiter::new(64 * 1024);
    let h = policy.hash(b"pw").expect("hash");
    let r = limiter.verify_and_upgrade(&policy, pw("pw"), OwnedStored::new(h)).await;
    assert!(matches!(r, Err(Error::ParameterOutOfRange { parameter: "memory_kib", .. })), "{r:?}");
}

#[tokio::test]
async fn dummy_and_hash_run_off_the_executor() {
    let policy = small_policy();
    let limiter = Limiter::new(16 << 20);
    assert_eq!(limiter.verify_dummy(&policy, pw("x")).await.expect("dummy"), Upgrade::Invalid);
    let h = limiter.hash(&policy, pw("x")).await.expect("hash");
    let up = limiter.verify_and_upgrade(&policy, pw("x"), OwnedStored::new(h)).await.expect("verify");
    assert_eq!(up, Upgrade::Valid { new_hash: None });
}

#[test]
fn prewarm_pools_as_many_arenas_as_the_budget_runs_at_once() {
    let policy = Policy::builder()
        .target(Target::Argon2id { m_kib: 1000, t: 1, p: 1 })
        .dangerous()
        .allow_below_owasp_floor()
        .build()
        .expect("policy");
    // 3 computations of 1000 KiB fit a 3000 KiB budget.
    let limiter = Limiter::new(3000 * 1024);
    assert!(limiter.prewarm(&policy) >= 3);
    // A bcrypt target has no arena to warm.
    let bcrypt =
        Policy::builder().target(Target::Bcrypt { cost: 4 }).dangerous().allow_below_owasp_floor().build();
    assert_eq!(bcrypt.expect("policy").prewarm(4), 0);
    // Warm arenas still hash correctly (and are wiped between uses).
    let h = policy.hash(b"warm").expect("hash");
    assert!(policy.verify(b"warm", h.as_str()).expect("verify").is_valid());
}
