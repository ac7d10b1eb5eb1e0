//! The roster replica (`glorycard_durable::Replica`): the same file, guarantees and errors
//! as the CLI's and Rust's.

use std::sync::Arc;

use glorycard_core::models as m;
use glorycard_durable::{self as durable, HolderMatch, SyncProgress};

use crate::client::Client;
use crate::error::Result;

/// A local copy of the platform's roster, in one SQLite file.
#[derive(uniffi::Object, Debug)]
pub struct Replica(durable::Replica);

#[uniffi::export]
impl Replica {
    /// Opens the replica at `path`, creating an empty one when missing: a SQLite file, or a
    /// `postgres://` URL shared by several nodes.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Replica(durable::Replica::open(path)?)))
    }

    /// The file's path, or the database URL without its password.
    pub fn location(&self) -> String {
        self.0.location()
    }

    /// Fetches and applies every page after the checkpoint, telling `listener` after each.
    pub fn sync(
        &self,
        client: Arc<Client>,
        listener: Option<Arc<dyn SyncListener>>,
    ) -> Result<SyncProgress> {
        let blocking = &client.0;
        Ok(
            blocking.block_on(self.0.sync_with_progress(blocking.as_async(), |progress| {
                if let Some(listener) = &listener {
                    listener.progress(*progress);
                }
            }))?,
        )
    }

    /// The holders of `cert_type` and `cert_no` (exact), or of the visible characters and
    /// `cert_name` for numbers the platform sent masked (partial).
    pub fn lookup(
        &self,
        cert_type: m::CertType,
        cert_no: String,
        cert_name: Option<String>,
    ) -> Result<Vec<HolderMatch>> {
        Ok(self.0.lookup(&cert_type, &cert_no, cert_name.as_deref())?)
    }

    /// The largest `dataID` applied.
    pub fn checkpoint(&self) -> Result<i64> {
        Ok(self.0.checkpoint()?)
    }

    /// The number of holders (`size()` in Java: a count, not a collection's length).
    pub fn size(&self) -> Result<i64> {
        Ok(i64::try_from(self.0.len()?).unwrap_or(i64::MAX))
    }
}

/// Told after each page a sync applies (implemented by the facade).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// Where the sync stands.
    fn progress(&self, progress: SyncProgress);
}
