//! The platform client: the Rust client (`glorycard_client`) on the shared runtime, its
//! blocking calls, and its asynchronous calls completed through a listener.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use glorycard_client::{self as client, ClientError, blocking};
use glorycard_core::models as m;

use crate::error::{NativeError, Result};
use crate::types::SecretKey;

/// How to build a [`Client`]. `None` keeps the client's default (see
/// `glorycard_client::ClientBuilder`).
#[derive(uniffi::Record)]
pub struct ClientConfig {
    /// The platform's base URL (`https://…`; the document's paths are appended).
    pub base_url: String,
    /// The account id (required: the client reports its absence).
    pub sid: Option<String>,
    /// Its secret key (required).
    pub key: Option<SecretKey>,
    /// The institution's `orgCode` (required).
    pub org_code: Option<String>,
    /// Root certificates (PEM) to trust beside the system's.
    pub ca_certificate_pem: Option<String>,
    /// Allows `http://` for a loopback host only.
    pub allow_http: bool,
    /// Accepts responses without signature headers (a deployment quirk).
    pub accept_unsigned_responses: bool,
    /// Time to establish a connection.
    pub connect_timeout: Option<Duration>,
    /// Time for one attempt.
    pub request_timeout: Option<Duration>,
    /// Attempts in total (1 = no retry).
    pub max_attempts: Option<u32>,
    /// Backoff before the second attempt.
    pub initial_backoff: Option<Duration>,
    /// Upper bound of one backoff.
    pub max_backoff: Option<Duration>,
    /// No attempt starts after this long.
    pub max_elapsed: Option<Duration>,
    /// Skew window for response timestamps, in seconds.
    pub max_skew_seconds: Option<u64>,
    /// Largest response body read.
    pub max_response_bytes: Option<u64>,
}

impl ClientConfig {
    fn builder(self) -> client::ClientBuilder {
        let mut builder = client::Client::builder(self.base_url)
            .allow_http_for_loopback(self.allow_http)
            .accept_unsigned_responses(self.accept_unsigned_responses);
        if let Some(sid) = self.sid {
            builder = builder.sid(sid);
        }
        if let Some(key) = self.key {
            builder = builder.key(key.into());
        }
        if let Some(org_code) = self.org_code {
            builder = builder.org_code(org_code);
        }
        if let Some(pem) = self.ca_certificate_pem {
            builder = builder.add_root_certificate_pem(pem);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(timeout) = self.request_timeout {
            builder = builder.request_timeout(timeout);
        }
        let defaults = client::RetryPolicy::default();
        builder = builder.retry_policy(client::RetryPolicy {
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts).max(1),
            initial_backoff: self.initial_backoff.unwrap_or(defaults.initial_backoff),
            max_backoff: self.max_backoff.unwrap_or(defaults.max_backoff),
            max_elapsed: self.max_elapsed.unwrap_or(defaults.max_elapsed),
        });
        if let Some(seconds) = self.max_skew_seconds {
            builder = builder.max_skew_seconds(seconds);
        }
        if let Some(bytes) = self.max_response_bytes {
            builder = builder.max_response_bytes(usize::try_from(bytes).unwrap_or(usize::MAX));
        }
        builder
    }
}

/// The answer to `store/deduct` or `store/deductCancel` (uniffi has no generics; the
/// core's is `PlatformResponse<serde_json::Value>`): always `responseFlag` "1", since a
/// refusal is an error.
#[derive(uniffi::Record, Debug)]
pub struct AckResponse {
    /// `responseFlag` (`1`).
    pub response_flag: m::ResponseFlag,
    /// `responseMessage`.
    pub response_message: String,
    /// `data` as JSON text, when the platform sent any.
    pub data_json: Option<String>,
}

impl From<m::AckResponse> for AckResponse {
    fn from(ack: m::AckResponse) -> Self {
        AckResponse {
            response_flag: ack.response_flag,
            response_message: ack.response_message,
            data_json: ack.data.map(|data| data.to_string()),
        }
    }
}

/// A client of the platform. Thread-safe: one is shared by every thread of the HIS.
#[derive(uniffi::Object, Debug)]
pub struct Client(pub(crate) blocking::Client);

#[uniffi::export]
impl Client {
    /// Builds the client (checks the URL, the key and the certificates now).
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Result<Arc<Self>> {
        let client = blocking::Client::on_shared_runtime(config.builder())?;
        Ok(Arc::new(Client(client)))
    }

    /// The org code this client sends.
    pub fn org_code(&self) -> String {
        self.0.as_async().org_code().to_string()
    }

    /// `store/all`: up to 500 records after `after_data_id`; empty when synced.
    pub fn roster_page(&self, after_data_id: i64) -> Result<Vec<m::RosterRecord>> {
        Ok(self.0.roster_page(after_data_id)?)
    }

    /// `store/deduct`.
    pub fn deduct(&self, deduction: m::Deduction) -> Result<AckResponse> {
        Ok(self.0.deduct(&deduction)?.into())
    }

    /// `store/deductCancel`.
    pub fn cancel(&self, cancellation: m::Cancellation) -> Result<AckResponse> {
        Ok(self.0.cancel(&cancellation)?.into())
    }

    /// [`roster_page`](Client::roster_page) on the runtime; `listener` is told when done.
    pub fn roster_page_async(&self, after_data_id: i64, listener: Arc<dyn CallListener>) {
        let client = self.0.as_async().clone();
        self.spawn(listener, async move {
            client.roster_page(after_data_id).await.map(Outcome::Page)
        });
    }

    /// [`deduct`](Client::deduct) on the runtime; `listener` is told when done.
    pub fn deduct_async(&self, deduction: m::Deduction, listener: Arc<dyn CallListener>) {
        let client = self.0.as_async().clone();
        self.spawn(listener, async move {
            client
                .deduct(&deduction)
                .await
                .map(|ack| Outcome::Ack(ack.into()))
        });
    }

    /// [`cancel`](Client::cancel) on the runtime; `listener` is told when done.
    pub fn cancel_async(&self, cancellation: m::Cancellation, listener: Arc<dyn CallListener>) {
        let client = self.0.as_async().clone();
        self.spawn(listener, async move {
            client
                .cancel(&cancellation)
                .await
                .map(|ack| Outcome::Ack(ack.into()))
        });
    }
}

impl Client {
    /// Runs `call` on the client's runtime, then hands its outcome to `listener` on a
    /// blocking-pool thread: what the JVM runs on completion (a `CompletableFuture`'s
    /// dependents) must not hold up the runtime's two workers.
    fn spawn(
        &self,
        listener: Arc<dyn CallListener>,
        call: impl Future<Output = std::result::Result<Outcome, ClientError>> + Send + 'static,
    ) {
        self.0.runtime().spawn(async move {
            let completion = Arc::new(Completion(Mutex::new(Some(
                call.await.map_err(NativeError::from),
            ))));
            // The listener is the facade's, which never throws; were it to, uniffi turns
            // the failure into a panic of this blocking task, which tokio contains.
            drop(tokio::task::spawn_blocking(move || {
                listener.done(completion)
            }));
        });
    }
}

enum Outcome {
    Ack(AckResponse),
    Page(Vec<m::RosterRecord>),
}

/// The outcome of an asynchronous call, taken once by the listener: `ack()` for deduct
/// and cancel, `page()` for a roster page. Each throws the call's error.
#[derive(uniffi::Object)]
pub struct Completion(Mutex<Option<Result<Outcome>>>);

impl Completion {
    fn take(&self) -> Result<Outcome> {
        let taken = match self.0.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        taken.unwrap_or_else(|| Err(misuse("the outcome was already taken")))
    }
}

#[uniffi::export]
impl Completion {
    /// The answer of a deduct or cancel call.
    pub fn ack(&self) -> Result<AckResponse> {
        match self.take()? {
            Outcome::Ack(ack) => Ok(ack),
            Outcome::Page(_) => Err(misuse("this call returned a roster page")),
        }
    }

    /// The records of a roster page call.
    pub fn page(&self) -> Result<Vec<m::RosterRecord>> {
        match self.take()? {
            Outcome::Page(records) => Ok(records),
            Outcome::Ack(_) => Err(misuse("this call returned an acknowledgement")),
        }
    }
}

fn misuse(reason: &str) -> NativeError {
    NativeError::from(ClientError::Config {
        reason: format!("asynchronous call: {reason}"),
        source: None,
    })
}

/// Told once when an asynchronous call ends (implemented by the facade).
#[uniffi::export(with_foreign)]
pub trait CallListener: Send + Sync {
    /// The call ended; its outcome is in `completion`.
    fn done(&self, completion: Arc<Completion>);
}
