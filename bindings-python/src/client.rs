//! The platform client: the Rust client (`glorycard_client`) on the shared runtime, each
//! call made with the GIL released, so many Python threads call at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use glorycard_client::{self as client, ClientError, RosterUpdates, blocking};
use glorycard_core::models as core;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use glorycard_durable::{self as durable, OutboxEntry};

use crate::error::{client_err, durable_err};
use crate::guard::blocking_call;
use crate::ledger::Outbox;
use crate::models::{Cancellation, Deduction, RosterRecord};
use crate::types::key_arg;

/// The answer to `store/deduct` or `store/deductCancel` (a refusal raises
/// `PlatformRejected` instead).
#[pyclass(module = "glorycard", frozen, get_all)]
pub(crate) struct AckResponse {
    /// `responseFlag`: `"1"`.
    response_flag: String,
    /// `responseMessage`.
    pub(crate) response_message: String,
    /// `data` as JSON text, when the platform sent any.
    data: Option<String>,
}

#[pymethods]
impl AckResponse {
    fn __repr__(&self) -> String {
        format!(
            "AckResponse(response_flag={:?}, response_message={:?})",
            self.response_flag, self.response_message
        )
    }
}

impl From<core::AckResponse> for AckResponse {
    fn from(ack: core::AckResponse) -> Self {
        AckResponse {
            response_flag: ack.response_flag.code().to_string(),
            response_message: ack.response_message,
            data: ack.data.map(|data| data.to_string()),
        }
    }
}

/// Sends `entry` with `send`, the GIL released; with a `ledger`, enqueued there first and
/// settled with the platform's answer (acknowledged, or rejected on a refusal), so the
/// outbox answers `/deductCheck` with it and delivers it itself if this call fails
/// otherwise (transport, an untrusted answer).
fn deliver_recorded(
    py: Python<'_>,
    ledger: Option<&durable::Outbox>,
    entry: &OutboxEntry,
    send: impl FnOnce() -> Result<core::AckResponse, ClientError> + Send,
) -> PyResult<AckResponse> {
    let Some(ledger) = ledger else {
        return py
            .detach(send)
            .map(AckResponse::from)
            .map_err(|e| client_err(py, &e));
    };
    // Named as an enqueue of one item names its fields (`totalFee`, not `entries[0]…`).
    py.detach(|| match entry {
        OutboxEntry::Deduction(deduction) => ledger.enqueue_deduction(deduction),
        OutboxEntry::Cancellation(cancellation) => ledger.enqueue_cancellation(cancellation),
    })
    .map_err(|e| durable_err(py, &e))?;
    match py.detach(send) {
        Ok(ack) => {
            let ack = AckResponse::from(ack);
            py.detach(|| ledger.record_delivered(entry, &ack.response_message))
                .map_err(|e| durable_err(py, &e))?;
            Ok(ack)
        }
        Err(error) => {
            if let ClientError::PlatformRejected { message } = &error {
                py.detach(|| ledger.record_refused(entry, message))
                    .map_err(|e| durable_err(py, &e))?;
            }
            Err(client_err(py, &error))
        }
    }
}

/// The async form of the sync client's calls, as the misuse messages name it.
const ASYNC_CLIENT: &str = "glorycard.AsyncClient (`await client.deduct(...)`)";

/// A client of the platform: validates, signs the exact bytes sent (afresh for each
/// attempt), retries transport failures, timeouts and HTTP 429/5xx with backoff, and
/// verifies every answer before trusting it. Thread-safe; a context manager.
#[pyclass(module = "glorycard", frozen)]
pub(crate) struct Client {
    inner: Mutex<Option<Arc<blocking::Client>>>,
    description: String,
}

fn seconds(value: f64, name: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!("{name} must be a non-negative number of seconds"))
    })
}

impl Client {
    /// The blocking client, shared, so that a call runs without holding the lock or the
    /// GIL.
    pub(crate) fn shared(&self, py: Python<'_>) -> PyResult<Arc<blocking::Client>> {
        let guard = self.inner.lock().map_err(|_| client_err(py, &closed()))?;
        guard.clone().ok_or_else(|| client_err(py, &closed()))
    }
}

/// The PEM of a `ca_cert=` argument, as the CLI's and the JVM's options take it: `bytes`
/// (the PEM itself), a `str` that is a PEM (`-----BEGIN ...`), or a path (`str` or
/// `os.PathLike`) to a PEM file. A file that cannot be read is a `ConfigError` naming it.
fn ca_cert_pem(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = value.cast::<pyo3::types::PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(bytes) = value.cast::<pyo3::types::PyByteArray>() {
        return Ok(bytes.to_vec());
    }
    if let Ok(text) = value.cast::<pyo3::types::PyString>() {
        let text = text.to_cow()?;
        if text.trim_start().starts_with("-----BEGIN") {
            return Ok(text.as_bytes().to_vec());
        }
    }
    let path: std::path::PathBuf = value.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "ca_cert must be PEM bytes, a PEM str or a path (str or os.PathLike), not {}",
            value
                .get_type()
                .name()
                .map(|name| name.to_string())
                .unwrap_or_default()
        ))
    })?;
    py.detach(|| std::fs::read(&path)).map_err(|error| {
        client_err(
            py,
            &ClientError::Config {
                reason: format!("ca_cert: cannot read the file {}: {error}", path.display()),
                source: None,
            },
        )
    })
}

fn closed() -> ClientError {
    ClientError::Config {
        reason: "the client is closed".into(),
        source: None,
    }
}

#[pymethods]
impl Client {
    /// A client for the platform at `base_url`.
    #[new]
    #[pyo3(signature = (
        base_url, *, sid, key, org_code, ca_cert = None, allow_http = false,
        accept_unsigned_responses = false, timeout = None, connect_timeout = None,
        retry = None, max_skew_seconds = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: String,
        sid: String,
        key: &Bound<'_, PyAny>,
        org_code: String,
        ca_cert: Option<&Bound<'_, PyAny>>,
        allow_http: bool,
        accept_unsigned_responses: bool,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        retry: Option<u32>,
        max_skew_seconds: Option<u64>,
    ) -> PyResult<Self> {
        let description =
            format!("Client(base_url={base_url:?}, sid={sid:?}, org_code={org_code:?}, key=***)");
        let mut builder = client::Client::builder(base_url)
            .sid(sid)
            .key(key_arg(key)?.into_owned())
            .org_code(org_code)
            .allow_http_for_loopback(allow_http)
            .accept_unsigned_responses(accept_unsigned_responses);
        if let Some(pem) = ca_cert.map(|value| ca_cert_pem(py, value)).transpose()? {
            builder = builder.add_root_certificate_pem(pem);
        }
        if let Some(value) = timeout {
            builder = builder.request_timeout(seconds(value, "timeout")?);
        }
        if let Some(value) = connect_timeout {
            builder = builder.connect_timeout(seconds(value, "connect_timeout")?);
        }
        if let Some(attempts) = retry {
            builder = builder.retry_policy(client::RetryPolicy {
                max_attempts: attempts.max(1),
                ..client::RetryPolicy::default()
            });
        }
        if let Some(seconds) = max_skew_seconds {
            builder = builder.max_skew_seconds(seconds);
        }
        let inner = py
            .detach(|| blocking::Client::on_shared_runtime(builder))
            .map_err(|e| client_err(py, &e))?;
        Ok(Client {
            inner: Mutex::new(Some(Arc::new(inner))),
            description,
        })
    }

    /// `store/all`: up to 500 records with `dataID` after `after_data_id`; empty when synced.
    fn roster_page(&self, py: Python<'_>, after_data_id: i64) -> PyResult<Vec<RosterRecord>> {
        blocking_call(py, "Client", "Client.roster_page", ASYNC_CLIENT)?;
        let client = self.shared(py)?;
        let records = py
            .detach(|| client.roster_page(after_data_id))
            .map_err(|e| client_err(py, &e))?;
        Ok(records.into_iter().map(RosterRecord).collect())
    }

    /// Every page after `after_data_id` to the end of the roster, one list per page.
    #[pyo3(signature = (after_data_id = 0))]
    fn roster_updates(&self, py: Python<'_>, after_data_id: i64) -> PyResult<RosterPages> {
        blocking_call(py, "Client", "Client.roster_updates", ASYNC_CLIENT)?;
        let client = self.shared(py)?;
        let pages = client.as_async().roster_updates(after_data_id);
        Ok(RosterPages {
            client,
            pages: Mutex::new(Some(pages)),
        })
    }

    /// `store/deduct`: uploads one deduction (safe to repeat: `deduction_id` is its key).
    /// Alone it is in no outbox: `/deductCheck` answered from an `Outbox` does not know
    /// it. With `record_in=outbox`, it is enqueued there first (durably), sent, and
    /// settled with the platform's answer (a refusal is held rejected); any other failure
    /// leaves it pending, for the outbox's drain to deliver.
    #[pyo3(signature = (deduction, *, record_in = None))]
    fn deduct(
        &self,
        py: Python<'_>,
        deduction: PyRef<'_, Deduction>,
        record_in: Option<PyRef<'_, Outbox>>,
    ) -> PyResult<AckResponse> {
        blocking_call(py, "Client", "Client.deduct", ASYNC_CLIENT)?;
        let (client, deduction) = (self.shared(py)?, deduction.0.clone());
        let ledger = record_in.map(|outbox| outbox.0.clone());
        let entry = OutboxEntry::Deduction(deduction.clone());
        deliver_recorded(py, ledger.as_ref(), &entry, || client.deduct(&deduction))
    }

    /// `store/deductCancel`: cancels a deduction by its `deduction_id`; `record_in` as
    /// for `deduct`.
    #[pyo3(signature = (cancellation, *, record_in = None))]
    fn cancel(
        &self,
        py: Python<'_>,
        cancellation: PyRef<'_, Cancellation>,
        record_in: Option<PyRef<'_, Outbox>>,
    ) -> PyResult<AckResponse> {
        blocking_call(py, "Client", "Client.cancel", ASYNC_CLIENT)?;
        let (client, cancellation) = (self.shared(py)?, cancellation.0.clone());
        let ledger = record_in.map(|outbox| outbox.0.clone());
        let entry = OutboxEntry::Cancellation(cancellation.clone());
        deliver_recorded(py, ledger.as_ref(), &entry, || client.cancel(&cancellation))
    }

    /// The org code this client sends.
    #[getter]
    fn org_code(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.shared(py)?.as_async().org_code().to_string())
    }

    /// Releases the connection pool; later calls raise `ConfigError`.
    fn close(&self) {
        if let Ok(mut guard) = self.inner.lock() {
            guard.take();
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close();
        false
    }

    fn __repr__(&self) -> String {
        self.description.clone()
    }
}

/// The pages of `Client.roster_updates`: an iterator of lists of `RosterRecord`.
#[pyclass(module = "glorycard")]
pub(crate) struct RosterPages {
    client: Arc<blocking::Client>,
    pages: Mutex<Option<RosterUpdates>>,
}

#[pymethods]
impl RosterPages {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Vec<RosterRecord>>> {
        blocking_call(py, "Client", "RosterPages.__next__", ASYNC_CLIENT)?;
        // Taken out while the page is fetched (the GIL released), put back after; after an
        // error the iteration ends.
        let Some(mut pages) = self.pages.lock().ok().and_then(|mut slot| slot.take()) else {
            return Ok(None);
        };
        let client = Arc::clone(&self.client);
        let (pages, page) = py
            .detach(move || {
                client.run(async move {
                    let page = pages.next_page().await;
                    Ok::<_, ClientError>((pages, page))
                })
            })
            .map_err(|e| client_err(py, &e))?;
        let page = page.map_err(|e| client_err(py, &e))?;
        if page.is_some()
            && let Ok(mut slot) = self.pages.lock()
        {
            *slot = Some(pages);
        }
        Ok(page.map(|records| records.into_iter().map(RosterRecord).collect()))
    }

    /// The largest `dataID` received so far.
    #[getter]
    fn checkpoint(&self) -> Option<i64> {
        self.pages
            .lock()
            .ok()?
            .as_ref()
            .map(RosterUpdates::checkpoint)
    }
}

/// Runs `call` as a task on the shared runtime and awaits its outcome without a thread:
/// the future is awaited by Python's event loop (a pyo3 coroutine), woken from the runtime
/// until the interpreter exits.
async fn on_runtime<T: Send + 'static>(
    client: &blocking::Client,
    call: impl Future<Output = Result<T, ClientError>> + Send + 'static,
) -> PyResult<T> {
    crate::exit::UntilExit::new(client.spawn(call))
        .await?
        .map_err(|error| Python::attach(|py| client_err(py, &error)))
}

/// The client for asyncio applications: the same calls as `Client`, as coroutines driven
/// by the Rust runtime (no thread per call). Built and closed like `Client`.
#[pyclass(module = "glorycard", frozen, subclass)]
pub(crate) struct AsyncClient(Client);

/// The blocking client behind `client`, which must be a `Client`: `method` (a store's
/// blocking call) names its async form `async_form` when given an `AsyncClient`.
pub(crate) fn sync_platform(
    client: &Bound<'_, PyAny>,
    method: &str,
    async_form: &str,
) -> PyResult<Arc<blocking::Client>> {
    let py = client.py();
    if let Ok(client) = client.cast::<Client>() {
        return client.get().shared(py);
    }
    if client.cast::<AsyncClient>().is_ok() {
        return Err(PyTypeError::new_err(format!(
            "{method} takes a Client, not an AsyncClient: in async code, `await {async_form}(client)`"
        )));
    }
    Err(PyTypeError::new_err(format!(
        "{method} takes a Client, not {}",
        client.get_type().name()?
    )))
}

/// The client behind `client`, which must be an `AsyncClient`: `method` (a store's async
/// call) names its blocking form `sync_form` when given a `Client`.
pub(crate) fn async_platform(
    client: &Bound<'_, PyAny>,
    method: &str,
    sync_form: &str,
) -> PyResult<Arc<blocking::Client>> {
    let py = client.py();
    if let Ok(client) = client.cast::<AsyncClient>() {
        return client.get().0.shared(py);
    }
    if client.cast::<Client>().is_ok() {
        return Err(PyTypeError::new_err(format!(
            "{method} takes an AsyncClient, not a Client: from blocking code, `{sync_form}(client)`"
        )));
    }
    Err(PyTypeError::new_err(format!(
        "{method} takes an AsyncClient, not {}",
        client.get_type().name()?
    )))
}

#[pymethods]
impl AsyncClient {
    /// An asynchronous client for the platform at `base_url` (the arguments of `Client`).
    #[new]
    #[pyo3(signature = (
        base_url, *, sid, key, org_code, ca_cert = None, allow_http = false,
        accept_unsigned_responses = false, timeout = None, connect_timeout = None,
        retry = None, max_skew_seconds = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: String,
        sid: String,
        key: &Bound<'_, PyAny>,
        org_code: String,
        ca_cert: Option<&Bound<'_, PyAny>>,
        allow_http: bool,
        accept_unsigned_responses: bool,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        retry: Option<u32>,
        max_skew_seconds: Option<u64>,
    ) -> PyResult<Self> {
        let client = Client::new(
            py,
            base_url,
            sid,
            key,
            org_code,
            ca_cert,
            allow_http,
            accept_unsigned_responses,
            timeout,
            connect_timeout,
            retry,
            max_skew_seconds,
        )?;
        Ok(AsyncClient(Client {
            description: client.description.replacen("Client(", "AsyncClient(", 1),
            ..client
        }))
    }

    /// `store/all` (see `Client.roster_page`).
    async fn roster_page(slf: Py<Self>, after_data_id: i64) -> PyResult<Vec<RosterRecord>> {
        let client = Python::attach(|py| slf.get().0.shared(py))?;
        let platform = client.as_async().clone();
        let records = on_runtime(
            &client,
            async move { platform.roster_page(after_data_id).await },
        )
        .await?;
        Ok(records.into_iter().map(RosterRecord).collect())
    }

    /// `store/deduct` (see `Client.deduct`).
    async fn deduct(slf: Py<Self>, deduction: Py<Deduction>) -> PyResult<AckResponse> {
        let (client, deduction) = Python::attach(|py| {
            Ok::<_, PyErr>((slf.get().0.shared(py)?, deduction.try_borrow(py)?.0.clone()))
        })?;
        let platform = client.as_async().clone();
        on_runtime(&client, async move { platform.deduct(&deduction).await })
            .await
            .map(AckResponse::from)
    }

    /// `store/deductCancel` (see `Client.cancel`).
    async fn cancel(slf: Py<Self>, cancellation: Py<Cancellation>) -> PyResult<AckResponse> {
        let (client, cancellation) = Python::attach(|py| {
            Ok::<_, PyErr>((
                slf.get().0.shared(py)?,
                cancellation.try_borrow(py)?.0.clone(),
            ))
        })?;
        let platform = client.as_async().clone();
        on_runtime(&client, async move { platform.cancel(&cancellation).await })
            .await
            .map(AckResponse::from)
    }

    /// The org code this client sends.
    #[getter]
    fn org_code(&self, py: Python<'_>) -> PyResult<String> {
        self.0.org_code(py)
    }

    /// Releases the connection pool; later calls raise `ConfigError`.
    fn close(&self) {
        self.0.close();
    }

    fn __aenter__(slf: Py<Self>, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        ready(py, slf.into_any())
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close();
        ready(
            py,
            pyo3::types::PyBool::new(py, false)
                .to_owned()
                .into_any()
                .unbind(),
        )
    }

    fn __repr__(&self) -> String {
        self.0.description.clone()
    }
}

/// An awaitable that is already done with `value` (for `async with`).
fn ready(py: Python<'_>, value: Py<PyAny>) -> PyResult<Bound<'_, PyAny>> {
    let asyncio = py.import("asyncio")?;
    let future = asyncio
        .call_method0("get_running_loop")?
        .call_method0("create_future")?;
    future.call_method1("set_result", (value,))?;
    Ok(future)
}
