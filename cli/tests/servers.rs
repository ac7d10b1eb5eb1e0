//! `glorycard institution serve` and `glorycard sandbox` as processes, tried as a hostile
//! peer would: refusals before authentication that must quote nothing, an oversized
//! body, a quadratic body (bounded memory, read from `/proc`), half-sent request heads;
//! and the sandbox's loopback rule and private `--db` file.
//!
//! No assertion is on speed: each awaited event gets a generous bound.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use glorycard_core::synthetic::repeated_name_body;
use glorycard_core::{SecretKey, Signer, Timestamp};
use serde_json::Value;

mod common;

use common::{KEY, ORG, SID, Server, glorycard, start_server, text};

/// The fixed `responseMessage` of a refusal before authentication.
const SIGNATURE_REFUSAL: &str = "签名验证失败 signature verification failed";

/// A sign of the right form (64 hex digits) that matches nothing: the verifier gets as far
/// as computing the body's STRINGA.
const WRONG_SIGN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// How long any awaited answer or close may take before the test calls it missing.
const BOUND: Duration = Duration::from_secs(30);

fn output(command: &mut Command) -> Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command.output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glorycard-servers-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `glorycard institution serve --http` on a free loopback port, from an empty outbox,
/// with `extra` flags.
fn institution(dir: &Path, extra: &[&str]) -> Server {
    let db = dir.join("outbox.db");
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, b"").unwrap();
    let added = output(
        glorycard()
            .args(["outbox", "add", "--db"])
            .arg(&db)
            .arg(&empty),
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    start_server(
        glorycard()
            .args([
                "institution",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--http",
                "--db",
            ])
            .arg(&db)
            .args(extra),
    )
}

fn address(server: &Server) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// Sends `request` whole and reads the answer to the end (the request asks the server
/// to close). `(status, body)`.
fn exchange(address: &str, request: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    stream.write_all(request).unwrap();
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    let head_end = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {:?}", text(&received)))
        + 4;
    let head = text(&received[..head_end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    (status, received[head_end..].to_vec())
}

/// A POST of `body` to `/deductCheck` with the given signature headers; the
/// `responseMessage` of the signed refusal.
fn deduct_check_refusal(
    address: &str,
    sid: &str,
    timestamp: &str,
    sign: &str,
    body: &[u8],
) -> String {
    let mut request = format!(
        "POST /deductCheck HTTP/1.1\r\nHost: institution\r\nConnection: close\r\n\
         Content-Type: application/json\r\nsid: {sid}\r\ntimestamp: {timestamp}\r\n\
         sign: {sign}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    let (status, answer) = exchange(address, &request);
    assert_eq!(status, 200, "{}", text(&answer));
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["responseFlag"], "0", "{answer}");
    answer["responseMessage"].as_str().unwrap().to_owned()
}

fn signed(sid: &str, key: &str, body: &[u8]) -> (String, String, String) {
    let headers = Signer::new(sid, SecretKey::new(key))
        .sign_at(body, &Timestamp::now())
        .unwrap();
    (
        headers.sid,
        headers.timestamp.as_str().to_owned(),
        headers.sign.to_string(),
    )
}

#[test]
fn institution_serve_refuses_before_authentication_with_one_message_quoting_nothing() {
    let dir = scratch("refusal");
    let server = institution(&dir, &[]);
    let address = address(&server);
    let body = format!(
        r#"{{"orgCode":"{ORG}","deductTimeStart":"2026-11-26 00:00:00","deductionTimeEnd":"BODY-MARKER-5150"}}"#
    );
    let unknown_sid = "UNKNOWN-SID-MARKER-0042";
    let (sid, timestamp, sign) = signed(unknown_sid, KEY, body.as_bytes());
    let unknown = deduct_check_refusal(&address, &sid, &timestamp, &sign, body.as_bytes());
    let (sid, timestamp, sign) = signed(SID, "not-the-key", body.as_bytes());
    let wrong_key = deduct_check_refusal(&address, &sid, &timestamp, &sign, body.as_bytes());
    assert_eq!(unknown.as_bytes(), wrong_key.as_bytes());
    assert_eq!(unknown, SIGNATURE_REFUSAL);
    for quoted in [unknown_sid, "BODY-MARKER-5150", ORG] {
        assert!(!unknown.contains(quoted), "{unknown} quotes {quoted}");
    }
    // A repeated key, which the canonical form refuses, is not echoed.
    let repeated = format!(r#"{{"orgCode":"{ORG}","DUP-MARKER":"a","DUP-MARKER":"b"}}"#);
    let message = deduct_check_refusal(&address, SID, &timestamp, WRONG_SIGN, repeated.as_bytes());
    assert_eq!(message, SIGNATURE_REFUSAL);
    assert!(!message.contains("DUP-MARKER"), "{message}");
}

#[test]
fn institution_serve_answers_413_to_a_body_over_the_limit_without_reading_it() {
    let dir = scratch("too-large");
    let server = institution(&dir, &[]);
    // The length is declared, the body never sent: the answer comes anyway.
    let (status, _) = exchange(
        &address(&server),
        b"POST /deductCheck HTTP/1.1\r\nHost: institution\r\nContent-Type: application/json\r\n\
          Content-Length: 10000000\r\n\r\n",
    );
    assert_eq!(status, 413);
    // The limit is a flag: with a smaller one, a body of 2,000 bytes is refused too.
    drop(server);
    let server = institution(&dir, &["--max-body-bytes", "1000"]);
    let mut request = b"POST /deductCheck HTTP/1.1\r\nHost: institution\r\nConnection: close\r\n\
        Content-Length: 2000\r\n\r\n"
        .to_vec();
    request.extend_from_slice(&[b' '; 2000]);
    let (status, _) = exchange(&address(&server), &request);
    assert_eq!(status, 413);
}

/// The peak resident memory of process `pid`, in bytes (`VmHWM` of `/proc/PID/status`).
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {status}"));
    kib * 1024
}

#[cfg(target_os = "linux")]
#[test]
fn a_quadratic_body_leaves_institution_serve_in_bounded_memory() {
    const BOUND_BYTES: u64 = 150 * 1024 * 1024;
    let dir = scratch("quadratic");
    // A body limit above the body, so that the verification itself is tried.
    let server = institution(&dir, &["--max-body-bytes", "131072"]);
    let address = address(&server);
    let before = peak_rss(server.pid());
    // 16,000 (48 KB, within the default body limit; STRINGA 256 MB) and 27,000 (81 KB;
    // STRINGA 729 MB), with the right sid and a sign that is well-formed but wrong.
    for n in [16_000, 27_000] {
        let body = repeated_name_body(n, n);
        let (_, timestamp, _) = signed(SID, KEY, b"{}");
        let message = deduct_check_refusal(&address, SID, &timestamp, WRONG_SIGN, &body);
        let peak = peak_rss(server.pid());
        eprintln!(
            "n = {n}: body {} bytes; peak RSS {} MB (at start {} MB)",
            body.len(),
            peak / (1024 * 1024),
            before / (1024 * 1024)
        );
        assert!(
            peak < BOUND_BYTES,
            "institution serve peaked at {} MB for a {} byte body",
            peak / (1024 * 1024),
            body.len()
        );
        assert_eq!(message, SIGNATURE_REFUSAL, "n = {n}");
    }
}

#[test]
fn institution_serve_cuts_off_half_sent_request_heads_with_its_header_timeout() {
    let dir = scratch("header-timeout");
    let server = institution(&dir, &["--header-timeout", "1"]);
    let address = address(&server);
    let mut slow: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream.set_read_timeout(Some(BOUND)).unwrap();
            stream.write_all(b"POST /deductCh").unwrap();
            stream
        })
        .collect();
    for (n, stream) in slow.iter_mut().enumerate() {
        let mut rest = Vec::new();
        // End of file or a reset: closed by the server. A timeout: still open.
        if let Err(error) = stream.read_to_end(&mut rest) {
            assert!(
                !matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "connection {n} still open after {BOUND:?}"
            );
        }
    }
}

#[test]
fn sandbox_refuses_plain_http_on_a_network_address() {
    let refused = output(glorycard().args(["sandbox", "--http", "--listen", "0.0.0.0:0"]));
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("loopback"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn sandbox_db_is_a_private_file_and_never_an_sqlite_uri() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = scratch("sandbox-db");
    let server = start_server(
        glorycard()
            .current_dir(&dir)
            .args(["sandbox", "--http", "--listen", "127.0.0.1:0"])
            .args(["--db", "file:x.db"]),
    );
    // A file of exactly that name, owner-only; no `x.db` from reading it as a URI.
    let created = dir.join("file:x.db");
    let mode = std::fs::metadata(&created)
        .unwrap_or_else(|e| panic!("{} was not created: {e}", created.display()))
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(!dir.join("x.db").exists(), "file:x.db was read as a URI");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(target_os = "linux")]
#[test]
fn on_sigterm_a_request_in_progress_is_answered_before_the_server_stops() {
    // Every platform answer takes 2 s: the request is in progress when SIGTERM arrives.
    let server = start_server(glorycard().args([
        "sandbox",
        "--http",
        "--listen",
        "127.0.0.1:0",
        "--latency-ms",
        "2000",
    ]));
    let address = address(&server);
    let body = format!(r#"{{"dataID":0,"orgCode":"{ORG}"}}"#);
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.set_read_timeout(Some(BOUND)).unwrap();
    stream
        .write_all(
            format!(
                "POST /glorycard/store/all HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    // An idle connection must not hold the shutdown up.
    let _idle = TcpStream::connect(&address).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let terminated = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    assert!(
        text(&received).starts_with("HTTP/1.1 200"),
        "the request in progress was not answered: {:?}",
        text(&received)
    );
    // And the process ends (a zombie until the test reaps it).
    let ended = (0..300).any(|_| {
        let state =
            std::fs::read_to_string(format!("/proc/{}/stat", server.pid())).unwrap_or_default();
        if state.contains(") Z ") || state.is_empty() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
        false
    });
    assert!(ended, "still running after SIGTERM");
}

#[path = "../../durable/tests/support/postgres.rs"]
mod postgres;

/// Two `institution serve` on one PostgreSQL database: a call one answered, replayed to
/// the other (same bytes, same headers), is refused before authentication, and its log
/// says `replayed`; a new call to the second is answered from the shared outbox.
#[test]
fn a_call_replayed_to_a_second_institution_server_on_one_database_is_refused() {
    let db = postgres::TestDatabase::new("cli_replay");
    let dir = scratch("pg-replay");
    let record = r#"{"orgCode":"106607","certType":"0","certNo":"11010519491231002X","certName":"张小凡","deductionID":"R-1","totalFee":"10.00","deductionFee":"10.00","deductionTime":"2026-11-26 10:00:00","gloryType":"1","deductionType":"0"}"#;
    let file = dir.join("one.jsonl");
    std::fs::write(&file, record).unwrap();
    let added = output(
        glorycard()
            .args(["outbox", "add", "--db", &db.url])
            .arg(&file),
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let serve = || {
        common::start_server_logged(glorycard().args([
            "institution",
            "serve",
            "--db",
            &db.url,
            "--listen",
            "127.0.0.1:0",
            "--http",
        ]))
    };
    let ((first, _), (second, second_log)) = (serve(), serve());
    let body = br#"{"orgCode":"106607","deductTimeStart":"2026-11-26 00:00:00","deductionTimeEnd":"2026-11-26 23:59:59"}"#;
    let call = |server: &Server, (sid, timestamp, sign): &(String, String, String)| {
        let mut request = format!(
            "POST /deductCheck HTTP/1.1\r\nHost: institution\r\nConnection: close\r\n\
             Content-Type: application/json\r\nsid: {sid}\r\ntimestamp: {timestamp}\r\n\
             sign: {sign}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        let (status, answer) = exchange(&address(server), &request);
        assert_eq!(status, 200, "{}", text(&answer));
        serde_json::from_slice::<Value>(&answer).unwrap()
    };
    let headers = signed(SID, KEY, body);
    let answered = call(&first, &headers);
    assert_eq!(answered["responseFlag"], "1", "{answered}");
    assert_eq!(answered["data"][0]["deductionID"], "R-1", "{answered}");
    let replayed = call(&second, &headers);
    assert_eq!(replayed["responseFlag"], "0", "{replayed}");
    assert_eq!(replayed["responseMessage"], SIGNATURE_REFUSAL);
    let deadline = std::time::Instant::now() + BOUND;
    while !second_log.lock().unwrap().contains("replayed") {
        assert!(
            std::time::Instant::now() < deadline,
            "no `replayed` in the log: {}",
            second_log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // A new call (the next second: another timestamp) is answered by the second server.
    std::thread::sleep(Duration::from_millis(1_000));
    let fresh = call(&second, &signed(SID, KEY, body));
    assert_eq!(fresh["responseFlag"], "1", "{fresh}");
    assert_eq!(fresh["data"][0]["deductionID"], "R-1", "{fresh}");
    assert_eq!(
        db.number("SELECT count(*) FROM glorycard.replay_seen"),
        2,
        "the two accepted calls"
    );
    drop((first, second));
    let _ = std::fs::remove_dir_all(&dir);
}
