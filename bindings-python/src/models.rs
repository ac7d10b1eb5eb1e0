//! The typed models of the platform's calls, with the core's validation and JSON.
//!
//! Attributes use Python names (`cert_no`); `to_json()` and `from_json()` use the
//! platform's wire names (`certNo`). Dictionary fields (`cert_type`, `glory_type`,
//! `deduction_type`, `status`) hold the wire code as `str` (`"0"`); codes the
//! dictionary does not know are kept when read and refused by `validate()`.
//! `repr()` masks `certNo` and `certName`.

use glorycard_core::models::{
    self as core, CertType, DeductionStatus, DeductionType, GloryType, Validate,
};
use glorycard_core::{mask_cert_name, mask_cert_no};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::error::CoreResult;
use crate::types::py_repr;

/// Conversion between a Python model and its core model.
trait Model: Sized {
    /// The core model.
    type Core: PartialEq;
    /// A copy as the core model.
    fn to_core(&self, py: Python<'_>) -> PyResult<Self::Core>;
    /// The Python model of a core model.
    fn from_core(py: Python<'_>, core: Self::Core) -> PyResult<Self>;
    /// The `repr`, personal data masked.
    fn repr(&self, py: Python<'_>) -> PyResult<String>;
}

fn py_repr_opt(py: Python<'_>, text: Option<&str>) -> PyResult<String> {
    match text {
        Some(text) => py_repr(py, text),
        None => Ok("None".to_string()),
    }
}

/// The bytes of a `from_json` argument (`str`, `bytes` or `bytearray`).
fn json_bytes(data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(text) = data.cast::<PyString>() {
        return Ok(text.to_cow()?.as_bytes().to_vec());
    }
    data.extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err("JSON must be given as str or bytes"))
}

/// The methods every model has; `validate` for the models that are sent.
macro_rules! model_methods {
    ($name:ident, validate, { $($items:tt)* }) => {
        model_methods!($name, {
            /// Checks every field as the platform requires; raises `ValidationError`
            /// (code `invalid_field`, `.field` the wire name of the first bad field).
            fn validate(&self, py: Python<'_>) -> PyResult<()> {
                self.to_core(py)?.validate().py_err(py)
            }

            $($items)*
        });
    };
    ($name:ident, { $($items:tt)* }) => {
        #[pymethods]
        impl $name {
            $($items)*

            /// The JSON text with the platform's wire names, as bytes: the exact bytes
            /// to send and to sign.
            fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
                let json = core::to_json(&self.to_core(py)?).py_err(py)?;
                Ok(PyBytes::new(py, &json))
            }

            /// Reads the model from JSON text (`str` or `bytes`) with the platform's wire
            /// names; raises `ValidationError` (code `serialization`) when a member is
            /// missing or of the wrong JSON type. Values are not validated here: call
            /// `validate()`.
            #[staticmethod]
            fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
                let bytes = json_bytes(data)?;
                let core = core::from_json::<<$name as Model>::Core>(&bytes).py_err(py)?;
                <$name as Model>::from_core(py, core)
            }

            /// Equal when every field is equal.
            fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
                match other.cast::<$name>() {
                    Ok(other) => Ok(self.to_core(py)? == other.try_borrow()?.to_core(py)?),
                    Err(_) => Ok(false),
                }
            }

            /// The fields, `cert_no` and `cert_name` masked.
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                self.repr(py)
            }
        }
    };
}

/// `store/all` request: the records with `dataID` greater than `data_id`.
#[pyclass(module = "glorycard")]
pub(crate) struct RosterPageRequest {
    /// The largest `dataID` seen so far (0 to start). Wire name `dataID`.
    #[pyo3(get, set)]
    data_id: i64,
    /// The institution's code. Wire name `orgCode`.
    #[pyo3(get, set)]
    org_code: String,
}

impl Model for RosterPageRequest {
    type Core = core::RosterPageRequest;
    fn to_core(&self, _py: Python<'_>) -> PyResult<Self::Core> {
        Ok(core::RosterPageRequest {
            data_id: self.data_id,
            org_code: self.org_code.clone(),
        })
    }
    fn from_core(_py: Python<'_>, c: Self::Core) -> PyResult<Self> {
        Ok(RosterPageRequest {
            data_id: c.data_id,
            org_code: c.org_code,
        })
    }
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "RosterPageRequest(data_id={}, org_code={})",
            self.data_id,
            py_repr(py, &self.org_code)?
        ))
    }
}

model_methods!(RosterPageRequest, validate, {
    /// A request for the records after `data_id`.
    #[new]
    #[pyo3(signature = (*, data_id, org_code))]
    fn new(data_id: i64, org_code: String) -> Self {
        RosterPageRequest { data_id, org_code }
    }
});

/// One holder in a `store/all` page (received; `cert_no` may arrive masked).
#[pyclass(module = "glorycard")]
pub(crate) struct RosterRecord {
    /// Identity document type code (`"0"` resident ID ... `"6"` passport). Wire `certType`.
    #[pyo3(get, set)]
    cert_type: String,
    /// Identity document number (personal data). Wire name `certNo`.
    #[pyo3(get, set)]
    cert_no: String,
    /// Holder's name (personal data). Wire name `certName`.
    #[pyo3(get, set)]
    cert_name: String,
    /// Card type code (`"1"` glory card). Wire name `gloryType`.
    #[pyo3(get, set)]
    glory_type: String,
    /// The card's serial number. Wire name `gloryID`.
    #[pyo3(get, set)]
    glory_id: i64,
    /// The record's serial number; pages are ordered by it. Wire name `dataID`.
    #[pyo3(get, set)]
    data_id: i64,
}

impl Model for RosterRecord {
    type Core = core::RosterRecord;
    fn to_core(&self, _py: Python<'_>) -> PyResult<Self::Core> {
        Ok(core::RosterRecord {
            cert_type: CertType::from_code(&self.cert_type),
            cert_no: self.cert_no.clone(),
            cert_name: self.cert_name.clone(),
            glory_type: GloryType::from_code(&self.glory_type),
            glory_id: self.glory_id,
            data_id: self.data_id,
        })
    }
    fn from_core(_py: Python<'_>, c: Self::Core) -> PyResult<Self> {
        Ok(RosterRecord {
            cert_type: c.cert_type.code().to_string(),
            cert_no: c.cert_no,
            cert_name: c.cert_name,
            glory_type: c.glory_type.code().to_string(),
            glory_id: c.glory_id,
            data_id: c.data_id,
        })
    }
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "RosterRecord(cert_type={}, cert_no={}, cert_name={}, glory_type={}, glory_id={}, data_id={})",
            py_repr(py, &self.cert_type)?,
            py_repr(py, &mask_cert_no(&self.cert_no))?,
            py_repr(py, &mask_cert_name(&self.cert_name))?,
            py_repr(py, &self.glory_type)?,
            self.glory_id,
            self.data_id
        ))
    }
}

model_methods!(RosterRecord, {
    /// A roster record.
    #[new]
    #[pyo3(signature = (*, cert_type, cert_no, cert_name, glory_type, glory_id, data_id))]
    fn new(
        cert_type: String,
        cert_no: String,
        cert_name: String,
        glory_type: String,
        glory_id: i64,
        data_id: i64,
    ) -> Self {
        RosterRecord {
            cert_type,
            cert_no,
            cert_name,
            glory_type,
            glory_id,
            data_id,
        }
    }
});

/// `store/deduct` request: one deduction granted to a holder.
#[pyclass(module = "glorycard")]
pub(crate) struct Deduction {
    /// The institution's code. Wire name `orgCode`.
    #[pyo3(get, set)]
    org_code: String,
    /// Identity document type code (`"0"` resident ID ... `"6"` passport). Wire `certType`.
    #[pyo3(get, set)]
    cert_type: String,
    /// Identity document number (personal data). Wire name `certNo`.
    #[pyo3(get, set)]
    cert_no: String,
    /// Holder's name (personal data). Wire name `certName`.
    #[pyo3(get, set)]
    cert_name: String,
    /// The business-unique id of this deduction (what makes a retry safe). `deductionID`.
    #[pyo3(get, set)]
    deduction_id: String,
    /// Total fee in yuan with exactly two decimals, as text (`"10.00"`). `totalFee`.
    #[pyo3(get, set)]
    total_fee: String,
    /// Waived amount, two decimals, at most `total_fee`. Wire name `deductionFee`.
    #[pyo3(get, set)]
    deduction_fee: String,
    /// When it was granted, `yyyy-MM-dd HH:mm:ss` (UTC+8). Wire name `deductionTime`.
    #[pyo3(get, set)]
    deduction_time: String,
    /// Card type code (`"1"` glory card). Wire name `gloryType`.
    #[pyo3(get, set)]
    glory_type: String,
    /// What the fee was for (`"0"` consultation, `"1"` bus, `"2"` scenic spot).
    /// Wire name `deductionType`.
    #[pyo3(get, set)]
    deduction_type: String,
    /// Optional remarks. Wire name `remarks`.
    #[pyo3(get, set)]
    remarks: Option<String>,
}

impl Deduction {
    fn core(&self) -> core::Deduction {
        core::Deduction {
            org_code: self.org_code.clone(),
            cert_type: CertType::from_code(&self.cert_type),
            cert_no: self.cert_no.clone(),
            cert_name: self.cert_name.clone(),
            deduction_id: self.deduction_id.clone(),
            total_fee: self.total_fee.clone(),
            deduction_fee: self.deduction_fee.clone(),
            deduction_time: self.deduction_time.clone(),
            glory_type: GloryType::from_code(&self.glory_type),
            deduction_type: DeductionType::from_code(&self.deduction_type),
            remarks: self.remarks.clone(),
        }
    }

    fn of(c: core::Deduction) -> Self {
        Deduction {
            org_code: c.org_code,
            cert_type: c.cert_type.code().to_string(),
            cert_no: c.cert_no,
            cert_name: c.cert_name,
            deduction_id: c.deduction_id,
            total_fee: c.total_fee,
            deduction_fee: c.deduction_fee,
            deduction_time: c.deduction_time,
            glory_type: c.glory_type.code().to_string(),
            deduction_type: c.deduction_type.code().to_string(),
            remarks: c.remarks,
        }
    }
}

impl Model for Deduction {
    type Core = core::Deduction;
    fn to_core(&self, _py: Python<'_>) -> PyResult<Self::Core> {
        Ok(self.core())
    }
    fn from_core(_py: Python<'_>, c: Self::Core) -> PyResult<Self> {
        Ok(Deduction::of(c))
    }
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Deduction(org_code={}, cert_type={}, cert_no={}, cert_name={}, deduction_id={}, \
             total_fee={}, deduction_fee={}, deduction_time={}, glory_type={}, \
             deduction_type={}, remarks={})",
            py_repr(py, &self.org_code)?,
            py_repr(py, &self.cert_type)?,
            py_repr(py, &mask_cert_no(&self.cert_no))?,
            py_repr(py, &mask_cert_name(&self.cert_name))?,
            py_repr(py, &self.deduction_id)?,
            py_repr(py, &self.total_fee)?,
            py_repr(py, &self.deduction_fee)?,
            py_repr(py, &self.deduction_time)?,
            py_repr(py, &self.glory_type)?,
            py_repr(py, &self.deduction_type)?,
            py_repr_opt(py, self.remarks.as_deref())?
        ))
    }
}

model_methods!(Deduction, validate, {
    /// A deduction. `glory_type` defaults to `"1"` (the glory card), the only card type.
    #[new]
    #[pyo3(signature = (
        *, org_code, cert_type, cert_no, cert_name, deduction_id, total_fee, deduction_fee,
        deduction_time, deduction_type, glory_type = "1".to_string(), remarks = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        org_code: String,
        cert_type: String,
        cert_no: String,
        cert_name: String,
        deduction_id: String,
        total_fee: String,
        deduction_fee: String,
        deduction_time: String,
        deduction_type: String,
        glory_type: String,
        remarks: Option<String>,
    ) -> Self {
        Deduction {
            org_code,
            cert_type,
            cert_no,
            cert_name,
            deduction_id,
            total_fee,
            deduction_fee,
            deduction_time,
            glory_type,
            deduction_type,
            remarks,
        }
    }
});

/// `store/deductCancel` request.
#[pyclass(module = "glorycard")]
pub(crate) struct Cancellation {
    /// The institution's code. Wire name `orgCode`.
    #[pyo3(get, set)]
    org_code: String,
    /// The id of the deduction to cancel. Wire name `deductionID`.
    #[pyo3(get, set)]
    deduction_id: String,
    /// When it was cancelled, `yyyy-MM-dd HH:mm:ss` (UTC+8). The wire name is the
    /// document's: `deductionTime`.
    #[pyo3(get, set)]
    cancel_time: String,
}

impl Model for Cancellation {
    type Core = core::Cancellation;
    fn to_core(&self, _py: Python<'_>) -> PyResult<Self::Core> {
        Ok(core::Cancellation {
            org_code: self.org_code.clone(),
            deduction_id: self.deduction_id.clone(),
            cancel_time: self.cancel_time.clone(),
        })
    }
    fn from_core(_py: Python<'_>, c: Self::Core) -> PyResult<Self> {
        Ok(Cancellation {
            org_code: c.org_code,
            deduction_id: c.deduction_id,
            cancel_time: c.cancel_time,
        })
    }
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Cancellation(org_code={}, deduction_id={}, cancel_time={})",
            py_repr(py, &self.org_code)?,
            py_repr(py, &self.deduction_id)?,
            py_repr(py, &self.cancel_time)?
        ))
    }
}

model_methods!(Cancellation, validate, {
    /// A cancellation of the deduction `deduction_id`.
    #[new]
    #[pyo3(signature = (*, org_code, deduction_id, cancel_time))]
    fn new(org_code: String, deduction_id: String, cancel_time: String) -> Self {
        Cancellation {
            org_code,
            deduction_id,
            cancel_time,
        }
    }
});

/// `deductCheck` request, from the platform to the institution. The wire names differ
/// in form (`deductTimeStart`, `deductionTimeEnd`): that is the platform document's.
#[pyclass(module = "glorycard")]
pub(crate) struct DeductCheckRequest {
    /// The institution's code. Wire name `orgCode`.
    #[pyo3(get, set)]
    org_code: String,
    /// Start of the window, `yyyy-MM-dd HH:mm:ss`. Wire name `deductTimeStart`.
    #[pyo3(get, set)]
    deduct_time_start: String,
    /// End of the window, `yyyy-MM-dd HH:mm:ss`. Wire name `deductionTimeEnd`.
    #[pyo3(get, set)]
    deduction_time_end: String,
}

impl Model for DeductCheckRequest {
    type Core = core::DeductCheckRequest;
    fn to_core(&self, _py: Python<'_>) -> PyResult<Self::Core> {
        Ok(core::DeductCheckRequest {
            org_code: self.org_code.clone(),
            deduct_time_start: self.deduct_time_start.clone(),
            deduction_time_end: self.deduction_time_end.clone(),
        })
    }
    fn from_core(_py: Python<'_>, c: Self::Core) -> PyResult<Self> {
        Ok(DeductCheckRequest {
            org_code: c.org_code,
            deduct_time_start: c.deduct_time_start,
            deduction_time_end: c.deduction_time_end,
        })
    }
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "DeductCheckRequest(org_code={}, deduct_time_start={}, deduction_time_end={})",
            py_repr(py, &self.org_code)?,
            py_repr(py, &self.deduct_time_start)?,
            py_repr(py, &self.deduction_time_end)?
        ))
    }
}

model_methods!(DeductCheckRequest, validate, {
    /// A reconciliation request for deductions between the two times.
    #[new]
    #[pyo3(signature = (*, org_code, deduct_time_start, deduction_time_end))]
    fn new(org_code: String, deduct_time_start: String, deduction_time_end: String) -> Self {
        DeductCheckRequest {
            org_code,
            deduct_time_start,
            deduction_time_end,
        }
    }
});

/// One record answered to `deductCheck`: a deduction as uploaded, its `status` and, for a
/// cancelled one, its `cancel_time`. On the wire the deduction's members are inline.
#[pyclass(module = "glorycard")]
pub(crate) struct DeductCheckRecord {
    /// The deduction as uploaded (the same object: changing it changes the record).
    #[pyo3(get, set)]
    deduction: Py<Deduction>,
    /// `"1"` deducted, `"0"` cancelled. Wire name `status`.
    #[pyo3(get, set)]
    status: String,
    /// When it was cancelled (`yyyy-MM-dd HH:mm:ss`); required when `status` is `"0"`.
    /// Wire name `cancelTime`.
    #[pyo3(get, set)]
    cancel_time: Option<String>,
}

impl Model for DeductCheckRecord {
    type Core = core::DeductCheckRecord;
    fn to_core(&self, py: Python<'_>) -> PyResult<Self::Core> {
        Ok(core::DeductCheckRecord {
            deduction: self.deduction.try_borrow(py)?.core(),
            status: DeductionStatus::from_code(&self.status),
            cancel_time: self.cancel_time.clone(),
        })
    }
    fn from_core(py: Python<'_>, c: Self::Core) -> PyResult<Self> {
        Ok(DeductCheckRecord {
            deduction: Py::new(py, Deduction::of(c.deduction))?,
            status: c.status.code().to_string(),
            cancel_time: c.cancel_time,
        })
    }
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "DeductCheckRecord(deduction={}, status={}, cancel_time={})",
            self.deduction.try_borrow(py)?.repr(py)?,
            py_repr(py, &self.status)?,
            py_repr_opt(py, self.cancel_time.as_deref())?
        ))
    }
}

model_methods!(DeductCheckRecord, validate, {
    /// A record of `deduction` with its `status`.
    #[new]
    #[pyo3(signature = (*, deduction, status, cancel_time = None))]
    fn new(deduction: Py<Deduction>, status: String, cancel_time: Option<String>) -> Self {
        DeductCheckRecord {
            deduction,
            status,
            cancel_time,
        }
    }
});

/// Adds the model classes to the module.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<RosterPageRequest>()?;
    module.add_class::<RosterRecord>()?;
    module.add_class::<Deduction>()?;
    module.add_class::<Cancellation>()?;
    module.add_class::<DeductCheckRequest>()?;
    module.add_class::<DeductCheckRecord>()?;
    Ok(())
}
