//! `rehash scan` and `rehash wrap`: inventory a credential store and make
//! every row below policy strong, without passwords and without losing a row.

use std::collections::{BTreeMap, HashMap};

use rehash::{Identified, Params, Policy, Scheme, Stored};
use serde::Serialize;

use crate::secret::{Cipher, Key};
use crate::store::{Row, Store, Update};
use crate::{Error, RowError};

/// What the hash column holds.
pub enum Mode {
    /// Hashes: wrap those below policy.
    Hashes,
    /// Plaintext passwords: hash them straight to the target.
    Plaintext,
    /// Reversibly encrypted passwords: decrypt with the key, hash to the target.
    Encrypted(Cipher, Key),
}

/// The row as the library sees it: hash, salt, user and params columns,
/// declared scheme. The installation's settings (`params`) are the policy's
/// `[params]`.
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
    if let Some(p) = &row.params_col {
        s = s.with_params_col(p);
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
    policy.needs_upgrade(id)
}

#[derive(Serialize, Default)]
/// What `rehash scan` found.
pub struct ScanReport {
    /// Rows read.
    pub rows: u64,
    /// Entries of the store without a password, which are not rows (users
    /// of a Firebase export without a `passwordHash`).
    pub without_password: u64,
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
    /// The hash column's capacity and whether new values fit it (databases
    /// that declare one).
    pub column: Option<ColumnFit>,
    /// Rows that could not be read: how many.
    pub malformed_rows: u64,
    /// Rows that could not be read, by id (never by value); the first 10,000.
    pub malformed: Vec<Problem>,
    /// Groups of accounts sharing one unsalted digest (the same password).
    pub shared_digest_groups: u64,
    /// Accounts in those groups.
    pub shared_digest_accounts: u64,
    /// The groups, largest first, with their row ids (all of them with
    /// `--json`, the first few in the text report).
    pub shared_digests: Vec<SharedDigest>,
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
    /// The longest string `wrap` would write for these rows (rows below policy).
    pub wrapped_len_max: Option<u64>,
    /// False when some of those strings would not fit the hash column.
    pub fits: Option<bool>,
}

#[derive(Serialize, Clone)]
/// Whether new values fit the hash column.
pub struct ColumnFit {
    /// Most characters the column holds.
    pub capacity: u64,
    /// The longest value rehash would write: a wrap, or a new target hash on
    /// the next login.
    pub needed: u64,
    /// The length of a new target hash (written at the next login).
    pub target_hash_len: u64,
    /// The statement that makes room, when `needed > capacity`.
    pub alter: Option<String>,
}

#[derive(Serialize, Clone)]
/// Accounts sharing one unsalted digest.
pub struct SharedDigest {
    /// The scheme label.
    pub scheme: &'static str,
    /// How many accounts.
    pub accounts: u64,
    /// Their row ids (all with `--json`; the first few otherwise).
    pub ids: Vec<String>,
}

#[derive(Serialize, Clone)]
/// A row that could not be processed.
pub struct Problem {
    /// The row id.
    pub id: String,
    /// What was wrong (no hash values).
    pub error: String,
}

/// Most problem rows kept by id in a report (all are counted).
pub const MAX_LISTED: usize = 10_000;

/// Ids kept per shared-digest group for the text report (all with `--json`).
pub const IDS_SHOWN: usize = 5;

/// Shared-digest groups kept for the text report (all with `--json`).
pub const GROUPS_SHOWN: usize = 10;

/// A keyed 64-bit fingerprint of an unsalted digest (case folded, as hex
/// digests compare): groups are counted by fingerprint (8 bytes a row), never
/// by keeping every digest string.
fn fingerprint(keys: &std::hash::RandomState, hash: &str) -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = keys.build_hasher();
    for b in hash.bytes() {
        h.write_u8(b.to_ascii_lowercase());
    }
    h.finish()
}

/// Read every row and tally it. Hash values are never reported: shared
/// digests are listed by row ids only. `full_lists` keeps every id of every
/// shared-digest group (for `--json`); otherwise the first few of each.
pub async fn scan(
    store: &mut Store,
    policy: &Policy,
    batch: usize,
    full_lists: bool,
) -> Result<ScanReport, Error> {
    let mut r = ScanReport::default();
    let mut by: BTreeMap<(&'static str, String), (u64, bool, u64)> = BTreeMap::new();
    let keys = std::hash::RandomState::new();
    let mut prints: Vec<u64> = Vec::new();
    loop {
        let rows = store.next_batch(batch).await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            r.rows += 1;
            match policy.identify(stored(row)) {
                Err(e) => {
                    r.malformed_rows += 1;
                    if r.malformed.len() < MAX_LISTED {
                        r.malformed.push(Problem { id: row.id.clone(), error: e.to_string() });
                    }
                }
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
                    let new_len = if below && id.scheme != Scheme::RehashWrap {
                        policy.wrap_len(stored(row)).map_or(0, |n| n as u64)
                    } else {
                        0
                    };
                    let e = by.entry((id.scheme.name(), params_text(&id.params))).or_insert((0, below, 0));
                    e.0 += 1;
                    e.2 = e.2.max(new_len);
                    if !id.scheme.is_salted() {
                        prints.push(fingerprint(&keys, &row.hash));
                    }
                }
            }
        }
        store.rollback().await?;
    }
    let capacity = store.capacity().cloned();
    r.schemes = by
        .into_iter()
        .map(|((scheme, params), (rows, below_policy, len))| SchemeCount {
            scheme,
            params,
            rows,
            below_policy,
            wrapped_len_max: (len > 0).then_some(len),
            fits: capacity.as_ref().filter(|_| len > 0).map(|c| len <= c.chars),
        })
        .collect();
    r.schemes.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.scheme.cmp(b.scheme)));
    if let Some(c) = capacity {
        let target = policy.hash_len() as u64;
        let needed = r.schemes.iter().filter_map(|s| s.wrapped_len_max).max().unwrap_or(0).max(target);
        r.column = Some(ColumnFit {
            capacity: c.chars,
            needed,
            target_hash_len: target,
            alter: (needed > c.chars).then(|| c.alter(needed)),
        });
    }

    // Shared digests: sort the fingerprints, count runs; a second pass picks
    // up the ids of the groups only when there are any.
    prints.sort_unstable();
    let mut groups: Vec<(u64, u64)> = prints
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() > 1)
        .map(|run| (run[0], run.len() as u64))
        .collect();
    drop(prints);
    r.shared_digest_groups = groups.len() as u64;
    r.shared_digest_accounts = groups.iter().map(|g| g.1).sum();
    // The text report names the largest groups only: keep just those for the
    // second pass, so memory stays bounded whatever the table holds.
    if !full_lists {
        groups.sort_by_key(|g| std::cmp::Reverse(g.1));
        groups.truncate(GROUPS_SHOWN);
    }
    let mut shared: HashMap<u64, (u64, Option<SharedDigest>)> =
        groups.into_iter().map(|(fp, n)| (fp, (n, None))).collect();
    if !shared.is_empty() {
        store.restart();
        loop {
            let rows = store.next_batch(batch).await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                // Only rows whose digest is in a group are identified again.
                let Some((n, group)) = shared.get_mut(&fingerprint(&keys, &row.hash)) else { continue };
                let Ok(id) = policy.identify(stored(row)) else { continue };
                if id.scheme.is_salted() {
                    continue;
                }
                let g = group.get_or_insert_with(|| SharedDigest {
                    scheme: id.scheme.name(),
                    accounts: *n,
                    ids: Vec::new(),
                });
                if full_lists || g.ids.len() < IDS_SHOWN {
                    g.ids.push(row.id.clone());
                }
            }
            store.rollback().await?;
        }
        r.shared_digests = shared.into_values().filter_map(|(_, g)| g).collect();
        r.shared_digests.sort_by(|a, b| b.accounts.cmp(&a.accounts).then(a.ids.cmp(&b.ids)));
    }
    r.below_policy_share = if r.rows == 0 { 0.0 } else { r.below_policy as f64 / r.rows as f64 };
    r.without_password = store.without_password();
    Ok(r)
}

#[derive(Serialize, Default, Clone)]
/// What `rehash wrap` did (or, with `--dry-run`, would do).
pub struct WrapReport {
    /// Rows read (a row read again after a lock or a lost swap counts again).
    pub rows: u64,
    /// Entries of the store without a password, which are not rows and are
    /// left as they are (users of a Firebase export without a
    /// `passwordHash`).
    pub without_password: u64,
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
    /// Empty values in plaintext or encrypted mode (no password: left alone).
    pub empty: u64,
    /// Rows that could not be processed (malformed, undecryptable, or their
    /// write failed).
    pub errors: u64,
    /// Rows refused because the new value would not fit the hash column.
    pub too_long: u64,
    /// Updates that lost their compare-and-swap to a concurrent change (the
    /// row is read again and redone when it is still below policy).
    pub lost_swaps: u64,
    /// Rows this run leaves below policy: failed wraps and writes, rows too
    /// long for the column, and rows given up on after waiting for their
    /// locks. Non-zero (or any error) makes the exit code 1.
    pub remaining_below_policy: u64,
    /// The longest refused value, in characters (for the `ALTER TABLE` hint).
    pub longest_refused: u64,
    /// Rows that failed or were refused, by id (the first 10,000).
    pub problems: Vec<Problem>,
    /// True when nothing was written.
    pub dry_run: bool,
}

impl WrapReport {
    /// Count a row left as it is, under its reason.
    pub fn skipped(&mut self, why: Skip) {
        *match why {
            Skip::Disabled => &mut self.disabled,
            Skip::Wrapped => &mut self.already_wrapped,
            Skip::AtPolicy => &mut self.at_policy,
            Skip::Empty => &mut self.empty,
        } += 1;
    }

    /// Record a row that could not be changed (listed by id up to
    /// [`MAX_LISTED`]; counting it is the caller's).
    fn problem(&mut self, id: &str, error: &RowError) {
        if self.problems.len() < MAX_LISTED {
            self.problems.push(Problem { id: id.to_owned(), error: error.to_string() });
        }
    }
}

enum Plan {
    Skip(Skip),
    Change {
        new: String,
        rehash: bool,
    },
    TooLong(usize),
    /// An error; `true` when the row is known to be below policy (it stays so).
    Error(RowError, bool),
}

/// Why `wrap` leaves a row as it is (each reason has its count in
/// [`WrapReport`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// A locked or unusable account ([`WrapReport::disabled`]).
    Disabled,
    /// Already wrapped by an earlier run ([`WrapReport::already_wrapped`]).
    Wrapped,
    /// Already at the policy's target ([`WrapReport::at_policy`]).
    AtPolicy,
    /// An empty value in plaintext or encrypted mode: no password
    /// ([`WrapReport::empty`]).
    Empty,
}

fn plan(policy: &Policy, mode: &Mode, row: &Row, o: &WrapOptions) -> Plan {
    let fits = |n: usize| o.capacity.is_none_or(|c| n as u64 <= c);
    let pw = match mode {
        Mode::Hashes => {
            return match policy.identify(stored(row)) {
                Err(e) => Plan::Error(e.into(), false),
                Ok(id) if id.scheme == Scheme::Disabled => Plan::Skip(Skip::Disabled),
                Ok(id) if id.scheme == Scheme::RehashWrap => Plan::Skip(Skip::Wrapped),
                Ok(id) if !below_policy(policy, &id) => Plan::Skip(Skip::AtPolicy),
                Ok(_) => match policy.wrap_len(stored(row)) {
                    Err(e) => Plan::Error(e.into(), true),
                    Ok(n) if !fits(n) => Plan::TooLong(n),
                    Ok(_) if o.dry_run => Plan::Change { new: String::new(), rehash: false },
                    Ok(_) => match policy.wrap(stored(row)) {
                        Ok(new) => Plan::Change { new, rehash: false },
                        Err(e) => Plan::Error(e.into(), true),
                    },
                },
            };
        }
        _ if row.hash.is_empty() => return Plan::Skip(Skip::Empty),
        // Every other value is a password, whatever it looks like (`!…` and
        // `*…` are not lock markers here), except a target hash an earlier
        // run wrote.
        _ if policy
            .identify(row.hash.as_str())
            .is_ok_and(|id| id.scheme.kind() == rehash::Kind::Modern && !policy.needs_upgrade(&id)) =>
        {
            return Plan::Skip(Skip::AtPolicy)
        }
        Mode::Plaintext => zeroize::Zeroizing::new(row.hash.as_bytes().to_vec()),
        Mode::Encrypted(cipher, key) => match key.decrypt(*cipher, &row.hash) {
            Ok(pw) => pw,
            Err(e) => return Plan::Error(e, true),
        },
    };
    let n = policy.hash_len();
    if !fits(n) {
        return Plan::TooLong(n);
    }
    if o.dry_run {
        return Plan::Change { new: String::new(), rehash: true };
    }
    match policy.hash(&pw) {
        Ok(new) => Plan::Change { new, rehash: true },
        Err(e) => Plan::Error(e.into(), true),
    }
}

/// Where `wrap` reports as it goes. The library prints nothing: the `rehash`
/// binary draws a bar on a terminal, writes JSON lines otherwise, and stays
/// silent with `--json`. Every method does nothing unless implemented.
pub trait Progress {
    /// The run starts; `total` rows are in the store (as far as it knows).
    fn start(&mut self, _total: u64) {}
    /// A batch is done; `report` holds the counts so far.
    fn batch(&mut self, _report: &WrapReport) {}
    /// Row `id` could not be changed (it is also in the report).
    fn problem(&mut self, _id: &str, _error: &RowError) {}
    /// The run is over (also after a failed one).
    fn finish(&mut self) {}
}

/// No progress reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}

/// Settings of one wrap run.
pub struct WrapOptions {
    /// Rows per batch (one transaction).
    pub batch: usize,
    /// Threads for the KDF work.
    pub jobs: usize,
    /// True when nothing is written (and no KDF runs: lengths are computed).
    pub dry_run: bool,
    /// The hash column's capacity in characters: longer values are refused.
    pub capacity: Option<u64>,
}

/// Wrap (or hash) every row below policy, batch by batch, compare-and-swap.
/// Rows a batch had to skip (locked) or whose swap was lost are read again
/// before the run ends. Each batch and each row that could not be changed is
/// reported to `progress`.
pub async fn wrap(
    store: &mut Store,
    policy: &Policy,
    mode: &Mode,
    o: &WrapOptions,
    progress: &mut dyn Progress,
) -> Result<WrapReport, Error> {
    let total = store.count().await?;
    progress.start(total);
    let result = wrap_batches(store, policy, mode, o, progress).await;
    progress.finish();
    result
}

async fn wrap_batches(
    store: &mut Store,
    policy: &Policy,
    mode: &Mode,
    o: &WrapOptions,
    progress: &mut dyn Progress,
) -> Result<WrapReport, Error> {
    let mut report = WrapReport {
        dry_run: o.dry_run,
        without_password: store.without_password(),
        ..WrapReport::default()
    };
    let mut remaining = 0;
    loop {
        let rows = store.next_batch(o.batch).await?;
        if rows.is_empty() {
            break;
        }
        let plans = tokio::task::block_in_place(|| plan_parallel(policy, mode, &rows, o));
        let mut updates = Vec::new();
        let mut rehashed = Vec::new();
        for (row, p) in rows.iter().zip(plans) {
            report.rows += 1;
            match p {
                Plan::Skip(why) => report.skipped(why),
                Plan::TooLong(n) => {
                    report.too_long += 1;
                    report.longest_refused = report.longest_refused.max(n as u64);
                    let capacity = o.capacity.unwrap_or_default();
                    let e = RowError::TooLong { len: n as u64, capacity };
                    progress.problem(&row.id, &e);
                    report.problem(&row.id, &e);
                }
                Plan::Error(e, below) => {
                    report.errors += 1;
                    remaining += u64::from(below);
                    progress.problem(&row.id, &e);
                    report.problem(&row.id, &e);
                }
                Plan::Change { new, rehash } => {
                    if rehash {
                        report.rehashed += 1;
                    } else {
                        report.wrapped += 1;
                    }
                    updates.push(Update { id: row.id.clone(), old: row.hash.clone(), new });
                    rehashed.push(rehash);
                }
            }
        }
        if o.dry_run {
            store.rollback().await?;
        } else {
            let out = store.commit(&updates).await?;
            report.lost_swaps += out.lost;
            for (id, e) in out.failed {
                // Planned as a change, but the write did not happen.
                match updates.iter().position(|u| u.id == id).map(|i| rehashed[i]) {
                    Some(false) => report.wrapped -= 1,
                    Some(true) => report.rehashed -= 1,
                    None => {}
                }
                report.errors += 1;
                remaining += 1;
                progress.problem(&id, &e);
                report.problem(&id, &e);
            }
        }
        progress.batch(&report);
    }
    let behind = store.left_behind();
    report.remaining_below_policy = remaining + report.too_long + behind;
    Ok(report)
}

/// Plan a batch on `jobs` threads.
fn plan_parallel(policy: &Policy, mode: &Mode, rows: &[Row], o: &WrapOptions) -> Vec<Plan> {
    let jobs = o.jobs.clamp(1, rows.len().max(1));
    let chunk = rows.len().div_ceil(jobs).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                (
                    part.len(),
                    s.spawn(move || part.iter().map(|r| plan(policy, mode, r, o)).collect::<Vec<_>>()),
                )
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(n, h)| {
                h.join()
                    .unwrap_or_else(|_| (0..n).map(|_| Plan::Error(RowError::WorkerPanicked, true)).collect())
            })
            .collect()
    })
}
