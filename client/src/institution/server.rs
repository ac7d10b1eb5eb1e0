//! One hardened accept loop for the servers of this protocol (the institution's
//! `/deductCheck` endpoint and the sandbox platform): HTTP/1.1, plain or TLS, with every
//! resource an outsider can hold bounded by a [`ServerLimits`].
//!
//! What each limit guards against:
//!
//! - `header_read_timeout`: a client that sends a request head slowly or never finishes
//!   it (slowloris). hyper's own timer, which it switches off unless a timer is given.
//! - `tls_handshake_timeout`: a client that opens a connection and never finishes the
//!   TLS handshake.
//! - `idle_timeout`: a connection on which no byte moves while no handler is working (a
//!   body sent ever more slowly, an answer never read).
//! - `max_connections`: the connections served at once; the others wait in the listen
//!   backlog until one ends.
//! - `max_body_bytes`: a request body larger than the endpoint needs, answered 413 (a
//!   declared `Content-Length` over the limit without reading any of the body).
//! - `max_header_bytes`: the request line and headers, answered 431.
//!
//! Each limit that fires is logged at `warn` with the peer's address and the limit's
//! name, never with what the request held, and counted in [`ServerStats`].

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::ClientError;

/// hyper refuses a read buffer smaller than this (and panics if asked for one).
const HYPER_MIN_BUF_SIZE: usize = 8192;

/// The longest timeout accepted: deadlines are instants, which must not overflow.
const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// The smallest header limit accepted: a request line and the three signature headers
/// need a few hundred bytes.
const MIN_HEADER_BYTES: usize = 1024;

/// The bounds a [`Server`] puts on what clients can make it hold. Every field is public
/// and may be changed; [`ServerLimits::default`] fits the protocol's small requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// Time a client has to send a whole request head (request line and headers), from
    /// the moment the server waits for it: on a new connection, and between the requests
    /// of a kept-alive one. Default 10 s.
    pub header_read_timeout: Duration,
    /// Time a client has to finish the TLS handshake. Default 10 s.
    pub tls_handshake_timeout: Duration,
    /// A connection on which no byte moves in either direction for this long, while no
    /// handler is working on one of its requests, is closed. Default 60 s.
    pub idle_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog. Default 256.
    pub max_connections: usize,
    /// Largest request body accepted; a larger one is answered 413. Default 64 KiB
    /// (`/deductCheck`'s request is three short fields).
    pub max_body_bytes: usize,
    /// Largest request head (request line and headers) accepted; a larger one is
    /// answered 431. Default 16 KiB; at least 1 KiB.
    pub max_header_bytes: usize,
    /// On a graceful shutdown, how long requests in progress may take to finish before
    /// their connections are closed. Default 10 s.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 256,
            max_body_bytes: 64 * 1024,
            max_header_bytes: 16 * 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ServerLimits {
    /// Refuses limits that would make the server unusable: a zero timeout (or one over
    /// a day), no connection, or a header limit under 1 KiB.
    pub fn validate(&self) -> Result<(), ClientError> {
        for (name, value) in [
            ("header_read_timeout", self.header_read_timeout),
            ("tls_handshake_timeout", self.tls_handshake_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if value.is_zero() || value > MAX_TIMEOUT {
                return Err(ClientError::config(format!(
                    "{name} must be more than zero and at most 24 h"
                )));
            }
        }
        if self.shutdown_grace > MAX_TIMEOUT {
            return Err(ClientError::config("shutdown_grace must not exceed 24 h"));
        }
        if self.max_connections == 0 || self.max_connections > Semaphore::MAX_PERMITS {
            return Err(ClientError::config(format!(
                "max_connections must lie in 1..={}",
                Semaphore::MAX_PERMITS
            )));
        }
        if self.max_header_bytes < MIN_HEADER_BYTES {
            return Err(ClientError::config(format!(
                "max_header_bytes must be at least {MIN_HEADER_BYTES}"
            )));
        }
        Ok(())
    }
}

/// Put this in a response's extensions to make the server close the connection instead
/// of sending the response (the sandbox's "applied, then no answer" fault).
#[derive(Debug, Clone, Copy, Default)]
pub struct DropConnection;

/// Counters of a [`Server`]: its connections and each limit that fired.
#[derive(Debug, Default)]
pub struct ServerStats {
    accepted: AtomicU64,
    active: AtomicU64,
    peak: AtomicU64,
    cap_reached: AtomicU64,
    header_timeouts: AtomicU64,
    handshake_timeouts: AtomicU64,
    idle_timeouts: AtomicU64,
    bodies_too_large: AtomicU64,
    headers_too_large: AtomicU64,
}

impl ServerStats {
    /// Connections accepted since the start.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Connections being served now.
    pub fn active(&self) -> u64 {
        self.active.load(Ordering::Relaxed)
    }

    /// The most connections ever served at once (never more than `max_connections`).
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Times the server reached `max_connections` and left new connections waiting.
    pub fn cap_reached(&self) -> u64 {
        self.cap_reached.load(Ordering::Relaxed)
    }

    /// Connections closed because a request head did not arrive in time.
    pub fn header_timeouts(&self) -> u64 {
        self.header_timeouts.load(Ordering::Relaxed)
    }

    /// Connections closed because the TLS handshake did not finish in time.
    pub fn handshake_timeouts(&self) -> u64 {
        self.handshake_timeouts.load(Ordering::Relaxed)
    }

    /// Connections closed because nothing moved for `idle_timeout`.
    pub fn idle_timeouts(&self) -> u64 {
        self.idle_timeouts.load(Ordering::Relaxed)
    }

    /// Requests answered 413 because their body was over `max_body_bytes`.
    pub fn bodies_too_large(&self) -> u64 {
        self.bodies_too_large.load(Ordering::Relaxed)
    }

    /// Connections closed because a request head was over `max_header_bytes`.
    pub fn headers_too_large(&self) -> u64 {
        self.headers_too_large.load(Ordering::Relaxed)
    }

    fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counts a connection as active while it lives.
struct ActiveConnection(Arc<ServerStats>);

impl ActiveConnection {
    fn open(stats: &Arc<ServerStats>) -> Self {
        ServerStats::count(&stats.accepted);
        let now = stats.active.fetch_add(1, Ordering::Relaxed) + 1;
        stats.peak.fetch_max(now, Ordering::Relaxed);
        Self(Arc::clone(stats))
    }
}

impl Drop for ActiveConnection {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves an [`axum::Router`] over HTTP/1.1, plain or in TLS, within [`ServerLimits`].
///
/// ```no_run
/// # async fn run(app: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
/// use glorycard_client::institution::{Server, ServerLimits};
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8444").await?;
/// let server = Server::new(app, None, ServerLimits::default())?;
/// server
///     .serve_with_shutdown(listener, async {
///         let _ = tokio::signal::ctrl_c().await;
///     })
///     .await;
/// # Ok(()) }
/// ```
pub struct Server {
    shared: Shared,
}

struct Shared {
    app: axum::Router,
    tls: Option<TlsAcceptor>,
    limits: ServerLimits,
    stats: Arc<ServerStats>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("tls", &self.shared.tls.is_some())
            .field("limits", &self.shared.limits)
            .field("stats", &self.shared.stats)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server of `app`, in TLS when `tls` is given, within `limits` (refused when
    /// [`ServerLimits::validate`] refuses them). The body limit is applied to `app` as
    /// its [`DefaultBodyLimit`].
    pub fn new(
        app: axum::Router,
        tls: Option<TlsAcceptor>,
        limits: ServerLimits,
    ) -> Result<Self, ClientError> {
        limits.validate()?;
        let app = app.layer(DefaultBodyLimit::max(limits.max_body_bytes));
        Ok(Self {
            shared: Shared {
                app,
                tls,
                limits,
                stats: Arc::new(ServerStats::default()),
            },
        })
    }

    /// Counts into `stats` instead of a fresh [`ServerStats`] (to show them in an admin
    /// endpoint of the app itself, made before the server).
    pub fn with_stats(mut self, stats: Arc<ServerStats>) -> Self {
        self.shared.stats = stats;
        self
    }

    /// The server's counters.
    pub fn stats(&self) -> Arc<ServerStats> {
        Arc::clone(&self.shared.stats)
    }

    /// The limits it serves within.
    pub fn limits(&self) -> &ServerLimits {
        &self.shared.limits
    }

    /// Serves connections from `listener` until its future is dropped (which closes
    /// every connection at once).
    pub async fn serve(self, listener: TcpListener) {
        self.serve_with_shutdown(listener, std::future::pending())
            .await;
    }

    /// Serves connections from `listener` until `signal` completes; then stops
    /// accepting, lets requests in progress finish for up to
    /// [`ServerLimits::shutdown_grace`], and closes the connections left.
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send,
    ) {
        let shared = Arc::new(self.shared);
        let slots = Arc::new(Semaphore::new(shared.limits.max_connections));
        let (stop, stopping) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut signal = std::pin::pin!(signal);
        // While the cap holds, every freed slot would log again: once a minute is enough.
        let mut cap_logged: Option<Instant> = None;
        loop {
            while connections.try_join_next().is_some() {}
            let slot = match Arc::clone(&slots).try_acquire_owned() {
                Ok(slot) => slot,
                Err(_) => {
                    ServerStats::count(&shared.stats.cap_reached);
                    if cap_logged.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                        cap_logged = Some(Instant::now());
                        tracing::warn!(
                            limit = "max_connections",
                            max_connections = shared.limits.max_connections,
                            times = shared.stats.cap_reached(),
                            "connection cap reached: new connections wait in the listen backlog"
                        );
                    }
                    tokio::select! {
                        () = &mut signal => break,
                        slot = Arc::clone(&slots).acquire_owned() => match slot {
                            Ok(slot) => slot,
                            // The semaphore is never closed.
                            Err(_) => break,
                        },
                    }
                }
            };
            let (stream, peer) = tokio::select! {
                () = &mut signal => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors, or a connection reset before it was
                        // accepted: wait a little rather than spin.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let shared = Arc::clone(&shared);
            let stopping = stopping.clone();
            connections.spawn(async move {
                let _slot = slot;
                let _active = ActiveConnection::open(&shared.stats);
                connection(stream, peer, shared, stopping).await;
            });
        }
        drop(listener);
        let _ = stop.send(true);
        let grace = shared.limits.shutdown_grace;
        let finished = tokio::time::timeout(grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                connections = connections.len(),
                "shutdown: closing connections still busy after the grace period"
            );
        }
    }
}

/// Serves `app` on `listener`, in TLS when `tls` is given, within `limits`, until its
/// future is dropped: [`Server`] in one call. Fails only when the limits are refused.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<TlsAcceptor>,
    limits: ServerLimits,
) -> Result<(), ClientError> {
    Server::new(app, tls, limits)?.serve(listener).await;
    Ok(())
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    match &shared.tls {
        None => serve_io(stream, peer, &shared, stopping).await,
        Some(acceptor) => {
            // Pinned here, so the socket is closed only after the outcome is counted.
            let mut accept = std::pin::pin!(acceptor.accept(stream));
            let limit = shared.limits.tls_handshake_timeout;
            match tokio::time::timeout(limit, accept.as_mut()).await {
                Ok(Ok(stream)) => serve_io(stream, peer, &shared, stopping).await,
                Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                Err(_) => {
                    ServerStats::count(&shared.stats.handshake_timeouts);
                    tracing::warn!(
                        %peer,
                        limit = "tls_handshake_timeout",
                        "TLS handshake not finished in time: connection closed"
                    );
                }
            }
        }
    }
}

/// What the idle watch knows of a connection.
struct ConnState {
    opened: Instant,
    /// Milliseconds after `opened` when a byte last moved (or a handler last finished).
    last_activity_ms: AtomicU64,
    /// A request is being served (from its head until its response is produced).
    in_service: AtomicBool,
    /// A handler holds the whole request and works on it: the connection is not idle.
    working: AtomicBool,
    /// Bytes arrived since the last request was answered (a head in progress).
    unanswered_bytes: AtomicBool,
    requests: AtomicU64,
}

impl ConnState {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            last_activity_ms: AtomicU64::new(0),
            in_service: AtomicBool::new(false),
            working: AtomicBool::new(false),
            unanswered_bytes: AtomicBool::new(false),
            requests: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let elapsed = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity_ms.fetch_max(elapsed, Ordering::Relaxed);
    }

    fn last_activity(&self) -> Instant {
        self.opened + Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed))
    }
}

/// Marks a request in progress; when its handler is done, the connection may go idle.
struct InFlight(Arc<ConnState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_service.store(false, Ordering::Relaxed);
        self.0.working.store(false, Ordering::Relaxed);
        self.0.unanswered_bytes.store(false, Ordering::Relaxed);
        self.0.touch();
    }
}

/// The error a service returns to make hyper close the connection without a response.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped at the handler's request")
    }
}

impl std::error::Error for Dropped {}

async fn serve_io<S>(
    stream: S,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    mut stopping: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = &shared.limits;
    let state = Arc::new(ConnState::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        state: Arc::clone(&state),
    });
    let service = {
        let shared = Arc::clone(shared);
        let state = Arc::clone(&state);
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let shared = Arc::clone(&shared);
            let state = Arc::clone(&state);
            async move { respond(&shared, request, peer, state).await }
        })
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(HYPER_MIN_BUF_SIZE));
    let connection = http.serve_connection(io, service);
    let mut connection = std::pin::pin!(connection);
    let mut shutting_down = false;
    let ended = loop {
        let check_at = if state.working.load(Ordering::Relaxed) {
            Instant::now() + limits.idle_timeout
        } else {
            state.last_activity() + limits.idle_timeout
        };
        tokio::select! {
            ended = connection.as_mut() => break Some(ended),
            () = tokio::time::sleep_until(check_at) => {
                let idle_since = state.last_activity();
                if !state.working.load(Ordering::Relaxed)
                    && idle_since + limits.idle_timeout <= Instant::now()
                {
                    break None;
                }
            }
            _ = stopping.changed(), if !shutting_down => {
                // Between requests (or in the middle of a head), nothing is lost by
                // closing now; a request being served is answered first.
                if !state.in_service.load(Ordering::Relaxed) {
                    break Some(Ok(()));
                }
                shutting_down = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    };
    match ended {
        None => {
            ServerStats::count(&shared.stats.idle_timeouts);
            tracing::warn!(
                %peer,
                limit = "idle_timeout",
                "nothing moved on the connection in time: connection closed"
            );
        }
        Some(Ok(())) => {}
        Some(Err(error)) if error.is_timeout() => {
            let requests = state.requests.load(Ordering::Relaxed);
            if requests > 0 && !state.unanswered_bytes.load(Ordering::Relaxed) {
                tracing::debug!(%peer, requests, "kept-alive connection closed: no new request");
            } else {
                ServerStats::count(&shared.stats.header_timeouts);
                tracing::warn!(
                    %peer,
                    limit = "header_read_timeout",
                    "request head not received in time: connection closed"
                );
            }
        }
        Some(Err(error)) if error.is_parse_too_large() => {
            ServerStats::count(&shared.stats.headers_too_large);
            tracing::warn!(
                %peer,
                limit = "max_header_bytes",
                "request head too large: answered 431"
            );
        }
        // hyper's errors name the kind of failure, never the bytes received.
        Some(Err(error)) => tracing::debug!(%peer, %error, "connection ended with an error"),
    }
}

async fn respond(
    shared: &Shared,
    request: hyper::Request<Incoming>,
    peer: SocketAddr,
    state: Arc<ConnState>,
) -> Result<Response, Dropped> {
    state.requests.fetch_add(1, Ordering::Relaxed);
    state.in_service.store(true, Ordering::Relaxed);
    let _in_flight = InFlight(Arc::clone(&state));
    let max = shared.limits.max_body_bytes;
    if let Some(declared) = declared_length(request.headers())
        && declared > u64::try_from(max).unwrap_or(u64::MAX)
    {
        // Refused from the declaration alone: none of the body is read.
        ServerStats::count(&shared.stats.bodies_too_large);
        tracing::warn!(
            %peer,
            limit = "max_body_bytes",
            max_body_bytes = max,
            declared,
            "request body over the limit: answered 413 without reading it"
        );
        return Ok(body_too_large());
    }
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    if body.is_end_stream() {
        state.working.store(true, Ordering::Relaxed);
    }
    let body = axum::body::Body::new(WatchedBody {
        inner: body,
        state: Arc::clone(&state),
    });
    let request = hyper::Request::from_parts(parts, body);
    let service = TowerToHyperService::new(shared.app.clone());
    let mut response = match hyper::service::Service::call(&service, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if response.extensions().get::<DropConnection>().is_some() {
        return Err(Dropped);
    }
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body is never read: the connection cannot carry another request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        ServerStats::count(&shared.stats.bodies_too_large);
        tracing::warn!(
            %peer,
            limit = "max_body_bytes",
            max_body_bytes = max,
            "request body over the limit: answered 413"
        );
    }
    Ok(response)
}

fn declared_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    // hyper has already refused a request with conflicting lengths; with chunked
    // transfer-encoding the length is ignored, and the body limit applies while reading.
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return None;
    }
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn body_too_large() -> Response {
    let mut response = (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    // The body was not read: the connection cannot carry another request.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The connection's stream, noting when bytes move.
struct Watched<S> {
    inner: S,
    state: Arc<ConnState>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.state.unanswered_bytes.store(true, Ordering::Relaxed);
            this.state.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.state.touch();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.state.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A request body that tells the idle watch when it has been read to the end: from then
/// on the handler works, and the client is not expected to send anything.
struct WatchedBody {
    inner: Incoming,
    state: Arc<ConnState>,
}

impl hyper::body::Body for WatchedBody {
    type Data = axum::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || this.inner.is_end_stream() {
            this.state.working.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_that_would_make_the_server_unusable_are_refused() {
        assert!(ServerLimits::default().validate().is_ok());
        let refused = [
            ServerLimits {
                header_read_timeout: Duration::ZERO,
                ..ServerLimits::default()
            },
            ServerLimits {
                idle_timeout: Duration::from_secs(u64::MAX),
                ..ServerLimits::default()
            },
            ServerLimits {
                shutdown_grace: Duration::from_secs(u64::MAX),
                ..ServerLimits::default()
            },
            ServerLimits {
                max_connections: 0,
                ..ServerLimits::default()
            },
            ServerLimits {
                max_header_bytes: 100,
                ..ServerLimits::default()
            },
        ];
        for limits in refused {
            let error = limits.validate().err();
            assert_eq!(error.map(|e| e.code()), Some("config"), "{limits:?}");
        }
    }
}
