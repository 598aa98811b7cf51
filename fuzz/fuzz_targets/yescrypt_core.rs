//! Differential: rehash's yescrypt core (through `Policy::verify` of a `$y$`
//! string) against the RustCrypto `yescrypt` crate, for arbitrary small
//! parameters of every flavor the crate knows (classic scrypt, WORM, RW),
//! salts and passwords. The crate computes the hash and writes the setting;
//! rehash must accept the string, verify it with the password and refuse it
//! with another one.
//!
//! Layout: [mode, log2 N, r, p, t, salt_len] then the salt, then the password
//! (the rest of the input).
#![no_main]

use base64ct::{Base64ShaCrypt, Encoding as _};
use libfuzzer_sys::fuzz_target;
use rehash::{Policy, Verification};

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<6>() else { return };
    let mode = [yescrypt::Mode::Classic, yescrypt::Mode::Worm, yescrypt::Mode::Rw][usize::from(head[0] % 3)];
    // N·r ≤ 2^11 (256 KiB) and t ≤ 3 keep one execution in milliseconds.
    let log_n = u32::from(head[1] % 8) + 1;
    let r = u32::from(head[2] % 8) + 1;
    let p = u32::from(head[3] % 4) + 1;
    let t = u32::from(head[4] % 4);
    let (salt, password) = rest.split_at(usize::from(head[5] % 33).min(rest.len()));
    let Ok(params) = yescrypt::Params::new_with_all_params(mode, 1 << log_n, r, p, t, 0) else {
        return;
    };
    let mut out = [0u8; 32];
    if yescrypt::yescrypt(password, salt, &params, &mut out).is_err() {
        return;
    }
    let stored = format!(
        "$y${params}${}${}",
        Base64ShaCrypt::encode_string(salt),
        Base64ShaCrypt::encode_string(&out)
    );
    let policy = Policy::default();
    match policy.verify(password, stored.as_str()) {
        Ok(Verification::Valid { .. }) => {}
        other => panic!("{stored} with {password:?}: {other:?}"),
    }
    let mut wrong = password.to_vec();
    wrong.push(0x55);
    match policy.verify(&wrong, stored.as_str()) {
        Ok(Verification::Invalid { .. }) => {}
        other => panic!("{stored} with a longer password: {other:?}"),
    }
});
