//! Blocking calls made where an asyncio event loop runs: `glorycard._blocking` warns once
//! per family (`BlockingCallWarning`) and refuses a call whose result is being awaited,
//! before it does anything. The check off a loop is one C call
//! (`asyncio._get_running_loop`), so the usual path costs nothing measurable.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

static RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static ON_EVENT_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Called at the start of a blocking method `method` (`"Client.deduct"`) of `family`
/// (`"Client"`), whose form for asyncio is `async_form`: nothing when no event loop runs on
/// this thread; else a warning once per family, or `TypeError` when the caller awaits the
/// result (it would block, then fail).
pub(crate) fn blocking_call(
    py: Python<'_>,
    family: &str,
    method: &str,
    async_form: &str,
) -> PyResult<()> {
    let running_loop = RUNNING_LOOP.get_or_try_init(py, || {
        Ok::<_, PyErr>(py.import("asyncio")?.getattr("_get_running_loop")?.unbind())
    })?;
    if running_loop.call0(py)?.is_none(py) {
        return Ok(());
    }
    let on_event_loop = ON_EVENT_LOOP.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("glorycard._blocking")?
                .getattr("on_event_loop")?
                .unbind(),
        )
    })?;
    on_event_loop.call1(py, (family, method, async_form))?;
    Ok(())
}
