//! What the commands share: how a command ends (output, failure, exit status), where the
//! key and the body come from, the connection settings, the servers' limits, and the
//! runtime. It imports no command, so that no two modules import each other.

mod connection;
mod input;
mod limits;
mod output;
mod runtime;

pub(crate) use connection::ConnectionArgs;
pub(crate) use input::{KeyArgs, read_body, timestamp_or_now};
pub(crate) use limits::{ServerLimitArgs, init_server_log};
pub(crate) use output::{
    Failure, Printed, client_failure, durable_failure, fail, lang, say, set_lang,
};
pub(crate) use runtime::{ProgressLine, existing, grouped, runtime, wait_for_shutdown};
