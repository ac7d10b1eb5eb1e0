//! A store path for tests: fresh, in the temporary directory, removed with its WAL files
//! and drain lock on drop. Used by the unit tests and, through `#[path]`, by the
//! integration tests, so that both clean up the same companions.
#![allow(dead_code)]

use std::path::PathBuf;

/// A fresh path in the temporary directory, removed (with its WAL files) on drop.
pub(crate) struct TempDb(pub(crate) PathBuf);

impl TempDb {
    pub(crate) fn new(name: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "glorycard-durable-{name}-{}-{n}.db",
            std::process::id()
        ));
        let db = TempDb(path);
        db.remove();
        db
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", ".drain-lock"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}
