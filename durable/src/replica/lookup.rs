//! A replica's lookups: whole numbers exactly, masked ones by their visible characters
//! and the holder's name.

use glorycard_core::mask_cert_no;
use glorycard_core::models::{
    CertType, GloryType, RosterRecord, normalize_cert_no_width, refuse_full_width,
};
use rusqlite::params;

use super::{HolderMatch, MatchKind, Replica};
use crate::DurableError;
use crate::backend::Backend;
use crate::database::{Database, storage};
use crate::postgres;

/// Visible characters a masked number needs before a lookup may match it partially.
const MIN_VISIBLE: usize = 4;

/// The ID number as lookups compare it: full-width digits, `Ｘ`/`ｘ` and the ideographic
/// space read as their ASCII forms (NFKC for these characters only), surrounding spaces
/// ignored, and the check character of a resident ID compared as upper case (`x` and `X`
/// are the same).
pub(super) fn lookup_key(cert_no: &str) -> String {
    normalize_cert_no_width(cert_no).trim().to_ascii_uppercase()
}

/// Refuses a looked-up number that no stored number can equal, rather than answering
/// no match: a full-width character other than a digit or `X`, or a space inside it. The
/// error names the character's position (masked as the number is).
fn refuse_unmatchable(key: &str) -> Result<(), DurableError> {
    refuse_full_width("certNo", key)?;
    let len = key.chars().count();
    if let Some(position) = key.chars().position(char::is_whitespace) {
        return Err(DurableError::Core(glorycard_core::Error::InvalidField {
            field: "certNo".to_owned(),
            reason: format!(
                "character {} of {len} is a space inside the number (the number as masked: {})",
                position + 1,
                mask_cert_no(key)
            ),
        }));
    }
    Ok(())
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
    /// ignored, and full-width digits, `Ｘ`/`ｘ` and the ideographic space read as ASCII).
    /// A number no stored number can equal (another full-width character, a space inside
    /// it) is an [`InvalidField`](glorycard_core::Error::InvalidField) error naming the
    /// character's position, not an empty answer. A holder whose number arrived masked (`331166*****777X`) matches when
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
        refuse_unmatchable(&key)?;
        let name = cert_name.map(str::trim);
        let (exact, partial) = match &self.backend {
            Backend::Sqlite(database) => lookup_sqlite(database, cert_type.code(), &key, name)?,
            Backend::Postgres(database) => postgres::replica::lookup(
                database,
                cert_type.code().to_owned(),
                key,
                name.map(str::to_owned),
            )?,
        };
        let exact = exact.into_iter().map(|record| HolderMatch {
            record,
            kind: MatchKind::Exact,
        });
        let partial = partial.into_iter().map(|record| HolderMatch {
            record,
            kind: MatchKind::Partial,
        });
        Ok(exact.chain(partial).collect())
    }

    /// Every holder, in `dataID` order, for checks and exports. Holds the connection
    /// while `visit` runs.
    pub fn for_each(
        &self,
        mut visit: impl FnMut(RosterRecord) -> Result<(), DurableError>,
    ) -> Result<(), DurableError> {
        let database = match &self.backend {
            Backend::Sqlite(database) => database,
            Backend::Postgres(database) => {
                return postgres::replica::all(database)?
                    .into_iter()
                    .try_for_each(visit);
            }
        };
        let connection = database.read()?;
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

/// (exact, partial) matches from the SQLite file.
type Found = (Vec<RosterRecord>, Vec<RosterRecord>);

fn lookup_sqlite(
    database: &Database,
    cert_type: &str,
    key: &str,
    name: Option<&str>,
) -> Result<Found, DurableError> {
    let connection = database.read()?;
    let mut exact = connection
        .prepare_cached(
            "SELECT cert_type, cert_no, cert_name, glory_type, glory_id, data_id
             FROM holders WHERE cert_type = ?1 AND lookup_key = ?2 AND lookup_key IS NOT NULL
             ORDER BY glory_id",
        )
        .map_err(storage)?;
    let exact = exact
        .query_map(params![cert_type, key], read_record)
        .map_err(storage)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(storage)?;
    let Some(name) = name else {
        return Ok((exact, Vec::new()));
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
    let mut partial = Vec::new();
    for (prefix, suffix) in masked_probes(key, shapes) {
        let rows = masked
            .query_map(params![cert_type, prefix, suffix, name], read_record)
            .map_err(storage)?;
        for record in rows {
            partial.push(record.map_err(storage)?);
        }
    }
    Ok((exact, partial))
}

/// The (prefix, suffix) pairs of `key` to look up among masked numbers: one per shape
/// of masked number the replica holds. A number with almost nothing visible would match
/// on the name alone, and at least one character must be hidden between the parts.
pub(crate) fn masked_probes(key: &str, shapes: Vec<(i64, i64)>) -> Vec<(String, String)> {
    shapes
        .into_iter()
        .filter_map(|(prefix_length, suffix_length)| {
            let prefix_length = usize::try_from(prefix_length).ok()?;
            let suffix_length = usize::try_from(suffix_length).ok()?;
            if prefix_length + suffix_length < MIN_VISIBLE
                || key.len() <= prefix_length + suffix_length
            {
                return None;
            }
            let prefix = key.get(..prefix_length)?;
            let suffix = key.get(key.len() - suffix_length..)?;
            Some((prefix.to_owned(), suffix.to_owned()))
        })
        .collect()
}

/// A holder from its stored columns.
pub(crate) fn roster_record(
    cert_type: &str,
    cert_no: String,
    cert_name: String,
    glory_type: &str,
    glory_id: i64,
    data_id: i64,
) -> RosterRecord {
    RosterRecord {
        cert_type: CertType::from_code(cert_type),
        cert_no: cert_no.into(),
        cert_name: cert_name.into(),
        glory_type: GloryType::from_code(glory_type),
        glory_id,
        data_id,
    }
}

fn read_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<RosterRecord> {
    Ok(roster_record(
        &row.get::<_, String>(0)?,
        row.get(1)?,
        row.get(2)?,
        &row.get::<_, String>(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}
