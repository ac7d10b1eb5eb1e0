#![doc = include_str!("../README.md")]
// uniffi's scaffolding (extern "C" entry points) is generated code; this crate holds no
// hand-written unsafe code.

uniffi::setup_scaffolding!();

mod body;
mod client;
mod error;
mod institution;
mod jni_path;
mod logging;
mod models;
mod outbox;
mod replica;
mod signing;
mod types;
mod verifier;

pub use body::*;
pub use client::*;
pub use error::*;
pub use institution::*;
pub use logging::*;
pub use models::*;
pub use outbox::*;
pub use replica::*;
pub use signing::*;
pub use types::*;
pub use verifier::*;
