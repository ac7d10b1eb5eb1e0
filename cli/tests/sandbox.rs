//! `glorycard sandbox` as a process, and the network commands against it over HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

mod common;

use common::{Server, start_server, text};

const SID: &str = "47258258201708031835123456";
const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";

struct Running {
    /// Keeps the sandbox process alive (killed on drop).
    _server: Server,
    url: String,
    pem: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_sandbox(dir: &std::path::Path) -> Running {
    let pem = dir.join("sandbox-ca.pem");
    let listen = format!("127.0.0.1:{}", free_port());
    let server = start_server(
        Command::new(env!("CARGO_BIN_EXE_glorycard"))
            .args([
                "sandbox",
                "--listen",
                &listen,
                "--sid",
                SID,
                "--holders",
                "1200",
                "--seed",
                "3",
            ])
            .arg("--cert-out")
            .arg(&pem)
            .env("GLORYCARD_KEY", KEY),
    );
    let url = server.url.clone();
    assert_eq!(url, format!("https://{listen}"));
    Running {
        _server: server,
        url,
        pem,
    }
}

fn run(sandbox: &Running, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_glorycard"))
        .args(args)
        .args([
            "--base-url",
            &sandbox.url,
            "--sid",
            SID,
            "--org-code",
            "106607",
        ])
        .arg("--ca-cert")
        .arg(&sandbox.pem)
        .env("GLORYCARD_KEY", KEY)
        .env_remove("GLORYCARD_BASE_URL")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Runs `glorycard ARGS` in `cwd` with the key from the environment and every other
/// connection setting left to a settings file.
fn settings_from_file(cwd: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glorycard"))
        .args(args)
        .current_dir(cwd)
        .env("GLORYCARD_KEY", KEY)
        .env_remove("GLORYCARD_BASE_URL")
        .env_remove("GLORYCARD_SID")
        .env_remove("GLORYCARD_ORG_CODE")
        .env_remove("GLORYCARD_CA_CERT")
        .env_remove("GLORYCARD_CONFIG")
        .output()
        .unwrap()
}

#[test]
fn roster_deduct_and_cancel_against_a_sandbox_process() {
    let dir = std::env::temp_dir().join(format!("glorycard-cli-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sandbox = start_sandbox(&dir);

    // The last page: 1200 holders, after 1000 → dataID 1001..=1200, one JSON line each.
    let page = run(&sandbox, &["roster", "page", "--after", "1000"], None);
    assert!(page.status.success(), "{}", text(&page.stderr));
    let lines: Vec<serde_json::Value> = text(&page.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 200);
    assert_eq!(lines[0]["dataID"], 1001);
    assert_eq!(lines[199]["dataID"], 1200);

    // 11010519491231002X is the GB 11643 standard's own example number.
    let deduction = r#"{"orgCode":"106607","certType":"0","certNo":"11010519491231002X","certName":"王小凡","deductionID":"CLI-1","totalFee":"30.00","deductionFee":"30.00","deductionTime":"2026-11-26 09:30:00","gloryType":"1","deductionType":"0"}"#;
    let sent = run(&sandbox, &["deduct", "-"], Some(deduction));
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    assert!(text(&sent.stdout).starts_with("deducted CLI-1"));

    let cancelled = run(
        &sandbox,
        &[
            "cancel",
            "--deduction-id",
            "CLI-1",
            "--time",
            "2026-11-26 10:00:00",
        ],
        None,
    );
    assert!(cancelled.status.success(), "{}", text(&cancelled.stderr));

    // A business refusal: exit 1, one line naming platform_rejected and the message.
    let unknown = run(&sandbox, &["cancel", "--deduction-id", "NOPE"], None);
    assert_eq!(unknown.status.code(), Some(1));
    let stderr = text(&unknown.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("glorycard: platform_rejected: no deduction with deductionID NOPE"),
        "{stderr}"
    );

    // Invalid input is refused before anything is sent, naming the field, never its value.
    let invalid = deduction.replace(r#""deductionFee":"30.00""#, r#""deductionFee":"31.00""#);
    let refused = run(&sandbox, &["deduct"], Some(&invalid));
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("invalid_field") && stderr.contains("deductionFee"),
        "{stderr}"
    );
    assert!(!stderr.contains("11010519491231002X") && !stderr.contains("王小凡"));

    // Without the sandbox's certificate the TLS handshake fails: a connect error, exit 3.
    let untrusted = Command::new(env!("CARGO_BIN_EXE_glorycard"))
        .args([
            "roster",
            "page",
            "--base-url",
            &sandbox.url,
            "--sid",
            SID,
            "--org-code",
            "106607",
        ])
        .env("GLORYCARD_KEY", KEY)
        .env_remove("GLORYCARD_CA_CERT")
        .output()
        .unwrap();
    assert_eq!(
        untrusted.status.code(),
        Some(3),
        "{}",
        text(&untrusted.stderr)
    );
    assert!(text(&untrusted.stderr).starts_with("glorycard: connect:"));

    // Settings from ./glorycard.toml alone (the key from the environment).
    std::fs::write(
        dir.join("glorycard.toml"),
        format!(
            "base_url = \"{}\"\nsid = \"{SID}\"\norg_code = \"106607\"\nca_cert = \"sandbox-ca.pem\"\n",
            sandbox.url
        ),
    )
    .unwrap();
    // Read from the current directory only when no one else may write it or the file
    // (whatever the umask made them).
    {
        use std::os::unix::fs::PermissionsExt as _;
        let private = |path: &std::path::Path, mode| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        private(&dir, 0o700);
        private(&dir.join("glorycard.toml"), 0o600);
    }
    let from_file = settings_from_file(&dir, &["roster", "page", "--after", "1199"]);
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    assert_eq!(text(&from_file.stdout).lines().count(), 1);
    // With --config from elsewhere, ca_cert is found next to the file, not in the cwd.
    // (Another --after: the same body twice in one second from two processes would be
    // identical requests, which the sandbox's replay cache refuses, as a platform may.)
    let config = dir.join("glorycard.toml");
    let config = config.to_str().unwrap();
    let elsewhere = settings_from_file(
        &std::env::temp_dir(),
        &["roster", "page", "--after", "1198", "--config", config],
    );
    assert!(elsewhere.status.success(), "{}", text(&elsewhere.stderr));
    // An unknown setting is refused, naming it.
    std::fs::write(
        dir.join("glorycard.toml"),
        "base_url = \"x\"\nkey = \"inline secret\"\n",
    )
    .unwrap();
    let refused = settings_from_file(&dir, &["roster", "page"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("glorycard.toml") && stderr.contains("key"),
        "{stderr}"
    );
    assert!(!stderr.contains("inline secret"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// This machine's first IPv4 address other than loopback (`hostname -I`).
fn non_loopback_address() -> std::net::IpAddr {
    let output = Command::new("hostname").arg("-I").output().unwrap();
    let printed = text(&output.stdout);
    printed
        .split_whitespace()
        .filter_map(|word| word.parse::<std::net::IpAddr>().ok())
        .find(|ip| ip.is_ipv4() && !ip.is_loopback())
        .unwrap_or_else(|| {
            panic!(
                "this test needs an IPv4 address other than loopback (`hostname -I`: {printed:?})"
            )
        })
}

/// GET `path` from the sandbox reached as `localhost` (its certificate's name) at `ip`.
fn admin_get(
    pem: &std::path::Path,
    ip: std::net::IpAddr,
    port: u16,
    path: &str,
    token: Option<&str>,
) -> (u16, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(pem).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .tls_certs_merge(reqwest::Certificate::from_pem_bundle(&pem).unwrap())
            .resolve("localhost", std::net::SocketAddr::new(ip, port))
            .build()
            .unwrap();
        let mut request = client.get(format!("https://localhost:{port}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        (status, answer.text().await.unwrap())
    })
}

#[test]
fn the_admin_token_from_the_environment_lets_a_remote_peer_in_masked_and_is_never_shown() {
    const TOKEN: &str = "operator-token-51d0e7";
    let help = Command::new(env!("CARGO_BIN_EXE_glorycard"))
        .args(["sandbox", "--help"])
        .env("GLORYCARD_SANDBOX_ADMIN_TOKEN", TOKEN)
        .output()
        .unwrap();
    let help = text(&help.stdout);
    assert!(
        help.contains("--admin-token") && help.contains("GLORYCARD_SANDBOX_ADMIN_TOKEN"),
        "{help}"
    );
    assert!(!help.contains(TOKEN), "--help shows the token: {help}");

    let dir = std::env::temp_dir().join(format!("glorycard-cli-admin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = dir.join("sandbox-ca.pem");
    let port = free_port();
    let (server, log) = common::start_server_logged(
        Command::new(env!("CARGO_BIN_EXE_glorycard"))
            .args([
                "sandbox",
                "--sid",
                SID,
                "--listen",
                &format!("0.0.0.0:{port}"),
            ])
            .arg("--cert-out")
            .arg(&pem)
            .env("GLORYCARD_KEY", KEY)
            .env("GLORYCARD_SANDBOX_ADMIN_TOKEN", TOKEN),
    );
    let remote = non_loopback_address();
    let (status, body) = admin_get(&pem, remote, port, "/admin/deductions", Some(TOKEN));
    assert_eq!((status, body.as_str()), (200, "[]"));
    let (status, body) = admin_get(
        &pem,
        remote,
        port,
        "/admin/deductions?unmasked=true",
        Some(TOKEN),
    );
    assert_eq!(status, 403, "{body}");
    let (status, body) = admin_get(&pem, remote, port, "/admin/stats", None);
    assert_eq!(status, 403, "{body}");
    let (status, _) = admin_get(
        &pem,
        "127.0.0.1".parse().unwrap(),
        port,
        "/admin/deductions?unmasked=true",
        None,
    );
    assert_eq!(status, 200);
    drop(server);
    let log = log.lock().unwrap().clone();
    assert!(!log.contains(TOKEN), "the log shows the token: {log}");
    let _ = std::fs::remove_dir_all(&dir);
}
