//! Arbitrary text through `Policy::from_toml_with` with a fake secret source
//! (no environment, no files). Never panics. A policy that loads is used only
//! for cheap calls: its target may be expensive (TOML cannot lower it below
//! the OWASP floor), so nothing is hashed with it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rehash::Policy;
use rehash_fuzz::FakeSecrets;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Policy::from_toml_with(&text, &FakeSecrets) {
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(policy) => {
            let _ = (policy.target().scheme(), policy.ceilings(), policy.has_pepper());
            let _ = format!("{policy:?}");
            let _ = policy.identify("5f4dcc3b5aa765d61d8327deb882cf99").map_err(|e| e.to_string());
            let _ = policy.identify("$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").map_err(|e| e.to_string());
            // md5-crypt has a fixed, small cost; the ceilings still apply.
            let _ =
                policy.verify(b"password", "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0").map_err(|e| e.to_string());
        }
    }
});
