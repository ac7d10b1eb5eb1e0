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
            Backend::Sqlite(database) => database.path().display().to_string(),
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
