//! The institution side: an axum router for the platform's `POST /deductCheck`.
//!
//! The platform calls the institution to reconcile: "every deduction in this time range".
//! [`router`] verifies the call's signature (sid → keys, skew window, replay check),
//! validates the window, asks your [`DeductionSource`] for the records, and answers with a
//! signed response. A call that fails validation gets a signed answer with `responseFlag`
//! "0" and the reason; a call that fails before it is authenticated (unknown sid, bad
//! signature, headers missing or repeated, timestamp outside the window, replayed, a body
//! that cannot be canonicalized) gets the one fixed message [`SIGNATURE_REFUSAL`], which
//! quotes nothing the caller sent; what was refused is logged in redacted form (the
//! error's code, the body's length, the peer).
//!
//! Serve the router with [`Server`]: one accept loop for HTTP or HTTPS whose
//! [`ServerLimits`] bound what a caller can make it hold (header-read, handshake and idle
//! timeouts, connections at once, body and header sizes).
//!
//! ```no_run
//! use std::sync::Arc;
//! use glorycard_client::institution::{
//!     router, DeductionSource, InstitutionEndpoint, Server, ServerLimits, SourceError,
//! };
//! use glorycard_core::models::DeductCheckRecord;
//! use glorycard_core::{SecretKey, Signer, Verifier};
//!
//! struct Ledger;
//! impl DeductionSource for Ledger {
//!     fn deductions_between(&self, org_code: &str, start: &str, end: &str)
//!         -> Result<Vec<DeductCheckRecord>, SourceError> {
//!         Ok(Vec::new()) // read your HIS ledger here
//!     }
//! }
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SecretKey::new("4fd6b8105f894d0da964b1e80b07b136");
//! let endpoint = InstitutionEndpoint::new(
//!     Verifier::builder().key("sid-1", key.clone()).replay_cache(100_000).build()?,
//!     Signer::new("sid-1", key),
//!     "106607",
//!     Arc::new(Ledger),
//! )?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
//! // Plain HTTP behind a TLS-terminating proxy; pass a `tokio_rustls::TlsAcceptor` to
//! // serve HTTPS.
//! let server = Server::new(router(endpoint), None, ServerLimits::default())?;
//! server.serve(listener).await;
//! # Ok(()) }
//! ```

mod server;
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glorycard_core::models::{
    self, DeductCheckRecord, DeductCheckRequest, PATH_DEDUCT_CHECK, PlatformResponse, Validate,
};
use glorycard_core::{Signer, Verifier};

pub use server::{DropConnection, Server, ServerLimits, ServerStats, serve};
pub use tls::tls_acceptor_from_pem;

/// The `responseMessage` of every request refused before it was authenticated: the same
/// for an unknown sid, a wrong signature, a missing, repeated or stale header, a replay
/// and a body that cannot be canonicalized, and quoting nothing the caller sent (so an
/// answer signed with our key cannot be made to say what the caller chose, and does not
/// tell a known sid from an unknown one).
pub const SIGNATURE_REFUSAL: &str = "签名验证失败 signature verification failed";

/// The peer's address for logs (`unknown` when the server did not record it).
pub(crate) fn peer_text(peer: Option<Extension<ConnectInfo<SocketAddr>>>) -> String {
    peer.map_or_else(
        || "unknown".to_owned(),
        |Extension(ConnectInfo(address))| address.to_string(),
    )
}

/// Why a [`DeductionSource`] could not answer (a message for the platform; no personal data).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// Where the institution's deductions come from: your HIS ledger, or the outbox.
pub trait DeductionSource: Send + Sync + 'static {
    /// Every deduction of `org_code` whose `deductionTime` lies in `[start, end]`
    /// (`yyyy-MM-dd HH:mm:ss`, inclusive), with its status and `cancelTime`.
    /// Called on a blocking thread: it may do synchronous I/O.
    fn deductions_between(
        &self,
        org_code: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<DeductCheckRecord>, SourceError>;
}

/// What the `/deductCheck` endpoint needs. Built with [`InstitutionEndpoint::new`], which
/// refuses a signer that cannot sign, so the endpoint never answers unsigned.
pub struct InstitutionEndpoint {
    verifier: Verifier,
    signer: Signer,
    org_code: String,
    source: Arc<dyn DeductionSource>,
}

impl InstitutionEndpoint {
    /// `verifier` checks the platform's calls (sid → keys, skew window, replay cache);
    /// `signer` signs the answers; calls for another `org_code` are refused; `source`
    /// answers with the records.
    pub fn new(
        verifier: Verifier,
        signer: Signer,
        org_code: impl Into<String>,
        source: Arc<dyn DeductionSource>,
    ) -> Result<Self, crate::ClientError> {
        // A signer with an empty key would fail on every answer, and only when the
        // platform calls: find out now.
        signer.sign(b"{}")?;
        let org_code = org_code.into();
        if org_code.is_empty() {
            return Err(crate::ClientError::config(
                "the institution's org code is empty",
            ));
        }
        Ok(Self {
            verifier,
            signer,
            org_code,
            source,
        })
    }
}

impl std::fmt::Debug for InstitutionEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstitutionEndpoint")
            .field("verifier", &self.verifier)
            .field("signer", &self.signer)
            .field("org_code", &self.org_code)
            .finish_non_exhaustive()
    }
}

/// A signed answer of the `/deductCheck` endpoint, for any HTTP server: write the status,
/// the headers and the body as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedResponse {
    /// 200 for every answer of the protocol (refusals included: `responseFlag` "0"); 500
    /// only when the answer could not be signed (it then carries no signature headers).
    pub status: u16,
    /// `Content-Type`, then `sid`, `timestamp` and `sign` of the answer.
    pub headers: Vec<(String, String)>,
    /// The exact bytes that were signed.
    pub body: Vec<u8>,
}

impl InstitutionEndpoint {
    /// Answers one platform call of `POST /deductCheck`, for a server other than
    /// [`router`]'s (a Java servlet, a Python ASGI app): verifies the headers against the
    /// exact `body`, checks the request, asks the [`DeductionSource`], and signs the
    /// answer, a refusal included. Blocking (verification is CPU work in proportion to the
    /// body, and the source may do I/O): from async code, call it in `spawn_blocking`.
    pub fn handle<'h>(
        &self,
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
        body: &[u8],
    ) -> SignedResponse {
        self.handle_from("unknown", headers, body)
    }

    /// [`handle`](InstitutionEndpoint::handle), naming the caller's address in the log
    /// of a refusal.
    pub fn handle_from<'h>(
        &self,
        peer: &str,
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
        body: &[u8],
    ) -> SignedResponse {
        let answer = match self.answer(headers, body) {
            Ok(records) => PlatformResponse::success("成功", Some(records)),
            Err(Refused::Unauthenticated(code)) => {
                // The code says which check failed; the sid and the body stay out of the log.
                tracing::warn!(
                    peer,
                    code,
                    body_bytes = body.len(),
                    "deductCheck refused before authentication"
                );
                PlatformResponse::failure(SIGNATURE_REFUSAL)
            }
            Err(Refused::Described(reason)) => {
                tracing::warn!(peer, %reason, "deductCheck refused");
                PlatformResponse::failure(reason)
            }
        };
        sign_answer(&self.signer, &answer)
    }

    fn answer<'h>(
        &self,
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
        body: &[u8],
    ) -> Result<Vec<DeductCheckRecord>, Refused> {
        let request =
            verify_request_headers::<DeductCheckRequest, _>(&self.verifier, headers, body)
                .map_err(|refusal| match refusal {
                    Refusal::Signature(e) => Refused::Unauthenticated(e.code().as_str()),
                    Refusal::Invalid(e) => Refused::Described(format!("invalid request: {e}")),
                })?;
        if request.org_code != self.org_code {
            return Err(Refused::Described(
                "invalid request: orgCode is not this institution's".into(),
            ));
        }
        self.source
            .deductions_between(
                &request.org_code,
                &request.deduct_time_start,
                &request.deduction_time_end,
            )
            .map_err(|e| Refused::Described(format!("the deduction source failed: {e}")))
    }
}

/// A router serving `POST /deductCheck`.
pub fn router(endpoint: InstitutionEndpoint) -> axum::Router {
    axum::Router::new()
        .route(PATH_DEDUCT_CHECK, axum::routing::post(deduct_check))
        .with_state(Arc::new(endpoint))
}

async fn deduct_check(
    State(endpoint): State<Arc<InstitutionEndpoint>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let peer = peer_text(peer);
    // Verification and the source are blocking work: on a blocking thread, so that one
    // large request or a slow ledger does not hold up the others.
    let handled = tokio::task::spawn_blocking(move || {
        endpoint.handle_from(&peer, crate::client::header_pairs(&headers), &body)
    })
    .await;
    match handled {
        Ok(signed) => into_response(signed),
        Err(_) => {
            tracing::error!("the deductCheck handler panicked");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot answer the request",
            )
                .into_response()
        }
    }
}

/// Why `/deductCheck` was refused.
enum Refused {
    /// Before authentication, with the error's code (for the log only).
    Unauthenticated(&'static str),
    /// After it: a reason the platform may read (never personal data).
    Described(String),
}

/// Why [`verify_request`] refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The signature headers did not verify (bad sign, unknown sid, outside the skew
    /// window, replayed, missing or repeated header).
    Signature(glorycard_core::Error),
    /// The body is not the expected model, or the model fails validation.
    Invalid(glorycard_core::Error),
}

/// The first steps of serving any signed call of this protocol, in the document's order:
/// verify the signature headers against the exact body, then parse and validate it.
/// Public for other servers of the protocol (the sandbox platform). CPU work in
/// proportion to the body: call it from a blocking thread (`spawn_blocking`) in a server.
pub fn verify_request<Request>(
    verifier: &Verifier,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Request, Refusal>
where
    Request: serde::de::DeserializeOwned + Validate,
{
    verify_request_headers(verifier, crate::client::header_pairs(headers), body)
}

/// [`verify_request`] over any list of `(name, value)` headers.
pub fn verify_request_headers<'h, Request, Headers>(
    verifier: &Verifier,
    headers: Headers,
    body: &[u8],
) -> Result<Request, Refusal>
where
    Request: serde::de::DeserializeOwned + Validate,
    Headers: IntoIterator<Item = (&'h str, &'h str)>,
{
    verifier
        .verify_headers(headers, body)
        .map_err(Refusal::Signature)?;
    let request: Request = models::from_json(body).map_err(Refusal::Invalid)?;
    request.validate().map_err(Refusal::Invalid)?;
    Ok(request)
}

/// Serializes `value`, signs the exact bytes, and answers with the signature headers.
/// Public for other servers of this protocol (the sandbox platform).
pub fn signed_json<T: serde::Serialize>(signer: &Signer, value: &T) -> Response {
    into_response(sign_answer(signer, value))
}

/// Serializes `value` and signs the exact bytes: status 200 with the signature headers,
/// or 500 with no signature when it cannot be signed (logged).
pub fn sign_answer<T: serde::Serialize>(signer: &Signer, value: &T) -> SignedResponse {
    let signed = models::to_json(value).and_then(|body| {
        let headers = signer.sign(&body)?;
        Ok((body, headers))
    });
    match signed {
        Ok((body, signed)) => {
            let mut headers = vec![(
                header::CONTENT_TYPE.as_str().to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )];
            headers.extend(
                signed
                    .to_pairs()
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value)),
            );
            SignedResponse {
                status: 200,
                headers,
                body,
            }
        }
        Err(error) => {
            tracing::error!(%error, "cannot sign a response");
            SignedResponse {
                status: 500,
                headers: vec![(
                    header::CONTENT_TYPE.as_str().to_owned(),
                    "text/plain; charset=utf-8".to_owned(),
                )],
                body: b"cannot sign the response".to_vec(),
            }
        }
    }
}

fn into_response(signed: SignedResponse) -> Response {
    let status = StatusCode::from_u16(signed.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, signed.body).into_response();
    let headers = response.headers_mut();
    for (name, value) in signed.headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
    response
}
