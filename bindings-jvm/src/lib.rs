#![doc = include_str!("../README.md")]
// uniffi's scaffolding (extern "C" entry points) is generated code; this crate holds no
// hand-written unsafe code.

uniffi::setup_scaffolding!();

mod body;
mod error;
mod models;
mod signing;
mod types;
mod verifier;

pub use body::*;
pub use error::*;
pub use models::*;
pub use signing::*;
pub use types::*;
pub use verifier::*;
