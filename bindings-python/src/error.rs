//! Python exceptions for core errors: one class per [`ErrorFamily`], the stable code on
//! `.code`, the body offset on `.offset` and the model field on `.field`.

use glorycard_core::{Error, ErrorCode, ErrorFamily};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

pyo3::create_exception!(
    glorycard,
    GlorycardError,
    PyValueError,
    "Base class of every glorycard error. `.code` is the core's stable code (one of \
     `glorycard.ERROR_CODES`), `.offset` the byte offset into the body where there is one, \
     `.field` the wire name of an invalid model field where there is one. `str()` is the \
     message in English, `.message_zh` the same message in Chinese (the same code and \
     values). Messages never contain the secret key, a certNo or a certName. A subclass of \
     `ValueError`."
);
pyo3::create_exception!(
    glorycard,
    InvalidBody,
    GlorycardError,
    "The body cannot be canonicalized: invalid JSON or UTF-8, a top level that is not an \
     object, duplicate keys, two paths flattening to one name, nesting deeper than 64, a \
     number too long, or a native value (NaN, infinity) with no JSON form."
);
pyo3::create_exception!(
    glorycard,
    InvalidTimestamp,
    GlorycardError,
    "A timestamp is not 14 digits `yyyyMMddHHmmss` forming a real date and time (code \
     `invalid_timestamp`), or is outside the verifier's skew window (code \
     `timestamp_out_of_window`)."
);
pyo3::create_exception!(
    glorycard,
    SignatureError,
    GlorycardError,
    "A signature is malformed, does not match, was replayed, its sid is unknown, or a \
     header is missing or given more than once."
);
pyo3::create_exception!(
    glorycard,
    ValidationError,
    GlorycardError,
    "A model field is invalid (code `invalid_field`, `.field` names it by its wire name) \
     or a model cannot be built from or written as JSON (code `serialization`)."
);
pyo3::create_exception!(
    glorycard,
    InvalidKey,
    GlorycardError,
    "The secret key is unusable (code `empty_key`)."
);

pyo3::create_exception!(
    glorycard,
    TransportError,
    GlorycardError,
    "The platform could not be reached, did not answer in time, or answered with an HTTP \
     error (codes `timeout`, `connect`, `http_status` with `.http_status`, `transport`). \
     `.retryable` says whether trying again later may succeed."
);
pyo3::create_exception!(
    glorycard,
    PlatformRejected,
    GlorycardError,
    "The platform refused the request (code `platform_rejected`, `responseFlag` \"0\"); \
     `.platform_message` is its `responseMessage`. Never retryable."
);
pyo3::create_exception!(
    glorycard,
    UntrustedResponse,
    GlorycardError,
    "An answer arrived but could not be trusted: its signature failed (a signature code \
     such as `signature_mismatch`, usually a wrong key on this side), it was unsigned \
     (`unsigned_response`) or malformed (`invalid_response`). Retryable: whether the \
     request was applied is unknown."
);
pyo3::create_exception!(
    glorycard,
    ConfigError,
    GlorycardError,
    "The client's configuration is unusable (code `config`)."
);
pyo3::create_exception!(
    glorycard,
    StorageError,
    GlorycardError,
    "An outbox or replica file failed (code `storage`), or the request contradicts what \
     it holds (code `conflict`). Nothing was half-written."
);

/// Converts a client error into its Python exception, with `.code`, `.retryable` and,
/// where there is one, `.http_status` or `.platform_message`.
pub(crate) fn client_err(py: Python<'_>, error: &glorycard_client::ClientError) -> PyErr {
    use glorycard_client::ClientError as E;
    let (class, http_status, platform_message) = match error {
        E::Core(core) => return to_py_err(py, core),
        E::HttpStatus { status, .. } => (py.get_type::<TransportError>(), Some(*status), None),
        E::PlatformRejected { message } => (
            py.get_type::<PlatformRejected>(),
            None,
            Some(message.clone()),
        ),
        E::ResponseSignature { .. } | E::UnsignedResponse { .. } | E::InvalidResponse { .. } => {
            (py.get_type::<UntrustedResponse>(), None, None)
        }
        E::Config { .. } => (py.get_type::<ConfigError>(), None, None),
        // Timeout, Connect, Transport, and variants added later (non-exhaustive).
        _ => (py.get_type::<TransportError>(), None, None),
    };
    let err = PyErr::from_type(class, error.to_string());
    let value = err.value(py);
    let attributes = value
        .setattr("code", error.code())
        .and_then(|()| value.setattr("message_zh", error.message_zh()))
        .and_then(|()| value.setattr("retryable", error.is_retryable()))
        .and_then(|()| value.setattr("http_status", http_status))
        .and_then(|()| value.setattr("platform_message", platform_message));
    match attributes {
        Ok(()) => err,
        Err(failed) => failed,
    }
}

/// Converts an outbox or replica error into its Python exception.
pub(crate) fn durable_err(py: Python<'_>, error: &glorycard_durable::DurableError) -> PyErr {
    use glorycard_durable::DurableError as E;
    match error {
        E::Core(core) => to_py_err(py, core),
        E::Client(client) => client_err(py, client),
        _ => {
            let err = PyErr::from_type(py.get_type::<StorageError>(), error.to_string());
            let value = err.value(py);
            let attributes = value
                .setattr("code", error.code())
                .and_then(|()| value.setattr("message_zh", error.message_zh()));
            match attributes {
                Ok(()) => err,
                Err(failed) => failed,
            }
        }
    }
}

/// The Python class an error is raised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// `GlorycardError` itself, for a family this binding does not know yet.
    Base,
    /// `InvalidBody`.
    InvalidBody,
    /// `InvalidTimestamp`.
    InvalidTimestamp,
    /// `SignatureError`.
    Signature,
    /// `ValidationError`.
    Validation,
    /// `InvalidKey`.
    Key,
}

/// The class of a code: one per core [`ErrorFamily`].
fn class_of(code: ErrorCode) -> Class {
    match code.family() {
        ErrorFamily::InvalidBody => Class::InvalidBody,
        ErrorFamily::InvalidTimestamp => Class::InvalidTimestamp,
        ErrorFamily::Signature => Class::Signature,
        ErrorFamily::Validation => Class::Validation,
        ErrorFamily::Key => Class::Key,
        // A family added to the core later still reaches Python as a GlorycardError.
        _ => Class::Base,
    }
}

/// Converts a core error into the Python exception of its family, with `.code`,
/// `.message_zh`, `.offset` and `.field` set.
pub(crate) fn to_py_err(py: Python<'_>, error: &Error) -> PyErr {
    let err = PyErr::from_type(class_type(py, class_of(error.code())), error.to_string());
    let value = err.value(py);
    let attributes = value
        .setattr("code", error.code().as_str())
        .and_then(|()| value.setattr("message_zh", error.message_zh()))
        .and_then(|()| value.setattr("offset", error.offset()))
        .and_then(|()| value.setattr("field", error.field()));
    match attributes {
        Ok(()) => err,
        Err(failed) => failed,
    }
}

/// The Python type of a class.
fn class_type(py: Python<'_>, class: Class) -> Bound<'_, PyType> {
    match class {
        Class::InvalidBody => py.get_type::<InvalidBody>(),
        Class::InvalidTimestamp => py.get_type::<InvalidTimestamp>(),
        Class::Signature => py.get_type::<SignatureError>(),
        Class::Validation => py.get_type::<ValidationError>(),
        Class::Key => py.get_type::<InvalidKey>(),
        Class::Base => py.get_type::<GlorycardError>(),
    }
}

/// The exception class an error of this code (one of `ERROR_CODES`) is raised as: the
/// class of its family. Raises `ValueError` for a string that is not a code.
#[pyfunction]
fn error_class<'py>(py: Python<'py>, code: &str) -> PyResult<Bound<'py, PyType>> {
    let code: ErrorCode = code
        .parse()
        .map_err(|e: glorycard_core::UnknownErrorCode| PyValueError::new_err(e.to_string()))?;
    Ok(class_type(py, class_of(code)))
}

/// Extension for `Result<T, glorycard_core::Error>`: converts the error for Python.
pub(crate) trait CoreResult<T> {
    /// The value, or the core error as its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> CoreResult<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|error| to_py_err(py, &error))
    }
}

/// Adds the exception classes to the module, with class-level defaults for `.code`,
/// `.message_zh`, `.offset` and `.field` (so the attributes exist on the classes too).
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let base = py.get_type::<GlorycardError>();
    base.setattr("code", "")?;
    base.setattr("message_zh", "")?;
    base.setattr("offset", py.None())?;
    base.setattr("field", py.None())?;
    base.setattr("retryable", false)?;
    base.setattr("http_status", py.None())?;
    base.setattr("platform_message", py.None())?;
    let classes: [(&str, Bound<'_, PyType>); 11] = [
        ("GlorycardError", base),
        ("InvalidBody", py.get_type::<InvalidBody>()),
        ("InvalidTimestamp", py.get_type::<InvalidTimestamp>()),
        ("SignatureError", py.get_type::<SignatureError>()),
        ("ValidationError", py.get_type::<ValidationError>()),
        ("InvalidKey", py.get_type::<InvalidKey>()),
        ("TransportError", py.get_type::<TransportError>()),
        ("PlatformRejected", py.get_type::<PlatformRejected>()),
        ("UntrustedResponse", py.get_type::<UntrustedResponse>()),
        ("ConfigError", py.get_type::<ConfigError>()),
        ("StorageError", py.get_type::<StorageError>()),
    ];
    for (name, class) in classes {
        module.add(name, class)?;
    }
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    module.add("ERROR_CODES", pyo3::types::PyTuple::new(py, codes)?)?;
    module.add_function(wrap_pyfunction!(error_class, module)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every core code arrives as its family's class (the classes issue 4 names), never as
    /// the base class. Driven by `ErrorCode::ALL`, so a new code needs no edit unless it
    /// brings a new family; this covers `body_too_large`, which the Python tests cannot
    /// reach (a body over 4 GiB).
    #[test]
    fn every_code_has_its_family_class() {
        let family_class = [
            (ErrorFamily::InvalidBody, Class::InvalidBody),
            (ErrorFamily::InvalidTimestamp, Class::InvalidTimestamp),
            (ErrorFamily::Signature, Class::Signature),
            (ErrorFamily::Validation, Class::Validation),
            (ErrorFamily::Key, Class::Key),
        ];
        for code in ErrorCode::ALL {
            let (_, class) = family_class
                .iter()
                .find(|(family, _)| *family == code.family())
                .unwrap_or_else(|| panic!("{code}: family {} has no class", code.family()));
            assert_eq!(class_of(*code), *class, "{code}");
        }
        let error = Error::BodyTooLarge { len: 1 << 32 };
        assert_eq!(class_of(error.code()), Class::InvalidBody);
    }
}
