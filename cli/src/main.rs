//! `rehash`: the command-line face of the rehash library.
//!
//! `rehash verify` reads JSON lines (`id`, `password` or `password_hex`,
//! `hash`, optional `salt`, `user` and `family`) and writes one JSON result per
//! line. Passwords and hashes are never echoed.
#![forbid(unsafe_code)]

use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod verify;

/// Identify, verify and upgrade legacy password hashes.
#[derive(Parser)]
#[command(name = "rehash", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify JSON lines of {id, password, hash[, salt, user, family]}; one
    /// JSON result per line on stdout.
    Verify {
        /// Input file (default: standard input).
        #[arg(long)]
        input: Option<PathBuf>,
        /// Add `new_hash` to each line whose verify succeeded with an upgrade due.
        #[arg(long)]
        upgrade: bool,
        /// Policy file (TOML); default: Argon2id m=19456 KiB, t=2, p=1.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify { input, upgrade, policy } => {
            let policy = match load_policy(policy.as_deref()) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("rehash: {e}");
                    return ExitCode::from(2);
                }
            };
            let reader: Box<dyn BufRead> = match input {
                Some(path) => match std::fs::File::open(&path) {
                    Ok(f) => Box::new(BufReader::new(f)),
                    Err(e) => {
                        eprintln!("rehash: cannot open {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                },
                None => Box::new(BufReader::new(io::stdin().lock())),
            };
            let stdout = io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            match verify::run(&policy, upgrade, reader, &mut out).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("rehash: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// The policy from `--policy FILE`, or the default.
fn load_policy(path: Option<&std::path::Path>) -> Result<rehash::Policy, String> {
    match path {
        None => Ok(rehash::Policy::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            rehash::Policy::from_toml(&text).map_err(|e| format!("{}: {e}", p.display()))
        }
    }
}
