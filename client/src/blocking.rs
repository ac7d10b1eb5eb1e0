//! A blocking facade over [`Client`](crate::Client), for simple programs, CLIs and bindings.
//!
//! Each blocking client owns a small single-threaded tokio runtime. It may be used from
//! a thread that belongs to another tokio runtime (a `spawn_blocking` task, such as an
//! institution's `DeductionSource`): tokio refuses to block such a thread on a second
//! runtime, so the call is then driven from a short-lived helper thread. In async code,
//! prefer the async [`Client`](crate::Client).

use glorycard_core::models::{
    AckResponse, Cancellation, DeductCheckRequest, DeductCheckResponse, Deduction, RosterRecord,
};

use crate::{ClientBuilder, ClientError};

/// The blocking client. Build it with [`Client::from_builder`].
#[derive(Debug)]
pub struct Client {
    /// Always `Some` until dropped (taken out to shut down without blocking).
    runtime: Option<tokio::runtime::Runtime>,
    inner: crate::Client,
}

impl Client {
    /// Builds the async client from `builder` and a runtime to drive it.
    pub fn from_builder(builder: ClientBuilder) -> Result<Self, ClientError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError::config_from("tokio runtime", e))?;
        // reqwest's client registers with the runtime it is built in.
        let inner = drive(&runtime, async { builder.build() })?;
        Ok(Self {
            runtime: Some(runtime),
            inner,
        })
    }

    fn block_on<T: Send>(
        &self,
        call: impl Future<Output = Result<T, ClientError>> + Send,
    ) -> Result<T, ClientError> {
        match &self.runtime {
            Some(runtime) => drive(runtime, call),
            None => Err(ClientError::config("the blocking client was shut down")),
        }
    }

    /// The async client this facade drives.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// See [`crate::Client::roster_page`].
    pub fn roster_page(&self, after_data_id: i64) -> Result<Vec<RosterRecord>, ClientError> {
        self.block_on(self.inner.roster_page(after_data_id))
    }

    /// Pages from `after_data_id` to the end of the roster; see
    /// [`crate::Client::roster_updates`]. Iteration stops after the first error.
    pub fn roster_updates(&self, after_data_id: i64) -> RosterUpdates<'_> {
        RosterUpdates {
            client: self,
            pages: self.inner.roster_updates(after_data_id),
            failed: false,
        }
    }

    /// See [`crate::Client::deduct`].
    pub fn deduct(&self, deduction: &Deduction) -> Result<AckResponse, ClientError> {
        self.block_on(self.inner.deduct(deduction))
    }

    /// See [`crate::Client::cancel`].
    pub fn cancel(&self, cancellation: &Cancellation) -> Result<AckResponse, ClientError> {
        self.block_on(self.inner.cancel(cancellation))
    }

    /// See [`crate::Client::deduct_check`].
    pub fn deduct_check(
        &self,
        request: &DeductCheckRequest,
    ) -> Result<DeductCheckResponse, ClientError> {
        self.block_on(self.inner.deduct_check(request))
    }
}

/// Runs `call` to completion on `runtime`. On a thread inside another runtime's context
/// tokio would panic rather than block it on a second runtime, so the call is then driven
/// from a scoped helper thread.
fn drive<T: Send>(
    runtime: &tokio::runtime::Runtime,
    call: impl Future<Output = Result<T, ClientError>> + Send,
) -> Result<T, ClientError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return runtime.block_on(call);
    }
    std::thread::scope(|scope| {
        scope
            .spawn(|| runtime.block_on(call))
            .join()
            .unwrap_or_else(|_| {
                Err(ClientError::Transport {
                    reason: "the thread driving a blocking call panicked".into(),
                    source: None,
                })
            })
    })
}

impl Drop for Client {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its tasks end, which tokio refuses (with a
        // panic) inside an async context; shutting down in the background never blocks.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Iterator over roster pages; see [`Client::roster_updates`].
#[derive(Debug)]
pub struct RosterUpdates<'c> {
    client: &'c Client,
    pages: crate::RosterUpdates,
    failed: bool,
}

impl RosterUpdates<'_> {
    /// The largest `dataID` received so far.
    pub fn checkpoint(&self) -> i64 {
        self.pages.checkpoint()
    }
}

impl Iterator for RosterUpdates<'_> {
    type Item = Result<Vec<RosterRecord>, ClientError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.client.block_on(self.pages.next_page()) {
            Ok(page) => page.map(Ok),
            Err(error) => {
                self.failed = true;
                Some(Err(error))
            }
        }
    }
}
