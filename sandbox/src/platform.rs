//! The platform's three endpoints and the admin endpoints.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use glorycard_client::institution::{
    DropConnection, Refusal, SIGNATURE_REFUSAL, signed_json, verify_request,
};
use glorycard_core::models::{
    Cancellation, DeductCheckRequest, Deduction, PATH_DEDUCT, PATH_DEDUCT_CANCEL, PATH_ROSTER,
    PlatformResponse, ROSTER_PAGE_LIMIT, RosterPageRequest, RosterRecord, Validate,
};
use glorycard_core::{Signer, Verifier};
use serde::Deserialize;

use crate::faults::{Fate, Injector};
use crate::reconcile::{self, Reconciliation};
use crate::store::{Store, Stored};

/// The peer's address, as the server recorded it.
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

pub(crate) struct Platform {
    pub(crate) verifier: Verifier,
    pub(crate) signer: Signer,
    /// The same sid with a wrong key: how `--bad-sign-rate` answers are signed.
    pub(crate) wrong_signer: Signer,
    pub(crate) holders: i64,
    pub(crate) seed: u64,
    pub(crate) masked_every: u32,
    pub(crate) store: Store,
    pub(crate) faults: Injector,
    pub(crate) institution: Option<glorycard_client::Client>,
    pub(crate) org_code: Option<String>,
    /// Lets a peer other than loopback use `/admin/*`, masked data only.
    pub(crate) admin_token: Option<crate::AdminToken>,
    pub(crate) requests: AtomicU64,
    pub(crate) refused_signatures: AtomicU64,
    /// The accept loop's counters, shown at `/admin/stats`.
    pub(crate) server: Arc<glorycard_client::institution::ServerStats>,
}

pub(crate) fn router(platform: Arc<Platform>) -> axum::Router {
    use axum::routing::{get, post};
    // Every /admin route behind the one gate, so that a route added later is covered too.
    let admin = axum::Router::new()
        .route("/admin/deductions", get(admin_deductions))
        .route("/admin/stats", get(admin_stats))
        .route("/admin/reconcile", get(admin_reconcile))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&platform),
            admin_gate,
        ));
    axum::Router::new()
        .route(PATH_ROSTER, post(roster))
        .route(PATH_DEDUCT, post(deduct))
        .route(PATH_DEDUCT_CANCEL, post(cancel))
        .merge(admin)
        .with_state(platform)
}

/// Who may use `/admin/*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdminAccess {
    /// A loopback peer: everything, `?unmasked=true` included.
    Loopback,
    /// A peer elsewhere that presented the operator's token: masked data only.
    Token,
    /// Anyone else (and a peer whose address the server did not record).
    Refused,
}

/// The answer to a refused admin request: fixed, so that it echoes nothing.
const ADMIN_REFUSED: &str =
    "forbidden: /admin answers loopback peers, or a peer presenting the sandbox's --admin-token";
/// The answer to `?unmasked=true` from a peer other than loopback.
const UNMASK_REFUSED: &str = "forbidden: unmasked=true is served to loopback peers only";

/// Decides a peer's access to `/admin/*` from its address and the bearer token it
/// presented. An IPv4 peer on a dual-stack socket arrives as `::ffff:a.b.c.d`: it is
/// judged by its IPv4 address.
pub(crate) fn admin_access(
    peer: Option<SocketAddr>,
    presented: Option<&[u8]>,
    token: Option<&crate::AdminToken>,
) -> AdminAccess {
    match peer {
        Some(address) if address.ip().to_canonical().is_loopback() => AdminAccess::Loopback,
        Some(_) => match (token, presented) {
            (Some(token), Some(presented)) if token.matches(presented) => AdminAccess::Token,
            _ => AdminAccess::Refused,
        },
        None => AdminAccess::Refused,
    }
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &HeaderMap) -> Option<&[u8]> {
    headers
        .get(header::AUTHORIZATION)?
        .as_bytes()
        .strip_prefix(b"Bearer ")
}

/// Refuses `/admin/*` to anyone [`admin_access`] refuses; hands the others' access to
/// the handler (which decides whether it may unmask).
async fn admin_gate(
    State(platform): State<Arc<Platform>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| *address);
    let access = admin_access(
        peer,
        bearer_token(request.headers()),
        platform.admin_token.as_ref(),
    );
    if access == AdminAccess::Refused {
        tracing::warn!(
            peer = %peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string()),
            path = request.uri().path(),
            "admin request refused: not a loopback peer, and no valid admin token"
        );
        return (StatusCode::FORBIDDEN, ADMIN_REFUSED).into_response();
    }
    request.extensions_mut().insert(access);
    next.run(request).await
}

/// Runs one platform call: faults, signature, parsing and validation, then `apply`.
async fn handle<Request, Data>(
    platform: Arc<Platform>,
    peer: Peer,
    path: &'static str,
    headers: HeaderMap,
    body: Bytes,
    apply: impl FnOnce(&Platform, Request) -> Result<PlatformResponse<Data>, String> + Send + 'static,
) -> Response
where
    Request: serde::de::DeserializeOwned + Validate + Send + 'static,
    Data: serde::Serialize + Send + 'static,
{
    platform.requests.fetch_add(1, Ordering::Relaxed);
    let latency = platform.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let fate = platform.faults.draw();
    if fate.fail {
        return (StatusCode::SERVICE_UNAVAILABLE, "injected failure").into_response();
    }
    let body_bytes = body.len();
    // Verification (and the work of the call) is CPU and SQLite work: on a blocking
    // thread, so that one large request does not hold up the others.
    let worker = Arc::clone(&platform);
    let done = tokio::task::spawn_blocking(move || {
        verify_request::<Request>(&worker.verifier, &headers, &body)
            .map(|request| apply(&worker, request))
    })
    .await;
    let answer = match done {
        Ok(Ok(Ok(answer))) => answer,
        Ok(Ok(Err(internal))) => {
            tracing::error!(%internal, "sandbox failure");
            return (StatusCode::INTERNAL_SERVER_ERROR, internal).into_response();
        }
        Ok(Err(Refusal::Signature(error))) => {
            platform.refused_signatures.fetch_add(1, Ordering::Relaxed);
            // The code says which check failed; the sid and the body stay out of the log.
            tracing::warn!(
                peer = %peer_text(peer),
                path,
                code = error.code().as_str(),
                body_bytes,
                "request refused before authentication"
            );
            PlatformResponse::failure(SIGNATURE_REFUSAL)
        }
        Ok(Err(Refusal::Invalid(error))) => PlatformResponse::failure(format!("参数错误 {error}")),
        Err(_) => {
            tracing::error!(path, "the verification task failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    respond(&platform, fate, &answer)
}

fn peer_text(peer: Peer) -> String {
    peer.map_or_else(
        || "unknown".to_owned(),
        |Extension(ConnectInfo(address))| address.to_string(),
    )
}

fn respond<Data: serde::Serialize>(
    platform: &Platform,
    fate: Fate,
    answer: &PlatformResponse<Data>,
) -> Response {
    if fate.drop {
        let mut response = StatusCode::OK.into_response();
        response.extensions_mut().insert(DropConnection);
        return response;
    }
    if fate.bad_sign {
        return signed_json(&platform.wrong_signer, answer);
    }
    signed_json(&platform.signer, answer)
}

async fn roster(
    State(platform): State<Arc<Platform>>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        platform,
        peer,
        PATH_ROSTER,
        headers,
        body,
        |platform, request: RosterPageRequest| {
            let first = request.data_id.max(0).saturating_add(1);
            let last = first
                .saturating_add(ROSTER_PAGE_LIMIT as i64 - 1)
                .min(platform.holders);
            let records: Vec<RosterRecord> = (first..=last)
                .map(|data_id| crate::served_record(platform.seed, platform.masked_every, data_id))
                .collect();
            Ok(PlatformResponse::success("成功", Some(records)))
        },
    )
    .await
}

async fn deduct(
    State(platform): State<Arc<Platform>>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        platform,
        peer,
        PATH_DEDUCT,
        headers,
        body,
        |platform, request: Deduction| stored_answer(platform.store.deduct(&request)),
    )
    .await
}

async fn cancel(
    State(platform): State<Arc<Platform>>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    handle(
        platform,
        peer,
        PATH_DEDUCT_CANCEL,
        headers,
        body,
        |platform, request: Cancellation| stored_answer(platform.store.cancel(&request)),
    )
    .await
}

fn stored_answer(
    stored: Result<Stored, crate::SandboxError>,
) -> Result<PlatformResponse<serde_json::Value>, String> {
    match stored.map_err(|e| e.to_string())? {
        Stored::Accepted => Ok(PlatformResponse::success("成功", None)),
        Stored::Rejected(message) => Ok(PlatformResponse::failure(message)),
    }
}

#[derive(Debug, Deserialize)]
struct DeductionsQuery {
    /// `true` shows certNo and certName in full; they are masked otherwise.
    #[serde(default)]
    unmasked: bool,
}

async fn admin_deductions(
    State(platform): State<Arc<Platform>>,
    access: Option<Extension<AdminAccess>>,
    Query(query): Query<DeductionsQuery>,
) -> Response {
    // Only the gate's verdict unmasks: without it (a route outside the gate), mask.
    let loopback = matches!(access, Some(Extension(AdminAccess::Loopback)));
    if query.unmasked && !loopback {
        return (StatusCode::FORBIDDEN, UNMASK_REFUSED).into_response();
    }
    match platform.store.list(None) {
        Ok(mut list) => {
            if !query.unmasked {
                for stored in &mut list {
                    let deduction = &mut stored.record.deduction;
                    deduction.cert_no = deduction.cert_no.masked().into();
                    deduction.cert_name = deduction.cert_name.masked().into();
                }
            }
            Json(list).into_response()
        }
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// Counters for tests and demos.
#[derive(Debug, serde::Serialize)]
struct Stats {
    requests: u64,
    refused_signatures: u64,
    injected_failures: u64,
    injected_drops: u64,
    injected_bad_signs: u64,
    deductions: i64,
    cancelled: i64,
    uploads: i64,
    connections_accepted: u64,
    connections_active: u64,
    connections_peak: u64,
    connection_cap_reached: u64,
    header_timeouts: u64,
    handshake_timeouts: u64,
    idle_timeouts: u64,
    bodies_too_large: u64,
    headers_too_large: u64,
    /// Deductions uploaded after their cancellation was accepted.
    deductions_after_cancellation: u64,
    /// Cancellations uploaded before their deduction (refused).
    cancellations_before_deduction: u64,
}

async fn admin_stats(State(platform): State<Arc<Platform>>) -> Response {
    let (deductions, cancelled, uploads) = match platform.store.counts() {
        Ok(counts) => counts,
        Err(error) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response();
        }
    };
    let out_of_order = platform.store.out_of_order();
    Json(Stats {
        requests: platform.requests.load(Ordering::Relaxed),
        refused_signatures: platform.refused_signatures.load(Ordering::Relaxed),
        injected_failures: platform.faults.failed.load(Ordering::Relaxed),
        injected_drops: platform.faults.dropped.load(Ordering::Relaxed),
        injected_bad_signs: platform.faults.bad_signed.load(Ordering::Relaxed),
        deductions,
        cancelled,
        uploads,
        connections_accepted: platform.server.accepted(),
        connections_active: platform.server.active(),
        connections_peak: platform.server.peak(),
        connection_cap_reached: platform.server.cap_reached(),
        header_timeouts: platform.server.header_timeouts(),
        handshake_timeouts: platform.server.handshake_timeouts(),
        idle_timeouts: platform.server.idle_timeouts(),
        bodies_too_large: platform.server.bodies_too_large(),
        headers_too_large: platform.server.headers_too_large(),
        deductions_after_cancellation: out_of_order.deductions_after_cancellation,
        cancellations_before_deduction: out_of_order.cancellations_before_deduction,
    })
    .into_response()
}

#[derive(Debug, Deserialize)]
struct ReconcileQuery {
    #[serde(rename = "orgCode")]
    org_code: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

async fn admin_reconcile(
    State(platform): State<Arc<Platform>>,
    Query(query): Query<ReconcileQuery>,
) -> Response {
    match reconcile(&platform, query.org_code, query.start, query.end).await {
        Ok(report) => Json(report).into_response(),
        Err((status, error)) => {
            let mut response = (status, error).into_response();
            response.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }
    }
}

/// Asks the institution for its records of `org_code` (the configured one by default) in
/// the window (all time by default) and compares them with the platform's. An error
/// carries the status `GET /admin/reconcile` answers with.
pub(crate) async fn reconcile(
    platform: &Platform,
    org_code: Option<String>,
    start: Option<String>,
    end: Option<String>,
) -> Result<Reconciliation, (StatusCode, String)> {
    let Some(institution) = platform.institution.clone() else {
        return Err((
            StatusCode::CONFLICT,
            "start the sandbox with --institution-url to reconcile".into(),
        ));
    };
    let Some(org_code) = org_code.or_else(|| platform.org_code.clone()) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "orgCode is required (query or --org-code)".into(),
        ));
    };
    let request = DeductCheckRequest {
        org_code,
        deduct_time_start: start.unwrap_or_else(|| "2000-01-01 00:00:00".into()),
        deduction_time_end: end.unwrap_or_else(|| "2099-12-31 23:59:59".into()),
    };
    let result: Result<Reconciliation, String> = async {
        let ours = platform
            .store
            .list(Some((
                &request.org_code,
                &request.deduct_time_start,
                &request.deduction_time_end,
            )))
            .map_err(|e| e.to_string())?;
        let answer = institution
            .deduct_check(&request)
            .await
            .map_err(|e| format!("{}: {e}", e.code()))?;
        Ok(reconcile::compare(
            &request,
            ours.into_iter().map(|s| s.record).collect(),
            answer.data.unwrap_or_default(),
        ))
    }
    .await;
    result.map_err(|error| (StatusCode::BAD_GATEWAY, error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AdminToken;

    fn peer(text: &str) -> Option<SocketAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn loopback_peers_are_let_in_with_or_without_a_token() {
        let token = AdminToken::new("t0ken");
        for address in [
            "127.0.0.1:5000",
            "127.9.9.9:5000",
            "[::1]:5000",
            "[::ffff:127.0.0.1]:5000",
        ] {
            assert_eq!(
                admin_access(peer(address), None, None),
                AdminAccess::Loopback,
                "{address}"
            );
            assert_eq!(
                admin_access(peer(address), Some(b"wrong"), Some(&token)),
                AdminAccess::Loopback,
                "{address}"
            );
        }
    }

    #[test]
    fn other_peers_need_the_exact_token() {
        let token = AdminToken::new("t0ken");
        for address in [
            "192.0.2.2:5000",
            "[fd00::2]:5000",
            "[::ffff:192.0.2.2]:5000",
            "0.0.0.0:1",
        ] {
            assert_eq!(
                admin_access(peer(address), None, None),
                AdminAccess::Refused,
                "{address}"
            );
            assert_eq!(
                admin_access(peer(address), Some(b"t0ken"), None),
                AdminAccess::Refused
            );
            assert_eq!(
                admin_access(peer(address), None, Some(&token)),
                AdminAccess::Refused
            );
            for wrong in [&b"t0ke"[..], b"t0ken ", b"T0KEN", b""] {
                assert_eq!(
                    admin_access(peer(address), Some(wrong), Some(&token)),
                    AdminAccess::Refused
                );
            }
            assert_eq!(
                admin_access(peer(address), Some(b"t0ken"), Some(&token)),
                AdminAccess::Token
            );
        }
        // An empty configured token lets nobody in.
        let empty = AdminToken::new("");
        assert_eq!(
            admin_access(peer("192.0.2.2:1"), Some(b""), Some(&empty)),
            AdminAccess::Refused
        );
    }

    #[test]
    fn a_peer_the_server_did_not_record_is_refused() {
        assert_eq!(
            admin_access(None, Some(b"t0ken"), Some(&AdminToken::new("t0ken"))),
            AdminAccess::Refused
        );
    }

    #[test]
    fn the_token_is_read_from_a_bearer_header_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dDBrZW4="),
        );
        assert_eq!(bearer_token(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer t0ken"),
        );
        assert_eq!(bearer_token(&headers), Some(&b"t0ken"[..]));
    }
}
