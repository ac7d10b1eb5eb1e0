//! Where a store keeps its data: a SQLite file (the embedded default) or a PostgreSQL
//! database shared by several nodes, chosen by the location's spelling.

use std::path::Path;

use crate::DurableError;
use crate::database::Database;
use crate::postgres::{self, PgDatabase, Store};

#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Sqlite(Database),
    Postgres(PgDatabase),
}

impl Backend {
    /// A `postgres://` or `postgresql://` URL opens `store` in that database; anything
    /// else is a file path for `open_sqlite`.
    pub(crate) fn open(
        location: &Path,
        store: Store,
        open_sqlite: impl FnOnce(&Path) -> Result<Database, DurableError>,
    ) -> Result<Self, DurableError> {
        match location.to_str() {
            Some(url) if postgres::is_url(url) => {
                PgDatabase::open(url, store).map(Backend::Postgres)
            }
            _ => open_sqlite(location).map(Backend::Sqlite),
        }
    }

    /// Where the store is, for messages: the file's path, or the URL without its
    /// password.
    pub(crate) fn location(&self) -> String {
        match self {
            Backend::Sqlite(database) => crate::display_location(database.path()),
            Backend::Postgres(database) => database.location().to_owned(),
        }
    }

    /// The SQLite database of a test's store.
    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> &Database {
        match self {
            Backend::Sqlite(database) => database,
            Backend::Postgres(_) => unreachable!("a SQLite store was expected"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::temp_db::TempDb;
    use crate::{Outbox, Replica};

    /// A location the stores do not recognise as PostgreSQL is a file path; what looks
    /// like a credential in it is masked in `location()`, `Debug` and every error.
    #[test]
    fn a_credential_in_an_unrecognised_location_is_never_shown() {
        let db = TempDb::new("password=S3cret");
        let outbox = Outbox::open(&db.0).unwrap();
        let replica_db = TempDb::new("replica-password=S3cret");
        let replica = Replica::open(&replica_db.0).unwrap();
        for shown in [
            outbox.location(),
            format!("{outbox:?}"),
            replica.location(),
            format!("{replica:?}"),
        ] {
            assert!(!shown.contains("S3cret"), "{shown}");
            assert!(shown.contains("password=***"), "{shown}");
        }
        for location in [
            "jdbc:postgresql://db.example/his?user=his&password=S3cret",
            "postgres:/his:S3cret@db.example/his",
            "missing-folder/host=db.example password=S3cret",
        ] {
            let error = Outbox::open(location).unwrap_err();
            for shown in [error.to_string(), format!("{error:?}")] {
                assert!(!shown.contains("S3cret"), "{shown}");
            }
        }
    }
}
