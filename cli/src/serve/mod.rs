//! `rehash serve`: verifies logins against a legacy credential store for an
//! identity provider's migration hook (docs/serve.md).
//!
//! Routes: `POST /v1/verify` (rehash's own shape), `POST /okta/password-import`
//! (Okta's password import inline hook), `POST /kratos/password-migration`
//! (Ory Kratos's password migration web hook), `GET /healthz`, `GET /metrics`.
//!
//! Every verify goes through [`App::check`]: the client's rate limit, the
//! secret, the body, the identifier's rate limit, one bound-parameter lookup,
//! then the KDF under the memory-budget limiter. An unknown identifier (or one
//! naming several rows, or a row rehash cannot read) costs a dummy verify at
//! the target, and a wrong password against a legacy row is padded with one
//! (`Policy::verify_and_upgrade`), so a wrong password costs about the same
//! whatever the row holds. Answers to a wrong password never say what the row
//! held. Log lines name row ids and reasons, never identifiers, passwords,
//! hashes or the secret.

mod auth;
mod metrics;
mod rate;
mod tls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use rehash::limit::{Limiter, OwnedStored};
use rehash::{Policy, Scheme, Stored, Upgrade};
use rehash_cli::store::{Account, Found, Lookup, OnSuccess, WriteOutcome};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

pub use auth::Secret;
pub use rate::Rate;

/// Everything `rehash serve` is started with.
pub struct Config {
    /// The store's sqlx URL.
    pub url: String,
    /// The store, redacted, for messages.
    pub label: String,
    /// Table and columns (`user` is the login identifier column).
    pub columns: rehash_cli::store::Columns,
    /// The policy.
    pub policy: Policy,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The shared secret.
    pub secret: Secret,
    /// The header carrying it (lower case).
    pub auth_header: HeaderName,
    /// TLS certificate chain and key (PEM).
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Plain HTTP on an address other than loopback was asked for.
    pub insecure_http: bool,
    /// The write-back after a verified login.
    pub on_success: OnSuccess,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Rate limit per client address.
    pub client_rate: Option<Rate>,
    /// Rate limit per login identifier.
    pub identifier_rate: Option<Rate>,
    /// Most keys each rate limiter holds.
    pub rate_keys: usize,
    /// KDF memory in flight, in bytes.
    pub memory_budget: u64,
    /// Most verify requests in flight; more are answered 503.
    pub max_in_flight: usize,
    /// Database connections.
    pub connections: u32,
}

/// What a verify found, before it is shaped for an endpoint.
enum Outcome {
    /// Right password.
    Valid { id: String, scheme: Scheme, new_hash: Option<String> },
    /// Wrong password, unknown user, or a row that cannot be verified.
    Invalid,
}

/// The shared state of the handlers.
pub struct App {
    policy: Arc<Policy>,
    limiter: Limiter,
    lookup: Lookup,
    secret: Secret,
    auth_header: HeaderName,
    on_success: OnSuccess,
    clients: Option<rate::Buckets>,
    identifiers: Option<rate::Buckets>,
    in_flight: Arc<Semaphore>,
    max_in_flight: usize,
    metrics: metrics::Metrics,
    /// The least time a wrong-password answer takes, from the request's
    /// start (see [`failure_floor`]).
    failure_floor: Duration,
}

/// How long a wrong-password answer is held: 1.25 × the slowest of a few
/// dummy verifies at the target, measured at start-up. A failure against a
/// legacy row costs its own verify plus the dummy's padding, one against a
/// current row a target verify, an unknown user a dummy: holding every
/// failure to the same floor makes the three indistinguishable by time as
/// long as each costs less than the floor (the sleep holds no KDF memory
/// and no CPU).
async fn failure_floor(limiter: &Limiter, policy: &Arc<Policy>) -> Duration {
    let mut slowest = Duration::ZERO;
    for _ in 0..3 {
        let t = Instant::now();
        let _ = limiter.verify_dummy(policy, Zeroizing::new(b"rehash-serve-calibration".to_vec())).await;
        slowest = slowest.max(t.elapsed());
    }
    slowest.mul_f64(1.25)
}

/// A refusal, answered the same way by every endpoint.
#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// No secret, or the wrong one (401).
    Unauthorized,
    /// A rate limit (429), with how long to wait.
    TooMany(Duration),
    /// Too many requests in flight (503).
    Overloaded,
    /// The body is not the endpoint's JSON (400).
    BadRequest,
    /// The store did not answer (503).
    StoreUnavailable,
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Unauthorized => {
                let mut r = refuse(StatusCode::UNAUTHORIZED, "unauthorized");
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                r
            }
            Refusal::TooMany(wait) => {
                let mut r = refuse(StatusCode::TOO_MANY_REQUESTS, "too many requests");
                let secs = wait.as_secs().max(1) + u64::from(wait.subsec_nanos() > 0);
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Refusal::Overloaded => {
                let mut r = refuse(StatusCode::SERVICE_UNAVAILABLE, "overloaded");
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                r
            }
            Refusal::BadRequest => {
                refuse(StatusCode::BAD_REQUEST, "the body is not the JSON this endpoint takes")
            }
            Refusal::StoreUnavailable => refuse(StatusCode::SERVICE_UNAVAILABLE, "store unavailable"),
        }
    }
}

impl App {
    /// Rate limit by client, then the secret. On success, a slot among the
    /// requests in flight.
    fn admit(&self, peer: IpAddr, headers: &HeaderMap) -> Result<OwnedSemaphorePermit, Refusal> {
        if let Some(b) = &self.clients {
            match b.take(b.key(rate::client_key(peer)), Instant::now()) {
                rate::Verdict::Allow => {}
                rate::Verdict::Deny(wait) => {
                    self.metrics.limited("client");
                    return Err(Refusal::TooMany(wait));
                }
                rate::Verdict::Full => {
                    self.metrics.limited("client_table_full");
                    return Err(Refusal::TooMany(Duration::from_secs(1)));
                }
            }
        }
        self.authorize(headers)?;
        self.in_flight.clone().try_acquire_owned().map_err(|_| {
            self.metrics.overloaded.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Refusal::Overloaded
        })
    }

    fn authorize(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let ok = headers.get(&self.auth_header).is_some_and(|v| self.secret.matches(v.as_bytes()));
        if ok {
            return Ok(());
        }
        self.metrics.unauthorized.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Err(Refusal::Unauthorized)
    }

    /// The identifier's rate limit (on its trimmed, lower-case form, so that
    /// case variants of one account share a bucket).
    fn limit_identifier(&self, identifier: &str) -> Result<(), Refusal> {
        let Some(b) = &self.identifiers else { return Ok(()) };
        let key = b.key(identifier.trim().to_lowercase());
        match b.take(key, Instant::now()) {
            rate::Verdict::Allow => Ok(()),
            rate::Verdict::Deny(wait) => {
                self.metrics.limited("identifier");
                Err(Refusal::TooMany(wait))
            }
            rate::Verdict::Full => {
                self.metrics.limited("identifier_table_full");
                Err(Refusal::TooMany(Duration::from_secs(1)))
            }
        }
    }

    /// A dummy verify at the target: the cost of a wrong password.
    async fn dummy(&self, password: Zeroizing<Vec<u8>>) {
        if let Err(e) = self.limiter.verify_dummy(&self.policy, password).await {
            eprintln!("rehash serve: dummy verify failed: {e}");
        }
    }

    /// Look `identifier` up and verify `password`; write back when asked.
    /// `Err` is an answer that is not about the password (rate limit,
    /// store unavailable).
    async fn check(
        &self,
        endpoint: &'static str,
        identifier: &str,
        password: Zeroizing<Vec<u8>>,
        started: Instant,
    ) -> Result<Outcome, Refusal> {
        self.limit_identifier(identifier)?;
        let found = match self.lookup.find(identifier).await {
            Ok(f) => f,
            Err(e) => {
                eprintln!("rehash serve: store: {e}");
                return Err(Refusal::StoreUnavailable);
            }
        };
        let account = match found {
            Found::One(a) => a,
            Found::Nobody => {
                self.dummy(password).await;
                self.metrics.verify(endpoint, "unknown", "none", started.elapsed());
                return Ok(Outcome::Invalid);
            }
            Found::Several => {
                eprintln!(
                    "rehash serve: an identifier matched more than one row: refused (make the identifier \
                     column unique)"
                );
                self.dummy(password).await;
                self.metrics.verify(endpoint, "error", "none", started.elapsed());
                return Ok(Outcome::Invalid);
            }
        };
        let Account { row, marked } = account;
        let fail = |reason: String| {
            eprintln!("rehash serve: row {}: cannot verify the stored hash: {reason}", row.id);
        };
        let scheme = match row.scheme.as_deref().map(|l| (l, Scheme::from_name(l))) {
            None => None,
            Some((_, Some(s))) => Some(s),
            Some((l, None)) => {
                // The label is the table's own text, not a secret.
                fail(format!("unknown scheme label {l:?} in the scheme column"));
                self.dummy(password).await;
                self.metrics.verify(endpoint, "error", "none", started.elapsed());
                return Ok(Outcome::Invalid);
            }
        };
        let mut stored = Stored::new(&row.hash);
        if let Some(s) = &row.salt {
            stored = stored.with_salt(s);
        }
        if let Some(u) = &row.user {
            stored = stored.with_user(u);
        }
        if let Some(k) = scheme {
            stored = stored.with_scheme(k);
        }
        if let Some(c) = &row.params_col {
            stored = stored.with_params_col(c);
        }
        let identified = match self.policy.identify(stored) {
            Ok(id) => id,
            Err(e) => {
                fail(e.to_string());
                self.dummy(password).await;
                self.metrics.verify(endpoint, "error", "none", started.elapsed());
                return Ok(Outcome::Invalid);
            }
        };
        let owned = OwnedStored {
            hash: row.hash.clone(),
            salt: row.salt.clone(),
            user: row.user.clone(),
            scheme,
            params: None,
            params_col: row.params_col.clone(),
        };
        let name = identified.scheme.name();
        match self.limiter.verify_and_upgrade(&self.policy, password, owned).await {
            Ok(Upgrade::Invalid) => {
                self.metrics.verify(endpoint, "invalid", name, started.elapsed());
                Ok(Outcome::Invalid)
            }
            Ok(Upgrade::Valid { new_hash }) => {
                self.write_back(&row.id, &row.hash, new_hash.as_deref(), marked).await;
                self.metrics.verify(endpoint, "valid", name, started.elapsed());
                Ok(Outcome::Valid { id: row.id, scheme: identified.scheme, new_hash })
            }
            Err(e) => {
                let too_long = matches!(e, rehash::Error::PasswordTooLong { .. });
                if !too_long {
                    fail(e.to_string());
                }
                self.dummy(Zeroizing::new(Vec::new())).await;
                self.metrics.verify(
                    endpoint,
                    if too_long { "invalid" } else { "error" },
                    name,
                    started.elapsed(),
                );
                Ok(Outcome::Invalid)
            }
        }
    }

    /// The write-back of a verified login: best effort, never a failed login.
    async fn write_back(&self, id: &str, old: &str, new_hash: Option<&str>, marked: bool) {
        let (kind, result) = match (&self.on_success, new_hash) {
            (OnSuccess::Upgrade, Some(new)) => ("upgrade", self.lookup.store_upgrade(id, old, new).await),
            (OnSuccess::Mark(_), _) if !marked => ("mark", self.lookup.mark(id, old).await),
            _ => return,
        };
        match result {
            Ok(WriteOutcome::Stored) => self.metrics.write(kind, "stored"),
            Ok(WriteOutcome::Lost) => {
                self.metrics.write(kind, "lost");
                eprintln!(
                    "rehash serve: row {id}: {kind} not stored: the hash changed since it was read \
                     (compare-and-swap lost); the login stands"
                );
            }
            Err(e) => {
                self.metrics.write(kind, "failed");
                eprintln!("rehash serve: row {id}: {kind} not stored: {e}; the login stands");
            }
        }
    }
}

type Shared = State<Arc<App>>;
type Peer = ConnectInfo<PeerAddr>;

/// The client's address, from plain or TLS connections.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for PeerAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tls::TlsListener>> for PeerAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tls::TlsListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// `/v1/verify`'s body.
#[derive(Deserialize)]
struct GenericRequest {
    identifier: String,
    password: String,
}

/// Okta's `data.context.credential`.
#[derive(Deserialize)]
struct OktaRequest {
    data: OktaData,
}
#[derive(Deserialize)]
struct OktaData {
    context: OktaContext,
}
#[derive(Deserialize)]
struct OktaContext {
    credential: OktaCredential,
}
#[derive(Deserialize)]
struct OktaCredential {
    username: String,
    password: String,
}

/// Kratos's default body (no `body` Jsonnet configured).
#[derive(Deserialize)]
struct KratosRequest {
    identifier: String,
    password: String,
}

/// The steps every verify endpoint shares: admission, the body, the check.
async fn run_check<T: for<'de> Deserialize<'de>>(
    app: &App,
    endpoint: &'static str,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &Bytes,
    fields: impl FnOnce(T) -> (String, String),
) -> Result<Outcome, Refusal> {
    let started = Instant::now();
    let _slot = app.admit(peer.ip(), headers)?;
    let request: T = serde_json::from_slice(body).map_err(|_| Refusal::BadRequest)?;
    let (identifier, password) = fields(request);
    // The String's buffer moves into the wrapper: wiped when dropped.
    let password = Zeroizing::new(password.into_bytes());
    let outcome = app.check(endpoint, &identifier, password, started).await;
    if matches!(outcome, Ok(Outcome::Invalid)) {
        tokio::time::sleep_until((started + app.failure_floor).into()).await;
    }
    outcome
}

async fn generic(
    State(app): Shared,
    ConnectInfo(PeerAddr(peer)): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome =
        run_check(&app, "generic", peer, &headers, &body, |r: GenericRequest| (r.identifier, r.password))
            .await;
    match outcome {
        Err(r) => r.into_response(),
        Ok(Outcome::Invalid) => {
            axum::Json(json!({ "result": "invalid", "scheme": null, "needs_upgrade": false })).into_response()
        }
        Ok(Outcome::Valid { id, scheme, new_hash }) => {
            let mut body = json!({
                "result": "valid",
                "scheme": scheme.name(),
                "needs_upgrade": new_hash.is_some(),
                "id": id,
            });
            if let Some(h) = new_hash {
                body["new_hash"] = json!(h);
            }
            axum::Json(body).into_response()
        }
    }
}

async fn okta(
    State(app): Shared,
    ConnectInfo(PeerAddr(peer)): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome = run_check(&app, "okta", peer, &headers, &body, |r: OktaRequest| {
        let c = r.data.context.credential;
        (c.username, c.password)
    })
    .await;
    let credential = match outcome {
        Err(r) => return r.into_response(),
        Ok(Outcome::Valid { .. }) => "VERIFIED",
        Ok(Outcome::Invalid) => "UNVERIFIED",
    };
    axum::Json(json!({
        "commands": [{ "type": "com.okta.action.update", "value": { "credential": credential } }]
    }))
    .into_response()
}

async fn kratos(
    State(app): Shared,
    ConnectInfo(PeerAddr(peer)): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let outcome =
        run_check(&app, "kratos", peer, &headers, &body, |r: KratosRequest| (r.identifier, r.password)).await;
    match outcome {
        Err(r) => r.into_response(),
        Ok(Outcome::Valid { .. }) => axum::Json(json!({ "status": "password_match" })).into_response(),
        Ok(Outcome::Invalid) => StatusCode::FORBIDDEN.into_response(),
    }
}

async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn metrics_page(State(app): Shared, headers: HeaderMap) -> Response {
    if let Err(r) = app.authorize(&headers) {
        return r.into_response();
    }
    let in_flight = app.max_in_flight - app.in_flight.available_permits();
    let keys = (
        app.clients.as_ref().map_or(0, rate::Buckets::len),
        app.identifiers.as_ref().map_or(0, rate::Buckets::len),
    );
    let text = app.metrics.render(app.limiter.queued(), in_flight, keys);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// The router over `app`.
pub fn router(app: Arc<App>, body_limit: usize) -> Router {
    Router::new()
        .route("/v1/verify", post(generic))
        .route("/okta/password-import", post(okta))
        .route("/kratos/password-migration", post(kratos))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_page))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(app)
}

/// Why `rehash serve` did not start or stopped.
pub type Fail = Box<dyn std::error::Error>;

/// Open the store, bind, serve until SIGINT or SIGTERM.
pub async fn run(config: Config) -> Result<(), Fail> {
    let Config {
        url,
        label,
        columns,
        policy,
        listen,
        secret,
        auth_header,
        tls,
        insecure_http,
        on_success,
        body_limit,
        client_rate,
        identifier_rate,
        rate_keys,
        memory_budget,
        max_in_flight,
        connections,
    } = config;
    if !policy.equal_time_failures() {
        return Err("the policy turns equal_time_failures off: rehash serve would answer a wrong password \
                    against a legacy hash faster than against a current one, telling callers which accounts \
                    are weak. Remove `[timing] equal_time_failures = false`"
            .into());
    }
    if tls.is_none() && !listen.ip().is_loopback() && !insecure_http {
        return Err(format!(
            "{listen} is not a loopback address: passwords would cross the network in clear. Give \
             --tls-cert and --tls-key, or --insecure-http behind a TLS-terminating proxy"
        )
        .into());
    }
    let tls_config = match &tls {
        Some((cert, key)) => Some(tls::config(cert, key)?),
        None => None,
    };
    let lookup = Lookup::open(&url, &columns, &on_success, connections).await?;
    if on_success == OnSuccess::Upgrade {
        if let Some(c) = lookup.capacity() {
            let target = policy.hash_len() as u64;
            if target > c.chars {
                return Err(format!(
                    "the hash column holds {} characters but a new target hash has {target}: upgrades \
                     could not be stored. Make room first:\n  {}",
                    c.chars,
                    c.alter(target)
                )
                .into());
            }
        }
    }
    let limiter = Limiter::new(memory_budget);
    let policy = Arc::new(policy);
    {
        let (l, p) = (limiter.clone(), Arc::clone(&policy));
        tokio::task::spawn_blocking(move || l.prewarm(&p)).await?;
    }
    let failure_floor = failure_floor(&limiter, &policy).await;
    let app = Arc::new(App {
        failure_floor,
        policy,
        limiter,
        lookup: lookup.clone(),
        secret,
        auth_header,
        on_success: on_success.clone(),
        clients: client_rate.map(|r| rate::Buckets::new(r, rate_keys)),
        identifiers: identifier_rate.map(|r| rate::Buckets::new(r, rate_keys)),
        in_flight: Arc::new(Semaphore::new(max_in_flight)),
        max_in_flight,
        metrics: metrics::Metrics::default(),
    });
    let router = router(app, body_limit);
    let tcp = bind(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let local = tcp.local_addr()?;
    let write = match &on_success {
        OnSuccess::None => "read-only".to_owned(),
        OnSuccess::Upgrade => "on success: store upgrades (compare-and-swap)".to_owned(),
        OnSuccess::Mark(c) => format!("on success: mark column {c} (compare-and-swap)"),
    };
    let scheme = if tls_config.is_some() { "https" } else { "http" };
    eprintln!(
        "rehash serve: listening on {scheme}://{local} (store {label}, table {}, {write})",
        columns.table
    );
    let service = router.into_make_service_with_connect_info::<PeerAddr>();
    match tls_config {
        Some(config) => {
            axum::serve(tls::TlsListener::new(tcp, config)?, service)
                .with_graceful_shutdown(shutdown())
                .await?
        }
        None => axum::serve(tcp, service).with_graceful_shutdown(shutdown()).await?,
    }
    lookup.close().await;
    eprintln!("rehash serve: stopped");
    Ok(())
}

/// A listener with a deep accept queue (4096, as the kernel allows): a
/// burst of connections waits in it rather than being reset.
fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket =
        if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
