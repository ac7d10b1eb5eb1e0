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
    /// `missing_at_institution`, `missing_on_platform`, `duplicate_at_institution`,
    /// `status`, `cancel_time` or `record` (some deduct field differs; fields are not
    /// echoed).
    pub kind: String,
}

pub(crate) fn compare(
    request: &DeductCheckRequest,
    platform: Vec<DeductCheckRecord>,
    institution: Vec<DeductCheckRecord>,
) -> Reconciliation {
    let platform_count = platform.len();
    let institution_count = institution.len();
    let mut differences = Vec::new();
    let mut difference = |id: &str, kind: &str| {
        differences.push(Difference {
            deduction_id: id.to_owned(),
            kind: kind.to_owned(),
        })
    };
    let mut theirs: BTreeMap<String, DeductCheckRecord> = BTreeMap::new();
    for record in institution {
        let id = record.deduction.deduction_id.clone();
        if theirs.insert(id.clone(), record).is_some() {
            difference(&id, "duplicate_at_institution");
        }
    }
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

#[cfg(test)]
mod tests {
    use glorycard_core::models::{
        CertType, DeductCheckRecord, DeductCheckRequest, Deduction, DeductionStatus, DeductionType,
        GloryType,
    };

    fn record(id: &str) -> DeductCheckRecord {
        DeductCheckRecord {
            deduction: Deduction {
                org_code: "106607".into(),
                cert_type: CertType::ResidentId,
                cert_no: "11010519491231002X".into(),
                cert_name: "王小凡".into(),
                deduction_id: id.into(),
                total_fee: "1.00".into(),
                deduction_fee: "1.00".into(),
                deduction_time: "2026-11-26 09:00:00".into(),
                glory_type: GloryType::GloryCard,
                deduction_type: DeductionType::OutpatientConsultation,
                remarks: None,
            },
            status: DeductionStatus::Deducted,
            cancel_time: None,
        }
    }

    #[test]
    fn a_record_the_institution_answers_twice_is_a_difference() {
        let window = DeductCheckRequest {
            org_code: "106607".into(),
            deduct_time_start: "2026-11-26 00:00:00".into(),
            deduction_time_end: "2026-11-26 23:59:59".into(),
        };
        let mut changed = record("B");
        changed.deduction.deduction_fee = "0.50".into();
        let report = super::compare(
            &window,
            vec![record("A"), record("B")],
            vec![record("A"), record("A"), changed],
        );
        let kinds: Vec<(&str, &str)> = report
            .differences
            .iter()
            .map(|d| (d.deduction_id.as_str(), d.kind.as_str()))
            .collect();
        assert_eq!(kinds, [("A", "duplicate_at_institution"), ("B", "record")]);
        assert_eq!((report.platform_count, report.institution_count), (2, 3));
    }
}
