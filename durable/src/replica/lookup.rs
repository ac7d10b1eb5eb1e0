//! A replica's lookups: whole numbers exactly, masked ones by their visible characters
//! and the holder's name.

use glorycard_core::models::{CertType, GloryType, RosterRecord};
use rusqlite::params;

use super::{HolderMatch, MatchKind, Replica};
use crate::DurableError;
use crate::database::storage;

/// Visible characters a masked number needs before a lookup may match it partially.
const MIN_VISIBLE: usize = 4;

/// The ID number as lookups compare it: surrounding spaces ignored, and the check
/// character of a resident ID compared as upper case (`x` and `X` are the same).
pub(super) fn lookup_key(cert_no: &str) -> String {
    cert_no.trim().to_ascii_uppercase()
}

/// The visible parts of a masked number, or `None` when the number is not masked.
pub(super) fn masked_parts(cert_no: &str) -> Option<(String, String)> {
    let key = lookup_key(cert_no);
    let first = key.find('*')?;
    let last = key.rfind('*')?;
    Some((key[..first].to_owned(), key[last + 1..].to_owned()))
}

impl Replica {
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
    ) -> Result<Vec<HolderMatch>, DurableError> {
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
        mut visit: impl FnMut(RosterRecord) -> Result<(), DurableError>,
    ) -> Result<(), DurableError> {
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

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RosterRecord> {
    Ok(RosterRecord {
        cert_type: CertType::from_code(&row.get::<_, String>(0)?),
        cert_no: row.get::<_, String>(1)?.into(),
        cert_name: row.get::<_, String>(2)?.into(),
        glory_type: GloryType::from_code(&row.get::<_, String>(3)?),
        glory_id: row.get(4)?,
        data_id: row.get(5)?,
    })
}
