//! The hardened accept loop (the client crate's `institution::Server`) as the sandbox uses
//! it, tried as a hostile client would: half-sent request heads, more connections than
//! the cap, TLS handshakes never finished, oversized bodies, stalled uploads; and the
//! sandbox's own mends: the fixed refusal before authentication, the loopback rule for
//! plain HTTP, masked admin listings, a private database file.
//!
//! No assertion is on speed: a limit is shown to fire by what the server does (closes the
//! connection, answers 413, leaves a connection waiting), each awaited within a generous
//! bound.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use glorycard_client::institution::SIGNATURE_REFUSAL;
use glorycard_core::models::{mask_cert_name, mask_cert_no};
use glorycard_core::{SecretKey, Signer, Timestamp};
use glorycard_sandbox::{Faults, Sandbox, SandboxConfig, Transport};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// A sign of the right form (64 hex digits) that matches nothing: the verifier gets as far
/// as computing the body's STRINGA.
const WRONG_SIGN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// How long any awaited event may take before the test calls it missing. Generous: the
/// machine may be loaded; the limits under test are 1 s.
const BOUND: Duration = Duration::from_secs(30);

fn address(sandbox: &Sandbox) -> String {
    let url = sandbox.url();
    url.split("://").nth(1).unwrap_or(url).to_owned()
}

async fn plain_sandbox(configure: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    sandbox(|c| {
        c.transport = Transport::Http;
        configure(c);
    })
    .await
}

/// Waits until the server closes `stream` (end of file or reset); `false` if it is still
/// open after [`BOUND`].
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 4096];
    let waited = tokio::time::timeout(BOUND, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    waited.is_ok()
}

/// Reads one HTTP/1.1 response (head, then a body of its Content-Length) within `bound`.
/// `None` if it did not arrive in time.
async fn read_response(stream: &mut TcpStream, bound: Duration) -> Option<(u16, String)> {
    tokio::time::timeout(bound, async {
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = stream.read(&mut buffer).await.expect("read");
            assert!(n > 0, "closed before a whole response: {received:?}");
            received.extend_from_slice(&buffer[..n]);
        };
        let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        while received.len() < head_end + length {
            let n = stream.read(&mut buffer).await.expect("read");
            assert!(n > 0, "closed inside a body");
            received.extend_from_slice(&buffer[..n]);
        }
        (
            status,
            String::from_utf8_lossy(&received[head_end..head_end + length]).into_owned(),
        )
    })
    .await
    .ok()
}

fn get(path: &str, close: bool) -> String {
    let connection = if close { "close" } else { "keep-alive" };
    format!("GET {path} HTTP/1.1\r\nHost: sandbox\r\nConnection: {connection}\r\n\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_half_sent_request_lines_are_cut_off_while_a_good_request_is_served() {
    let sandbox = plain_sandbox(|c| c.limits.header_read_timeout = Duration::from_secs(1)).await;
    let address = address(&sandbox);
    let mut slow = Vec::new();
    for _ in 0..40 {
        let mut stream = TcpStream::connect(&address).await.expect("connect");
        stream.write_all(b"GET /admin/sta").await.expect("write");
        slow.push(stream);
    }
    // Meanwhile, a whole request is answered.
    let mut good = TcpStream::connect(&address).await.expect("connect");
    good.write_all(get("/admin/stats", true).as_bytes())
        .await
        .expect("write");
    let (status, body) = read_response(&mut good, BOUND).await.expect("answered");
    assert_eq!(status, 200, "{body}");
    // Each half-sent request is cut off by the server.
    for (n, stream) in slow.iter_mut().enumerate() {
        assert!(
            closed_by_server(stream).await,
            "connection {n} is still open"
        );
    }
    assert!(
        sandbox.server_stats().header_timeouts() >= 40,
        "{:?}",
        sandbox.server_stats()
    );
    // The same counters at /admin/stats.
    let mut admin = TcpStream::connect(&address).await.expect("connect");
    admin
        .write_all(get("/admin/stats", true).as_bytes())
        .await
        .expect("write");
    let (_, body) = read_response(&mut admin, BOUND).await.expect("answered");
    let stats: Value = serde_json::from_str(&body).expect("JSON");
    assert!(stats["header_timeouts"].as_u64() >= Some(40), "{stats}");
    assert!(
        stats["connections_accepted"].as_u64() >= Some(42),
        "{stats}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_until_one_ends() {
    const CAP: usize = 4;
    let sandbox = plain_sandbox(|c| c.limits.max_connections = CAP).await;
    let address = address(&sandbox);
    // CAP kept-alive connections, each shown to be served.
    let mut held = Vec::new();
    for _ in 0..CAP {
        let mut stream = TcpStream::connect(&address).await.expect("connect");
        stream
            .write_all(get("/admin/stats", false).as_bytes())
            .await
            .expect("write");
        let (status, _) = read_response(&mut stream, BOUND).await.expect("served");
        assert_eq!(status, 200);
        held.push(stream);
    }
    // Three more connect (the listen backlog takes them) and send whole requests, which
    // stay unanswered while the CAP connections are held.
    let mut waiting = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(&address).await.expect("connect");
        stream
            .write_all(get("/admin/stats", true).as_bytes())
            .await
            .expect("write");
        waiting.push(stream);
    }
    for stream in &mut waiting {
        assert!(
            read_response(stream, Duration::from_millis(500))
                .await
                .is_none(),
            "a connection over the cap was served"
        );
    }
    assert_eq!(sandbox.server_stats().active(), CAP as u64);
    // One held connection ends: the waiting ones are served, one after the other.
    drop(held.pop());
    for stream in &mut waiting {
        let (status, _) = read_response(stream, BOUND)
            .await
            .expect("served once a slot is free");
        assert_eq!(status, 200);
    }
    let stats = sandbox.server_stats();
    assert!(stats.peak() <= CAP as u64, "{stats:?}");
    assert!(stats.cap_reached() >= 1, "{stats:?}");
    assert_eq!(stats.accepted(), CAP as u64 + 3, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_handshakes_never_finished_are_cut_off() {
    let sandbox = sandbox(|c| c.limits.tls_handshake_timeout = Duration::from_secs(1)).await;
    assert!(sandbox.url().starts_with("https://"));
    let address = address(&sandbox);
    // One sends nothing; one sends the first bytes of a ClientHello record and stops.
    let mut silent = TcpStream::connect(&address).await.expect("connect");
    let mut partial = TcpStream::connect(&address).await.expect("connect");
    partial
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .expect("write");
    assert!(closed_by_server(&mut silent).await, "silent handshake open");
    assert!(
        closed_by_server(&mut partial).await,
        "partial handshake open"
    );
    assert!(sandbox.server_stats().handshake_timeouts() >= 2);
    // A real client still gets through.
    let stats = admin(&sandbox, "/admin/stats").await;
    assert!(stats["requests"].is_u64(), "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_are_answered_413_without_being_read() {
    let sandbox = plain_sandbox(|_| {}).await;
    let address = address(&sandbox);
    let limit = SandboxConfig::new(SID, key()).limits.max_body_bytes;
    assert_eq!(limit, 64 * 1024, "the default fits /deductCheck");

    // A declared length over the limit: answered before a byte of the body is sent, and
    // the connection is closed (nothing more is read from it).
    let mut declared = TcpStream::connect(&address).await.expect("connect");
    declared
        .write_all(
            b"POST /glorycard/store/deduct HTTP/1.1\r\nHost: sandbox\r\n\
              Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n",
        )
        .await
        .expect("write");
    let (status, _) = read_response(&mut declared, BOUND)
        .await
        .expect("answered without the body");
    assert_eq!(status, 413);
    assert!(closed_by_server(&mut declared).await);

    // Chunked, no length declared: one chunk past the limit is answered 413 though the
    // body never ends.
    let mut chunked = TcpStream::connect(&address).await.expect("connect");
    let chunk = vec![b' '; limit + 1];
    chunked
        .write_all(
            format!(
                "POST /glorycard/store/deduct HTTP/1.1\r\nHost: sandbox\r\n\
                 Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
                chunk.len()
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    chunked.write_all(&chunk).await.expect("write");
    chunked.write_all(b"\r\n").await.expect("write");
    let (status, _) = read_response(&mut chunked, BOUND)
        .await
        .expect("answered without the end of the body");
    assert_eq!(status, 413);
    assert!(sandbox.server_stats().bodies_too_large() >= 2);

    // Under the limit, a body is read and judged on its signature, not its size.
    let body = format!(
        r#"{{"dataID":0,"orgCode":"{ORG}","pad":"{}"}}"#,
        "x".repeat(1000)
    );
    let mut small = TcpStream::connect(&address).await.expect("connect");
    small
        .write_all(
            format!(
                "POST /glorycard/store/all HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    let (status, answer) = read_response(&mut small, BOUND).await.expect("answered");
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(answer["responseMessage"], SIGNATURE_REFUSAL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upload_is_closed_by_the_idle_timeout_but_a_slow_handler_is_not() {
    let sandbox = plain_sandbox(|c| {
        c.limits.idle_timeout = Duration::from_secs(1);
        // Every platform answer takes 3 s: longer than the idle timeout.
        c.faults = Faults {
            latency: Duration::from_secs(3),
            ..Faults::default()
        };
    })
    .await;
    let address = address(&sandbox);
    // The head and 10 of 100 bytes, then nothing: cut off.
    let mut stalled = TcpStream::connect(&address).await.expect("connect");
    stalled
        .write_all(
            b"POST /glorycard/store/deduct HTTP/1.1\r\nHost: sandbox\r\n\
              Content-Length: 100\r\n\r\n{\"orgCode\"",
        )
        .await
        .expect("write");
    assert!(closed_by_server(&mut stalled).await, "stalled upload open");
    assert!(sandbox.server_stats().idle_timeouts() >= 1);
    // A whole request whose handler works longer than the idle timeout is answered.
    let body = format!(r#"{{"dataID":0,"orgCode":"{ORG}"}}"#);
    let mut slow = TcpStream::connect(&address).await.expect("connect");
    slow.write_all(
        format!(
            "POST /glorycard/store/all HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let (status, _) = read_response(&mut slow, BOUND)
        .await
        .expect("a working handler is not idle");
    assert_eq!(status, 200);
}

/// POSTs `body` to `path` with the given signature headers; the `responseMessage`.
async fn refusal(
    sandbox: &Sandbox,
    path: &str,
    headers: [(&str, String); 3],
    body: &str,
) -> String {
    let mut request = raw_http(sandbox)
        .post(format!("{}{path}", sandbox.url()))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.body(body.to_owned()).send().await.expect("call");
    assert!(
        response.headers().contains_key("sign"),
        "refusals are signed"
    );
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["responseFlag"], "0", "{answer}");
    answer["responseMessage"]
        .as_str()
        .expect("message")
        .to_owned()
}

fn signed(sid: &str, key: &str, body: &str) -> [(&'static str, String); 3] {
    let headers = Signer::new(sid, SecretKey::new(key))
        .sign_at(body.as_bytes(), &Timestamp::now())
        .expect("sign");
    [
        ("sid", headers.sid),
        ("timestamp", headers.timestamp.as_str().to_owned()),
        ("sign", headers.sign.to_string()),
    ]
}

#[tokio::test]
async fn refusals_before_authentication_are_one_fixed_message_quoting_nothing() {
    let sandbox = sandbox(|_| {}).await;
    let body = r#"{"dataID":0,"orgCode":"ORG-MARKER-7731"}"#;
    let unknown_sid = "UNKNOWN-SID-MARKER-4242";
    let unknown = refusal(
        &sandbox,
        "/glorycard/store/all",
        signed(unknown_sid, KEY, body),
        body,
    )
    .await;
    let wrong_key = refusal(
        &sandbox,
        "/glorycard/store/all",
        signed(SID, "not-the-key", body),
        body,
    )
    .await;
    assert_eq!(
        unknown, wrong_key,
        "an unknown sid looks like a bad signature"
    );
    assert_eq!(unknown, SIGNATURE_REFUSAL);
    for quoted in [unknown_sid, "ORG-MARKER-7731", "dataID"] {
        assert!(!unknown.contains(quoted), "{unknown} quotes {quoted}");
    }
    // A repeated key (the body cannot be canonicalized) is not echoed either.
    let duplicate = r#"{"dataID":0,"orgCode":"DUP-MARKER-1","orgCode":"DUP-MARKER-2"}"#;
    let mut headers = signed(SID, KEY, body);
    headers[2].1 = WRONG_SIGN.to_owned();
    let message = refusal(&sandbox, "/glorycard/store/all", headers, duplicate).await;
    assert_eq!(message, SIGNATURE_REFUSAL);
    assert!(!message.contains("DUP-MARKER"), "{message}");
    let stats = admin(&sandbox, "/admin/stats").await;
    assert_eq!(stats["refused_signatures"], 3, "{stats}");
}

#[tokio::test]
async fn plain_http_is_refused_on_an_address_other_than_loopback() {
    let mut config = SandboxConfig::new(SID, key());
    config.transport = Transport::Http;
    config.listen = SocketAddr::from(([0, 0, 0, 0], 0));
    let error = Sandbox::start(config).await.expect_err("refused");
    assert!(error.to_string().contains("loopback"), "{error}");
    // HTTPS on the same address is allowed.
    let mut config = SandboxConfig::new(SID, key());
    config.listen = SocketAddr::from(([0, 0, 0, 0], 0));
    Sandbox::start(config).await.expect("HTTPS on any address");
}

#[tokio::test]
async fn admin_deductions_masks_personal_data_unless_asked() {
    let sandbox = sandbox(|_| {}).await;
    let sent = deduction(1);
    client_for(&sandbox)
        .build()
        .expect("client")
        .deduct(&sent)
        .await
        .expect("deduct");
    let listed = admin(&sandbox, "/admin/deductions").await;
    let text = listed.to_string();
    assert!(
        !text.contains(sent.cert_no.as_str()),
        "certNo in full: {text}"
    );
    assert!(
        !text.contains(sent.cert_name.as_str()),
        "certName in full: {text}"
    );
    assert_eq!(listed[0]["certNo"], mask_cert_no(sent.cert_no.as_str()));
    assert_eq!(
        listed[0]["certName"],
        mask_cert_name(sent.cert_name.as_str())
    );
    assert_eq!(listed[0]["deductionID"], sent.deduction_id);
    let unmasked = admin(&sandbox, "/admin/deductions?unmasked=true").await;
    assert_eq!(unmasked[0]["certNo"], sent.cert_no.as_str());
    assert_eq!(unmasked[0]["certName"], sent.cert_name.as_str());
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_file_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = std::env::temp_dir().join(format!("glorycard-sandbox-mode-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    // Created by the sandbox: 0600 whatever the umask.
    let created = dir.join("platform.db");
    let first = sandbox(|c| c.db = Some(created.clone())).await;
    client_for(&first)
        .build()
        .expect("client")
        .deduct(&deduction(2))
        .await
        .expect("deduct");
    assert_eq!(mode(&created), 0o600);
    drop(first);
    // An existing file that others may read is tightened.
    let loose = dir.join("loose.db");
    std::fs::write(&loose, b"").expect("create");
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let second = sandbox(|c| c.db = Some(loose.clone())).await;
    assert_eq!(mode(&loose), 0o600);
    drop(second);
    let _ = std::fs::remove_dir_all(&dir);
}
