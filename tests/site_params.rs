//! Installation settings from the policy file's `[params]` table: a row that
//! carries none of its own is verified with the policy's (Firebase's project
//! hash config, its signer key a secret read through the environment).

use rehash::config::SecretSource;
use rehash::{Error, Policy, Scheme, SiteParams, Stored};
use zeroize::Zeroizing;

/// The environment of the test: the Firebase signer key, nothing else.
struct FakeSecrets;

const SIGNER_KEY: &str =
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";

impl SecretSource for FakeSecrets {
    fn env(&self, name: &str) -> Option<Zeroizing<Vec<u8>>> {
        (name == "FIREBASE_SIGNER_KEY").then(|| Zeroizing::new(SIGNER_KEY.as_bytes().to_vec()))
    }

    fn file(&self, _path: &str) -> Option<Zeroizing<Vec<u8>>> {
        None
    }
}

const POLICY: &str = r#"
[params]
rounds = 8
mem_cost = 14
base64_salt_separator = "Bw=="
base64_signer_key = { env = "FIREBASE_SIGNER_KEY" }
"#;

/// github.com/firebase/scrypt's published example: "user1password".
const HASH: &str = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
const SALT: &str = "42xEC+ixf3L2lw==";

fn row() -> Stored<'static> {
    Stored::new(HASH).with_salt(SALT).with_scheme(Scheme::FirebaseScrypt)
}

#[test]
fn firebase_rows_use_the_policy_files_params() {
    let p = Policy::from_toml_with(POLICY, &FakeSecrets).expect("policy file");
    let v = p.verify(b"user1password", row()).expect("verify");
    assert!(v.is_valid() && v.needs_upgrade());
    assert_eq!(v.identified().scheme, Scheme::FirebaseScrypt);
    assert!(!p.verify(b"user1passwore", row()).expect("verify").is_valid());
    // A wrap keeps no params either: verified with the policy's again.
    let wrapped = p.wrap(row()).expect("wrap");
    assert!(!wrapped.contains("jxspr8"), "{wrapped}");
    let w = Stored::new(&wrapped).with_salt(SALT);
    assert!(p.verify(b"user1password", w).expect("verify wrapped").is_valid());
}

#[test]
fn a_rows_own_params_win_and_missing_ones_are_named() {
    // Without [params] the row must bring them: the error names the first one.
    let bare = Policy::default();
    assert!(matches!(
        bare.verify(b"user1password", row()),
        Err(Error::MissingInput { what: "params.base64_signer_key", .. })
    ));
    // The row's own settings win over the policy's: a wrong separator fails.
    let p = Policy::from_toml_with(POLICY, &FakeSecrets).expect("policy file");
    let other = SiteParams::from_json(&format!(
        r#"{{"base64_signer_key": "{SIGNER_KEY}", "base64_salt_separator": "CA==", "rounds": 8, "mem_cost": 14}}"#
    ))
    .expect("params");
    assert!(!p.verify(b"user1password", row().with_params(&other)).expect("verify").is_valid());
    // A secret the environment does not hold is a configuration error.
    let missing = POLICY.replace("FIREBASE_SIGNER_KEY", "NOT_SET");
    assert!(matches!(Policy::from_toml_with(&missing, &FakeSecrets), Err(Error::InvalidConfig(_))));
}
