//! How a command ends: what it prints, or a one-line failure and its exit status.

use std::io::Write as _;
use std::sync::OnceLock;

use glorycard_client::ClientError;
use glorycard_core::{Error, Lang};
use glorycard_durable::DurableError;

/// The language of this run's messages: `--lang`, else the locale (`LC_ALL`,
/// `LC_MESSAGES`, `LANG`). Set once by `main` before a command runs.
static LANG: OnceLock<Lang> = OnceLock::new();

/// Sets the language of this run's messages (the first call wins).
pub(crate) fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language of this run's messages. Codes and exit statuses never depend on it.
pub(crate) fn lang() -> Lang {
    *LANG.get_or_init(Lang::from_env)
}

/// A failure: a one-line message and the exit status.
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) status: u8,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            message: format!("{}: {}", error.code(), error.message(lang())),
            status: if matches!(error, Error::SignatureMismatch) {
                1
            } else {
                2
            },
        }
    }
}

/// Writes one line to standard error. Unlike `eprintln!`, it does not panic when standard
/// error is closed (a server started with `2>&-`, or its log pipe gone at shutdown).
pub(crate) fn say(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

pub(crate) fn fail(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        status: 2,
    }
}

/// What a command prints on stdout, and whether it ended in a signature mismatch
/// (`explain --expect` prints its stages and diagnosis, then exits 1).
pub(crate) struct Printed {
    pub(crate) text: String,
    pub(crate) mismatch: bool,
}

impl Printed {
    pub(crate) fn ok(text: String) -> Self {
        Printed {
            text,
            mismatch: false,
        }
    }
}

/// Exit statuses of the network commands: 1 the platform refused (`platform_rejected`), or
/// its answer's signature did not verify or was missing; 3 a transport failure worth
/// retrying later (`timeout`, `connect`, `transport`, HTTP 429/5xx); 2 anything else.
pub(crate) fn client_failure(error: ClientError) -> Failure {
    let message = match &error {
        ClientError::PlatformRejected { .. } => error.message(lang()),
        _ => format!("{}: {}", error.code(), error.message(lang())),
    };
    let status = match &error {
        ClientError::PlatformRejected { .. }
        | ClientError::ResponseSignature { .. }
        | ClientError::UnsignedResponse { .. } => 1,
        ClientError::InvalidResponse { .. } => 2,
        _ if error.is_retryable() => 3,
        _ => 2,
    };
    Failure { message, status }
}

/// The stores' failures: a call to the platform as [`client_failure`]; `storage`,
/// `conflict` and an invalid record are status 2 (trying again would fail the same way).
pub(crate) fn durable_failure(error: DurableError) -> Failure {
    match error {
        DurableError::Client(error) => client_failure(error),
        // Its own errors' messages begin with their code already, in English.
        error @ (DurableError::Storage { .. } | DurableError::Conflict { .. })
            if lang() == Lang::English =>
        {
            fail(error.to_string())
        }
        // The code is said before the message, as for the client's errors.
        error => fail(format!("{}: {}", error.code(), error.message(lang()))),
    }
}
