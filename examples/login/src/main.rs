#![forbid(unsafe_code)]
//! `cargo run -p rehash-login-example [-- --memory | --db FILE] [--policy FILE]`
//!
//! Serves `POST /login` on 127.0.0.1:3000 over a SQLite file
//! (`login-example.db` by default) seeded with legacy hashes made by hashlib
//! and passlib; each successful login upgrades its row to Argon2id.

use std::path::PathBuf;
use std::sync::Arc;

use rehash::limit::Limiter;
use rehash_login_example::{app, connect, demo_policy, seed, seed_data, AppState, Db, LIMITER_BUDGET_BYTES};

const ADDR: &str = "127.0.0.1:3000";
const USAGE: &str = "usage: rehash-login-example [--memory | --db FILE] [--policy FILE.toml]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut db = Db::File(PathBuf::from("login-example.db"));
    let mut policy_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--memory" => db = Db::Memory,
            "--db" => db = Db::File(args.next().ok_or(USAGE)?.into()),
            "--policy" => policy_file = Some(args.next().ok_or(USAGE)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }

    // The policy: the built-in demo one, or a TOML file (rehash::config).
    let policy = match policy_file {
        None => demo_policy()?,
        Some(path) => rehash::Policy::from_toml(&std::fs::read_to_string(path)?)?,
    };

    let pool = connect(&db).await?;
    let inserted = seed(&pool).await?;
    let listener = tokio::net::TcpListener::bind(ADDR).await?;

    match &db {
        Db::Memory => println!("database: in memory"),
        Db::File(path) => println!("database: {}", path.display()),
    }
    if inserted > 0 {
        println!("seeded {inserted} users with legacy hashes");
    }
    println!("listening on http://{ADDR} (POST /login)");
    println!("demo users (each login upgrades the row to Argon2id):");
    for u in seed_data().users {
        let scheme = u.scheme.as_deref().unwrap_or("self-describing");
        println!("  {:<6} {:<30} {} ({scheme})", u.username, u.password, u.made_by);
    }
    println!(
        "try: curl -s -X POST http://{ADDR}/login -H 'content-type: application/json' \
         -d '{{\"username\":\"alice\",\"password\":\"password123\"}}'"
    );

    let state =
        AppState { policy: Arc::new(policy), limiter: Limiter::new(LIMITER_BUDGET_BYTES), pool, pause: None };
    axum::serve(listener, app(state)).await?;
    Ok(())
}
