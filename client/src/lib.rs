#![doc = include_str!("../README.md")]

mod client;
mod error;
mod retry;

pub mod blocking;
#[cfg(feature = "institution")]
pub mod institution;

pub use client::{Client, ClientBuilder, RosterUpdates};
pub use error::ClientError;
pub use retry::RetryPolicy;
