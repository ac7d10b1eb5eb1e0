//! Model times (`deductionTime`, `cancelTime`, `deductionTimeEnd`): `yyyy-MM-dd HH:mm:ss`
//! in China Standard Time (UTC+8), whatever the host's zone.
//!
//! `datetime.now()` on a server in UTC is eight hours off China time, silently; so a model
//! takes a `str` as written, or an aware `datetime` (converted here), and refuses a naive
//! one unless the caller says its zone. Python finds the aware datetime's UTC instant
//! (its tzinfo may be `timezone`, `zoneinfo` or `pytz`); the core turns that instant into
//! China time, the one place that arithmetic exists.

use glorycard_core::models::model_time;
use glorycard_core::{self as core, Error};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

use crate::error::to_py_err;

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TZINFO: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ZONE_INFO: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEZONE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The ways to give a model time, named in every refusal of a naive datetime (code, said
/// as it is in both languages; the sentence around it is the core's).
const HELPERS: &str = "glorycard.china_time_now(), glorycard.china_time(dt), \
     glorycard.china_time(dt, zone=\"Asia/Shanghai\"), \
     dt.replace(tzinfo=zoneinfo.ZoneInfo(\"Asia/Shanghai\"))";

/// A refusal (`invalid_field`) from the core, as the binding's validation error.
fn refused(py: Python<'_>, error: Error) -> PyErr {
    to_py_err(py, &error)
}

/// The model time of an aware `datetime`: its UTC instant, found by Python's own
/// arithmetic (`(dt - epoch) // 1 s`, exact in integers, sub-seconds floored), then UTC+8
/// by the core. `field` names the value in errors.
fn from_aware(py: Python<'_>, field: &str, aware: &Bound<'_, PyAny>) -> PyResult<String> {
    let utc = TIMEZONE
        .import(py, "datetime", "timezone")?
        .getattr("utc")?;
    let datetime = DATETIME.import(py, "datetime", "datetime")?;
    let epoch = datetime.call1((1970, 1, 1, 0, 0, 0, 0, utc))?;
    let one_second = TIMEDELTA
        .import(py, "datetime", "timedelta")?
        .call1((0, 1))?;
    let unix_seconds: i64 = aware.sub(epoch)?.floor_div(one_second)?.extract()?;
    core::china_time_from_unix_seconds(unix_seconds)
        .map_err(|_| refused(py, model_time::outside_years(field)))
}

/// Whether `value` is a `datetime.datetime`, and if so, whether it is aware (its
/// `utcoffset()` is not `None`, Python's own definition).
fn datetime_kind(value: &Bound<'_, PyAny>) -> PyResult<Option<bool>> {
    let datetime = DATETIME.import(value.py(), "datetime", "datetime")?;
    if !value.is_instance(datetime)? {
        return Ok(None);
    }
    Ok(Some(!value.call_method0("utcoffset")?.is_none()))
}

/// A model time as the core holds it: a `str` as given (`validate()` checks it), or an
/// aware `datetime` in China time. A naive `datetime` is refused naming `field` (the wire
/// name) and the helpers; any other type is a `TypeError`.
pub(crate) fn model_time(field: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    let py = value.py();
    match datetime_kind(value)? {
        Some(true) => from_aware(py, field, value),
        Some(false) => Err(refused(py, model_time::zoneless(field, HELPERS))),
        None => Err(PyTypeError::new_err(format!(
            "{field} must be a str (yyyy-MM-dd HH:mm:ss, China time) or an aware \
             datetime.datetime, not {}",
            value.get_type().name()?
        ))),
    }
}

/// [`model_time`] of an optional value (`None` stays `None`).
pub(crate) fn optional_model_time(
    field: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<String>> {
    match value {
        Some(value) if !value.is_none() => model_time(field, value).map(Some),
        _ => Ok(None),
    }
}

/// Now, from the system clock, as a model time `yyyy-MM-dd HH:mm:ss` in China Standard
/// Time (UTC+8), whatever the host's zone: the value for `deduction_time` and
/// `cancel_time`.
#[pyfunction]
fn china_time_now() -> String {
    core::china_time_now()
}

/// The model time `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8) of `dt`: an aware
/// `datetime` (any tzinfo), or a naive one with `zone` saying which zone its wall clock
/// is in (a zone name such as `"Asia/Shanghai"`, or a tzinfo). A naive `dt` without
/// `zone` raises `ValidationError` (code `invalid_field`, field `dt`); `zone` with an
/// aware `dt` too (field `zone`). Fractions of a second are dropped.
#[pyfunction]
#[pyo3(signature = (dt, zone = None))]
fn china_time(dt: &Bound<'_, PyAny>, zone: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    let py = dt.py();
    let aware = match (datetime_kind(dt)?, zone) {
        (None, _) => {
            return Err(PyTypeError::new_err(format!(
                "dt must be a datetime.datetime, not {}",
                dt.get_type().name()?
            )));
        }
        (Some(true), Some(_)) => {
            return Err(refused(py, model_time::zone_given_twice("zone")));
        }
        (Some(true), None) => dt.clone(),
        (Some(false), None) => {
            return Err(refused(py, model_time::zoneless("dt", HELPERS)));
        }
        (Some(false), Some(zone)) => {
            let aware = in_zone(dt, zone)?;
            // A tzinfo whose utcoffset() is None leaves the time as naive as it was.
            if datetime_kind(&aware)? != Some(true) {
                return Err(refused(py, model_time::zoneless("zone", HELPERS)));
            }
            aware
        }
    };
    from_aware(py, "dt", &aware)
}

/// A naive `dt` read as wall-clock time in `zone` (a zone name or a tzinfo). A pytz zone
/// is applied with its `localize` (its own rule; `replace` would take its first offset in
/// history); any other tzinfo with `replace`, so zoneinfo reads an ambiguous time at a
/// daylight-saving change as its `fold` says (0, the default: the first), as Python does.
fn in_zone<'py>(dt: &Bound<'py, PyAny>, zone: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = dt.py();
    let tzinfo = if let Ok(name) = zone.cast::<PyString>() {
        let zone_info = ZONE_INFO.import(py, "zoneinfo", "ZoneInfo")?;
        let zone_name = name.to_cow()?.into_owned();
        // ZoneInfoNotFoundError, or ValueError for a name that is not a valid key.
        zone_info
            .call1((name,))
            .map_err(|_| refused(py, model_time::unknown_zone("zone", &zone_name)))?
    } else if zone.is_instance(TZINFO.import(py, "datetime", "tzinfo")?)? {
        if zone.hasattr("localize")? {
            return zone.call_method1("localize", (dt,));
        }
        zone.clone()
    } else {
        return Err(PyTypeError::new_err(format!(
            "zone must be a zone name (str) or a datetime.tzinfo, not {}",
            zone.get_type().name()?
        )));
    };
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("tzinfo", tzinfo)?;
    dt.call_method("replace", (), Some(&kwargs))
}

/// Adds `china_time_now` and `china_time` to the module.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(china_time_now, module)?)?;
    module.add_function(wrap_pyfunction!(china_time, module)?)?;
    Ok(())
}
