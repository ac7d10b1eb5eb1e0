#![doc = include_str!("../README.md")]

mod client;
mod error;
mod retry;

pub mod blocking;
#[cfg(feature = "institution")]
pub mod institution;
#[cfg(feature = "log-forwarding")]
pub mod log_forwarding;

pub use client::{
    AttemptGate, Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, RosterUpdates,
    sleep_until_next_second,
};
pub use error::ClientError;
pub use retry::RetryPolicy;
