//! `/admin/*` over HTTP from a peer other than loopback: the sandbox listens on 0.0.0.0 and
//! the test connects through this machine's own non-loopback address, so the server sees a
//! real non-loopback peer (issue 25, item 3).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::net::{IpAddr, SocketAddr};
use std::process::Command;

use common::{ORG, SID, deduction, key, sandbox};
use glorycard_client::Client;
use glorycard_sandbox::{AdminToken, Sandbox};

const TOKEN: &str = "operator-token-7f3a9c21";

/// This machine's first address that is not loopback (`hostname -I`). Connecting to it
/// from here makes the kernel use it as the source too: the server's peer is not loopback.
fn non_loopback_address() -> IpAddr {
    let output = Command::new("hostname")
        .arg("-I")
        .output()
        .expect("run `hostname -I`");
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace()
        .filter_map(|word| word.parse::<IpAddr>().ok())
        .find(|ip| ip.is_ipv4() && !ip.is_loopback())
        .unwrap_or_else(|| {
            panic!(
                "this test needs an IPv4 address other than loopback on this machine \
                 (`hostname -I` printed {text:?}); add one (e.g. `ip addr add 192.0.2.2/24 dev \
                 eth0` as root) and run it again"
            )
        })
}

/// An HTTPS client that reaches the sandbox as `localhost` (the name its certificate
/// carries) at `ip`.
fn client_via(sandbox: &Sandbox, ip: IpAddr) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = port_of(sandbox);
    reqwest::Client::builder()
        .tls_certs_merge(
            reqwest::Certificate::from_pem_bundle(sandbox.ca_pem().expect("HTTPS").as_bytes())
                .expect("PEM"),
        )
        .resolve("localhost", SocketAddr::new(ip, port))
        .build()
        .expect("reqwest client")
}

fn port_of(sandbox: &Sandbox) -> u16 {
    sandbox
        .url()
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("port in the URL")
}

async fn get(
    client: &reqwest::Client,
    sandbox: &Sandbox,
    path: &str,
    token: Option<&str>,
) -> (u16, String) {
    let mut request = client.get(format!("https://localhost:{}{path}", port_of(sandbox)));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer = request.send().await.expect("admin call");
    let status = answer.status().as_u16();
    (status, answer.text().await.expect("answer text"))
}

/// A sandbox on every address, holding one deduction; returns it and that deduction's
/// certNo and certName.
async fn sandbox_on_every_address(token: Option<&str>) -> (Sandbox, String, String) {
    let sandbox = sandbox(|config| {
        config.listen = "0.0.0.0:0".parse().expect("address");
        config.admin_token = token.map(AdminToken::new);
    })
    .await;
    // The platform call goes over loopback (the certificate names 127.0.0.1, not 0.0.0.0).
    let sent = deduction(1);
    Client::builder(format!("https://127.0.0.1:{}", port_of(&sandbox)))
        .sid(SID)
        .key(key())
        .org_code(ORG)
        .add_root_certificate_pem(sandbox.ca_pem().expect("HTTPS").as_bytes().to_vec())
        .build()
        .expect("client")
        .deduct(&sent)
        .await
        .expect("deduct");
    let cert_no = sent.cert_no.as_str().to_owned();
    let cert_name = sent.cert_name.as_str().to_owned();
    (sandbox, cert_no, cert_name)
}

#[tokio::test]
async fn admin_refuses_a_peer_other_than_loopback_and_echoes_nothing() {
    let (sandbox, cert_no, cert_name) = sandbox_on_every_address(None).await;
    let remote = client_via(&sandbox, non_loopback_address());
    for path in [
        "/admin/deductions?unmasked=true",
        "/admin/deductions",
        "/admin/stats",
        "/admin/reconcile",
    ] {
        let (status, body) = get(&remote, &sandbox, path, None).await;
        assert_eq!(status, 403, "{path} from a non-loopback peer: {body}");
        assert!(
            !body.contains(&cert_no) && !body.contains(&cert_name),
            "{path}: {body}"
        );
        assert!(
            !body.contains("D000001"),
            "{path} echoes a deduction: {body}"
        );
    }
    // A token presented to a sandbox that has none changes nothing.
    let (status, _) = get(&remote, &sandbox, "/admin/deductions", Some(TOKEN)).await;
    assert_eq!(status, 403);

    // The same sandbox still serves a loopback peer in full.
    let local = client_via(&sandbox, "127.0.0.1".parse().expect("loopback"));
    let (status, body) = get(&local, &sandbox, "/admin/deductions?unmasked=true", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&cert_no) && body.contains(&cert_name),
        "{body}"
    );
}

#[tokio::test]
async fn the_operator_token_lets_a_remote_peer_in_but_never_unmasks() {
    let (sandbox, cert_no, cert_name) = sandbox_on_every_address(Some(TOKEN)).await;
    let remote = client_via(&sandbox, non_loopback_address());

    let (status, body) = get(&remote, &sandbox, "/admin/deductions", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("D000001"), "{body}");
    assert!(
        !body.contains(&cert_no) && !body.contains(&cert_name),
        "{body}"
    );
    let (status, body) = get(&remote, &sandbox, "/admin/stats", Some(TOKEN)).await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = get(
        &remote,
        &sandbox,
        "/admin/deductions?unmasked=true",
        Some(TOKEN),
    )
    .await;
    assert_eq!(status, 403, "unmasked for a remote peer: {body}");
    assert!(
        !body.contains(&cert_no) && !body.contains(&cert_name),
        "{body}"
    );

    for wrong in [None, Some("operator-token-7f3a9c2"), Some("")] {
        let (status, body) = get(&remote, &sandbox, "/admin/deductions", wrong).await;
        assert_eq!(status, 403, "token {wrong:?}: {body}");
        assert!(!body.contains("D000001"), "{body}");
    }
}
