//! What an outbox item is, and how an error names the entry of a batch it concerns.

use glorycard_core::models::{self, Cancellation, Deduction, Validate as _};

use super::store::EnqueueRow;
use crate::DurableError;

/// Something to deliver: a deduction or a cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OutboxEntry {
    /// A `store/deduct` upload.
    Deduction(Deduction),
    /// A `store/deductCancel` call.
    Cancellation(Cancellation),
}

impl OutboxEntry {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            OutboxEntry::Deduction(_) => "deduction",
            OutboxEntry::Cancellation(_) => "cancellation",
        }
    }

    pub(super) fn deduction_id(&self) -> &str {
        match self {
            OutboxEntry::Deduction(deduction) => &deduction.deduction_id,
            OutboxEntry::Cancellation(cancellation) => &cancellation.deduction_id,
        }
    }

    pub(super) fn validate(&self) -> Result<(), DurableError> {
        match self {
            OutboxEntry::Deduction(deduction) => deduction.validate(),
            OutboxEntry::Cancellation(cancellation) => cancellation.validate(),
        }
        .map_err(DurableError::from)
    }

    /// Refuses a record whose own time is outside `window` around `now` (China time),
    /// naming its field (`deductionTime`, or `cancelTime` for a cancellation).
    pub(super) fn check_time(
        &self,
        now: &glorycard_core::Timestamp,
        window: models::EventTimeWindow,
    ) -> Result<(), DurableError> {
        match self {
            OutboxEntry::Deduction(d) => {
                models::check_event_time("deductionTime", &d.deduction_time, now, window)
            }
            OutboxEntry::Cancellation(c) => {
                models::check_event_time(Cancellation::CANCEL_TIME, &c.cancel_time, now, window)
            }
        }
        .map_err(DurableError::from)
    }

    /// The columns stored: org code, event time and the body in wire names.
    pub(super) fn row(&self) -> Result<EnqueueRow, DurableError> {
        let (org_code, event_time, body) = match self {
            OutboxEntry::Deduction(d) => (&d.org_code, &d.deduction_time, models::to_json(d)?),
            OutboxEntry::Cancellation(c) => (&c.org_code, &c.cancel_time, models::to_json(c)?),
        };
        Ok(EnqueueRow {
            kind: self.kind(),
            deduction_id: self.deduction_id().to_owned(),
            org_code: org_code.clone(),
            event_time: event_time.clone(),
            body,
        })
    }

    pub(super) fn parse(kind: &str, body: &[u8]) -> Result<Self, glorycard_core::Error> {
        Ok(match kind {
            "deduction" => OutboxEntry::Deduction(models::from_json(body)?),
            _ => OutboxEntry::Cancellation(models::from_json(body)?),
        })
    }
}

pub(super) fn in_entry(index: usize, error: DurableError) -> DurableError {
    match error {
        DurableError::Core(glorycard_core::Error::InvalidField { field, reason }) => {
            DurableError::Core(glorycard_core::Error::InvalidField {
                field: format!("entries[{index}].{field}"),
                reason,
            })
        }
        DurableError::Conflict { reason } => DurableError::Conflict {
            reason: format!("entries[{index}]: {reason}"),
        },
        other => other,
    }
}
