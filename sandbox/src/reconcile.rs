//! Comparing the platform's records with an institution's `deductCheck` answer.

use std::collections::BTreeMap;

use glorycard_core::models::{DeductCheckRecord, DeductCheckRequest};

/// The reconciliation report served at `GET /admin/reconcile`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reconciliation {
    /// The org reconciled.
    #[serde(rename = "orgCode")]
    pub org_code: String,
    /// Window start (`yyyy-MM-dd HH:mm:ss`).
    pub start: String,
    /// Window end.
    pub end: String,
    /// Records the platform holds in the window.
    #[serde(rename = "platformCount")]
    pub platform_count: usize,
    /// Records the institution answered.
    #[serde(rename = "institutionCount")]
    pub institution_count: usize,
    /// Every difference, by `deductionID`.
    pub differences: Vec<Difference>,
}

/// One difference between the two sides.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Difference {
    /// The deduction concerned.
    #[serde(rename = "deductionID")]
    pub deduction_id: String,
    /// `missing_at_institution`, `missing_on_platform`, `status`, `cancel_time` or
    /// `record` (some deduct field differs; fields are not echoed).
    pub kind: String,
}

pub(crate) fn compare(
    request: &DeductCheckRequest,
    platform: Vec<DeductCheckRecord>,
    institution: Vec<DeductCheckRecord>,
) -> Reconciliation {
    let platform_count = platform.len();
    let institution_count = institution.len();
    let mut theirs: BTreeMap<String, DeductCheckRecord> = institution
        .into_iter()
        .map(|r| (r.deduction.deduction_id.clone(), r))
        .collect();
    let mut differences = Vec::new();
    let mut difference = |id: &str, kind: &str| {
        differences.push(Difference {
            deduction_id: id.to_owned(),
            kind: kind.to_owned(),
        })
    };
    for ours in platform {
        let id = ours.deduction.deduction_id.clone();
        match theirs.remove(&id) {
            None => difference(&id, "missing_at_institution"),
            Some(other) => {
                if other.deduction != ours.deduction {
                    difference(&id, "record");
                }
                if other.status != ours.status {
                    difference(&id, "status");
                } else if other.cancel_time != ours.cancel_time {
                    difference(&id, "cancel_time");
                }
            }
        }
    }
    for id in theirs.keys() {
        difference(id, "missing_on_platform");
    }
    Reconciliation {
        org_code: request.org_code.clone(),
        start: request.deduct_time_start.clone(),
        end: request.deduction_time_end.clone(),
        platform_count,
        institution_count,
        differences,
    }
}
