#![doc = include_str!("../README.md")]

mod client;
#[cfg(feature = "durable")]
mod durable;
mod error;
mod retry;

pub mod blocking;
#[cfg(feature = "institution")]
pub mod institution;

pub use client::{Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, RosterUpdates};
#[cfg(feature = "durable")]
pub use durable::outbox::{
    DrainOptions, DrainReport, Enqueued, Outbox, OutboxEntry, OutboxStatus, RejectedItem,
};
#[cfg(feature = "durable")]
pub use durable::replica::{HolderMatch, MatchKind, Replica, SyncProgress};
pub use error::ClientError;
pub use retry::RetryPolicy;
