//! `rehash`: the command-line face of the rehash library.
//!
//! - `rehash verify` reads JSON lines (`id`, `password` or `password_hex`,
//!   `hash`, optional `salt`, `user`, `family`, `params` and `params_col`) and
//!   writes one JSON result
//!   per line;
//! - `rehash scan SOURCE` inventories a credential store;
//! - `rehash wrap SOURCE` makes every row below policy strong without passwords;
//! - `rehash serve --store …` answers identity-provider migration hooks (Okta,
//!   Ory Kratos, a generic `POST /v1/verify`) over HTTPS (docs/serve.md).
//!
//! Passwords, hashes and connection passwords are never echoed.
#![forbid(unsafe_code)]

use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

#[cfg(feature = "serve")]
mod serve;
mod verify;

use rehash_cli::{batch, secret, store, RowError};

/// `println!` for reports on standard output: when the reader has gone
/// (`rehash scan … | head`) the rest of the report is dropped and the run
/// ends with the status it would have had, instead of panicking; any other
/// write error ends it with status 2 and a message.
macro_rules! outln {
    ($($arg:tt)*) => { out_line(format_args!($($arg)*)) };
}

fn out_line(args: std::fmt::Arguments<'_>) {
    static GONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if GONE.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let mut o = io::stdout().lock();
    if let Err(e) = o.write_fmt(args).and_then(|()| o.write_all(b"\n")).and_then(|()| o.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            GONE.store(true, std::sync::atomic::Ordering::Relaxed);
            return;
        }
        eprintln!("rehash: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

/// A failed run (exit code 2): a library [`rehash_cli::Error`] or the
/// binary's own message.
type Fail = Box<dyn std::error::Error>;

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

/// Where a known product keeps its passwords (`--preset`).
#[derive(Clone, Copy, clap::ValueEnum)]
enum PresetArg {
    /// A Firebase Auth export file (`firebase auth:export users.json`): id
    /// `localId`, hash `passwordHash`, salt `salt`, scheme firebase_scrypt;
    /// the project's hash config goes in the policy's [params].
    Firebase,
    /// Keycloak's CREDENTIAL table (SQLite, PostgreSQL, MySQL/MariaDB): id
    /// `ID`, hash `SECRET_DATA`, params column `CREDENTIAL_DATA`, only rows
    /// with TYPE = 'password', scheme keycloak_pbkdf2.
    Keycloak,
}

impl From<PresetArg> for store::Preset {
    fn from(p: PresetArg) -> Self {
        match p {
            PresetArg::Firebase => store::Preset::Firebase,
            PresetArg::Keycloak => store::Preset::Keycloak,
        }
    }
}

#[derive(Args, Clone)]
struct SourceArgs {
    /// A .csv or .jsonl file, a SQLite file, or a postgres:// / mysql:// URL.
    /// Omit it and give --url-env to keep a password out of the command line.
    source: Option<String>,
    /// Read the source (a database URL) from this environment variable.
    #[arg(long)]
    url_env: Option<String>,
    #[command(flatten)]
    cols: ColumnArgs,
    /// Policy file (TOML); default: Argon2id m=19456 KiB, t=2, p=1.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Rows per batch (one transaction each).
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
}

/// Table and columns, shared by scan, wrap and serve.
#[derive(Args, Clone)]
struct ColumnArgs {
    /// The layout and columns of a known product; the column flags below
    /// override single names.
    #[arg(long, value_enum)]
    preset: Option<PresetArg>,
    /// Table name (SQL sources) [default: users].
    #[arg(long)]
    table: Option<String>,
    /// Id column (SQL: a primary key or unique column: integer, text or UUID) or id field (files)
    /// [default: id].
    #[arg(long)]
    id_col: Option<String>,
    /// Column holding the stored hash (or plaintext / ciphertext) [default: hash].
    #[arg(long)]
    hash_col: Option<String>,
    /// Separate salt column.
    #[arg(long)]
    salt_col: Option<String>,
    /// User-name column (PostgreSQL md5 uses the user name as salt).
    #[arg(long)]
    user_col: Option<String>,
    /// Column naming each row's scheme, for strings that are not self-describing.
    #[arg(long)]
    scheme_col: Option<String>,
    /// Column recording how each row was hashed, passed to the family as it
    /// is (Keycloak's credential_data, Gitea's passwd_hash_algo). Settings of
    /// the whole installation go in the policy's [params].
    #[arg(long)]
    params_col: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Verify JSON lines of {id, password, hash[, salt, user, family, params,
    /// params_col]}; one JSON result per line on stdout.
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
    Wrap(WrapArgs),
    /// Serve verifies over HTTP(S) for identity-provider migration hooks: Okta's
    /// password import inline hook, Ory Kratos's password migration web hook, and
    /// POST /v1/verify (docs/serve.md).
    #[cfg(feature = "serve")]
    Serve(Box<ServeArgs>),
}

// The flags of `rehash serve`.
#[cfg(feature = "serve")]
#[derive(Args)]
struct ServeArgs {
    /// The legacy store: a SQLite file, or a postgres:// / mysql:// URL (or
    /// --url-env VAR, to keep a password out of the command line).
    #[arg(long)]
    store: Option<String>,
    /// Read the store's URL from this environment variable.
    #[arg(long)]
    url_env: Option<String>,
    #[command(flatten)]
    cols: ColumnArgs,
    /// Policy file (TOML); default: Argon2id m=19456 KiB, t=2, p=1.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Address and port to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Environment variable holding the shared secret callers send
    /// (`Authorization: Bearer SECRET`, or the bare secret, as Okta sends it).
    #[arg(long, required_unless_present = "token_file", conflicts_with = "token_file")]
    token_env: Option<String>,
    /// File holding the shared secret (surrounding white space ignored).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Header carrying the secret (Okta lets you name it).
    #[arg(long, default_value = "authorization")]
    auth_header: String,
    /// TLS certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allow plain HTTP on an address other than loopback (behind a
    /// TLS-terminating proxy only).
    #[arg(long)]
    insecure_http: bool,
    /// After a verified login: nothing (the store is opened read-only), store
    /// the upgraded hash, or set the --mark-col flag; both with compare-and-swap.
    #[arg(long, value_enum, default_value = "none")]
    on_success: OnSuccessArg,
    /// The migrated-flag column `--on-success mark` sets (boolean, integer or timestamp).
    #[arg(long, required_if_eq("on_success", "mark"))]
    mark_col: Option<String>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 16 * 1024)]
    body_limit: usize,
    /// Rate limit per client address (N/s, N/min, N/h or off; IPv6 per /64).
    #[arg(long, default_value = "50/s")]
    client_rate: String,
    /// Requests a client may make at once before its rate applies.
    #[arg(long, default_value_t = 100)]
    client_burst: u32,
    /// Rate limit per login identifier (N/s, N/min, N/h or off).
    #[arg(long, default_value = "10/min")]
    identifier_rate: String,
    /// Attempts an identifier may make at once before its rate applies.
    #[arg(long, default_value_t = 10)]
    identifier_burst: u32,
    /// Most keys each rate limiter holds (new keys are refused when full).
    #[arg(long, default_value_t = 100_000)]
    rate_keys: usize,
    /// KDF memory in flight: 64MiB, 65536KiB, 1GiB (plain numbers are KiB).
    #[arg(long, default_value = "64MiB", value_parser = parse_kib)]
    memory_budget: u32,
    /// Most verify requests in flight; more are answered 503.
    #[arg(long, default_value_t = 1024)]
    max_in_flight: usize,
    /// Database connections.
    #[arg(long, default_value_t = 8)]
    connections: u32,
}

#[cfg(feature = "serve")]
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OnSuccessArg {
    None,
    Upgrade,
    Mark,
}

// The flags of `rehash wrap` (a plain comment: the subcommand's help is the
// variant's).
#[derive(Args)]
struct WrapArgs {
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
            rehash::calibrate::calibrate(goal).map_err(Fail::from).map(|c| {
                outln!("{}", c.to_toml(&goal).trim_end());
                ExitCode::SUCCESS
            })
        }
        Command::Scan { src, json } => runtime().and_then(|rt| rt.block_on(run_scan(src, json))),
        Command::Wrap(args) => runtime().and_then(|rt| rt.block_on(run_wrap(args))),
        #[cfg(feature = "serve")]
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(run_serve(*args))),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rehash: {e}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Fail> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

fn run_verify(
    input: Option<PathBuf>,
    upgrade: bool,
    policy: Option<PathBuf>,
    jobs: usize,
) -> Result<ExitCode, Fail> {
    let policy = load_policy(policy.as_deref())?;
    let reader: Box<dyn BufRead> = match input {
        Some(path) => Box::new(BufReader::new(
            std::fs::File::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?,
        )),
        None => Box::new(BufReader::new(io::stdin().lock())),
    };
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout());
    match verify::run(&policy, upgrade, jobs, reader, &mut out).and_then(|()| out.flush()) {
        // The reader of the results has gone (`… | head`): nothing left to do.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => {
            other?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn source_of(src: &SourceArgs) -> Result<String, Fail> {
    source_from(&src.source, &src.url_env)
}

fn source_from(source: &Option<String>, url_env: &Option<String>) -> Result<String, Fail> {
    match (source, url_env) {
        (Some(s), None) => Ok(s.clone()),
        (None, Some(var)) => {
            Ok(std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?)
        }
        (Some(_), Some(_)) => Err("give SOURCE or --url-env, not both".into()),
        (None, None) => Err("no SOURCE given (a file, a SQLite database or a URL; or --url-env VAR)".into()),
    }
}

/// The columns: the preset's (or the defaults), each flag given replacing
/// its name.
fn columns(src: &ColumnArgs) -> Result<store::Columns, Fail> {
    let mut c = src.preset.map_or_else(store::Columns::default, |p| store::Preset::from(p).columns());
    if let Some(p) = src.preset.map(store::Preset::from) {
        // A build without the preset's family would report every row as
        // unknown: say so once instead.
        if rehash::Scheme::from_name(p.scheme_label()).is_none() {
            return Err(format!(
                "--preset {}: this build of rehash does not know the scheme {}",
                p.name(),
                p.scheme_label()
            )
            .into());
        }
    }
    let set = |slot: &mut String, flag: &Option<String>| {
        if let Some(v) = flag {
            slot.clone_from(v);
        }
    };
    set(&mut c.table, &src.table);
    set(&mut c.id, &src.id_col);
    set(&mut c.hash, &src.hash_col);
    for (slot, flag) in [
        (&mut c.salt, &src.salt_col),
        (&mut c.user, &src.user_col),
        (&mut c.scheme, &src.scheme_col),
        (&mut c.params_col, &src.params_col),
    ] {
        if flag.is_some() {
            slot.clone_from(flag);
        }
    }
    Ok(c)
}

async fn run_scan(src: SourceArgs, json: bool) -> Result<ExitCode, Fail> {
    let policy = load_policy(src.policy.as_deref())?;
    let source = source_of(&src)?;
    let mut st =
        store::Store::open(&source, &columns(&src.cols)?, store::FileOutput::default(), false).await?;
    // Reading takes no transaction: large pages keep a scan of millions of rows fast.
    let report = batch::scan(&mut st, &policy, src.batch_size.max(4096), json).await?;
    st.finish(false).await?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_scan(&report, &store::redact(&source));
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_wrap(args: WrapArgs) -> Result<ExitCode, Fail> {
    let WrapArgs { src, dry_run, jobs, output, in_place, plaintext, encrypted, key_file, key_env, json } =
        args;
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
    let mut st = store::Store::open(&source, &columns(&src.cols)?, output, !dry_run).await?;
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
            )
            .into());
        }
    }
    let opts = batch::WrapOptions {
        batch: if dry_run { src.batch_size.max(4096) } else { src.batch_size.max(1) },
        jobs,
        dry_run,
        capacity: capacity.as_ref().map(|c| c.chars),
    };
    let mut progress = if json { WrapProgress::Quiet } else { WrapProgress::new() };
    let report = batch::wrap(&mut st, &policy, &mode, &opts, &mut progress).await?;
    let written = st.finish(!dry_run && report.wrapped + report.rehashed > 0).await?;
    if json {
        outln!("{}", serde_json::to_string(&report)?);
    } else {
        let verb = if dry_run { "would change" } else { "changed" };
        outln!(
            "rehash wrap {}: {} rows; {verb}: {} wrapped, {} rehashed; left alone: {} at policy, {} already wrapped, \
             {} locked, {} empty{}; {} errors; {} too long for the column; {} lost to a concurrent change \
             (read again); {} left below policy",
            store::redact(&source),
            report.rows,
            report.wrapped,
            report.rehashed,
            report.at_policy,
            report.already_wrapped,
            report.disabled,
            report.empty,
            without_password(report.without_password),
            report.errors,
            report.too_long,
            report.lost_swaps,
            report.remaining_below_policy
        );
        if report.too_long > 0 {
            if let Some(c) = &capacity {
                outln!("to make room for the refused rows:\n  {}", c.alter(report.longest_refused));
            }
        }
        if let Some(p) = written {
            outln!("wrote {}", p.display());
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

#[cfg(feature = "serve")]
async fn run_serve(args: ServeArgs) -> Result<ExitCode, Fail> {
    let policy = load_policy(args.policy.as_deref())?;
    let source =
        source_from(&args.store, &args.url_env).map_err(|e| e.to_string().replace("SOURCE", "--store"))?;
    let url = store::database_url(&source)?;
    let raw = zeroize::Zeroizing::new(match (&args.token_env, &args.token_file) {
        (Some(v), None) => {
            std::env::var(v).map_err(|_| format!("environment variable {v} is not set"))?.into_bytes()
        }
        (None, Some(f)) => {
            std::fs::read(f).map_err(|e| format!("cannot read token file {}: {e}", f.display()))?
        }
        _ => return Err("give exactly one of --token-env or --token-file".into()),
    });
    let secret = serve::Secret::new(&raw)?;
    let auth_header = axum::http::HeaderName::from_bytes(args.auth_header.to_ascii_lowercase().as_bytes())
        .map_err(|_| format!("`{}` is not a header name", args.auth_header))?;
    let on_success = match (args.on_success, &args.mark_col) {
        (OnSuccessArg::None, None) => store::OnSuccess::None,
        (OnSuccessArg::Upgrade, None) => store::OnSuccess::Upgrade,
        (OnSuccessArg::Mark, Some(c)) => store::OnSuccess::Mark(c.clone()),
        _ => return Err("--mark-col goes with --on-success mark (and only with it)".into()),
    };
    if args.cols.preset.is_some() {
        return Err("rehash serve takes no --preset: name the table and columns it looks users up in".into());
    }
    let cols = columns(&args.cols)?;
    if cols.user.is_none() {
        return Err(
            "rehash serve needs --user-col: the column holding the identifier users log in with".into()
        );
    }
    let config = serve::Config {
        url,
        label: store::redact(&source),
        columns: cols,
        policy,
        listen: args.listen,
        secret,
        auth_header,
        tls: args.tls_cert.zip(args.tls_key),
        insecure_http: args.insecure_http,
        on_success,
        body_limit: args.body_limit.max(256),
        client_rate: serve::Rate::parse(&args.client_rate, args.client_burst)?,
        identifier_rate: serve::Rate::parse(&args.identifier_rate, args.identifier_burst)?,
        rate_keys: args.rate_keys.max(1),
        memory_budget: u64::from(args.memory_budget) * 1024,
        max_in_flight: args.max_in_flight.max(1),
        connections: args.connections.max(1),
    };
    serve::run(config).await?;
    Ok(ExitCode::SUCCESS)
}

/// The scan report as a terminal table.
fn print_scan(r: &batch::ScanReport, source: &str) {
    use batch::{GROUPS_SHOWN, IDS_SHOWN, MAX_LISTED};
    use rehash::Scheme;
    outln!("rehash scan {source}: {} rows{}", r.rows, without_password(r.without_password));
    outln!("{:<26} {:<26} {:>8}  status", "scheme", "parameters", "rows");
    for s in &r.schemes {
        let status = match s.scheme {
            l if l == Scheme::Disabled.name() => "locked/unusable (left alone)".to_owned(),
            l if l == Scheme::RehashWrap.name() => "wrapped (upgrades on login)".to_owned(),
            _ if s.below_policy => match (s.wrapped_len_max, s.fits) {
                (Some(n), Some(false)) => {
                    format!("BELOW POLICY; wraps to {n} chars: DOES NOT FIT the column")
                }
                (Some(n), _) => format!("BELOW POLICY; wraps to {n} chars at most"),
                _ => "BELOW POLICY".to_owned(),
            },
            _ => "at policy".to_owned(),
        };
        outln!("{:<26} {:<26} {:>8}  {status}", s.scheme, s.params, s.rows);
    }
    outln!(
        "below policy: {} of {} rows ({:.1}%), of which wrapped: {}; locked: {}; malformed or unknown: {}",
        r.below_policy - r.wrapped,
        r.rows,
        100.0 * (r.below_policy - r.wrapped) as f64 / (r.rows.max(1)) as f64,
        r.wrapped,
        r.disabled,
        r.malformed_rows
    );
    if let Some(c) = &r.column {
        match &c.alter {
            None => outln!(
                "hash column: {} characters; every value rehash writes fits (longest {}, new target hashes {})",
                c.capacity, c.needed, c.target_hash_len
            ),
            Some(alter) => outln!(
                "hash column: {} characters, but rehash needs {} (new target hashes: {}); rows that would not \
                 fit are refused. To make room:\n  {alter}",
                c.capacity, c.needed, c.target_hash_len
            ),
        }
    }
    for p in r.malformed.iter().take(20) {
        outln!("  row {}: {}", p.id, p.error);
    }
    if r.malformed_rows > 20 {
        outln!("  … and {} more (use --json for the first {MAX_LISTED})", r.malformed_rows - 20);
    }
    if r.shared_digest_groups > 0 {
        outln!(
            "{} accounts in {} groups share an unsalted digest (the same password); largest groups:",
            r.shared_digest_accounts,
            r.shared_digest_groups
        );
    }
    for g in r.shared_digests.iter().take(GROUPS_SHOWN) {
        let more = g.accounts.saturating_sub(g.ids.len().min(IDS_SHOWN) as u64);
        let ids: Vec<&str> = g.ids.iter().take(IDS_SHOWN).map(String::as_str).collect();
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        outln!("  {} accounts ({}): rows {}{tail}", g.accounts, g.scheme, ids.join(", "));
    }
    if r.shared_digest_groups > GROUPS_SHOWN as u64 {
        outln!(
            "  … and {} more groups (use --json for every id)",
            r.shared_digest_groups - GROUPS_SHOWN as u64
        );
    }
}

/// `wrap`'s progress: a bar on a terminal, a JSON line on stderr every two
/// seconds otherwise, nothing with `--json`; rows that could not be changed
/// are named on stderr (not with `--json`: they are in the report).
enum WrapProgress {
    Quiet,
    Bar(indicatif::ProgressBar),
    Lines { start: Instant, last: Instant, total: u64 },
}

impl WrapProgress {
    fn new() -> WrapProgress {
        if io::stderr().is_terminal() {
            let b = indicatif::ProgressBar::new(0);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}  {msg}",
            ) {
                b.set_style(style);
            }
            WrapProgress::Bar(b)
        } else {
            WrapProgress::Lines { start: Instant::now(), last: Instant::now(), total: 0 }
        }
    }
}

impl batch::Progress for WrapProgress {
    fn start(&mut self, rows: u64) {
        match self {
            WrapProgress::Quiet => {}
            WrapProgress::Bar(b) => {
                b.set_length(rows);
                b.reset();
            }
            WrapProgress::Lines { start, last, total } => {
                (*start, *last, *total) = (Instant::now(), Instant::now(), rows);
            }
        }
    }

    fn batch(&mut self, r: &batch::WrapReport) {
        match self {
            WrapProgress::Quiet => {}
            WrapProgress::Bar(b) => {
                b.set_position(r.rows);
                b.set_message(format!("{} wrapped, {} rehashed", r.wrapped, r.rehashed));
            }
            WrapProgress::Lines { start, last, total } => {
                if last.elapsed() >= Duration::from_secs(2) {
                    *last = Instant::now();
                    let secs = start.elapsed().as_secs_f64();
                    eprintln!(
                        "{{\"progress\":{{\"rows\":{},\"total\":{},\"wrapped\":{},\"rehashed\":{},\"rows_per_s\":{:.1}}}}}",
                        r.rows,
                        total,
                        r.wrapped,
                        r.rehashed,
                        r.rows as f64 / secs.max(1e-9)
                    );
                }
            }
        }
    }

    fn problem(&mut self, id: &str, error: &RowError) {
        match self {
            WrapProgress::Quiet => {}
            WrapProgress::Bar(b) => b.suspend(|| eprintln!("row {id}: {error}")),
            WrapProgress::Lines { .. } => eprintln!("row {id}: {error}"),
        }
    }

    fn finish(&mut self) {
        if let WrapProgress::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}

/// `, users without a password: N` when a Firebase export has users without a
/// `passwordHash` (they are not rows), else nothing.
fn without_password(n: u64) -> String {
    if n > 0 {
        format!(", users without a password: {n} (left alone)")
    } else {
        String::new()
    }
}

/// The policy from `--policy FILE`, or the default.
fn load_policy(path: Option<&std::path::Path>) -> Result<rehash::Policy, Fail> {
    match path {
        None => Ok(rehash::Policy::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            Ok(rehash::Policy::from_toml(&text).map_err(|e| format!("{}: {e}", p.display()))?)
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
