#![doc = include_str!("../README.md")]

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
