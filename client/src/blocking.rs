//! A blocking facade over [`Client`](crate::Client), for simple programs, CLIs and bindings.
//!
//! Each blocking client owns a small single-threaded tokio runtime. Do not call it from
//! inside an async runtime (tokio refuses to block there); use the async client instead.

use glorycard_core::models::{
    AckResponse, Cancellation, DeductCheckRequest, DeductCheckResponse, Deduction, RosterRecord,
};

use crate::{ClientBuilder, ClientError};

/// The blocking client. Build it with [`Client::from_builder`].
#[derive(Debug)]
pub struct Client {
    runtime: tokio::runtime::Runtime,
    inner: crate::Client,
}

impl Client {
    /// Builds the async client from `builder` and a runtime to drive it.
    pub fn from_builder(builder: ClientBuilder) -> Result<Self, ClientError> {
        refuse_inside_runtime()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError::config(format!("tokio runtime: {e}")))?;
        // reqwest's client registers with the runtime it is built in.
        let inner = runtime.block_on(async { builder.build() })?;
        Ok(Self { runtime, inner })
    }

    fn block_on<T>(
        &self,
        call: impl Future<Output = Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        refuse_inside_runtime()?;
        self.runtime.block_on(call)
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

/// Blocking inside an async runtime would panic in tokio; refuse with an error instead.
fn refuse_inside_runtime() -> Result<(), ClientError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(ClientError::config(
            "the blocking client cannot be used inside an async runtime: use glorycard_client::Client",
        ));
    }
    Ok(())
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
