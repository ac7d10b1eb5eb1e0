//! `glorycard roster`: a page of the platform's roster, a local replica kept up to date
//! (`sync`), and lookups in it.

use std::path::PathBuf;

use clap::Subcommand;
use glorycard_core::models::{self, CertType};
use glorycard_durable::{MatchKind, Replica, SyncProgress};

use crate::shared::{
    ConnectionArgs, Failure, ProgressLine, client_failure, durable_failure, existing, fail,
    grouped, read_body, runtime,
};

#[derive(Debug, Subcommand)]
pub(crate) enum RosterCommand {
    /// Print one store/all page (records with dataID greater than --after) as JSON lines.
    Page {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The largest dataID already synced (0 for the first page).
        #[arg(long, default_value_t = 0)]
        after: i64,
    },
    /// Bring a local replica of the roster up to date (resumes from its checkpoint; safe
    /// to interrupt at any moment). Shows progress when standard output is a terminal.
    Sync {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The replica (created if missing): a SQLite file, or a postgres:// URL shared by
        /// several nodes (one sync at a time; its password may come from PGPASSWORD).
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "GLORYCARD_DB",
            hide_env_values = true
        )]
        db: PathBuf,
    },
    /// Look a holder up in the local replica, without the network. Prints one JSON line
    /// per match with "match": "exact" or "partial" (the platform sent the number masked);
    /// exit 1 when nobody matches. Pass the query with --query (a file, or - for standard
    /// input): --cert-no and --name put personal data on the command line.
    Lookup {
        /// The replica: a SQLite file or a postgres:// URL.
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "GLORYCARD_DB",
            hide_env_values = true
        )]
        db: PathBuf,
        /// The query as JSON, {"certType":"0","certNo":"...","certName":"..."} (certType
        /// defaults to "0", certName is optional), read from FILE, or from standard input
        /// with -.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "cert_no",
            conflicts_with_all = ["cert_type", "cert_no", "name"]
        )]
        query: Option<PathBuf>,
        /// The certType code (0 resident ID card, ... 6 passport; default 0).
        #[arg(long)]
        cert_type: Option<String>,
        /// The identity document number. Visible to other users (ps, /proc) and kept in
        /// shell history: prefer --query.
        #[arg(long)]
        cert_no: Option<String>,
        /// The holder's name, needed to match a number the platform sent masked. Visible
        /// to other users (ps, /proc) and kept in shell history: prefer --query.
        #[arg(long, requires = "cert_no")]
        name: Option<String>,
    },
}

pub(crate) fn roster(command: RosterCommand) -> Result<String, Failure> {
    match command {
        RosterCommand::Page { connection, after } => {
            let client = connection.client()?;
            let page = client.roster_page(after).map_err(client_failure)?;
            let mut out = String::new();
            for record in page {
                let line = serde_json::to_string(&record)
                    .map_err(|e| fail(format!("serialization: {e}")))?;
                out.push_str(&line);
                out.push('\n');
            }
            Ok(out)
        }
        RosterCommand::Sync { connection, db } => roster_sync(connection, db),
        RosterCommand::Lookup {
            db,
            query,
            cert_type,
            cert_no,
            name,
        } => {
            let query = match (query, cert_no) {
                (Some(file), _) => LookupQuery::read(&file)?,
                (None, Some(cert_no)) => {
                    LookupQuery::from_flags(cert_type.as_deref(), cert_no, name)
                }
                (None, None) => {
                    return Err(fail("usage: pass --query FILE (or - for standard input)"));
                }
            };
            roster_lookup(db, query)
        }
    }
}

fn sync_line(progress: &SyncProgress) -> String {
    format!(
        "{} records · {} records/s · {} pages · checkpoint {}",
        grouped(progress.records),
        grouped(progress.records_per_second() as u64),
        grouped(progress.pages),
        progress.checkpoint
    )
}

/// `glorycard roster sync`.
fn roster_sync(connection: ConnectionArgs, db: PathBuf) -> Result<String, Failure> {
    let builder = connection.builder()?;
    let replica = Replica::open(&db).map_err(durable_failure)?;
    let runtime = runtime()?;
    let mut line = ProgressLine::new();
    let result = runtime.block_on(async {
        let client = builder.build()?;
        replica
            .sync_with_progress(&client, |progress| line.draw(|| sync_line(progress)))
            .await
    });
    line.clear();
    let progress = result.map_err(durable_failure)?;
    let total = replica.len().map_err(durable_failure)?;
    Ok(format!(
        "synced {}; the replica holds {} holders\n",
        sync_line(&progress),
        grouped(total)
    ))
}

/// Whom `roster lookup` looks for. It arrives as JSON in a file or on standard input, so
/// that the number and the name stay out of the process list and shell history.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupQuery {
    #[serde(rename = "certType", default = "resident_id")]
    cert_type: CertType,
    #[serde(rename = "certNo")]
    cert_no: String,
    #[serde(rename = "certName", default)]
    cert_name: Option<String>,
}

fn resident_id() -> CertType {
    CertType::ResidentId
}

impl LookupQuery {
    /// Reads the query from `file` (`-`: standard input). Errors name the problem, never
    /// a value: the core's parser redacts them.
    fn read(file: &std::path::Path) -> Result<Self, Failure> {
        let body = read_body(&Some(file.to_path_buf()))?;
        models::from_json(&body).map_err(|e| {
            let failure = Failure::from(e);
            fail(format!("the lookup query: {}", failure.message))
        })
    }

    /// The query of `--cert-type`, `--cert-no` and `--name`.
    fn from_flags(cert_type: Option<&str>, cert_no: String, name: Option<String>) -> Self {
        Self {
            cert_type: cert_type.map_or(CertType::ResidentId, CertType::from_code),
            cert_no,
            cert_name: name,
        }
    }
}

/// `glorycard roster lookup`: one JSON line per match; status 1 when nobody matches.
fn roster_lookup(db: PathBuf, query: LookupQuery) -> Result<String, Failure> {
    existing(&db, "run glorycard roster sync --db first")?;
    let replica = Replica::open(&db).map_err(durable_failure)?;
    let matches = replica
        .lookup(&query.cert_type, &query.cert_no, query.cert_name.as_deref())
        .map_err(durable_failure)?;
    if matches.is_empty() {
        return Err(Failure {
            message: "not_found: no holder with this identity document in the replica".into(),
            status: 1,
        });
    }
    let mut out = String::new();
    for found in matches {
        let mut value =
            serde_json::to_value(&found.record).map_err(|e| fail(format!("serialization: {e}")))?;
        if let Some(object) = value.as_object_mut() {
            object.insert("match".into(), found.kind.as_str().into());
            if found.kind == MatchKind::Partial {
                object.insert(
                    "note".into(),
                    "the platform sent this number masked: its visible characters and the name matched"
                        .into(),
                );
            }
        }
        out.push_str(&value.to_string());
        out.push('\n');
    }
    Ok(out)
}
