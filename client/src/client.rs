//! The asynchronous client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use glorycard_core::models::{
    self, AckResponse, Cancellation, DeductCheckRequest, DeductCheckResponse, Deduction,
    PATH_DEDUCT, PATH_DEDUCT_CANCEL, PATH_DEDUCT_CHECK, PATH_ROSTER, PlatformResponse,
    ResponseFlag, RosterPageRequest, RosterRecord, Validate,
};
use glorycard_core::{Error as CoreError, SecretKey, SignedHeaders, Signer, Verifier};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::{ClientError, RetryPolicy};

/// Builds a [`Client`]. Obtain one with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    sid: Option<String>,
    key: Option<SecretKey>,
    org_code: Option<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    root_certificates_pem: Vec<Vec<u8>>,
    allow_http: bool,
    accept_unsigned_responses: bool,
    max_skew_seconds: u64,
    max_response_bytes: usize,
}

/// The default of [`ClientBuilder::max_response_bytes`]: 8 MiB. A full roster page (500
/// records) is about 150 KB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

impl ClientBuilder {
    /// The account id (`sid`) the platform issued.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// The secret key that belongs to the sid.
    pub fn key(mut self, key: SecretKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The institution's `orgCode`, sent with every request.
    pub fn org_code(mut self, org_code: impl Into<String>) -> Self {
        self.org_code = Some(org_code.into());
        self
    }

    /// Time allowed to establish a connection (TCP and TLS). Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt, from sending to the last byte of the response.
    /// Default 30 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The retry policy. Default: [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Trusts one more root certificate (PEM) in addition to the system's roots: the
    /// sandbox's certificate, or a hospital's own CA.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Allows a plain `http://` base URL, only for a loopback host (tests against a local
    /// sandbox). Any other `http://` URL is refused even with this set.
    pub fn allow_http_for_loopback(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Accepts responses that carry no `sid`/`timestamp`/`sign` headers. The document
    /// requires signed responses; this is for deployments whose platform does not sign.
    /// A response that does carry a signature is still verified.
    pub fn accept_unsigned_responses(mut self, accept: bool) -> Self {
        self.accept_unsigned_responses = accept;
        self
    }

    /// The skew window for response timestamps, in seconds. Default 300.
    pub fn max_skew_seconds(mut self, seconds: u64) -> Self {
        self.max_skew_seconds = seconds;
        self
    }

    /// The largest response body read, in bytes. Default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`] (8 MiB). Reading stops at the cap and the call ends
    /// with [`ClientError::InvalidResponse`], so a hostile or broken answer cannot make the
    /// client hold more than this in memory.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, ClientError> {
        let base = reqwest::Url::parse(&self.base_url).map_err(|e| {
            ClientError::config_from(format_args!("base URL {:?}", self.base_url), e)
        })?;
        match base.scheme() {
            "https" => {}
            "http" if self.allow_http && is_loopback(&base) => {}
            "http" if self.allow_http => {
                return Err(ClientError::config(
                    "plain HTTP is allowed only for a loopback host (127.0.0.1, ::1, localhost)",
                ));
            }
            "http" => {
                return Err(ClientError::config(
                    "the base URL must be https:// (plain HTTP only for loopback tests, when explicitly allowed)",
                ));
            }
            other => {
                return Err(ClientError::config(format!(
                    "unsupported URL scheme {other:?}"
                )));
            }
        }
        let sid = self
            .sid
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ClientError::config("sid is required"))?;
        let key = self
            .key
            .ok_or_else(|| ClientError::config("key is required"))?;
        if key.is_empty() {
            return Err(CoreError::EmptyKey.into());
        }
        let org_code = self
            .org_code
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ClientError::config("org code is required"))?;
        let verifier = Verifier::builder()
            .key(sid.clone(), key.clone())
            .max_skew_seconds(self.max_skew_seconds)
            .build()?;
        install_crypto_provider();
        let mut http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .https_only(base.scheme() == "https")
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("glorycard-client/", env!("CARGO_PKG_VERSION")));
        for pem in &self.root_certificates_pem {
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::config_from("root certificate PEM", e))?;
            if certificates.is_empty() {
                return Err(ClientError::config(
                    "root certificate PEM holds no certificate",
                ));
            }
            http = http.tls_certs_merge(certificates);
        }
        let http = http
            .build()
            .map_err(|e| ClientError::config_from("HTTP client", e))?;
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                signer: Signer::new(sid, key),
                verifier,
                org_code,
                retry: self.retry,
                // Each attempt is bounded by reqwest's total timeout (connecting included).
                attempt_timeout: self.request_timeout,
                accept_unsigned_responses: self.accept_unsigned_responses,
                max_response_bytes: self.max_response_bytes,
                sent: SentThisSecond::default(),
            }),
        })
    }
}

/// rustls needs a process-wide crypto provider; ring is the one this crate is built with.
/// Installing fails harmlessly when one is already installed.
pub(crate) fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A client of the platform's API. Cheap to clone (shared connection pool).
///
/// Every request is validated, serialized once, and signed over exactly the bytes sent;
/// every response is verified (signature, then `responseFlag`, then data).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    signer: Signer,
    verifier: Verifier,
    org_code: String,
    retry: RetryPolicy,
    /// The longest one attempt takes.
    attempt_timeout: Duration,
    accept_unsigned_responses: bool,
    max_response_bytes: usize,
    sent: SentThisSecond,
}

/// The signatures sent during the current second (see [`Client::unique_headers`]).
#[derive(Default)]
struct SentThisSecond(std::sync::Mutex<(String, std::collections::HashSet<[u8; 32]>)>);

impl SentThisSecond {
    /// Records `headers` as sent; false if identical headers were already sent.
    fn claim(&self, headers: &SignedHeaders) -> bool {
        let Ok(mut guard) = self.0.lock() else {
            return true;
        };
        let (second, signs) = &mut *guard;
        if second.as_str() != headers.timestamp.as_str() {
            second.clear();
            second.push_str(headers.timestamp.as_str());
            signs.clear();
        }
        signs.insert(*headers.sign.as_bytes())
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("sid", &self.inner.signer.sid())
            .field("org_code", &self.inner.org_code)
            .field("key", &"***")
            .finish()
    }
}

/// Asked by [`Client::deduct_gated`] and [`Client::cancel_gated`] before every attempt
/// of a call, so that a caller whose right to send can lapse (a drainer's lease) checks
/// it at the last moment before each send, retries included.
pub trait AttemptGate: Sync {
    /// `Ok` lets attempt number `attempt` (1-based) go out; `Err(reason)` stops the call
    /// with [`ClientError::Stopped`].
    fn admit(&self, attempt: u32) -> impl Future<Output = Result<(), String>> + Send;
}

/// The gate of ungated calls: every attempt may go out.
struct Ungated;

impl AttemptGate for Ungated {
    fn admit(&self, _attempt: u32) -> impl Future<Output = Result<(), String>> + Send {
        std::future::ready(Ok(()))
    }
}

/// The `responseFlag`/`responseMessage` of any response, read before its data.
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "responseFlag")]
    response_flag: ResponseFlag,
    #[serde(rename = "responseMessage", default)]
    response_message: String,
}

impl Client {
    /// Starts building a client for the platform at `base_url` (e.g.
    /// `https://platform.example/`; the document's paths are appended).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            sid: None,
            key: None,
            org_code: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            root_certificates_pem: Vec::new(),
            allow_http: false,
            accept_unsigned_responses: false,
            max_skew_seconds: glorycard_core::DEFAULT_MAX_SKEW_SECONDS,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The institution's org code this client sends.
    pub fn org_code(&self) -> &str {
        &self.inner.org_code
    }

    /// `store/all`: up to 500 roster records with `dataID` greater than `after_data_id`.
    /// An empty page means the roster is synced.
    pub async fn roster_page(&self, after_data_id: i64) -> Result<Vec<RosterRecord>, ClientError> {
        let request = RosterPageRequest {
            data_id: after_data_id,
            org_code: self.inner.org_code.clone(),
        };
        let response: PlatformResponse<Vec<RosterRecord>> =
            self.call(PATH_ROSTER, &request).await?;
        let records = response.data.unwrap_or_default();
        if records.len() > models::ROSTER_PAGE_LIMIT {
            return Err(ClientError::InvalidResponse {
                reason: format!(
                    "store/all returned {} records, more than the document's {}",
                    records.len(),
                    models::ROSTER_PAGE_LIMIT
                ),
            });
        }
        Ok(records)
    }

    /// Pages through `store/all` from `after_data_id` to the end of the roster.
    pub fn roster_updates(&self, after_data_id: i64) -> RosterUpdates {
        RosterUpdates {
            client: self.clone(),
            checkpoint: after_data_id,
            finished: false,
        }
    }

    /// `store/deduct`: uploads one deduction. Safe to repeat: `deductionID` is the
    /// business key, so a retried upload is recognised by the platform.
    pub async fn deduct(&self, deduction: &Deduction) -> Result<AckResponse, ClientError> {
        self.check_org_code(&deduction.org_code)?;
        self.call(PATH_DEDUCT, deduction).await
    }

    /// `store/deductCancel`: cancels a deduction by its `deductionID`.
    pub async fn cancel(&self, cancellation: &Cancellation) -> Result<AckResponse, ClientError> {
        self.check_org_code(&cancellation.org_code)?;
        self.call(PATH_DEDUCT_CANCEL, cancellation).await
    }

    /// [`deduct`](Client::deduct), asking `gate` before every attempt (the first and each
    /// retry): a refusal ends the call with [`ClientError::Stopped`], sending nothing more.
    /// The outbox's drain confirms its lease on the item this way.
    pub async fn deduct_gated(
        &self,
        deduction: &Deduction,
        gate: &impl AttemptGate,
    ) -> Result<AckResponse, ClientError> {
        self.check_org_code(&deduction.org_code)?;
        self.call_gated(PATH_DEDUCT, deduction, gate).await
    }

    /// [`cancel`](Client::cancel), asking `gate` before every attempt; see
    /// [`deduct_gated`](Client::deduct_gated).
    pub async fn cancel_gated(
        &self,
        cancellation: &Cancellation,
        gate: &impl AttemptGate,
    ) -> Result<AckResponse, ClientError> {
        self.check_org_code(&cancellation.org_code)?;
        self.call_gated(PATH_DEDUCT_CANCEL, cancellation, gate)
            .await
    }

    /// The longest one call can take under this client's settings: no attempt starts
    /// after [`RetryPolicy::max_elapsed`], and the last one may then take the whole
    /// [`request_timeout`](ClientBuilder::request_timeout) (which includes connecting). A
    /// caller that must finish a call inside a window (a lease) compares it with that
    /// window.
    pub fn worst_case_call(&self) -> Duration {
        let inner = &*self.inner;
        if inner.retry.max_attempts <= 1 {
            inner.attempt_timeout
        } else {
            inner
                .retry
                .max_elapsed
                .saturating_add(inner.attempt_timeout)
        }
    }

    /// `POST /deductCheck` as the platform sends it to an institution (for platform
    /// simulators and integration tests: build the client with the institution's URL).
    pub async fn deduct_check(
        &self,
        request: &DeductCheckRequest,
    ) -> Result<DeductCheckResponse, ClientError> {
        self.call(PATH_DEDUCT_CHECK, request).await
    }

    fn check_org_code(&self, org_code: &str) -> Result<(), ClientError> {
        if org_code != self.inner.org_code {
            return Err(CoreError::InvalidField {
                field: "orgCode".into(),
                reason: "differs from the org code this client is configured with".into(),
            }
            .into());
        }
        Ok(())
    }

    /// Validates, serializes once, sends with retries, and judges the response in the
    /// document's order: HTTP status and signature, `responseFlag`, then data.
    async fn call<Request, Data>(
        &self,
        path: &'static str,
        request: &Request,
    ) -> Result<PlatformResponse<Data>, ClientError>
    where
        Request: Serialize + Validate,
        Data: DeserializeOwned + Default,
    {
        self.call_gated(path, request, &Ungated).await
    }

    /// [`call`](Client::call), asking `gate` before each attempt.
    async fn call_gated<Request, Data>(
        &self,
        path: &'static str,
        request: &Request,
        gate: &impl AttemptGate,
    ) -> Result<PlatformResponse<Data>, ClientError>
    where
        Request: Serialize + Validate,
        Data: DeserializeOwned + Default,
    {
        request.validate()?;
        let body = models::to_json(request)?;
        let response_body = self.post_signed(path, body, gate).await?;
        // One parse on the common path. Only when the whole response does not parse is its
        // envelope read alone, so that a refusal is still judged before its data.
        match models::from_json::<PlatformResponse<Data>>(&response_body) {
            Ok(response) => {
                judge(path, &response.response_flag, &response.response_message)?;
                Ok(response)
            }
            Err(data_error) => {
                let envelope: Envelope = serde_json::from_slice(&response_body).map_err(|e| {
                    ClientError::InvalidResponse {
                        reason: format!("{path}: not a platform response: {}", redact(&e)),
                    }
                })?;
                judge(path, &envelope.response_flag, &envelope.response_message)?;
                Err(ClientError::InvalidResponse {
                    reason: format!("{path}: {data_error}"),
                })
            }
        }
    }

    /// Sends `body` to `path`, signed afresh for each attempt, and returns the verified
    /// response body of the first HTTP 200 answer.
    async fn post_signed(
        &self,
        path: &'static str,
        body: Vec<u8>,
        gate: &impl AttemptGate,
    ) -> Result<Vec<u8>, ClientError> {
        let inner = &*self.inner;
        let url = format!("{}{path}", inner.base_url);
        // Shared, not copied, by every attempt.
        let body = bytes::Bytes::from(body);
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            if let Err(reason) = gate.admit(attempt + 1).await {
                tracing::warn!(path, attempt = attempt + 1, %reason, "attempt stopped by the caller");
                return Err(ClientError::Stopped {
                    attempts: attempt,
                    reason,
                });
            }
            attempt += 1;
            let span = tracing::info_span!("glorycard.call", path, attempt);
            let attempt_started = Instant::now();
            let outcome = self
                .attempt(&url, body.clone())
                .instrument(span.clone())
                .await;
            let latency_ms = attempt_started.elapsed().as_secs_f64() * 1000.0;
            let error = match outcome {
                Ok(response_body) => {
                    span.in_scope(|| tracing::info!(latency_ms, outcome = "ok", "call finished"));
                    return Ok(response_body);
                }
                Err(error) => error,
            };
            let code = error.code();
            // An untrusted response quotes the platform's own text, which may carry
            // personal data: log only its code; the transport's reason otherwise.
            if matches!(error, ClientError::ResponseSignature { .. }) {
                span.in_scope(|| tracing::warn!(latency_ms, outcome = code, "attempt failed"));
            } else {
                span.in_scope(
                    || tracing::warn!(latency_ms, outcome = code, %error, "attempt failed"),
                );
            }
            let error = with_attempts(error, attempt, started.elapsed());
            // An answer that arrived but cannot be trusted (bad or missing signature,
            // malformed) would most likely come back the same at once (a wrong key, a
            // platform that does not sign): not retried here. Whether the request was
            // applied is unknown, so `is_retryable()` still tells a caller such as an outbox
            // to try again later with the same business key.
            let answered_untrusted = matches!(
                error,
                ClientError::ResponseSignature { .. }
                    | ClientError::UnsignedResponse { .. }
                    | ClientError::InvalidResponse { .. }
            );
            if answered_untrusted || !error.is_retryable() || attempt >= inner.retry.max_attempts {
                return Err(error);
            }
            let backoff = inner.retry.backoff(attempt, fastrand::f64());
            if started.elapsed() + backoff >= inner.retry.max_elapsed {
                return Err(error);
            }
            tokio::time::sleep(backoff).await;
        }
    }

    async fn attempt(&self, url: &str, body: bytes::Bytes) -> Result<Vec<u8>, ClientError> {
        let inner = &*self.inner;
        let headers = self.unique_headers(&body).await?;
        let response = inner
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .header("sid", headers.sid.as_str())
            .header("timestamp", headers.timestamp.as_str())
            .header("sign", headers.sign.to_string())
            .body(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(ClientError::HttpStatus {
                status,
                attempts: 1,
            });
        }
        // Reading the body consumes the response: keep its headers.
        let response_headers = response.headers().clone();
        let response_body = read_capped(response, inner.max_response_bytes).await?;
        self.verify_response(&response_headers, &response_body)?;
        Ok(response_body)
    }

    /// Signs `body` with the current timestamp, but never produces headers this client
    /// already sent. Timestamps have a resolution of one second and the signature has no
    /// nonce, so sending the same body twice in one second (a retry, or simply the same
    /// roster page asked again) would be byte-identical, and a platform that keeps a replay
    /// cache would refuse the second as a replay. In that case, wait for the next second.
    async fn unique_headers(&self, body: &[u8]) -> Result<SignedHeaders, ClientError> {
        loop {
            let headers = self.inner.signer.sign(body)?;
            if self.inner.sent.claim(&headers) {
                return Ok(headers);
            }
            sleep_until_next_second().await;
        }
    }

    fn verify_response(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<(), ClientError> {
        let inner = &*self.inner;
        let present = |name: &str| header_pairs(headers).any(|(n, _)| n == name);
        if let Some(missing) = ["sign", "timestamp", "sid"]
            .into_iter()
            .find(|name| !present(name))
        {
            let unsigned = !["sid", "timestamp", "sign"].into_iter().any(present);
            if inner.accept_unsigned_responses && unsigned {
                return Ok(());
            }
            return Err(ClientError::UnsignedResponse { missing });
        }
        inner
            .verifier
            .verify_headers(header_pairs(headers), body)
            .map(|_| ())
            .map_err(|source| ClientError::ResponseSignature {
                source,
                unverified_message: serde_json::from_slice::<Envelope>(body)
                    .ok()
                    .map(|envelope| envelope.response_message)
                    .filter(|message| !message.is_empty())
                    .map(shortened),
            })
    }
}

/// Reads a response body of at most `cap` bytes: a declared length over the cap is refused
/// before reading, and an undeclared one is read chunk by chunk and abandoned at the cap.
async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Vec<u8>, ClientError> {
    let too_large = || ClientError::InvalidResponse {
        reason: format!("response body larger than {cap} bytes (max_response_bytes)"),
    };
    let declared = response.content_length();
    if declared.is_some_and(|length| length > cap as u64) {
        return Err(too_large());
    }
    // The declared length is within the cap here, so reserving it is bounded.
    let mut body = Vec::with_capacity(declared.map_or(0, |length| length as usize));
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if chunk.len() > cap - body.len() {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Waits for the start of the next wall-clock second (and 2 ms more). A request's signature
/// has no nonce and its timestamp a resolution of one second, so the same body sent twice
/// in one second is byte-identical and a platform that keeps a replay cache refuses the
/// second as replayed. The client waits here before repeating headers it sent; a replica
/// sync or an outbox drain waits here before its first request, because a process killed
/// a moment ago may have sent that very request in the current second.
pub async fn sleep_until_next_second() {
    let into_second = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_millis())
        .unwrap_or(0);
    let wait = 1000u64.saturating_sub(u64::from(into_second)) + 2;
    tokio::time::sleep(Duration::from_millis(wait)).await;
}

/// The headers as the (name, value) pairs `Verifier::verify_headers` takes; a value that is
/// not visible ASCII cannot be a signature header's and is left out.
pub(crate) fn header_pairs(
    headers: &reqwest::header::HeaderMap,
) -> impl Iterator<Item = (&str, &str)> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
}

fn transport_error(error: reqwest::Error) -> ClientError {
    let reason = error_chain(&error);
    if error.is_timeout() {
        ClientError::Timeout {
            attempts: 1,
            elapsed: Duration::ZERO,
        }
    } else if error.is_connect() || error.is_request() {
        ClientError::Connect {
            attempts: 1,
            reason,
            source: Some(Box::new(error)),
        }
    } else {
        ClientError::Transport {
            reason,
            source: Some(Box::new(error)),
        }
    }
}

/// The error and its sources, one line: reqwest's own message alone rarely says why.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn with_attempts(error: ClientError, attempts: u32, elapsed: Duration) -> ClientError {
    match error {
        ClientError::Timeout { .. } => ClientError::Timeout { attempts, elapsed },
        ClientError::Connect { reason, source, .. } => ClientError::Connect {
            attempts,
            reason,
            source,
        },
        ClientError::HttpStatus { status, .. } => ClientError::HttpStatus { status, attempts },
        other => other,
    }
}

/// `responseFlag` judged after the protocol checks and before the data: "0" is the
/// platform's refusal, anything but "1" is not a platform response.
fn judge(path: &str, flag: &ResponseFlag, message: &str) -> Result<(), ClientError> {
    match flag {
        ResponseFlag::Success => Ok(()),
        ResponseFlag::Failure => Err(ClientError::PlatformRejected {
            message: message.to_owned(),
        }),
        other => Err(ClientError::InvalidResponse {
            reason: format!("{path}: unknown responseFlag {:?}", other.code()),
        }),
    }
}

/// An untrusted message as shown in an error: its first 200 characters, so that an
/// answer up to the body cap cannot become a megabyte-long error line.
fn shortened(message: String) -> String {
    const SHOWN: usize = 200;
    match message.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message,
    }
}

/// serde_json's messages can quote input; keep only the position.
fn redact(error: &serde_json::Error) -> String {
    format!("line {} column {}", error.line(), error.column())
}

/// Pages through the roster; see [`Client::roster_updates`].
#[derive(Debug)]
pub struct RosterUpdates {
    client: Client,
    checkpoint: i64,
    finished: bool,
}

impl RosterUpdates {
    /// The next page, or `None` once the platform returns an empty page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<RosterRecord>>, ClientError> {
        if self.finished {
            return Ok(None);
        }
        let page = self.client.roster_page(self.checkpoint).await?;
        let Some(max) = page.iter().map(|r| r.data_id).max() else {
            self.finished = true;
            return Ok(None);
        };
        if max <= self.checkpoint {
            return Err(ClientError::InvalidResponse {
                reason: format!(
                    "store/all after dataID {} returned no larger dataID; refusing to loop",
                    self.checkpoint
                ),
            });
        }
        self.checkpoint = max;
        Ok(Some(page))
    }

    /// The largest `dataID` received so far: where a later sync resumes.
    pub fn checkpoint(&self) -> i64 {
        self.checkpoint
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_untrusted_message_is_shortened_on_a_character_boundary() {
        assert_eq!(shortened("签名错误".to_owned()), "签名错误");
        let long = "签".repeat(10_000);
        let shown = shortened(long);
        assert_eq!(shown.chars().count(), 201);
        assert!(shown.ends_with("签…"));
    }
}
