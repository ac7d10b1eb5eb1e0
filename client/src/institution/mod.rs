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
    let body_bytes = body.len();
    let answer = match answer(&endpoint, headers, body).await {
        Ok(records) => PlatformResponse::success("成功", Some(records)),
        Err(Refused::Unauthenticated(code)) => {
            // The code says which check failed; the sid and the body stay out of the log.
            tracing::warn!(
                peer = %peer_text(peer),
                code,
                body_bytes,
                "deductCheck refused before authentication"
            );
            PlatformResponse::failure(SIGNATURE_REFUSAL)
        }
        Err(Refused::Described(reason)) => {
            tracing::warn!(peer = %peer_text(peer), %reason, "deductCheck refused");
            PlatformResponse::failure(reason)
        }
    };
    signed_json(&endpoint.signer, &answer)
}

/// Why `/deductCheck` was refused.
enum Refused {
    /// Before authentication, with the error's code (for the log only).
    Unauthenticated(&'static str),
    /// After it: a reason the platform may read (never personal data).
    Described(String),
}

async fn answer(
    endpoint: &Arc<InstitutionEndpoint>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Vec<DeductCheckRecord>, Refused> {
    // Verification is CPU work in proportion to the body: on a blocking thread, so that
    // one large request does not hold up the others.
    let verifying = Arc::clone(endpoint);
    let verified = tokio::task::spawn_blocking(move || {
        verify_request::<DeductCheckRequest>(&verifying.verifier, &headers, &body)
    })
    .await
    .map_err(|_| Refused::Unauthenticated("verification_failed"))?;
    let request = verified.map_err(|refusal| match refusal {
        Refusal::Signature(e) => Refused::Unauthenticated(e.code().as_str()),
        Refusal::Invalid(e) => Refused::Described(format!("invalid request: {e}")),
    })?;
    if request.org_code != endpoint.org_code {
        return Err(Refused::Described(
            "invalid request: orgCode is not this institution's".into(),
        ));
    }
    let source = Arc::clone(&endpoint.source);
    tokio::task::spawn_blocking(move || {
        source.deductions_between(
            &request.org_code,
            &request.deduct_time_start,
            &request.deduction_time_end,
        )
    })
    .await
    .map_err(|_| Refused::Described("the deduction source failed".to_owned()))?
    .map_err(|e| Refused::Described(format!("the deduction source failed: {e}")))
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
    verifier
        .verify_headers(crate::client::header_pairs(headers), body)
        .map_err(Refusal::Signature)?;
    let request: Request = models::from_json(body).map_err(Refusal::Invalid)?;
    request.validate().map_err(Refusal::Invalid)?;
    Ok(request)
}

/// Serializes `value`, signs the exact bytes, and answers with the signature headers.
/// Public for other servers of this protocol (the sandbox platform).
pub fn signed_json<T: serde::Serialize>(signer: &Signer, value: &T) -> Response {
    let signed = models::to_json(value).and_then(|body| {
        let headers = signer.sign(&body)?;
        Ok((body, headers))
    });
    match signed {
        Ok((body, signed)) => {
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            for (name, value) in signed.to_pairs() {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "cannot sign a response");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot sign the response",
            )
                .into_response()
        }
    }
}
