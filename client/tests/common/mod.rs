//! A scripted platform for the client's tests (and the durable stores', which include this
//! file): a minimal HTTP/1.1 server on loopback whose
//! answers a test decides per request (status, signed body, delay, or a body streamed
//! lazily so that a huge answer is never held by the server).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::sync::Arc;
use std::time::Duration;

use glorycard_client::{Client, ClientBuilder, RetryPolicy};
use glorycard_core::{SecretKey, Signer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

pub const SID: &str = "47258258201708031835123456";
pub const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
pub const ORG: &str = "106607";

/// A request as the platform received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub body: Vec<u8>,
}

impl Request {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// What the platform answers.
pub enum Answer {
    /// This status, an empty body, no signature.
    Status(u16),
    /// HTTP 200 with `body`, signed with the test key now.
    Signed(Vec<u8>),
    /// HTTP 200 with `body` and these headers as given (e.g. a made-up signature).
    Raw(Vec<(String, String)>, Vec<u8>),
    /// HTTP 200 with `total` bytes of JSON-looking filler, generated while it is written;
    /// with `declare_length` the length is sent in Content-Length, else the connection's
    /// end delimits it.
    Stream { total: u64, declare_length: bool },
    /// The answer after a delay.
    Delayed(Duration, Box<Answer>),
}

/// `{"responseFlag":"1","responseMessage":"ok"}` signed: an acknowledgement.
pub fn ack() -> Answer {
    Answer::Signed(br#"{"responseFlag":"1","responseMessage":"ok"}"#.to_vec())
}

/// A running scripted platform; it stops when the test's runtime ends.
pub struct Platform {
    pub url: String,
}

/// Starts a platform that answers each request with `script(request)`.
pub async fn platform(script: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Platform {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let script = Arc::new(script);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let script = Arc::clone(&script);
            tokio::spawn(async move {
                let _ = serve_one(stream, &*script).await;
            });
        }
    });
    Platform { url }
}

/// A client of `platform` with the test identity, no retries, plain HTTP on loopback.
pub fn client(platform: &Platform) -> ClientBuilder {
    Client::builder(&platform.url)
        .sid(SID)
        .key(SecretKey::new(KEY))
        .org_code(ORG)
        .allow_http_for_loopback(true)
        .retry_policy(RetryPolicy::never())
}

/// Reads one request, answers it, and closes the connection.
async fn serve_one(
    mut stream: TcpStream,
    script: &(dyn Fn(&Request) -> Answer + Send + Sync),
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > 64 * 1024 {
            return Ok(());
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_owned();
    let length: usize = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(());
        }
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);
    let mut answer = script(&Request { path, body });
    while let Answer::Delayed(delay, inner) = answer {
        tokio::time::sleep(delay).await;
        answer = *inner;
    }
    let (status, headers, body): (u16, Vec<(String, String)>, Vec<u8>) = match answer {
        Answer::Status(status) => (status, Vec::new(), Vec::new()),
        Answer::Signed(body) => {
            let signed = Signer::new(SID, SecretKey::new(KEY)).sign(&body).unwrap();
            let headers = signed
                .to_pairs()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect();
            (200, headers, body)
        }
        Answer::Raw(headers, body) => (200, headers, body),
        Answer::Stream {
            total,
            declare_length,
        } => return stream_filler(stream, total, declare_length).await,
        Answer::Delayed(..) => unreachable!(),
    };
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    stream.shutdown().await
}

/// Writes `total` bytes of a never-ending JSON array, 64 KiB at a time, until done or the
/// client hangs up: the server holds one chunk, never the body.
async fn stream_filler(
    mut stream: TcpStream,
    total: u64,
    declare_length: bool,
) -> std::io::Result<()> {
    let mut head =
        String::from("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n");
    if declare_length {
        head.push_str(&format!("content-length: {total}\r\n"));
    }
    head.push_str(&format!(
        "sid: {SID}\r\ntimestamp: {}\r\nsign: {}\r\n\r\n",
        glorycard_core::Timestamp::now(),
        "0".repeat(64)
    ));
    stream.write_all(head.as_bytes()).await?;
    let chunk = b"[0,".repeat(64 * 1024 / 3);
    let mut written = 0u64;
    while written < total {
        let take = chunk
            .len()
            .min(usize::try_from(total - written).unwrap_or(usize::MAX));
        stream.write_all(&chunk[..take]).await?;
        written += take as u64;
    }
    stream.shutdown().await
}
