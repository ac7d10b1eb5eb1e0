//! The OS file lock that lets one drain at a time run on an outbox.

use std::path::{Path, PathBuf};

use crate::DurableError;

/// One drain at a time per outbox: an OS lock on `<outbox>.drain-lock`, released by the
/// OS when the process dies, so a killed drain never blocks the next one.
pub(crate) struct DrainLock {
    _file: std::fs::File,
}

impl DrainLock {
    pub(crate) fn acquire(database: &Path) -> Result<Self, DurableError> {
        // Keyed on the file, not on how its path is spelled: a symbolic link to the outbox
        // must find the same lock.
        let real = std::fs::canonicalize(database).unwrap_or_else(|_| database.to_path_buf());
        let mut path: PathBuf = real.into_os_string().into();
        path.as_mut_os_string().push(".drain-lock");
        let file = crate::database::open_private(&path).map_err(|e| DurableError::Storage {
            reason: format!("cannot open {}: {e}", crate::display_location(&path)),
        })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(DurableError::Conflict {
                reason: format!(
                    "another drain of {} is running (it holds {})",
                    crate::display_location(database),
                    crate::display_location(&path)
                ),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(DurableError::Storage {
                reason: format!("cannot lock {}: {e}", crate::display_location(&path)),
            }),
        }
    }
}
