//! The roster replica: `store/all` kept in a local SQLite file, looked up without a
//! network round trip.

use std::path::Path;
use std::time::{Duration, Instant};

use glorycard_core::models::{CertType, GloryType, RosterRecord};
use rusqlite::{OptionalExtension as _, params};

use super::{Database, Durability, Kind, storage};
use crate::{Client, ClientError};

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

/// A local copy of the platform's roster (`store/all`), in one SQLite file.
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
/// # async fn run(client: glorycard_client::Client) -> Result<(), glorycard_client::ClientError> {
/// use glorycard_client::{MatchKind, Replica};
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
    database: Database,
}

/// How a lookup matched a holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub struct HolderMatch {
    /// The record as the platform sent it.
    pub record: RosterRecord,
    /// Whether the number matched whole or only in its visible characters.
    pub kind: MatchKind,
}

/// Where a sync stands: passed to the progress callback after each page, and returned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyncProgress {
    /// Pages applied by this sync.
    pub pages: u64,
    /// Records applied by this sync.
    pub records: u64,
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

/// Visible characters a masked number needs before a lookup may match it partially.
const MIN_VISIBLE: usize = 4;

/// The ID number as lookups compare it: surrounding spaces ignored, and the check
/// character of a resident ID compared as upper case (`x` and `X` are the same).
fn lookup_key(cert_no: &str) -> String {
    cert_no.trim().to_ascii_uppercase()
}

/// The visible parts of a masked number, or `None` when the number is not masked.
fn masked_parts(cert_no: &str) -> Option<(String, String)> {
    let key = lookup_key(cert_no);
    let first = key.find('*')?;
    let last = key.rfind('*')?;
    Some((key[..first].to_owned(), key[last + 1..].to_owned()))
}

impl Replica {
    /// Opens the replica at `path`, creating an empty one (checkpoint 0) if the file does
    /// not exist. A file that is not a glorycard roster replica is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ClientError> {
        let database = Database::open(path.as_ref(), Kind::Replica, Durability::Normal, SCHEMA)?;
        Ok(Self { database })
    }

    /// The largest `dataID` applied: where the next sync resumes.
    pub fn checkpoint(&self) -> Result<i64, ClientError> {
        let connection = self.database.read()?;
        read_checkpoint(&connection)
    }

    /// The number of holders in the replica.
    pub fn len(&self) -> Result<u64, ClientError> {
        let connection = self.database.read()?;
        connection
            .query_row("SELECT count(*) FROM holders", [], |row| {
                Ok(super::count(row.get(0)?))
            })
            .map_err(storage)
    }

    /// True when the replica holds no holder.
    pub fn is_empty(&self) -> Result<bool, ClientError> {
        Ok(self.len()? == 0)
    }

    /// Fetches every page after the checkpoint and applies it. See
    /// [`sync_with_progress`](Replica::sync_with_progress).
    pub async fn sync(&self, client: &Client) -> Result<SyncProgress, ClientError> {
        self.sync_with_progress(client, |_| {}).await
    }

    /// Fetches every page after the checkpoint and applies each one with its checkpoint
    /// in one transaction, calling `progress` after each. The next page is fetched while
    /// the current one is written. The first request waits for the next wall-clock second
    /// (up to one second): a sync killed a moment ago may have asked for the same page in
    /// this second, and the platform would refuse the identical request as a replay. On an error, every page applied before it stays
    /// applied, and the next sync resumes after it.
    pub async fn sync_with_progress(
        &self,
        client: &Client,
        mut progress: impl FnMut(&SyncProgress),
    ) -> Result<SyncProgress, ClientError> {
        // A sync killed a moment ago may have asked for this page in this second.
        crate::client::sleep_until_next_second().await;
        let started = Instant::now();
        let mut updates = client.roster_updates(self.checkpoint()?);
        let mut done = SyncProgress {
            pages: 0,
            records: 0,
            checkpoint: updates.checkpoint(),
            elapsed: Duration::ZERO,
        };
        let mut page = updates.next_page().await?;
        while let Some(records) = page {
            let checkpoint = updates.checkpoint();
            let count = records.len() as u64;
            let apply = self
                .database
                .run(move |connection| apply_page(connection, records, checkpoint));
            let (next, applied) = tokio::join!(updates.next_page(), apply);
            applied?;
            done.pages += 1;
            done.records += count;
            done.checkpoint = checkpoint;
            done.elapsed = started.elapsed();
            progress(&done);
            page = next?;
        }
        done.elapsed = started.elapsed();
        Ok(done)
    }

    /// The holders with this identity document, answered from the file alone.
    ///
    /// A holder whose number the platform sent in full matches when the numbers are equal
    /// ([`MatchKind::Exact`]; spaces around it and the case of a check character `x` are
    /// ignored). A holder whose number arrived masked (`331166*****777X`) matches when
    /// `cert_name` is given and equal to the holder's name, and `cert_no` begins with the
    /// visible characters before the `*`s and ends with those after them, with at least
    /// one character hidden between ([`MatchKind::Partial`]). Without a name, or when
    /// fewer than four characters are visible, masked holders are never matched. Exact
    /// matches come first.
    ///
    /// Lookups use their own connection to the file, so a sync in progress never delays
    /// them. This is a synchronous call (microseconds, no network).
    pub fn lookup(
        &self,
        cert_type: &CertType,
        cert_no: &str,
        cert_name: Option<&str>,
    ) -> Result<Vec<HolderMatch>, ClientError> {
        let key = lookup_key(cert_no);
        let connection = self.database.read()?;
        let mut matches = Vec::new();
        let mut exact = connection
            .prepare_cached(
                "SELECT cert_type, cert_no, cert_name, glory_type, glory_id, data_id
                 FROM holders WHERE cert_type = ?1 AND lookup_key = ?2 AND lookup_key IS NOT NULL
                 ORDER BY glory_id",
            )
            .map_err(storage)?;
        let rows = exact
            .query_map(params![cert_type.code(), key], read_record)
            .map_err(storage)?;
        for record in rows {
            matches.push(HolderMatch {
                record: record.map_err(storage)?,
                kind: MatchKind::Exact,
            });
        }
        let Some(name) = cert_name else {
            return Ok(matches);
        };
        let mut shapes = connection
            .prepare_cached("SELECT prefix_length, suffix_length FROM masked_shapes")
            .map_err(storage)?;
        let shapes = shapes
            .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))
            .map_err(storage)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(storage)?;
        let mut masked = connection
            .prepare_cached(
                "SELECT cert_type, cert_no, cert_name, glory_type, glory_id, data_id
                 FROM holders
                 WHERE cert_type = ?1 AND masked_prefix = ?2 AND masked_suffix = ?3
                   AND cert_name = ?4 AND lookup_key IS NULL
                 ORDER BY glory_id",
            )
            .map_err(storage)?;
        for (prefix_length, suffix_length) in shapes {
            let (Ok(prefix_length), Ok(suffix_length)) = (
                usize::try_from(prefix_length),
                usize::try_from(suffix_length),
            ) else {
                continue;
            };
            // A number with almost nothing visible would match on the name alone; and at
            // least one character is hidden between the visible parts.
            if prefix_length + suffix_length < MIN_VISIBLE
                || key.len() <= prefix_length + suffix_length
            {
                continue;
            }
            let (Some(prefix), Some(suffix)) = (
                key.get(..prefix_length),
                key.get(key.len() - suffix_length..),
            ) else {
                continue;
            };
            let rows = masked
                .query_map(
                    params![cert_type.code(), prefix, suffix, name.trim()],
                    read_record,
                )
                .map_err(storage)?;
            for record in rows {
                matches.push(HolderMatch {
                    record: record.map_err(storage)?,
                    kind: MatchKind::Partial,
                });
            }
        }
        Ok(matches)
    }

    /// Every holder, in `dataID` order, for checks and exports. Holds the connection
    /// while `visit` runs.
    pub fn for_each(
        &self,
        mut visit: impl FnMut(RosterRecord) -> Result<(), ClientError>,
    ) -> Result<(), ClientError> {
        let connection = self.database.read()?;
        let mut statement = connection
            .prepare(
                "SELECT cert_type, cert_no, cert_name, glory_type, glory_id, data_id
                 FROM holders ORDER BY data_id, glory_id",
            )
            .map_err(storage)?;
        let rows = statement.query_map([], read_record).map_err(storage)?;
        for record in rows {
            visit(record.map_err(storage)?)?;
        }
        Ok(())
    }
}

fn read_checkpoint(connection: &rusqlite::Connection) -> Result<i64, ClientError> {
    connection
        .query_row(
            "SELECT data_id FROM checkpoint WHERE only_row = 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(storage)?
        .ok_or_else(|| ClientError::Storage {
            reason: "the replica has no checkpoint row".into(),
        })
}

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RosterRecord> {
    Ok(RosterRecord {
        cert_type: CertType::from_code(&row.get::<_, String>(0)?),
        cert_no: row.get(1)?,
        cert_name: row.get(2)?,
        glory_type: GloryType::from_code(&row.get::<_, String>(3)?),
        glory_id: row.get(4)?,
        data_id: row.get(5)?,
    })
}

/// Applies one page and its checkpoint atomically. Within the page, records are applied
/// in `dataID` order, and a record never replaces one with a larger `dataID`.
fn apply_page(
    connection: &mut rusqlite::Connection,
    mut records: Vec<RosterRecord>,
    checkpoint: i64,
) -> Result<(), ClientError> {
    records.sort_by_key(|record| record.data_id);
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(storage)?;
    {
        let mut upsert = transaction
            .prepare_cached(
                "INSERT INTO holders (glory_id, data_id, cert_type, cert_no, cert_name,
                                      glory_type, lookup_key, masked_prefix, masked_suffix)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (glory_id) DO UPDATE SET
                     data_id = excluded.data_id, cert_type = excluded.cert_type,
                     cert_no = excluded.cert_no, cert_name = excluded.cert_name,
                     glory_type = excluded.glory_type, lookup_key = excluded.lookup_key,
                     masked_prefix = excluded.masked_prefix,
                     masked_suffix = excluded.masked_suffix
                 WHERE excluded.data_id >= holders.data_id",
            )
            .map_err(storage)?;
        let mut shape = transaction
            .prepare_cached("INSERT OR IGNORE INTO masked_shapes VALUES (?1, ?2)")
            .map_err(storage)?;
        for record in &records {
            let (lookup, prefix, suffix) = match masked_parts(&record.cert_no) {
                Some((prefix, suffix)) => {
                    shape
                        .execute(params![prefix.len() as i64, suffix.len() as i64])
                        .map_err(storage)?;
                    (None, Some(prefix), Some(suffix))
                }
                None => (Some(lookup_key(&record.cert_no)), None, None),
            };
            upsert
                .execute(params![
                    record.glory_id,
                    record.data_id,
                    record.cert_type.code(),
                    record.cert_no,
                    record.cert_name,
                    record.glory_type.code(),
                    lookup,
                    prefix,
                    suffix,
                ])
                .map_err(storage)?;
        }
        let previous = read_checkpoint(&transaction)?;
        if checkpoint < previous {
            return Err(ClientError::Storage {
                reason: format!(
                    "checkpoint would go back from {previous} to {checkpoint}: another sync of this replica ran at the same time"
                ),
            });
        }
        transaction
            .execute(
                "UPDATE checkpoint SET data_id = ?1 WHERE only_row = 1",
                params![checkpoint],
            )
            .map_err(storage)?;
    }
    transaction.commit().map_err(storage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::testing::TempDb;

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
        let mut connection = replica.database.lock().unwrap();
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
        let mut connection = replica.database.lock().unwrap();
        let error = apply_page(&mut connection, vec![record(12, 3, "1", "x")], 3).unwrap_err();
        assert_eq!(error.code(), "storage");
        drop(connection);
        assert_eq!(
            (replica.checkpoint().unwrap(), replica.len().unwrap()),
            (4, 2)
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
        crate::durable::testing::make_private(&text.0).unwrap();
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
