//! Helpers shared by the sandbox's integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use glorycard_client::Client;
use glorycard_client::RetryPolicy;
use glorycard_core::SecretKey;
use glorycard_core::models::{
    CertType, Deduction, DeductionType, GloryType, resident_id_check_char,
};
use glorycard_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use std::time::Duration;

pub const SID: &str = "47258258201708031835123456";
pub const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
pub const ORG: &str = "106607";

pub fn key() -> SecretKey {
    SecretKey::new(KEY)
}

pub async fn sandbox(configure: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut config = SandboxConfig::new(SID, key());
    config.org_code = Some(ORG.into());
    configure(&mut config);
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn client_for(sandbox: &Sandbox) -> glorycard_client::ClientBuilder {
    Client::builder(sandbox.url())
        .sid(SID)
        .key(key())
        .org_code(ORG)
        .add_root_certificate_pem(sandbox.ca_pem().expect("HTTPS sandbox").as_bytes().to_vec())
        .retry_policy(RetryPolicy {
            max_attempts: 30,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(50),
            max_elapsed: Duration::from_secs(120),
        })
}

/// A plain HTTPS client for raw requests and the admin endpoints.
pub fn raw_http(sandbox: &Sandbox) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .tls_certs_merge(
            reqwest::Certificate::from_pem_bundle(sandbox.ca_pem().expect("HTTPS").as_bytes())
                .expect("PEM"),
        )
        .build()
        .expect("reqwest client")
}

pub async fn admin(sandbox: &Sandbox, path: &str) -> Value {
    let text = raw_http(sandbox)
        .get(format!("{}{path}", sandbox.url()))
        .send()
        .await
        .expect("admin call")
        .text()
        .await
        .expect("admin answer");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("admin answer is not JSON: {text}"))
}

/// A valid resident ID from a 17-digit base: the check character comes from the core's
/// GB 11643 function, whose own vectors are in core (models.json).
pub fn resident_id(base17: u64) -> String {
    let base = format!("{:017}", base17 % 100_000_000_000_000_000);
    let base = format!("3301{}", &base[4..]);
    let check = resident_id_check_char(&base).expect("17 digits");
    format!("{base}{check}")
}

pub fn deduction(n: u32) -> Deduction {
    Deduction {
        org_code: ORG.into(),
        cert_type: CertType::ResidentId,
        cert_no: resident_id(19_800_101_000 + u64::from(n)).into(),
        cert_name: "张三".into(),
        deduction_id: format!("D{n:06}"),
        total_fee: "12.50".into(),
        deduction_fee: "10.00".into(),
        deduction_time: format!("2026-11-26 10:{:02}:{:02}", (n / 60) % 60, n % 60),
        glory_type: GloryType::GloryCard,
        deduction_type: DeductionType::OutpatientConsultation,
        remarks: None,
    }
}
