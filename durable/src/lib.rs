#![doc = include_str!("../README.md")]

// The records and enums as uniffi types (the JVM binding's public classes), behind the
// `uniffi` feature: defined here once, generated into Kotlin's `org.glorycard.durable`.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

mod database;
mod error;
mod lock;
mod outbox;
mod replica;
#[cfg(test)]
mod temp_db;

pub use error::DurableError;
pub use outbox::{
    DrainOptions, DrainReport, Enqueued, Outbox, OutboxEntry, OutboxStatus, RejectedItem,
};
pub use replica::{HolderMatch, MatchKind, Replica, SyncProgress};
