//! The institution's `/deductCheck` handler (`glorycard_client::institution`), for any
//! JVM HTTP server: the HIS's deduction source, or the outbox, answers.

use std::collections::HashMap;
use std::sync::Arc;

use glorycard_client::institution::{self, InstitutionEndpoint, SourceError};
use glorycard_core::{self as core, models as m};

use crate::error::Result;
use crate::outbox::Outbox;
use crate::types::SidKey;

/// The signed answer to write back: status, headers, exact body bytes.
#[derive(uniffi::Record, Debug)]
pub struct SignedResponse {
    /// 200 (refusals included), or 500 when the answer could not be signed.
    pub status: i32,
    /// `Content-Type`, `sid`, `timestamp`, `sign`.
    pub headers: HashMap<String, String>,
    /// The body, exactly as signed.
    pub body: Vec<u8>,
}

impl From<institution::SignedResponse> for SignedResponse {
    fn from(response: institution::SignedResponse) -> Self {
        SignedResponse {
            status: i32::from(response.status),
            headers: response.headers.into_iter().collect(),
            body: response.body,
        }
    }
}

/// Why the HIS's deduction source could not answer (sent to the platform: no personal
/// data).
#[derive(uniffi::Error, Debug)]
pub enum SourceFailure {
    /// The source failed.
    Failed {
        /// What to tell the platform.
        reason: String,
    },
}

impl std::fmt::Display for SourceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceFailure::Failed { reason } => f.write_str(reason),
        }
    }
}

impl std::error::Error for SourceFailure {}

impl From<uniffi::UnexpectedUniFFICallbackError> for SourceFailure {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        SourceFailure::Failed {
            reason: "the deduction source threw".to_string(),
        }
    }
}

/// The HIS's deductions (implemented by the facade over the Java interface).
#[uniffi::export(with_foreign)]
pub trait DeductionSource: Send + Sync {
    /// Every deduction of `org_code` with `deductionTime` in `[start, end]`
    /// (`yyyy-MM-dd HH:mm:ss`, inclusive), with its status and `cancelTime`.
    fn deductions_between(
        &self,
        org_code: String,
        start: String,
        end: String,
    ) -> std::result::Result<Vec<m::DeductCheckRecord>, SourceFailure>;
}

struct ForeignSource(Arc<dyn DeductionSource>);

impl institution::DeductionSource for ForeignSource {
    fn deductions_between(
        &self,
        org_code: &str,
        start: &str,
        end: &str,
    ) -> std::result::Result<Vec<m::DeductCheckRecord>, SourceError> {
        self.0
            .deductions_between(org_code.to_string(), start.to_string(), end.to_string())
            .map_err(|failure| SourceError(failure.to_string()))
    }
}

/// Answers the platform's `POST /deductCheck`: verifies (every key of the sid, the skew
/// window, a replay cache of `replay_capacity` entries), asks the source, signs.
#[derive(uniffi::Object, Debug)]
pub struct DeductCheckHandler(InstitutionEndpoint);

#[uniffi::export]
impl DeductCheckHandler {
    /// A handler whose records come from the HIS's `source`. `keys` are the sid's keys
    /// (the first signs the answers; all verify, for a rotation).
    #[uniffi::constructor]
    pub fn new(
        keys: Vec<SidKey>,
        org_code: String,
        replay_capacity: u32,
        source: Arc<dyn DeductionSource>,
    ) -> Result<Arc<Self>> {
        endpoint(
            keys,
            org_code,
            replay_capacity,
            Arc::new(ForeignSource(source)),
        )
    }

    /// A handler whose records come from the outbox.
    #[uniffi::constructor]
    pub fn with_outbox(
        keys: Vec<SidKey>,
        org_code: String,
        replay_capacity: u32,
        outbox: Arc<Outbox>,
    ) -> Result<Arc<Self>> {
        endpoint(keys, org_code, replay_capacity, Arc::new(outbox.0.clone()))
    }

    /// The signed answer to one call: `headers` as the server received them (names in
    /// any case), `body` the exact bytes; `peer` names the caller in the log of a refusal.
    pub fn handle(
        &self,
        headers: HashMap<String, Vec<String>>,
        body: Vec<u8>,
        peer: Option<String>,
    ) -> SignedResponse {
        let pairs = headers.iter().flat_map(|(name, values)| {
            values
                .iter()
                .map(move |value| (name.as_str(), value.as_str()))
        });
        self.0
            .handle_from(peer.as_deref().unwrap_or("unknown"), pairs, &body)
            .into()
    }
}

fn endpoint(
    keys: Vec<SidKey>,
    org_code: String,
    replay_capacity: u32,
    source: Arc<dyn institution::DeductionSource>,
) -> Result<Arc<DeductCheckHandler>> {
    let mut keys = keys.into_iter();
    let Some(first) = keys.next() else {
        return Err(core::Error::EmptyKey.into());
    };
    let signing_key: core::SecretKey = first.key.into();
    let signer = core::Signer::new(first.sid.clone(), signing_key.clone());
    let mut verifier = core::Verifier::builder().key(first.sid, signing_key);
    for SidKey { sid, key } in keys {
        verifier = verifier.key(sid, key.into());
    }
    if replay_capacity > 0 {
        verifier = verifier.replay_cache(usize::try_from(replay_capacity).unwrap_or(usize::MAX));
    }
    let endpoint = InstitutionEndpoint::new(verifier.build()?, signer, org_code, source)?;
    Ok(Arc::new(DeductCheckHandler(endpoint)))
}
