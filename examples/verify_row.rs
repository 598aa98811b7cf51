//! Verify one credential row and say what to store.
//!
//! ```sh
//! cargo run --example verify_row -- 'hunter2' '$1$Z3EdVmHC$2OpApDa5WFC6ibqT43g0m0'
//! ```
//! A table of bare hex digests needs its scheme declared:
//! `cargo run --example verify_row -- password 5f4dcc3b5aa765d61d8327deb882cf99 md5_hex`

use rehash::{Policy, Scheme, Stored, Verification};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(password), Some(hash)) = (args.next(), args.next()) else {
        eprintln!("usage: verify_row PASSWORD STORED_HASH [SCHEME]");
        std::process::exit(2);
    };
    let mut stored = Stored::new(&hash);
    if let Some(name) = args.next() {
        stored = stored.with_scheme(Scheme::from_name(&name).ok_or("unknown scheme label")?);
    }
    let policy = Policy::default();
    match policy.verify(password.as_bytes(), stored)? {
        Verification::Valid { identified, needs_upgrade: true } => {
            let new_hash = policy.hash(password.as_bytes())?;
            println!("valid ({}); store the upgrade with compare-and-swap:", identified.scheme);
            println!("  UPDATE users SET hash = '{new_hash}' WHERE id = ? AND hash = <the value read>");
        }
        Verification::Valid { identified, .. } => println!("valid ({}), at policy", identified.scheme),
        Verification::Invalid { identified } => println!("invalid ({})", identified.scheme),
    }
    Ok(())
}
