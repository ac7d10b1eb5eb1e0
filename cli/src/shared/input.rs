//! Where the key, the body and the timestamp come from.

use std::io::Read as _;
use std::path::PathBuf;

use clap::Args;
use glorycard_core::{SecretKey, Timestamp};

use super::output::{Failure, fail};

/// Where the secret key comes from: --key, --key-file, or GLORYCARD_KEY (in that order).
/// Prefer --key-file or the environment: a --key argument is visible to other users of
/// the machine in the process list.
#[derive(Args)]
pub(crate) struct KeyArgs {
    /// The secret key (prefer --key-file or GLORYCARD_KEY).
    #[arg(long, conflicts_with = "key_file")]
    pub(crate) key: Option<String>,
    /// A file holding the secret key (one trailing newline is ignored).
    #[arg(long, value_name = "PATH")]
    pub(crate) key_file: Option<PathBuf>,
}

impl std::fmt::Debug for KeyArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyArgs")
            .field("key", &self.key.as_ref().map(|_| "***"))
            .field("key_file", &self.key_file)
            .finish()
    }
}

impl KeyArgs {
    pub(crate) fn load(&self) -> Result<SecretKey, Failure> {
        if let Some(key) = &self.key {
            return Ok(SecretKey::new(key.as_str()));
        }
        if let Some(path) = &self.key_file {
            let mut text = std::fs::read_to_string(path)
                .map_err(|e| fail(format!("cannot read key file {}: {e}", path.display())))?;
            let trimmed = text
                .strip_suffix("\r\n")
                .or_else(|| text.strip_suffix('\n'))
                .map(str::len);
            if let Some(len) = trimmed {
                text.truncate(len);
            }
            return Ok(SecretKey::new(text));
        }
        match std::env::var("GLORYCARD_KEY") {
            Ok(key) => Ok(SecretKey::new(key)),
            Err(_) => Err(fail(
                "no key: pass --key, --key-file PATH or set GLORYCARD_KEY",
            )),
        }
    }
}

pub(crate) fn read_body(file: &Option<PathBuf>) -> Result<Vec<u8>, Failure> {
    match file {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::read(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))
        }
        _ => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| fail(format!("cannot read standard input: {e}")))?;
            Ok(body)
        }
    }
}

pub(crate) fn timestamp_or_now(timestamp: &Option<String>) -> Result<Timestamp, Failure> {
    match timestamp {
        Some(text) => Ok(Timestamp::parse(text)?),
        None => Ok(Timestamp::now()),
    }
}
