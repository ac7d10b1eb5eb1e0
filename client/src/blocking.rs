//! A blocking facade over [`Client`](crate::Client), for simple programs, CLIs and bindings.
//!
//! A blocking client either owns a small single-threaded tokio runtime
//! ([`Client::from_builder`]: one program, one client) or drives its calls on the
//! process-wide multi-threaded runtime ([`Client::on_shared_runtime`]: the language
//! bindings, where many foreign threads call at once and asynchronous calls are spawned
//! on the same runtime). It may be used from a thread that belongs to another tokio
//! runtime (a `spawn_blocking` task, such as an institution's `DeductionSource`): tokio
//! refuses to block such a thread on a runtime, so the call is then driven from a
//! short-lived helper thread. In async code, prefer the async [`Client`](crate::Client).

use std::sync::OnceLock;

use glorycard_core::models::{
    AckResponse, Cancellation, DeductCheckRequest, DeductCheckResponse, Deduction, RosterRecord,
};

use crate::{ClientBuilder, ClientError};

/// The blocking client. Build it with [`Client::from_builder`] or
/// [`Client::on_shared_runtime`].
#[derive(Debug)]
pub struct Client {
    /// The client's own runtime: always `Some` until dropped (taken out to shut down
    /// without blocking). `None` for a client on the shared runtime.
    owned: Option<tokio::runtime::Runtime>,
    runtime: tokio::runtime::Handle,
    inner: crate::Client,
}

/// The process-wide runtime of [`Client::on_shared_runtime`]: two worker threads (the
/// calls wait on the network; signing a request takes microseconds), named
/// `glorycard-io`, started on first use and never stopped.
pub fn shared_runtime() -> Result<&'static tokio::runtime::Runtime, ClientError> {
    static SHARED: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(runtime) = SHARED.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("glorycard-io")
        .enable_all()
        .build()
        .map_err(|e| ClientError::config_from("tokio runtime", e))?;
    // Two threads may race to start it: the loser's runtime is dropped here, unused (a
    // runtime is dropped outside any async context, so this does not panic).
    Ok(SHARED.get_or_init(|| runtime))
}

impl Client {
    /// Builds the async client from `builder` and a runtime of its own to drive it.
    pub fn from_builder(builder: ClientBuilder) -> Result<Self, ClientError> {
        let owned = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError::config_from("tokio runtime", e))?;
        let runtime = owned.handle().clone();
        // reqwest's client registers with the runtime it is built in.
        let inner = drive(Some(&owned), &runtime, async { builder.build() })?;
        Ok(Self {
            owned: Some(owned),
            runtime,
            inner,
        })
    }

    /// Builds the async client from `builder`, driven by the process-wide
    /// [`shared_runtime`]: for many threads calling at once, and for asynchronous calls
    /// [spawned](Client::runtime) beside the blocking ones.
    pub fn on_shared_runtime(builder: ClientBuilder) -> Result<Self, ClientError> {
        let runtime = shared_runtime()?.handle().clone();
        let inner = drive(None, &runtime, async { builder.build() })?;
        Ok(Self {
            owned: None,
            runtime,
            inner,
        })
    }

    /// Runs `call` (a call of [`as_async`](Client::as_async), or a durable store's
    /// operation on it) to completion on this client's runtime, blocking the thread.
    pub fn block_on<T: Send, E: Send + From<ClientError>>(
        &self,
        call: impl Future<Output = Result<T, E>> + Send,
    ) -> Result<T, E> {
        drive(self.owned.as_ref(), &self.runtime, call)
    }

    /// Runs `call` to completion and waits for it: on the shared runtime, as a task of its
    /// own on the runtime's workers (the calling thread only waits, so many foreign threads
    /// calling at once do not each drive network I/O); on the client's own runtime, or from
    /// a thread of a runtime, as [`block_on`](Client::block_on). Never panics, whatever
    /// thread it is called from.
    pub fn run<T, E>(
        &self,
        call: impl Future<Output = Result<T, E>> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: Send + 'static + From<ClientError>,
    {
        // On a thread of a runtime (a worker running a foreign callback), waiting for a
        // task could hold up the very workers it needs: drive it from a helper instead.
        if self.owned.is_some() || tokio::runtime::Handle::try_current().is_ok() {
            return self.block_on(call);
        }
        self.spawn_task(call)
            .blocking_recv()
            .unwrap_or_else(|_| Err(task_lost().into()))
    }

    /// Spawns `call` as a task on this client's runtime and returns its outcome as a
    /// future that any executor may await (Python's asyncio, through a pyo3 coroutine):
    /// the call runs on the runtime's workers whoever waits. For a client on the shared
    /// runtime; on a client's own runtime the task runs only while a blocking call drives
    /// that runtime.
    pub fn spawn<T, E>(
        &self,
        call: impl Future<Output = Result<T, E>> + Send + 'static,
    ) -> impl Future<Output = Result<T, E>> + Send + 'static
    where
        T: Send + 'static,
        E: Send + 'static + From<ClientError>,
    {
        let outcome = self.spawn_task(call);
        async move { outcome.await.unwrap_or_else(|_| Err(task_lost().into())) }
    }

    /// Spawns `call` on the runtime; the receiver gets its outcome.
    fn spawn_task<T: Send + 'static>(
        &self,
        call: impl Future<Output = T> + Send + 'static,
    ) -> tokio::sync::oneshot::Receiver<T> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        self.runtime.spawn(async move {
            // The receiver is gone only if its waiter is; nothing to tell then.
            let _ = done.send(call.await);
        });
        outcome
    }

    /// The runtime this client's calls run on: spawn asynchronous calls here.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime
    }

    /// The async client this facade drives.
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// See [`crate::Client::roster_page`].
    pub fn roster_page(&self, after_data_id: i64) -> Result<Vec<RosterRecord>, ClientError> {
        let client = self.inner.clone();
        self.run(async move { client.roster_page(after_data_id).await })
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
        let (client, deduction) = (self.inner.clone(), deduction.clone());
        self.run(async move { client.deduct(&deduction).await })
    }

    /// See [`crate::Client::cancel`].
    pub fn cancel(&self, cancellation: &Cancellation) -> Result<AckResponse, ClientError> {
        let (client, cancellation) = (self.inner.clone(), cancellation.clone());
        self.run(async move { client.cancel(&cancellation).await })
    }

    /// See [`crate::Client::deduct_check`].
    pub fn deduct_check(
        &self,
        request: &DeductCheckRequest,
    ) -> Result<DeductCheckResponse, ClientError> {
        let (client, request) = (self.inner.clone(), request.clone());
        self.run(async move { client.deduct_check(&request).await })
    }
}

/// A call whose task ended before it had an outcome (it panicked, or the runtime is
/// shutting down).
fn task_lost() -> ClientError {
    ClientError::Transport {
        reason: "the call's task ended without an outcome (the runtime is shutting down)".into(),
        source: None,
    }
}

/// Runs `call` to completion: on `owned`, the client's own current-thread runtime, when
/// there is one (only its `Runtime::block_on` drives its IO and timers), else through the
/// multi-threaded runtime's `handle`. On a thread inside another runtime's context tokio
/// would panic rather than block it, so the call is then driven from a scoped helper
/// thread.
fn drive<T: Send, E: Send + From<ClientError>>(
    owned: Option<&tokio::runtime::Runtime>,
    handle: &tokio::runtime::Handle,
    call: impl Future<Output = Result<T, E>> + Send,
) -> Result<T, E> {
    let run = move || match owned {
        Some(runtime) => runtime.block_on(call),
        None => handle.block_on(call),
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return run();
    }
    std::thread::scope(|scope| {
        scope.spawn(run).join().unwrap_or_else(|_| {
            Err(ClientError::Transport {
                reason: "the thread driving a blocking call panicked".into(),
                source: None,
            }
            .into())
        })
    })
}

impl Drop for Client {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its tasks end, which tokio refuses (with a
        // panic) inside an async context; shutting down in the background never blocks.
        if let Some(runtime) = self.owned.take() {
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
