//! `rehash scan` and `rehash wrap`: inventory a credential store and make
//! every row below policy strong, without passwords and without losing a row.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

use rehash::{Identified, Params, Policy, Scheme, Stored};
use serde::Serialize;

use crate::secret::{Cipher, Key};
use crate::store::{Row, Store, Update};

/// What the hash column holds.
pub enum Mode {
    /// Hashes: wrap those below policy.
    Hashes,
    /// Plaintext passwords: hash them straight to the target.
    Plaintext,
    /// Reversibly encrypted passwords: decrypt with the key, hash to the target.
    Encrypted(Cipher, Key),
}

/// The row as the library sees it: hash, salt and user columns, declared scheme.
pub fn stored(row: &Row) -> Stored<'_> {
    let mut s = Stored::new(&row.hash);
    if let Some(x) = &row.salt {
        s = s.with_salt(x);
    }
    if let Some(u) = &row.user {
        s = s.with_user(u);
    }
    if let Some(k) = row.scheme.as_deref().and_then(Scheme::from_name) {
        s = s.with_scheme(k);
    }
    s
}

/// Compact text for a parameter set.
pub fn params_text(p: &Params) -> String {
    match *p {
        Params::Rounds(n) => format!("rounds={n}"),
        Params::Bcrypt { cost } => format!("cost={cost}"),
        Params::Scrypt { log_n, r, p } => format!("ln={log_n},r={r},p={p}"),
        Params::Argon2 { m_kib, t, p, version } => format!("m={m_kib},t={t},p={p},v={version}"),
        Params::Yescrypt { log_n, r, p } => format!("ln={log_n},r={r},p={p}"),
        _ => "-".into(),
    }
}

/// Below policy: a successful login would upgrade it.
fn below_policy(policy: &Policy, id: &Identified) -> bool {
    id.scheme != Scheme::Disabled && policy.target().needs_upgrade(id)
}

/// Unsalted families: equal stored values mean equal passwords.
fn unsalted(s: Scheme) -> bool {
    matches!(
        s,
        Scheme::Md5Hex
            | Scheme::Sha1Hex
            | Scheme::Sha256Hex
            | Scheme::Sha512Hex
            | Scheme::Md5Md5Hex
            | Scheme::Ntlm
            | Scheme::HexMd4
            | Scheme::Mysql41
            | Scheme::Mysql323
            | Scheme::BsdNthash
            | Scheme::LdapMd5
            | Scheme::LdapSha1
            | Scheme::LdapHexMd5
            | Scheme::LdapHexSha1
    )
}

#[derive(Serialize, Default)]
/// What `rehash scan` found.
pub struct ScanReport {
    /// Rows read.
    pub rows: u64,
    /// Rows a login would upgrade (wrapped rows included).
    pub below_policy: u64,
    /// `below_policy / rows`.
    pub below_policy_share: f64,
    /// Rows already at the policy's target.
    pub at_policy: u64,
    /// Locked or unusable accounts (left alone).
    pub disabled: u64,
    /// Rows holding a rehash wrap.
    pub wrapped: u64,
    /// Rows per scheme and parameter set, most common first.
    pub schemes: Vec<SchemeCount>,
    /// Rows that could not be read, by id (never by value).
    pub malformed: Vec<Problem>,
    /// Groups of row ids sharing one unsalted digest (the same password).
    pub shared_digests: Vec<Vec<String>>,
}

#[derive(Serialize, Clone)]
/// Rows of one scheme and parameter set.
pub struct SchemeCount {
    /// The scheme label.
    pub scheme: &'static str,
    /// The parameters, compactly.
    pub params: String,
    /// Rows read.
    pub rows: u64,
    /// True when these rows are below policy.
    pub below_policy: bool,
}

#[derive(Serialize)]
/// A row that could not be processed.
pub struct Problem {
    /// The row id.
    pub id: String,
    /// What was wrong (no hash values).
    pub error: String,
}

/// Read every row and tally it. Hash values are never reported: shared
/// digests are listed by row ids only.
pub async fn scan(store: &mut Store, policy: &Policy, batch: usize) -> Result<ScanReport, String> {
    let mut r = ScanReport::default();
    let mut by: BTreeMap<(&'static str, String), (u64, bool)> = BTreeMap::new();
    let mut groups: HashMap<(Scheme, String), Vec<String>> = HashMap::new();
    loop {
        let rows = store.next_batch(batch).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            r.rows += 1;
            match policy.identify(stored(row)) {
                Err(e) => r.malformed.push(Problem { id: row.id.clone(), error: e.to_string() }),
                Ok(id) => {
                    let below = below_policy(policy, &id);
                    match id.scheme {
                        Scheme::Disabled => r.disabled += 1,
                        Scheme::RehashWrap => r.wrapped += 1,
                        _ if below => r.below_policy += 1,
                        _ => r.at_policy += 1,
                    }
                    if id.scheme == Scheme::RehashWrap {
                        r.below_policy += 1;
                    }
                    let e = by.entry((id.scheme.name(), params_text(&id.params))).or_insert((0, below));
                    e.0 += 1;
                    if unsalted(id.scheme) {
                        groups
                            .entry((id.scheme, row.hash.to_ascii_lowercase()))
                            .or_default()
                            .push(row.id.clone());
                    }
                }
            }
        }
        store.rollback().await?;
    }
    r.schemes = by
        .into_iter()
        .map(|((scheme, params), (rows, below_policy))| SchemeCount { scheme, params, rows, below_policy })
        .collect();
    r.schemes.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.scheme.cmp(b.scheme)));
    r.shared_digests = groups.into_values().filter(|ids| ids.len() > 1).collect();
    r.shared_digests.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    r.below_policy_share = if r.rows == 0 { 0.0 } else { r.below_policy as f64 / r.rows as f64 };
    Ok(r)
}

/// The report as a terminal table.
pub fn print_scan(r: &ScanReport, source: &str) {
    println!("rehash scan {source}: {} rows", r.rows);
    println!("{:<26} {:<26} {:>8}  status", "scheme", "parameters", "rows");
    for s in &r.schemes {
        let status = match s.scheme {
            "disabled" => "locked/unusable (left alone)",
            "rehash_wrap" => "wrapped (upgrades on login)",
            _ if s.below_policy => "BELOW POLICY",
            _ => "at policy",
        };
        println!("{:<26} {:<26} {:>8}  {status}", s.scheme, s.params, s.rows);
    }
    println!(
        "below policy: {} of {} rows ({:.1}%), of which wrapped: {}; locked: {}; malformed or unknown: {}",
        r.below_policy - r.wrapped,
        r.rows,
        100.0 * (r.below_policy - r.wrapped) as f64 / (r.rows.max(1)) as f64,
        r.wrapped,
        r.disabled,
        r.malformed.len()
    );
    for p in r.malformed.iter().take(20) {
        println!("  row {}: {}", p.id, p.error);
    }
    if r.malformed.len() > 20 {
        println!("  … and {} more (use --json for all)", r.malformed.len() - 20);
    }
    for ids in r.shared_digests.iter().take(10) {
        println!(
            "  {} accounts share one unsalted digest (same password): rows {}",
            ids.len(),
            ids.join(", ")
        );
    }
}

#[derive(Serialize, Default, Clone)]
/// What `rehash wrap` did (or, with `--dry-run`, would do).
pub struct WrapReport {
    /// Rows read.
    pub rows: u64,
    /// Rows holding a rehash wrap.
    pub wrapped: u64,
    /// Plaintext or decrypted rows hashed straight to the target.
    pub rehashed: u64,
    /// Rows already at the policy's target.
    pub at_policy: u64,
    /// Rows already wrapped by an earlier run.
    pub already_wrapped: u64,
    /// Locked or unusable accounts (left alone).
    pub disabled: u64,
    /// Rows that could not be processed.
    pub errors: u64,
    /// Updates that lost their compare-and-swap to a concurrent change.
    pub lost_swaps: u64,
    /// True when nothing was written.
    pub dry_run: bool,
}

enum Plan {
    Skip(&'static str),
    Change { new: String, rehash: bool },
    Error(String),
}

fn plan(policy: &Policy, mode: &Mode, row: &Row) -> Plan {
    let pw = match mode {
        Mode::Hashes => {
            return match policy.identify(stored(row)) {
                Err(e) => Plan::Error(e.to_string()),
                Ok(id) if id.scheme == Scheme::Disabled => Plan::Skip("disabled"),
                Ok(id) if id.scheme == Scheme::RehashWrap => Plan::Skip("wrapped"),
                Ok(id) if !below_policy(policy, &id) => Plan::Skip("at_policy"),
                Ok(_) => match policy.wrap(stored(row)) {
                    Ok(new) => Plan::Change { new, rehash: false },
                    Err(e) => Plan::Error(e.to_string()),
                },
            };
        }
        // A value that already is a hash at policy was done by an earlier run.
        _ if policy.identify(row.hash.as_str()).is_ok_and(|id| !below_policy(policy, &id)) => {
            return Plan::Skip("at_policy")
        }
        Mode::Plaintext => zeroize::Zeroizing::new(row.hash.as_bytes().to_vec()),
        Mode::Encrypted(cipher, key) => match key.decrypt(*cipher, &row.hash) {
            Ok(pw) => pw,
            Err(what) => return Plan::Error(format!("cannot decrypt: {what}")),
        },
    };
    match policy.hash(&pw) {
        Ok(new) => Plan::Change { new, rehash: true },
        Err(e) => Plan::Error(e.to_string()),
    }
}

/// Progress on a terminal (indicatif) or as periodic JSON lines on stderr.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    last: Instant,
    total: u64,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}  {msg}",
            ) {
                b.set_style(style);
            }
            b
        });
        Progress { bar, start: Instant::now(), last: Instant::now(), total }
    }

    fn update(&mut self, r: &WrapReport, quiet: bool) {
        if let Some(b) = &self.bar {
            b.set_position(r.rows);
            b.set_message(format!("{} wrapped, {} rehashed", r.wrapped, r.rehashed));
        } else if !quiet && self.last.elapsed() >= Duration::from_secs(2) {
            self.last = Instant::now();
            let secs = self.start.elapsed().as_secs_f64();
            eprintln!(
                "{{\"progress\":{{\"rows\":{},\"total\":{},\"wrapped\":{},\"rehashed\":{},\"rows_per_s\":{:.1}}}}}",
                r.rows,
                self.total,
                r.wrapped,
                r.rehashed,
                r.rows as f64 / secs.max(1e-9)
            );
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Settings of one wrap run.
pub struct WrapOptions {
    /// Rows per batch (one transaction).
    pub batch: usize,
    /// Threads for the KDF work.
    pub jobs: usize,
    /// True when nothing was written.
    pub dry_run: bool,
    /// No progress output (JSON mode).
    pub quiet: bool,
}

/// Wrap (or hash) every row below policy, batch by batch, compare-and-swap.
pub async fn wrap(
    store: &mut Store,
    policy: &Policy,
    mode: &Mode,
    o: &WrapOptions,
) -> Result<WrapReport, String> {
    let total = store.count().await?;
    let mut report = WrapReport { dry_run: o.dry_run, ..WrapReport::default() };
    let mut progress = Progress::new(total, o.quiet);
    loop {
        let rows = store.next_batch(o.batch).await?;
        if rows.is_empty() {
            break;
        }
        let plans = tokio::task::block_in_place(|| plan_parallel(policy, mode, &rows, o.jobs));
        let mut updates = Vec::new();
        for (row, p) in rows.iter().zip(plans) {
            report.rows += 1;
            match p {
                Plan::Skip("disabled") => report.disabled += 1,
                Plan::Skip("wrapped") => report.already_wrapped += 1,
                Plan::Skip(_) => report.at_policy += 1,
                Plan::Error(e) => {
                    report.errors += 1;
                    if !o.quiet {
                        eprintln!("row {}: {e}", row.id);
                    }
                }
                Plan::Change { new, rehash } => {
                    if rehash {
                        report.rehashed += 1;
                    } else {
                        report.wrapped += 1;
                    }
                    updates.push(Update { id: row.id.clone(), old: row.hash.clone(), new });
                }
            }
        }
        if o.dry_run {
            store.rollback().await?;
        } else {
            let changed = store.commit(&updates).await?;
            report.lost_swaps += updates.len() as u64 - changed;
        }
        progress.update(&report, o.quiet);
    }
    progress.finish();
    Ok(report)
}

/// Plan a batch on `jobs` threads.
fn plan_parallel(policy: &Policy, mode: &Mode, rows: &[Row], jobs: usize) -> Vec<Plan> {
    let jobs = jobs.clamp(1, rows.len().max(1));
    let chunk = rows.len().div_ceil(jobs).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                (part.len(), s.spawn(move || part.iter().map(|r| plan(policy, mode, r)).collect::<Vec<_>>()))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(n, h)| {
                h.join().unwrap_or_else(|_| {
                    (0..n).map(|_| Plan::Error("worker thread panicked".into())).collect()
                })
            })
            .collect()
    })
}
