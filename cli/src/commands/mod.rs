//! One module per command (or family of subcommands). Each imports what it needs from
//! [`crate::shared`] and nothing from another command.

pub(crate) mod bench;
pub(crate) mod deduct;
pub(crate) mod demo;
pub(crate) mod institution;
pub(crate) mod outbox;
pub(crate) mod roster;
pub(crate) mod sandbox;
pub(crate) mod sign;
