//! The typed models of the platform's calls: each class wraps the core's model itself
//! (`Deduction(core::Deduction)`, as huggingface/tokenizers wraps its core types), so the
//! fields, their validation and their JSON are the core's.
//!
//! Attributes use Python names (`cert_no`) and delegate to the wrapped model; `to_json()`
//! and `from_json()` use the platform's wire names (`certNo`). Dictionary fields
//! (`cert_type`, `glory_type`, `deduction_type`, `status`) hold the wire code as `str`
//! (`"0"`); codes the dictionary does not know are kept when read and refused by
//! `validate()`. `repr()` is the core's `Debug`, which masks `certNo` and `certName`,
//! written in Python's form.

use glorycard_core::models::{
    self as core, CertType, DeductionStatus, DeductionType, GloryType, Validate,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyString, PyType};

use crate::china_time::{model_time, optional_model_time};
use crate::error::{CoreResult, to_py_err};
use crate::types::repr_of_debug;

/// The bytes of a `from_json` argument (`str`, `bytes` or `bytearray`).
fn json_bytes(data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(text) = data.cast::<PyString>() {
        return Ok(text.to_cow()?.as_bytes().to_vec());
    }
    data.extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err("JSON must be given as str or bytes"))
}

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A fee as the core holds it: a `str` as given (`validate()` checks it), or a
/// `decimal.Decimal` written with exactly two decimals; a `Decimal` that would lose a
/// digit, NaN or infinity is refused naming `field` (the wire name).
fn fee_text(field: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    let py = value.py();
    let decimal = DECIMAL.import(py, "decimal", "Decimal")?;
    if !value.is_instance(decimal)? {
        return Err(PyTypeError::new_err(format!(
            "{field} must be a str or a decimal.Decimal, not {}",
            value.get_type().name()?
        )));
    }
    let refused = |reason: &str| {
        to_py_err(
            py,
            &glorycard_core::Error::InvalidField {
                field: field.to_string(),
                reason: reason.to_string(),
            },
        )
    };
    if !value.call_method0("is_finite")?.is_truthy()? {
        return Err(refused(
            "a Decimal that is NaN or infinite is not an amount",
        ));
    }
    let cent = decimal.call1(("0.01",))?;
    // quantize raises InvalidOperation when the result has more digits than the context.
    let cents = value
        .call_method1("quantize", (cent,))
        .map_err(|_| refused("a Decimal too large to write with two decimals"))?;
    if !cents.eq(value)? {
        return Err(refused(
            "a Decimal with more than two decimals (the platform takes yuan with exactly two, like 10.00)",
        ));
    }
    cents.call_method1("__format__", ("f",))?.extract()
}

/// How a core field reads and writes as a Python attribute.
trait Attribute: Sized {
    /// The Python-side type.
    type Py;
    fn get(&self) -> Self::Py;
    fn set(value: Self::Py) -> Self;
}

macro_rules! plain_attribute {
    ($($ty:ty),*) => {$(
        impl Attribute for $ty {
            type Py = $ty;
            fn get(&self) -> $ty {
                self.clone()
            }
            fn set(value: $ty) -> Self {
                value
            }
        }
    )*};
}
plain_attribute!(String, Option<String>, i64);

/// Personal data is a `str` in Python.
macro_rules! text_attribute {
    ($($ty:ty),*) => {$(
        impl Attribute for $ty {
            type Py = String;
            fn get(&self) -> String {
                self.as_str().to_string()
            }
            fn set(value: String) -> Self {
                value.into()
            }
        }
    )*};
}
text_attribute!(core::CertNo, core::CertName);

/// A dictionary value is its wire code in Python.
macro_rules! code_attribute {
    ($($ty:ty),*) => {$(
        impl Attribute for $ty {
            type Py = String;
            fn get(&self) -> String {
                self.code().to_string()
            }
            fn set(value: String) -> Self {
                <$ty>::from_code(&value)
            }
        }
    )*};
}
code_attribute!(CertType, GloryType, DeductionType, DeductionStatus);

/// Declares a model class wrapping `$core`.
macro_rules! model {
    (
        $(#[$meta:meta])*
        $name:ident($core:ty) $(+ $validate:ident)? { $($fields:tt)* } $items:tt
    ) => {
        $(#[$meta])*
        #[pyclass(module = "glorycard")]
        #[repr(transparent)]
        pub(crate) struct $name(pub(crate) $core);

        impl $name {
            fn core(&self, _py: Python<'_>) -> PyResult<$core> {
                Ok(self.0.clone())
            }
            fn wrap(_py: Python<'_>, model: $core) -> PyResult<Self> {
                Ok($name(model))
            }
        }

        model_methods!($name($core).0 $(+ $validate)? { $($fields)* } $items);
    };
}

/// The methods of a model class: an attribute per listed field, delegating to the core
/// model at `self.$base`, and `to_json`, `from_json`, `__eq__`, `__repr__` (and `validate`
/// for the models that are sent), plus the constructor and any other items given. The
/// class has `core()` (its core model) and `wrap()` (the class of a core model).
macro_rules! model_methods {
    (
        $name:ident($core:ty).$base:tt $(+ $validate:ident)? {
            $( $(#[$fmeta:meta])* $field:ident / $setter:ident: $fty:ty, )*
        }
        { $($items:tt)* }
    ) => {
        #[pymethods]
        impl $name {
            $($items)*

            $(
                $(#[$fmeta])*
                #[getter]
                fn $field(&self) -> <$fty as Attribute>::Py {
                    self.$base.$field.get()
                }

                #[setter($field)]
                fn $setter(&mut self, value: <$fty as Attribute>::Py) {
                    self.$base.$field = <$fty as Attribute>::set(value);
                }
            )*

            $(
                /// Checks every field as the platform requires; raises `ValidationError`
                /// (code `invalid_field`, `.field` the wire name of the first bad field).
                fn $validate(&self, py: Python<'_>) -> PyResult<()> {
                    self.core(py)?.validate().py_err(py)
                }
            )?

            /// The JSON text with the platform's wire names, as bytes: the exact bytes
            /// to send and to sign.
            fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
                let json = core::to_json(&self.core(py)?).py_err(py)?;
                Ok(PyBytes::new(py, &json))
            }

            /// Reads the model from JSON text (`str` or `bytes`) with the platform's wire
            /// names; raises `ValidationError` (code `serialization`) when a member is
            /// missing or of the wrong JSON type. Values are not validated here: call
            /// `validate()`.
            #[staticmethod]
            fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
                let bytes = json_bytes(data)?;
                let model = core::from_json::<$core>(&bytes).py_err(py)?;
                $name::wrap(py, model)
            }

            /// Equal when every field is equal.
            fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
                match other.cast::<$name>() {
                    Ok(other) => Ok(self.core(py)? == other.try_borrow()?.core(py)?),
                    Err(_) => Ok(false),
                }
            }

            /// The core's `Debug` (`cert_no` and `cert_name` masked) in Python's form.
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                repr_of_debug(py, &format!("{:?}", self.core(py)?))
            }
        }
    };
}

model! {
    /// `store/all` request: the records with `dataID` greater than `data_id`.
    RosterPageRequest(core::RosterPageRequest) + validate {
        /// The largest `dataID` seen so far (0 to start). Wire name `dataID`.
        data_id / set_data_id: i64,
        /// The institution's code. Wire name `orgCode`.
        org_code / set_org_code: String,
    }
    {
        /// A request for the records after `data_id`.
        #[new]
        #[pyo3(signature = (*, data_id, org_code))]
        fn new(data_id: i64, org_code: String) -> Self {
            RosterPageRequest(core::RosterPageRequest { data_id, org_code })
        }
    }
}

model! {
    /// One holder in a `store/all` page (received; `cert_no` may arrive masked).
    RosterRecord(core::RosterRecord) {
        /// Identity document type code (`"0"` resident ID ... `"6"` passport). Wire `certType`.
        cert_type / set_cert_type: CertType,
        /// Identity document number (personal data). Wire name `certNo`.
        cert_no / set_cert_no: core::CertNo,
        /// Holder's name (personal data). Wire name `certName`.
        cert_name / set_cert_name: core::CertName,
        /// Card type code (`"1"` glory card). Wire name `gloryType`.
        glory_type / set_glory_type: GloryType,
        /// The card's serial number. Wire name `gloryID`.
        glory_id / set_glory_id: i64,
        /// The record's serial number; pages are ordered by it. Wire name `dataID`.
        data_id / set_data_id: i64,
    }
    {
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
            RosterRecord(core::RosterRecord {
                cert_type: CertType::from_code(&cert_type),
                cert_no: cert_no.into(),
                cert_name: cert_name.into(),
                glory_type: GloryType::from_code(&glory_type),
                glory_id,
                data_id,
            })
        }
    }
}

model! {
    /// `store/deduct` request: one deduction granted to a holder.
    Deduction(core::Deduction) + validate {
        /// The institution's code. Wire name `orgCode`.
        org_code / set_org_code: String,
        /// Identity document type code (`"0"` resident ID ... `"6"` passport). Wire `certType`.
        cert_type / set_cert_type: CertType,
        /// Identity document number (personal data). Wire name `certNo`.
        cert_no / set_cert_no: core::CertNo,
        /// Holder's name (personal data). Wire name `certName`.
        cert_name / set_cert_name: core::CertName,
        /// The business-unique id of this deduction. Wire name `deductionID`.
        deduction_id / set_deduction_id: String,
        /// Card type code (`"1"` glory card). Wire name `gloryType`.
        glory_type / set_glory_type: GloryType,
        /// What the fee was for (`"0"` outpatient consultation ...). Wire `deductionType`.
        deduction_type / set_deduction_type: DeductionType,
        /// Optional remarks. Wire name `remarks`.
        remarks / set_remarks: Option<String>,
    }
    {
        /// When it was granted, `yyyy-MM-dd HH:mm:ss` in China time (UTC+8). Wire
        /// `deductionTime`. Set from a `str` or an aware `datetime` (converted to China
        /// time); a naive `datetime` raises `ValidationError`.
        #[getter]
        fn deduction_time(&self) -> String {
            self.0.deduction_time.clone()
        }

        #[setter(deduction_time)]
        fn set_deduction_time(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
            self.0.deduction_time = model_time("deductionTime", value)?;
            Ok(())
        }

        /// Total fee in yuan, exactly two decimals (`"10.00"`). Wire name `totalFee`. Set
        /// from a `str` or a `decimal.Decimal` (written with two decimals).
        #[getter]
        fn total_fee(&self) -> String {
            self.0.total_fee.clone()
        }

        #[setter(total_fee)]
        fn set_total_fee(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
            self.0.total_fee = fee_text("totalFee", value)?;
            Ok(())
        }

        /// Waived amount in yuan, two decimals, at most `total_fee`. Wire `deductionFee`.
        /// Set from a `str` or a `decimal.Decimal` (written with two decimals).
        #[getter]
        fn deduction_fee(&self) -> String {
            self.0.deduction_fee.clone()
        }

        #[setter(deduction_fee)]
        fn set_deduction_fee(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
            self.0.deduction_fee = fee_text("deductionFee", value)?;
            Ok(())
        }

        /// A deduction. `glory_type` defaults to `"1"` (the glory card), the only card type.
        /// The fees are `str` (`"10.00"`) or `decimal.Decimal` (`Decimal("10")` is written
        /// `"10.00"`; more than two decimals, NaN or infinity raise `ValidationError`).
        /// `deduction_time` is a `str` or an aware `datetime` (`china_time_now()` for now).
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
            total_fee: &Bound<'_, PyAny>,
            deduction_fee: &Bound<'_, PyAny>,
            deduction_time: &Bound<'_, PyAny>,
            deduction_type: String,
            glory_type: String,
            remarks: Option<String>,
        ) -> PyResult<Self> {
            let total_fee = fee_text("totalFee", total_fee)?;
            let deduction_fee = fee_text("deductionFee", deduction_fee)?;
            let deduction_time = model_time("deductionTime", deduction_time)?;
            Ok(Deduction(core::Deduction {
                org_code,
                cert_type: CertType::from_code(&cert_type),
                cert_no: cert_no.into(),
                cert_name: cert_name.into(),
                deduction_id,
                total_fee,
                deduction_fee,
                deduction_time,
                glory_type: GloryType::from_code(&glory_type),
                deduction_type: DeductionType::from_code(&deduction_type),
                remarks,
            }))
        }
    }
}

model! {
    /// `store/deductCancel` request.
    Cancellation(core::Cancellation) + validate {
        /// The institution's code. Wire name `orgCode`.
        org_code / set_org_code: String,
        /// The id of the deduction to cancel. Wire name `deductionID`.
        deduction_id / set_deduction_id: String,
    }
    {
        /// When it was cancelled, `yyyy-MM-dd HH:mm:ss` in China time (UTC+8). The wire
        /// name is the document's: `deductionTime`. Set from a `str` or an aware
        /// `datetime`; a naive `datetime` raises `ValidationError` (field `cancelTime`).
        #[getter]
        fn cancel_time(&self) -> String {
            self.0.cancel_time.clone()
        }

        #[setter(cancel_time)]
        fn set_cancel_time(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
            self.0.cancel_time = model_time(core::Cancellation::CANCEL_TIME, value)?;
            Ok(())
        }

        /// A cancellation of the deduction `deduction_id`; `cancel_time` is a `str` or an
        /// aware `datetime` (`china_time_now()` for now).
        #[new]
        #[pyo3(signature = (*, org_code, deduction_id, cancel_time))]
        fn new(
            org_code: String,
            deduction_id: String,
            cancel_time: &Bound<'_, PyAny>,
        ) -> PyResult<Self> {
            Ok(Cancellation(core::Cancellation {
                org_code,
                deduction_id,
                cancel_time: model_time(core::Cancellation::CANCEL_TIME, cancel_time)?,
            }))
        }
    }
}

model! {
    /// `deductCheck` request, from the platform to the institution. The wire names differ
    /// in form (`deductTimeStart`, `deductionTimeEnd`): that is the platform document's.
    DeductCheckRequest(core::DeductCheckRequest) + validate {
        /// The institution's code. Wire name `orgCode`.
        org_code / set_org_code: String,
    }
    {
        /// Start of the window, `yyyy-MM-dd HH:mm:ss` in China time. Wire name
        /// `deductTimeStart`. Set from a `str` or an aware `datetime`.
        #[getter]
        fn deduct_time_start(&self) -> String {
            self.0.deduct_time_start.clone()
        }

        #[setter(deduct_time_start)]
        fn set_deduct_time_start(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
            self.0.deduct_time_start = model_time("deductTimeStart", value)?;
            Ok(())
        }

        /// End of the window, `yyyy-MM-dd HH:mm:ss` in China time. Wire name
        /// `deductionTimeEnd`. Set from a `str` or an aware `datetime`.
        #[getter]
        fn deduction_time_end(&self) -> String {
            self.0.deduction_time_end.clone()
        }

        #[setter(deduction_time_end)]
        fn set_deduction_time_end(&mut self, value: &Bound<'_, PyAny>) -> PyResult<()> {
            self.0.deduction_time_end = model_time("deductionTimeEnd", value)?;
            Ok(())
        }

        /// A reconciliation request for deductions between the two times (each a `str`
        /// or an aware `datetime`).
        #[new]
        #[pyo3(signature = (*, org_code, deduct_time_start, deduction_time_end))]
        fn new(
            org_code: String,
            deduct_time_start: &Bound<'_, PyAny>,
            deduction_time_end: &Bound<'_, PyAny>,
        ) -> PyResult<Self> {
            Ok(DeductCheckRequest(core::DeductCheckRequest {
                org_code,
                deduct_time_start: model_time("deductTimeStart", deduct_time_start)?,
                deduction_time_end: model_time("deductionTimeEnd", deduction_time_end)?,
            }))
        }
    }
}

/// One record answered to `deductCheck`: a deduction as uploaded, its `status` and, for a
/// cancelled one, its `cancel_time`. On the wire the deduction's members are inline.
///
/// The deduction is a Python object of its own, shared (changing it changes the record),
/// so this class holds it beside the core record, whose `deduction` it replaces when the
/// record is used.
#[pyclass(module = "glorycard")]
pub(crate) struct DeductCheckRecord {
    /// The core record; its `deduction` is taken from `deduction` when used.
    record: core::DeductCheckRecord,
    /// The deduction as uploaded (the same object: changing it changes the record).
    #[pyo3(get, set)]
    deduction: Py<Deduction>,
}

impl DeductCheckRecord {
    pub(crate) fn core(&self, py: Python<'_>) -> PyResult<core::DeductCheckRecord> {
        Ok(core::DeductCheckRecord {
            deduction: self.deduction.try_borrow(py)?.0.clone(),
            ..self.record.clone()
        })
    }
    pub(crate) fn wrap(py: Python<'_>, record: core::DeductCheckRecord) -> PyResult<Self> {
        Ok(DeductCheckRecord {
            deduction: Py::new(py, Deduction(record.deduction.clone()))?,
            record,
        })
    }
}

model_methods! {
    DeductCheckRecord(core::DeductCheckRecord).record + validate {
        /// `"1"` deducted, `"0"` cancelled. Wire name `status`.
        status / set_status: DeductionStatus,
    }
    {
        /// When it was cancelled (`yyyy-MM-dd HH:mm:ss`, China time); required when
        /// `status` is `"0"`. Wire name `cancelTime`. Set from a `str`, an aware
        /// `datetime` or `None`.
        #[getter]
        fn cancel_time(&self) -> Option<String> {
            self.record.cancel_time.clone()
        }

        #[setter(cancel_time)]
        fn set_cancel_time(&mut self, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
            self.record.cancel_time = optional_model_time("cancelTime", value)?;
            Ok(())
        }

        /// A record of `deduction` with its `status`.
        #[new]
        #[pyo3(signature = (*, deduction, status, cancel_time = None))]
        fn new(
            py: Python<'_>,
            deduction: Py<Deduction>,
            status: String,
            cancel_time: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            let record = core::DeductCheckRecord {
                deduction: deduction.try_borrow(py)?.0.clone(),
                status: DeductionStatus::from_code(&status),
                cancel_time: optional_model_time("cancelTime", cancel_time)?,
            };
            Ok(DeductCheckRecord { record, deduction })
        }
    }
}

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
