//! `rehash`: the command-line face of the rehash library.
//!
//! - `rehash verify` reads JSON lines (`id`, `password` or `password_hex`,
//!   `hash`, optional `salt`, `user` and `family`) and writes one JSON result
//!   per line;
//! - `rehash scan SOURCE` inventories a credential store;
//! - `rehash wrap SOURCE` makes every row below policy strong without passwords.
//!
//! Passwords, hashes and connection passwords are never echoed.
#![forbid(unsafe_code)]

use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod verify;

use rehash_cli::{batch, secret, store};

/// Identify, verify and upgrade legacy password hashes.
#[derive(Parser)]
#[command(
    name = "rehash",
    version,
    about,
    after_help = "Environment:\n  REHASH_ARGON2_BACKEND  force the Argon2 path: avx512, avx2 or portable (default: the fastest this CPU has)\n  REHASH_SHA512_BACKEND  force the SHA-512 path of $6$ SHA-crypt: avx2 or portable (default: the fastest this CPU has)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct SourceArgs {
    /// A .csv or .jsonl file, a SQLite file, or a postgres:// / mysql:// URL.
    /// Omit it and give --url-env to keep a password out of the command line.
    source: Option<String>,
    /// Read the source (a database URL) from this environment variable.
    #[arg(long)]
    url_env: Option<String>,
    /// Table name (SQL sources).
    #[arg(long, default_value = "users")]
    table: String,
    /// Id column (SQL: a primary key or unique column: integer, text or UUID) or id field (files).
    #[arg(long, default_value = "id")]
    id_col: String,
    /// Column holding the stored hash (or plaintext / ciphertext).
    #[arg(long, default_value = "hash")]
    hash_col: String,
    /// Separate salt column.
    #[arg(long)]
    salt_col: Option<String>,
    /// User-name column (PostgreSQL md5 uses the user name as salt).
    #[arg(long)]
    user_col: Option<String>,
    /// Column naming each row's scheme, for strings that are not self-describing.
    #[arg(long)]
    scheme_col: Option<String>,
    /// Policy file (TOML); default: Argon2id m=19456 KiB, t=2, p=1.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Rows per batch (one transaction each).
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
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
        /// Threads that verify (output stays in input order).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024))]
        jobs: u16,
    },
    /// Inventory a credential store: rows per scheme and parameters, share below
    /// policy, malformed rows (by id), accounts sharing an unsalted digest.
    Scan {
        #[command(flatten)]
        src: SourceArgs,
        /// Machine-readable report.
        #[arg(long)]
        json: bool,
    },
    /// Measure this machine and recommend Argon2id, bcrypt, scrypt and PBKDF2
    /// parameters for a verify-latency goal, as a policy-file fragment.
    Calibrate {
        /// Verify latency to aim for, in milliseconds.
        #[arg(long, default_value_t = 250)]
        target_ms: u64,
        /// Most memory one hash may use: 64MiB, 65536KiB, 1GiB (plain numbers are KiB).
        #[arg(long, default_value = "64MiB", value_parser = parse_kib)]
        max_memory: u32,
        /// Argon2 lanes (p), 1 to 64.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
        parallelism: u32,
        /// Threads one Argon2 hash may fill its lanes on (policy
        /// `[kdf] argon2_threads`), 1 to 64; only useful with --parallelism > 1.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
        threads: u32,
    },
    /// Wrap every row below policy (Argon2id over the legacy digest), or hash
    /// plaintext / encrypted passwords straight to the target.
    Wrap {
        #[command(flatten)]
        src: SourceArgs,
        /// Change nothing; report what would change.
        #[arg(long)]
        dry_run: bool,
        /// Worker threads for the KDF work (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// File sources: where to write the result (default <name>.rehash.<ext>).
        #[arg(long)]
        output: Option<PathBuf>,
        /// File sources: replace the input file (atomically).
        #[arg(long)]
        in_place: bool,
        /// The hash column holds plaintext passwords: hash them to the target.
        #[arg(long, conflicts_with = "encrypted")]
        plaintext: bool,
        /// The hash column holds encrypted passwords: decrypt and hash them.
        #[arg(long, value_enum)]
        encrypted: Option<secret::Cipher>,
        /// File holding the 32-byte key (raw, hex or base64).
        #[arg(long, requires = "encrypted")]
        key_file: Option<PathBuf>,
        /// Environment variable holding the key (hex or base64).
        #[arg(long, requires = "encrypted")]
        key_env: Option<String>,
        /// Machine-readable summary and progress.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Verify { input, upgrade, policy, jobs } => run_verify(input, upgrade, policy, jobs.into()),
        Command::Calibrate { target_ms, max_memory, parallelism, threads } => {
            let goal = rehash::calibrate::Goal {
                target: std::time::Duration::from_millis(target_ms),
                max_memory_kib: max_memory,
                parallelism,
                threads,
            };
            eprintln!("rehash: measuring this machine (about a minute)…");
            rehash::calibrate::calibrate(goal).map_err(|e| e.to_string()).map(|c| {
                print!("{}", c.to_toml(&goal));
                ExitCode::SUCCESS
            })
        }
        Command::Scan { src, json } => runtime().and_then(|rt| rt.block_on(run_scan(src, json))),
        Command::Wrap {
            src,
            dry_run,
            jobs,
            output,
            in_place,
            plaintext,
            encrypted,
            key_file,
            key_env,
            json,
        } => runtime().and_then(|rt| {
            rt.block_on(run_wrap(
                src, dry_run, jobs, output, in_place, plaintext, encrypted, key_file, key_env, json,
            ))
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rehash: {e}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())
}

fn run_verify(
    input: Option<PathBuf>,
    upgrade: bool,
    policy: Option<PathBuf>,
    jobs: usize,
) -> Result<ExitCode, String> {
    let policy = load_policy(policy.as_deref())?;
    let reader: Box<dyn BufRead> = match input {
        Some(path) => Box::new(BufReader::new(
            std::fs::File::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?,
        )),
        None => Box::new(BufReader::new(io::stdin().lock())),
    };
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout());
    verify::run(&policy, upgrade, jobs, reader, &mut out)
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

fn source_of(src: &SourceArgs) -> Result<String, String> {
    match (&src.source, &src.url_env) {
        (Some(s), None) => Ok(s.clone()),
        (None, Some(var)) => std::env::var(var).map_err(|_| format!("environment variable {var} is not set")),
        (Some(_), Some(_)) => Err("give SOURCE or --url-env, not both".into()),
        (None, None) => Err("no SOURCE given (a file, a SQLite database or a URL; or --url-env VAR)".into()),
    }
}

fn columns(src: &SourceArgs) -> store::Columns {
    store::Columns {
        table: src.table.clone(),
        id: src.id_col.clone(),
        hash: src.hash_col.clone(),
        salt: src.salt_col.clone(),
        user: src.user_col.clone(),
        scheme: src.scheme_col.clone(),
    }
}

async fn run_scan(src: SourceArgs, json: bool) -> Result<ExitCode, String> {
    let policy = load_policy(src.policy.as_deref())?;
    let source = source_of(&src)?;
    let mut st = store::Store::open(&source, &columns(&src), store::FileOutput::default(), false).await?;
    // Reading takes no transaction: large pages keep a scan of millions of rows fast.
    let report = batch::scan(&mut st, &policy, src.batch_size.max(4096), json).await?;
    st.finish(false).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    } else {
        batch::print_scan(&report, &store::redact(&source));
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)] // one per command-line flag
async fn run_wrap(
    src: SourceArgs,
    dry_run: bool,
    jobs: Option<usize>,
    output: Option<PathBuf>,
    in_place: bool,
    plaintext: bool,
    encrypted: Option<secret::Cipher>,
    key_file: Option<PathBuf>,
    key_env: Option<String>,
    json: bool,
) -> Result<ExitCode, String> {
    let policy = load_policy(src.policy.as_deref())?;
    let mode = match (plaintext, encrypted) {
        (true, _) => batch::Mode::Plaintext,
        (false, Some(cipher)) => {
            let material = match (key_file, key_env) {
                (Some(f), None) => zeroize::Zeroizing::new(
                    std::fs::read(&f).map_err(|e| format!("cannot read key file {}: {e}", f.display()))?,
                ),
                (None, Some(v)) => zeroize::Zeroizing::new(
                    std::env::var(&v)
                        .map_err(|_| format!("environment variable {v} is not set"))?
                        .into_bytes(),
                ),
                _ => return Err("--encrypted needs exactly one of --key-file or --key-env".into()),
            };
            batch::Mode::Encrypted(cipher, secret::Key::parse(&material)?)
        }
        (false, None) => batch::Mode::Hashes,
    };
    if matches!(mode, batch::Mode::Hashes) && !policy.has_pepper() {
        eprintln!(
            "rehash: warning: no pepper configured: wrapped unsalted digests can be \"shucked\" with digest lists \
             leaked elsewhere (see docs/wrap.md); add [pepper] to the policy file to prevent it"
        );
    }
    let source = source_of(&src)?;
    let output = store::FileOutput { path: output, in_place, dry_run };
    // A dry run changes nothing, so it takes no row locks and reads in large
    // pages, as scan does.
    let mut st = store::Store::open(&source, &columns(&src), output, !dry_run).await?;
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let capacity = st.capacity().cloned();
    if let Some(c) = &capacity {
        let target = policy.hash_len() as u64;
        if target > c.chars {
            return Err(format!(
                "the hash column holds {} characters but a new target hash has {target}: a login could \
                 not store its upgrade. Make room first:\n  {}",
                c.chars,
                c.alter(target)
            ));
        }
    }
    let opts = batch::WrapOptions {
        batch: if dry_run { src.batch_size.max(4096) } else { src.batch_size.max(1) },
        jobs,
        dry_run,
        quiet: json,
        capacity: capacity.as_ref().map(|c| c.chars),
    };
    let report = batch::wrap(&mut st, &policy, &mode, &opts).await?;
    let written = st.finish(!dry_run && report.wrapped + report.rehashed > 0).await?;
    if json {
        println!("{}", serde_json::to_string(&report).map_err(|e| e.to_string())?);
    } else {
        let verb = if dry_run { "would change" } else { "changed" };
        println!(
            "rehash wrap {}: {} rows; {verb}: {} wrapped, {} rehashed; left alone: {} at policy, {} already wrapped, \
             {} locked, {} empty; {} errors; {} too long for the column; {} lost to a concurrent change \
             (read again); {} left below policy",
            store::redact(&source),
            report.rows,
            report.wrapped,
            report.rehashed,
            report.at_policy,
            report.already_wrapped,
            report.disabled,
            report.empty,
            report.errors,
            report.too_long,
            report.lost_swaps,
            report.remaining_below_policy
        );
        if report.too_long > 0 {
            if let Some(c) = &capacity {
                println!("to make room for the refused rows:\n  {}", c.alter(report.longest_refused));
            }
        }
        if let Some(p) = written {
            println!("wrote {}", p.display());
        }
    }
    // Rows left below policy (failed, refused, still locked) are listed by id
    // and make the exit code 1, so a scheduler notices; 2 is a failed run.
    Ok(if report.remaining_below_policy > 0 || report.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
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

/// `64MiB`, `65536KiB`, `1GiB` or a plain number of KiB.
fn parse_kib(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        None => (t, 1u64),
        Some((i, _)) => {
            let mult = match t[i..].to_ascii_lowercase().as_str() {
                "k" | "kib" | "kb" => 1,
                "m" | "mib" | "mb" => 1024,
                "g" | "gib" | "gb" => 1024 * 1024,
                other => return Err(format!("unknown unit `{other}` (use KiB, MiB or GiB)")),
            };
            (&t[..i], mult)
        }
    };
    let n: u64 = num.trim().parse().map_err(|_| format!("`{s}` is not a size"))?;
    n.checked_mul(mult).and_then(|kib| u32::try_from(kib).ok()).ok_or_else(|| format!("`{s}` is too large"))
}
