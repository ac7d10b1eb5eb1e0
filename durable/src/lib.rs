#![doc = include_str!("../README.md")]

// The records and enums as uniffi types (the JVM binding's public classes), behind the
// `uniffi` feature: defined here once, generated into Kotlin's `org.glorycard.durable`.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

mod backend;
mod database;
mod error;
mod lock;
mod outbox;
mod postgres;
mod replica;
#[cfg(test)]
mod temp_db;

pub use error::DurableError;
pub use postgres::PostgresReplayCache;

/// True when `location` is a `postgres://` (`postgresql://`) URL rather than a file path.
pub fn is_database_url(location: impl AsRef<std::path::Path>) -> bool {
    location.as_ref().to_str().is_some_and(postgres::is_url)
}

/// How messages should name a store's location (`--db`): a file path as it is, a
/// `postgres://` URL without its password.
pub fn display_location(location: impl AsRef<std::path::Path>) -> String {
    postgres::display_location(location.as_ref())
}
pub use outbox::{
    DrainOptions, DrainReport, Enqueued, Outbox, OutboxEntry, OutboxStatus, RejectedItem,
};
pub use replica::{HolderMatch, MatchKind, Replica, SyncProgress};
