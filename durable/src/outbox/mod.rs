//! The outbox: deductions and cancellations committed locally first, then delivered to
//! the platform exactly once.
//!
//! Its parts, one concern each: [`store`] (the schema and every query), [`drain`] (the
//! concurrent delivery scheduler), [`entry`] (what an item is, and how an error names
//! the entry of a batch it concerns); the drain's file lock is [`crate::lock`].

mod drain;
mod entry;
mod store;

pub(crate) use drain::PendingRow;
pub use drain::{DrainOptions, DrainReport};
pub use entry::OutboxEntry;
pub(crate) use store::{EnqueueRow, Existing, Settled, status_from};

use glorycard_core::models;

use crate::backend::Backend;

/// A durable queue of deductions and cancellations for the platform, in one SQLite file
/// or in a PostgreSQL database that several nodes share.
///
/// [`enqueue_deduction`](Outbox::enqueue_deduction) and
/// [`enqueue_cancellation`](Outbox::enqueue_cancellation) validate the record, then commit
/// it (WAL, `synchronous=FULL`: it survives a crash or a power cut) before returning,
/// whether or not the platform is reachable. Enqueuing the same record again is a no-op,
/// so an HIS that does not know whether its enqueue committed may simply repeat it.
///
/// [`drain`](Outbox::drain) delivers pending items: items of one `deductionID` strictly in
/// the order they were enqueued (a cancellation never overtakes its deduction), different
/// deductions concurrently. Each item is marked acknowledged after the platform accepts
/// it; a business refusal (`responseFlag` "0"), or an HTTP 4xx that concerns the item
/// alone (400, 409, 413, 422, ...), moves it to `rejected` with the platform's message or
/// the status; transport failures are retried with backoff. A process killed during a drain
/// loses nothing: an item not yet marked acknowledged is sent again, and the platform
/// recognises a repeated upload by its `deductionID`.
///
/// An enqueue also refuses a `deductionTime` or cancellation time further from China
/// time now than [`event_time_window`](Outbox::event_time_window) (24 hours ahead and
/// 366 days behind unless set with [`with_event_time_window`](Outbox::with_event_time_window)),
/// naming the zone the time looks to be in when it is off by whole hours: a time built in
/// the host's zone (UTC) instead of Asia/Shanghai is caught here, not at reconciliation.
///
/// Enqueue, status and the other non-`async` methods are synchronous (an enqueue waits
/// for the disk): from async code, call them in `spawn_blocking`.
///
/// The outbox is also a
/// [`DeductionSource`](glorycard_client::institution::DeductionSource) for the `/deductCheck`
/// endpoint: every deduction enqueued, with status "0" and `cancelTime` when a
/// cancellation was enqueued for it.
#[derive(Debug, Clone)]
pub struct Outbox {
    backend: Backend,
    /// This handle's name on PostgreSQL leases, and its one drain at a time.
    lease_owner: std::sync::Arc<drain::LeaseOwner>,
    /// How far from China time now an enqueued record's own time may be.
    event_time_window: models::EventTimeWindow,
}

impl Outbox {
    /// This outbox with another window for the records' own times (`deductionTime`, a
    /// cancellation's time): an enqueue refuses a time further from China time now. An
    /// HIS that enqueues as things happen can narrow it (e.g. one hour behind) so that a
    /// time built in UTC, 8 hours behind, is refused too.
    #[must_use]
    pub fn with_event_time_window(mut self, window: models::EventTimeWindow) -> Self {
        self.event_time_window = window;
        self
    }

    /// The window an enqueue checks records' own times against.
    pub fn event_time_window(&self) -> models::EventTimeWindow {
        self.event_time_window
    }
}

/// What an enqueue did.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(get_all, frozen, module = "glorycard")
)]
pub struct Enqueued {
    /// The item's sequence number in the outbox.
    pub seq: i64,
    /// False when the same item was already in the outbox (nothing was added).
    pub newly_added: bool,
}

/// How many items are in each state.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(get_all, frozen, module = "glorycard")
)]
pub struct OutboxStatus {
    /// Not yet acknowledged by the platform.
    pub pending: i64,
    /// Accepted by the platform.
    pub acknowledged: i64,
    /// Refused by the platform (`responseFlag` "0", or an HTTP 4xx about the item
    /// alone); not retried unless [requeued](Outbox::requeue).
    pub rejected: i64,
    /// When the oldest pending item was enqueued (`yyyy-MM-dd HH:mm:ss`, UTC+8).
    #[serde(rename = "oldestPending")]
    pub oldest_pending: Option<String>,
}

/// An item the platform refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(get_all, frozen, module = "glorycard")
)]
pub struct RejectedItem {
    /// Its sequence number.
    pub seq: i64,
    /// `"deduction"` or `"cancellation"`.
    pub kind: String,
    /// The deduction it concerns.
    #[serde(rename = "deductionID")]
    pub deduction_id: String,
    /// The platform's `responseMessage`; for an HTTP refusal of this item alone, the
    /// status ("refused by the platform with HTTP 400").
    pub message: String,
    /// When the refusal was recorded.
    #[serde(rename = "rejectedAt")]
    pub rejected_at: String,
}

impl glorycard_client::institution::DeductionSource for Outbox {
    fn deductions_between(
        &self,
        org_code: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<models::DeductCheckRecord>, glorycard_client::institution::SourceError> {
        Outbox::deductions_between(self, org_code, start, end).map_err(|error| {
            // The detail (file path, SQLite's text) stays here; the platform gets a reason.
            tracing::error!(%error, "the outbox cannot answer deductCheck");
            glorycard_client::institution::SourceError(
                "the institution's outbox cannot be read".into(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::testing::TempDb;
    use crate::lock::DrainLock;
    use glorycard_core::models::{Cancellation, Deduction};
    use glorycard_core::models::{CertType, DeductionStatus, DeductionType, GloryType};
    use std::path::PathBuf;

    fn deduction(id: &str, time: &str) -> Deduction {
        Deduction {
            org_code: "106607".into(),
            cert_type: CertType::ResidentId,
            cert_no: "11010519491231002X".into(),
            cert_name: "张小凡".into(),
            deduction_id: id.into(),
            total_fee: "10.00".into(),
            deduction_fee: "10.00".into(),
            deduction_time: time.into(),
            glory_type: GloryType::GloryCard,
            deduction_type: DeductionType::from_code("0"),
            remarks: None,
        }
    }

    fn cancellation(id: &str, time: &str) -> Cancellation {
        Cancellation {
            org_code: "106607".into(),
            deduction_id: id.into(),
            cancel_time: time.into(),
        }
    }

    #[test]
    fn a_batch_with_one_invalid_entry_commits_nothing_and_names_the_entry() {
        let db = TempDb::new("outbox-batch");
        let outbox = Outbox::open(&db.0).unwrap();
        let mut bad = deduction("D2", "2026-11-26 10:00:00");
        bad.deduction_fee = "12.00".into(); // more than totalFee
        let error = outbox
            .enqueue_all(&[
                OutboxEntry::Deduction(deduction("D1", "2026-11-26 10:00:00")),
                OutboxEntry::Deduction(bad.clone()),
            ])
            .unwrap_err();
        assert_eq!(error.code(), "invalid_field");
        assert!(
            error.to_string().contains("entries[1].deductionFee"),
            "{error}"
        );
        assert_eq!(outbox.status().unwrap(), OutboxStatus::default());
        // Alone, the entry's error names the field without an index, and never the
        // person.
        let error = outbox.enqueue_deduction(&bad).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("deductionFee") && !message.contains("entries["),
            "{message}"
        );
        assert!(!message.contains("11010519491231002X") && !message.contains("张小凡"));
        // A cancellation with a malformed time is refused too.
        let error = outbox
            .enqueue_cancellation(&cancellation("D1", "2026-11-26T10:00:00"))
            .unwrap_err();
        // Named as the bindings name it (cancelTime), not as the deduction's field.
        assert!(error.to_string().contains("cancelTime"), "{error}");
        assert_eq!(outbox.status().unwrap().pending, 0);
    }

    /// China time `offset_seconds` from now, `yyyy-MM-dd HH:mm:ss`.
    fn china_time_from_now(offset_seconds: i64) -> String {
        let now = glorycard_core::Timestamp::now().unix_seconds();
        glorycard_core::Timestamp::from_unix_seconds(now + offset_seconds)
            .unwrap()
            .to_datetime_string()
    }

    #[test]
    fn times_far_from_china_time_now_are_refused_at_enqueue() {
        let db = TempDb::new("outbox-event-time");
        let outbox = Outbox::open(&db.0).unwrap();
        assert_eq!(
            outbox.event_time_window(),
            models::EventTimeWindow::default()
        );
        // Two days ahead, and the epoch: outside 24 hours ahead / 366 days behind.
        let ahead = outbox
            .enqueue_deduction(&deduction("T1", &china_time_from_now(2 * 86_400)))
            .unwrap_err();
        assert_eq!(ahead.code(), "invalid_field");
        let message = ahead.to_string();
        assert!(message.contains("deductionTime"), "{message}");
        assert!(
            message.contains("2 days ahead of China Standard Time now"),
            "{message}"
        );
        let epoch = outbox
            .enqueue_all(&[
                OutboxEntry::Deduction(deduction("T2", &china_time_from_now(0))),
                OutboxEntry::Cancellation(cancellation("T2", "1970-01-01 08:00:00")),
            ])
            .unwrap_err();
        let message = epoch.to_string();
        assert!(message.contains("entries[1].cancelTime"), "{message}");
        assert!(
            message.contains("more than the 366 days allowed"),
            "{message}"
        );
        assert_eq!(outbox.status().unwrap(), OutboxStatus::default());
        // Now and a day ago pass.
        outbox
            .enqueue_deduction(&deduction("T3", &china_time_from_now(-86_400)))
            .unwrap();
        outbox
            .enqueue_cancellation(&cancellation("T3", &china_time_from_now(0)))
            .unwrap();
        assert_eq!(outbox.status().unwrap().pending, 2);
    }

    #[test]
    fn a_narrowed_window_names_utc_when_the_time_is_eight_hours_behind() {
        let db = TempDb::new("outbox-event-time-utc");
        let window = models::EventTimeWindow {
            ahead_seconds: 300,
            behind_seconds: 3600,
        };
        let outbox = Outbox::open(&db.0).unwrap().with_event_time_window(window);
        assert_eq!(outbox.event_time_window(), window);
        // UTC wall-clock time now, as LocalDateTime.now() on a host in UTC builds it.
        let utc_now = china_time_from_now(-8 * 3600);
        let error = outbox
            .enqueue_deduction(&deduction("U1", &utc_now))
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(&format!(
                "{utc_now} is 8 hours behind China Standard Time now"
            )),
            "{message}"
        );
        assert!(
            message.ends_with("it looks like UTC; build it in Asia/Shanghai"),
            "{message}"
        );
        assert_eq!(outbox.status().unwrap().pending, 0);
        outbox
            .enqueue_deduction(&deduction("U2", &china_time_from_now(0)))
            .unwrap();
    }

    #[test]
    fn a_direct_delivery_is_recorded_acknowledged_once_and_answers_deduct_check() {
        let db = TempDb::new("outbox-delivered");
        let outbox = Outbox::open(&db.0).unwrap();
        let time = china_time_from_now(-3600);
        let direct = OutboxEntry::Deduction(deduction("DIRECT-1", &time));
        let recorded = outbox.record_delivered(&direct, "成功").unwrap();
        assert!(recorded.newly_added);
        let status = outbox.status().unwrap();
        assert_eq!((status.pending, status.acknowledged), (0, 1));
        // /deductCheck answers it.
        let found = outbox.deductions_between("106607", &time, &time).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].deduction.deduction_id, "DIRECT-1");
        // Recording it again is the same item.
        let again = outbox.record_delivered(&direct, "成功").unwrap();
        assert_eq!((again.seq, again.newly_added), (recorded.seq, false));
        // An item enqueued, then delivered directly, is settled: no drain sends it.
        let queued = OutboxEntry::Deduction(deduction("QUEUED-1", &time));
        let enqueued = outbox.enqueue_all(std::slice::from_ref(&queued)).unwrap();
        assert_eq!(outbox.status().unwrap().pending, 1);
        let settled = outbox.record_delivered(&queued, "成功").unwrap();
        assert_eq!((settled.seq, settled.newly_added), (enqueued[0].seq, false));
        let status = outbox.status().unwrap();
        assert_eq!((status.pending, status.acknowledged), (0, 2));
        // Another record under the same id conflicts, and changes nothing.
        let mut other = deduction("DIRECT-1", &time);
        other.total_fee = "20.00".into();
        let error = outbox
            .record_delivered(&OutboxEntry::Deduction(other), "成功")
            .unwrap_err();
        assert_eq!(error.code(), "conflict");
        // An invalid record is refused as an enqueue refuses it, nothing stored.
        let mut invalid = deduction("DIRECT-2", &time);
        invalid.deduction_fee = "12.00".into();
        let error = outbox
            .record_delivered(&OutboxEntry::Deduction(invalid), "成功")
            .unwrap_err();
        assert_eq!(error.code(), "invalid_field");
        let status = outbox.status().unwrap();
        assert_eq!((status.pending, status.acknowledged), (0, 2));
        // The platform took it: a time the window would refuse at enqueue is recorded.
        let old = OutboxEntry::Deduction(deduction("OLD-1", "2020-01-01 10:00:00"));
        assert!(outbox.enqueue_all(std::slice::from_ref(&old)).is_err());
        assert!(outbox.record_delivered(&old, "成功").unwrap().newly_added);
        // A refusal is held rejected, with the platform's message, never drained; it does
        // not undo an acknowledgement.
        let refused = OutboxEntry::Deduction(deduction("REFUSED-1", &time));
        outbox.enqueue_all(std::slice::from_ref(&refused)).unwrap();
        outbox.record_refused(&refused, "重复扣减").unwrap();
        let rejected = outbox.rejected().unwrap();
        assert_eq!(rejected.len(), 1);
        assert_eq!(
            (
                rejected[0].deduction_id.as_str(),
                rejected[0].message.as_str()
            ),
            ("REFUSED-1", "重复扣减")
        );
        outbox.record_refused(&direct, "重复扣减").unwrap();
        let status = outbox.status().unwrap();
        assert_eq!(
            (status.pending, status.acknowledged, status.rejected),
            (0, 3, 1)
        );
    }

    #[test]
    fn enqueuing_again_is_idempotent_and_another_record_under_the_same_id_conflicts() {
        let db = TempDb::new("outbox-idempotent");
        let outbox = Outbox::open(&db.0).unwrap();
        let first = outbox
            .enqueue_deduction(&deduction("D1", "2026-11-26 10:00:00"))
            .unwrap();
        assert!(first.newly_added);
        let again = outbox
            .enqueue_deduction(&deduction("D1", "2026-11-26 10:00:00"))
            .unwrap();
        assert_eq!(
            again,
            Enqueued {
                seq: first.seq,
                newly_added: false
            }
        );
        let mut other = deduction("D1", "2026-11-26 10:00:00");
        other.total_fee = "20.00".into();
        let error = outbox.enqueue_deduction(&other).unwrap_err();
        assert_eq!(error.code(), "conflict");
        assert!(error.to_string().contains("\"D1\""), "{error}");
        let cancel = outbox
            .enqueue_cancellation(&cancellation("D1", "2026-11-26 11:00:00"))
            .unwrap();
        assert!(cancel.newly_added && cancel.seq > first.seq);
        // A second cancellation of the same deduction is the first one.
        let cancel_again = outbox
            .enqueue_cancellation(&cancellation("D1", "2026-11-26 12:00:00"))
            .unwrap();
        assert_eq!(
            cancel_again,
            Enqueued {
                seq: cancel.seq,
                newly_added: false
            }
        );
        assert_eq!(outbox.status().unwrap().pending, 2);
    }

    #[test]
    fn items_survive_reopening_and_answer_deduct_check_with_status_and_cancel_time() {
        let db = TempDb::new("outbox-source");
        {
            let outbox = Outbox::open(&db.0).unwrap();
            outbox
                .enqueue_all(&[
                    OutboxEntry::Deduction(deduction("A", "2026-11-26 09:00:00")),
                    OutboxEntry::Deduction(deduction("B", "2026-11-26 10:00:00")),
                    OutboxEntry::Deduction(deduction("C", "2026-11-26 11:00:00")),
                    OutboxEntry::Cancellation(cancellation("B", "2026-11-26 10:30:00")),
                ])
                .unwrap();
        }
        let outbox = Outbox::open(&db.0).unwrap();
        let status = outbox.status().unwrap();
        assert_eq!(
            (status.pending, status.acknowledged, status.rejected),
            (4, 0, 0)
        );
        assert!(status.oldest_pending.is_some());
        // The window is inclusive at both ends; C lies outside it.
        let records = outbox
            .deductions_between("106607", "2026-11-26 09:00:00", "2026-11-26 10:00:00")
            .unwrap();
        let summary: Vec<_> = records
            .iter()
            .map(|r| {
                (
                    r.deduction.deduction_id.as_str(),
                    r.status.clone(),
                    r.cancel_time.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("A", DeductionStatus::Deducted, None),
                (
                    "B",
                    DeductionStatus::Cancelled,
                    Some("2026-11-26 10:30:00".to_owned())
                ),
            ]
        );
        assert_eq!(records[0].deduction, deduction("A", "2026-11-26 09:00:00"));
        for record in &records {
            glorycard_core::models::Validate::validate(record).unwrap();
        }
        assert!(
            outbox
                .deductions_between("999999", "2000-01-01 00:00:00", "2099-01-01 00:00:00")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_deduction_behind_its_own_cancellation_and_another_orgs_cancellation_conflict() {
        let db = TempDb::new("outbox-order");
        let outbox = Outbox::open(&db.0).unwrap();
        // In one batch: nothing is committed, and the error names the deduction's entry.
        let error = outbox
            .enqueue_all(&[
                OutboxEntry::Cancellation(cancellation("E1", "2026-11-26 11:00:00")),
                OutboxEntry::Deduction(deduction("E1", "2026-11-26 10:00:00")),
            ])
            .unwrap_err();
        assert_eq!(error.code(), "conflict");
        assert!(
            error
                .to_string()
                .starts_with("conflict: entries[1]: deductionID \"E1\" already has a cancellation"),
            "{error}"
        );
        assert_eq!(outbox.status().unwrap().pending, 0);
        // A cancellation alone is fine (its deduction may have been sent another way).
        outbox
            .enqueue_cancellation(&cancellation("E1", "2026-11-26 11:00:00"))
            .unwrap();
        let error = outbox
            .enqueue_deduction(&deduction("E1", "2026-11-26 10:00:00"))
            .unwrap_err();
        assert_eq!(error.code(), "conflict");
        let mut other_org = cancellation("E1", "2026-11-26 11:00:00");
        other_org.org_code = "999999".into();
        assert_eq!(
            outbox.enqueue_cancellation(&other_org).unwrap_err().code(),
            "conflict"
        );
    }

    #[test]
    fn only_a_rejected_item_is_requeued() {
        let db = TempDb::new("outbox-requeue");
        let outbox = Outbox::open(&db.0).unwrap();
        let seq = outbox
            .enqueue_deduction(&deduction("R1", "2026-11-26 10:00:00"))
            .unwrap()
            .seq;
        assert!(
            !outbox.requeue(seq).unwrap(),
            "a pending item is not requeued"
        );
        outbox
            .backend
            .sqlite()
            .lock()
            .unwrap()
            .execute(
                "UPDATE items SET state = 'rejected', message = 'busy', settled_at = 'x' WHERE seq = ?1",
                [seq],
            )
            .unwrap();
        assert_eq!(outbox.rejected().unwrap().len(), 1);
        assert!(outbox.requeue(seq).unwrap());
        let status = outbox.status().unwrap();
        assert_eq!((status.pending, status.rejected), (1, 0));
        assert!(!outbox.requeue(seq + 100).unwrap());
    }

    #[test]
    fn a_foreign_sqlite_file_is_refused_untouched() {
        let db = TempDb::new("outbox-foreign");
        {
            let other = rusqlite::Connection::open(&db.0).unwrap();
            other
                .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');")
                .unwrap();
        }
        crate::database::testing::make_private(&db.0).unwrap();
        let before = std::fs::read(&db.0).unwrap();
        let error = Outbox::open(&db.0).unwrap_err();
        assert!(
            error.to_string().contains("not a glorycard outbox"),
            "{error}"
        );
        assert_eq!(std::fs::read(&db.0).unwrap(), before);
        let mut wal = db.0.clone().into_os_string();
        wal.push("-wal");
        assert!(!std::path::Path::new(&wal).exists(), "switched to WAL");
        let mode: String = rusqlite::Connection::open(&db.0)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
    }

    #[test]
    fn commits_are_durable_wal_with_synchronous_full() {
        let db = TempDb::new("outbox-pragmas");
        let outbox = Outbox::open(&db.0).unwrap();
        let connection = outbox.backend.sqlite().lock().unwrap();
        let mode: String = connection
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        let synchronous: i64 = connection
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .unwrap();
        // SQLite's codes: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
        assert_eq!((mode.as_str(), synchronous), ("wal", 2));
    }

    /// Two spellings of one outbox (here a symbolic link) share one drain lock.
    #[cfg(unix)]
    #[test]
    fn the_drain_lock_belongs_to_the_file_not_to_its_spelling() {
        let db = TempDb::new("outbox-lock");
        Outbox::open(&db.0).unwrap();
        let mut alias = db.0.clone().into_os_string();
        alias.push("-alias");
        let alias = PathBuf::from(alias);
        let _ = std::fs::remove_file(&alias);
        std::os::unix::fs::symlink(&db.0, &alias).unwrap();
        let held = DrainLock::acquire(&db.0).unwrap();
        let error = DrainLock::acquire(&alias).err().unwrap();
        assert_eq!(error.code(), "conflict", "{error}");
        drop(held);
        DrainLock::acquire(&alias).unwrap();
        std::fs::remove_file(&alias).unwrap();
    }

    #[test]
    fn only_a_glorycard_outbox_is_opened() {
        let replica = TempDb::new("outbox-kind");
        crate::Replica::open(&replica.0).unwrap();
        let error = Outbox::open(&replica.0).unwrap_err();
        assert!(
            error.to_string().contains("not a glorycard outbox"),
            "{error}"
        );
    }
}
