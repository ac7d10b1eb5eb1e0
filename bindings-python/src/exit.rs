//! The runtime's threads call into Python: to wake a coroutine, to log, to report sync
//! progress. Once the interpreter finalizes, CPython ends a foreign thread that asks for
//! the GIL with `pthread_exit`, which unwinds through Rust frames and aborts the process
//! (an `asyncio.run` of many `AsyncClient` calls, then exit, died so in 6 runs of 10). An
//! `atexit` hook, run before finalization, closes the door to Python and waits for the
//! calls already through it; after it, the runtime threads skip Python altogether.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// Set by the `atexit` hook: no runtime thread enters Python after it.
static CLOSED: AtomicBool = AtomicBool::new(false);
/// Runtime threads between their check of [`CLOSED`] and their way out of Python.
static INSIDE: AtomicUsize = AtomicUsize::new(0);
/// How long the hook waits for them: a call into Python takes microseconds, unless a
/// logging handler or a progress callback of the application's blocks.
const DRAIN_WAIT: Duration = Duration::from_secs(2);

struct Leave;

impl Drop for Leave {
    fn drop(&mut self) {
        INSIDE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `call` (which enters Python) unless the interpreter is exiting; `None` then.
pub(crate) fn unless_exiting<R>(call: impl FnOnce() -> R) -> Option<R> {
    // Counted before the check, so the hook either sees this thread inside or this
    // thread sees the door closed.
    INSIDE.fetch_add(1, Ordering::SeqCst);
    let _leave = Leave;
    if CLOSED.load(Ordering::SeqCst) {
        return None;
    }
    Some(call())
}

/// `Python::attach` for a runtime thread: `None` once the interpreter is exiting.
pub(crate) fn attach<R>(call: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    unless_exiting(|| Python::attach(call))
}

/// A waker that wakes its Python coroutine only while the interpreter is not exiting.
struct GuardedWaker(Waker);

impl Wake for GuardedWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        unless_exiting(|| self.0.wake_by_ref());
    }
}

/// A future awaited by a Python coroutine and completed on the runtime: its wake-ups
/// (made on a runtime thread, entering Python to schedule the coroutine) stop at exit.
pub(crate) struct UntilExit<F>(Pin<Box<F>>);

impl<F: Future> UntilExit<F> {
    pub(crate) fn new(future: F) -> Self {
        UntilExit(Box::pin(future))
    }
}

impl<F: Future> Future for UntilExit<F> {
    type Output = Result<F::Output, Exiting>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        // Polled after the door closed (a call made in an atexit hook registered before
        // glorycard's): it would never be woken, so it fails rather than wait forever.
        if CLOSED.load(Ordering::SeqCst) {
            return Poll::Ready(Err(Exiting));
        }
        let waker = Waker::from(Arc::new(GuardedWaker(context.waker().clone())));
        self.0
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .map(Ok)
    }
}

/// A call awaited after glorycard's `atexit` hook ran.
pub(crate) struct Exiting;

impl From<Exiting> for PyErr {
    fn from(_: Exiting) -> PyErr {
        PyRuntimeError::new_err(
            "the interpreter is exiting and glorycard's runtime no longer calls into Python: \
             await glorycard's calls before exit (not in an atexit hook registered before \
             `import glorycard`)",
        )
    }
}

/// The `atexit` hook: closes the door, then waits (the GIL released, so the threads
/// inside can finish) until no runtime thread is in Python, for [`DRAIN_WAIT`] at most.
#[pyfunction]
fn close_python_to_the_runtime(py: Python<'_>) {
    CLOSED.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = Instant::now() + DRAIN_WAIT;
        while INSIDE.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Registers the hook with `atexit`.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let hook = wrap_pyfunction!(close_python_to_the_runtime, module)?;
    module
        .py()
        .import("atexit")?
        .call_method1("register", (hook,))?;
    Ok(())
}
