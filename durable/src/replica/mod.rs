//! The roster replica: `store/all` kept in a local SQLite file, looked up without a
//! network round trip. This file holds the schema and the types; [`sync`] fetches and
//! applies pages, [`lookup`] answers from the file.

mod lookup;
mod sync;

pub(crate) use lookup::{masked_probes, roster_record};
pub(crate) use sync::{HolderRow, holder_row};

use std::path::Path;
use std::time::Duration;

use glorycard_core::models::RosterRecord;
use rusqlite::OptionalExtension as _;

use crate::DurableError;
use crate::backend::Backend;
use crate::database::{Database, Durability, Kind, count, storage};
use crate::postgres::{self, Store};

const SCHEMA: &str = "
    CREATE TABLE holders (
        glory_id      INTEGER PRIMARY KEY,
        data_id       INTEGER NOT NULL,
        cert_type     TEXT NOT NULL,
        cert_no       TEXT NOT NULL,
        cert_name     TEXT NOT NULL,
        glory_type    TEXT NOT NULL,
        -- cert_no normalized for lookup (trimmed, ASCII upper case); NULL when masked.
        lookup_key    TEXT,
        -- For a masked cert_no: the characters before the first '*' and after the last.
        masked_prefix TEXT,
        masked_suffix TEXT
    );
    CREATE INDEX holders_by_number ON holders (cert_type, lookup_key)
        WHERE lookup_key IS NOT NULL;
    CREATE INDEX holders_masked ON holders (cert_type, masked_prefix, masked_suffix, cert_name)
        WHERE lookup_key IS NULL;
    -- The lengths of the visible parts that masked numbers have (the platform masks one
    -- way, so this holds a row or two): a lookup tries each as an exact index search.
    CREATE TABLE masked_shapes (
        prefix_length INTEGER NOT NULL,
        suffix_length INTEGER NOT NULL,
        PRIMARY KEY (prefix_length, suffix_length)
    ) WITHOUT ROWID;
    -- One row: the largest dataID applied, committed with the page that carried it.
    CREATE TABLE checkpoint (
        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
        data_id  INTEGER NOT NULL
    );
    INSERT INTO checkpoint (only_row, data_id) VALUES (1, 0);
";

/// A local copy of the platform's roster (`store/all`), in one SQLite file, or in a
/// PostgreSQL database that several nodes share (one sync at a time, lookups from any).
///
/// [`sync`](Replica::sync) fetches the pages after the stored checkpoint and applies each
/// page together with its new checkpoint in one transaction: a process killed at any
/// instant resumes where the last committed page ended, with no gap and no duplicate. A
/// record received again for the same `gloryID` replaces the earlier one.
///
/// [`lookup`](Replica::lookup) answers from the file alone. The file holds ID numbers and
/// names: it is created readable by its owner only.
///
/// ```no_run
/// # async fn run(client: glorycard_client::Client) -> Result<(), glorycard_durable::DurableError> {
/// use glorycard_durable::{MatchKind, Replica};
/// use glorycard_core::models::CertType;
///
/// let replica = Replica::open("roster.db")?;
/// replica.sync(&client).await?;
/// for holder in replica.lookup(&CertType::ResidentId, "11010519491231002X", Some("张小凡"))? {
///     if holder.kind == MatchKind::Partial {
///         // the platform sent this number masked: confirm the card by sight
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Replica {
    backend: Backend,
}

/// How a lookup matched a holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(eq, frozen, module = "glorycard", rename_all = "UPPERCASE")
)]
pub enum MatchKind {
    /// The whole ID number matched.
    Exact,
    /// The platform sent this holder's number masked (`331166*****777X`): its visible
    /// characters and the name matched, the hidden ones could not be checked.
    Partial,
}

impl MatchKind {
    /// `"exact"` or `"partial"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Partial => "partial",
        }
    }
}

/// A holder found by [`Replica::lookup`]. `Debug` masks the personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HolderMatch {
    /// The record as the platform sent it.
    pub record: RosterRecord,
    /// Whether the number matched whole or only in its visible characters.
    pub kind: MatchKind,
}

/// Where a sync stands: passed to the progress callback after each page, and returned.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(get_all, frozen, module = "glorycard")
)]
pub struct SyncProgress {
    /// Pages applied by this sync.
    pub pages: i64,
    /// Records applied by this sync.
    pub records: i64,
    /// The checkpoint (largest `dataID` applied) after the last page.
    pub checkpoint: i64,
    /// Time since the first request (the wait for a new second before it excluded).
    pub elapsed: Duration,
}

impl SyncProgress {
    /// Records per second so far.
    pub fn records_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.records as f64 / seconds
        } else {
            0.0
        }
    }
}

impl Replica {
    /// Opens the replica at `location`, creating an empty one (checkpoint 0) if there is
    /// none: a SQLite file path, or a `postgres://` (`postgresql://`) URL. A file or a
    /// database that is not a glorycard roster replica is refused.
    pub fn open(location: impl AsRef<Path>) -> Result<Self, DurableError> {
        let backend = Backend::open(location.as_ref(), Store::Replica, |path| {
            Database::open(path, Kind::Replica, Durability::Normal, SCHEMA)
        })?;
        Ok(Self { backend })
    }

    /// Where the replica is, for messages and logs: the file's path, or the URL without
    /// its password.
    pub fn location(&self) -> String {
        self.backend.location()
    }

    /// The largest `dataID` applied: where the next sync resumes.
    pub fn checkpoint(&self) -> Result<i64, DurableError> {
        match &self.backend {
            Backend::Sqlite(database) => read_checkpoint(&*database.read()?),
            Backend::Postgres(database) => postgres::replica::checkpoint(database),
        }
    }

    /// The number of holders in the replica.
    pub fn len(&self) -> Result<u64, DurableError> {
        let database = match &self.backend {
            Backend::Sqlite(database) => database,
            Backend::Postgres(database) => return postgres::replica::len(database).map(count),
        };
        let connection = database.read()?;
        connection
            .query_row("SELECT count(*) FROM holders", [], |row| {
                Ok(count(row.get(0)?))
            })
            .map_err(storage)
    }

    /// True when the replica holds no holder.
    pub fn is_empty(&self) -> Result<bool, DurableError> {
        Ok(self.len()? == 0)
    }
}

fn read_checkpoint(connection: &rusqlite::Connection) -> Result<i64, DurableError> {
    connection
        .query_row(
            "SELECT data_id FROM checkpoint WHERE only_row = 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(storage)?
        .ok_or_else(|| DurableError::Storage {
            reason: "the replica has no checkpoint row".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::lookup::masked_parts;
    use super::sync::apply_page;
    use super::*;
    use crate::database::testing::TempDb;
    use glorycard_core::models::{CertType, GloryType};

    fn record(glory_id: i64, data_id: i64, cert_no: &str, cert_name: &str) -> RosterRecord {
        RosterRecord {
            cert_type: CertType::ResidentId,
            cert_no: cert_no.into(),
            cert_name: cert_name.into(),
            glory_type: GloryType::GloryCard,
            glory_id,
            data_id,
        }
    }

    fn apply(replica: &Replica, records: Vec<RosterRecord>, checkpoint: i64) {
        let mut connection = replica.backend.sqlite().lock().unwrap();
        apply_page(&mut connection, records, checkpoint).unwrap();
    }

    fn found(matches: Vec<HolderMatch>) -> Vec<(i64, MatchKind)> {
        matches
            .into_iter()
            .map(|m| (m.record.glory_id, m.kind))
            .collect()
    }

    #[test]
    fn a_page_and_its_checkpoint_are_applied_together_and_glory_id_is_the_identity() {
        let db = TempDb::new("replica-apply");
        let replica = Replica::open(&db.0).unwrap();
        assert_eq!(
            (replica.checkpoint().unwrap(), replica.len().unwrap()),
            (0, 0)
        );
        apply(
            &replica,
            vec![
                record(10, 1, "11010519491231002X", "张小凡"),
                record(11, 2, "110105194912310037", "王伟"),
            ],
            2,
        );
        assert_eq!(
            (replica.checkpoint().unwrap(), replica.len().unwrap()),
            (2, 2)
        );
        // gloryID 10 again with a larger dataID and a new name: it replaces the old one.
        // Within a page the larger dataID wins whatever the order the page lists them in.
        apply(
            &replica,
            vec![
                record(10, 4, "11010519491231002X", "张小帆"),
                record(10, 3, "11010519491231002X", "张晓凡"),
            ],
            4,
        );
        assert_eq!(
            (replica.checkpoint().unwrap(), replica.len().unwrap()),
            (4, 2)
        );
        let matches = replica
            .lookup(&CertType::ResidentId, "11010519491231002X", None)
            .unwrap();
        assert_eq!(matches.len(), 1);
        assert_eq!(matches[0].record.cert_name, "张小帆");
        assert_eq!(matches[0].record.data_id, 4);
        // A checkpoint never goes back (two syncs of one file racing).
        let mut connection = replica.backend.sqlite().lock().unwrap();
        let error = apply_page(&mut connection, vec![record(12, 3, "1", "x")], 3).unwrap_err();
        assert_eq!(error.code(), "storage");
        drop(connection);
        assert_eq!(
            (replica.checkpoint().unwrap(), replica.len().unwrap()),
            (4, 2)
        );
    }

    #[test]
    fn full_width_numbers_find_their_holder_or_are_refused_naming_the_character() {
        let db = TempDb::new("replica-full-width");
        let replica = Replica::open(&db.0).unwrap();
        apply(
            &replica,
            vec![
                record(1, 1, "11010519491231002X", "张小凡"),
                record(2, 2, "331166*****777X", "李娜"),
            ],
            2,
        );
        let resident = CertType::ResidentId;
        // Full-width digits, a full-width ｘ and an ideographic space around it: the
        // same number (their NFKC forms).
        for typed in [
            "１１０１０５１９４９１２３１００２Ｘ",
            "\u{3000}11010519491231002ｘ\u{3000}",
            "1101051949１231002X",
        ] {
            assert_eq!(
                found(replica.lookup(&resident, typed, None).unwrap()),
                [(1, MatchKind::Exact)],
                "{typed}"
            );
        }
        // A masked holder too, by its visible characters.
        assert_eq!(
            found(
                replica
                    .lookup(&resident, "３３1166１9900101777Ｘ", Some("李娜"))
                    .unwrap()
            ),
            [(2, MatchKind::Partial)]
        );
        // No stored number can hold a space inside or another full-width character: an
        // error naming where, masked, never an empty answer.
        let inner = replica
            .lookup(&resident, "110105\u{3000}19491231002X", None)
            .unwrap_err();
        assert_eq!(
            inner.to_string(),
            "invalid field certNo: character 7 of 19 is a space inside the number (the \
             number as masked: 11***************2X)"
        );
        let letter = replica
            .lookup(&CertType::Passport, "Ｅ12345678", None)
            .unwrap_err();
        assert!(
            letter
                .to_string()
                .contains("character 1 of 9 is a full-width character 'Ｅ'"),
            "{letter}"
        );
    }

    #[test]
    fn lookup_matches_whole_numbers_exactly_and_masked_ones_by_visible_characters_and_name() {
        let db = TempDb::new("replica-lookup");
        let replica = Replica::open(&db.0).unwrap();
        apply(
            &replica,
            vec![
                record(1, 1, "11010519491231002X", "张小凡"),
                // The document's masked example.
                record(2, 2, "331166*****777X", "李娜"),
                record(3, 3, "331166*****777X", "王芳"),
                RosterRecord {
                    cert_type: CertType::Passport,
                    ..record(4, 4, "E12345678", "赵敏")
                },
            ],
            4,
        );
        let resident = CertType::ResidentId;
        // Exact, ignoring surrounding spaces and the case of the check character.
        assert_eq!(
            found(
                replica
                    .lookup(&resident, " 11010519491231002x ", None)
                    .unwrap()
            ),
            [(1, MatchKind::Exact)]
        );
        // Masked: the visible characters and the name must match.
        let full = "33116619900101777X";
        assert_eq!(
            found(replica.lookup(&resident, full, Some("李娜")).unwrap()),
            [(2, MatchKind::Partial)]
        );
        assert_eq!(
            found(replica.lookup(&resident, full, Some("王芳")).unwrap()),
            [(3, MatchKind::Partial)]
        );
        assert!(
            replica
                .lookup(&resident, full, Some("张伟"))
                .unwrap()
                .is_empty()
        );
        assert!(replica.lookup(&resident, full, None).unwrap().is_empty());
        // One visible character differs, at either end.
        assert!(
            replica
                .lookup(&resident, "33116719900101777X", Some("李娜"))
                .unwrap()
                .is_empty()
        );
        assert!(
            replica
                .lookup(&resident, "331166199001017770", Some("李娜"))
                .unwrap()
                .is_empty()
        );
        // Too short to hide anything between the visible parts.
        assert!(
            replica
                .lookup(&resident, "331166777X", Some("李娜"))
                .unwrap()
                .is_empty()
        );
        // Fewer than four visible characters: never matched on the name alone.
        apply(&replica, vec![record(5, 5, "11**************", "孙杰")], 5);
        assert!(
            replica
                .lookup(&resident, "110105198001010035", Some("孙杰"))
                .unwrap()
                .is_empty()
        );
        // The certType is part of the identity.
        assert!(
            replica
                .lookup(&CertType::Passport, "11010519491231002X", None)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            found(
                replica
                    .lookup(&CertType::Passport, "e12345678", None)
                    .unwrap()
            ),
            [(4, MatchKind::Exact)]
        );
        // The Debug of a match masks the personal data.
        let debug = format!(
            "{:?}",
            replica.lookup(&resident, full, Some("李娜")).unwrap()
        );
        assert!(
            !debug.contains("李娜") && !debug.contains("331166*****777X"),
            "{debug}"
        );
    }

    #[test]
    fn only_a_glorycard_replica_is_opened() {
        let outbox = TempDb::new("replica-kind-outbox");
        crate::Outbox::open(&outbox.0).unwrap();
        let error = Replica::open(&outbox.0).unwrap_err();
        assert_eq!(error.code(), "storage");
        assert!(
            error.to_string().contains("not a glorycard roster replica"),
            "{error}"
        );

        let text = TempDb::new("replica-kind-text");
        std::fs::write(&text.0, "holders: none\n".repeat(100)).unwrap();
        crate::database::testing::make_private(&text.0).unwrap();
        let error = Replica::open(&text.0).unwrap_err();
        assert!(error.to_string().contains("not a database"), "{error}");
        assert_eq!(
            std::fs::read_to_string(&text.0).unwrap(),
            "holders: none\n".repeat(100)
        );

        let newer = TempDb::new("replica-kind-newer");
        Replica::open(&newer.0).unwrap();
        rusqlite::Connection::open(&newer.0)
            .unwrap()
            .pragma_update(None, "user_version", 2)
            .unwrap();
        let error = Replica::open(&newer.0).unwrap_err();
        assert!(error.to_string().contains("schema version 2"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt as _;
        let db = TempDb::new("replica-mode");
        Replica::open(&db.0).unwrap();
        let mode = std::fs::metadata(&db.0).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn masked_parts_are_the_characters_around_the_stars() {
        // The document's example: six visible, five stars, four visible.
        assert_eq!(
            masked_parts("331166*****777X"),
            Some(("331166".to_owned(), "777X".to_owned()))
        );
        assert_eq!(
            masked_parts(" 33*1*x "),
            Some(("33".to_owned(), "X".to_owned()))
        );
        assert_eq!(masked_parts("****"), Some((String::new(), String::new())));
        assert_eq!(masked_parts("11010519491231002X"), None);
    }
}
