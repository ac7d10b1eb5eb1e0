#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), warn(clippy::print_stdout, clippy::print_stderr))]

// The models as uniffi records (the JVM binding's), behind the `uniffi` feature.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

mod canonical;
mod diagnose;
mod error;
mod key;
mod lang;
mod messages;
pub mod models;
mod signature;
mod signer;
#[cfg(feature = "synthetic")]
pub mod synthetic;
mod timestamp;
mod value;
mod verifier;

pub use canonical::{MAX_DEPTH, MAX_NUMBER_LEN, canonicalize, max_string_a_len};
#[cfg(feature = "gb18030")]
pub use diagnose::encode_gb18030;
pub use diagnose::{
    Departures, Diagnosis, Gb18030Encoder, diagnose_mismatch, diagnose_mismatch_at,
    diagnose_mismatch_with, diagnose_timestamp, diagnose_timestamp_in,
};
pub use error::{ERROR_CODES, Error, ErrorCode, ErrorFamily, UnknownErrorCode};
pub use key::SecretKey;
pub use lang::{Lang, UnknownLang};
pub use models::{mask_cert_name, mask_cert_no};
pub use signature::{Explanation, Signature, explain, sign_body, sign_string_a, verify_body};
pub use signer::{SignedHeaders, Signer};
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use timestamp::china_time_now;
pub use timestamp::{CST_OFFSET_SECONDS, Timestamp, china_time_from_unix_seconds};
pub use value::JsonWriter;
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub use verifier::SystemClock;
pub use verifier::{
    Clock, DEFAULT_MAX_SKEW_SECONDS, DEFAULT_REPLAY_CAPACITY, ManualClock, SharedReplayCache,
    Verified, Verifier, VerifierBuilder,
};

#[doc(hidden)]
pub use canonical::canonicalize_globally_sorted as __canonicalize_globally_sorted;
