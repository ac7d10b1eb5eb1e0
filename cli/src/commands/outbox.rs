//! `glorycard outbox`: deductions and cancellations committed locally, then delivered.

use std::path::PathBuf;
use std::time::Duration;

use clap::Subcommand;
use glorycard_core::models;
use glorycard_durable::{DrainOptions, DrainReport, DurableError, Outbox, OutboxEntry};

use crate::shared::{
    ConnectionArgs, Failure, ProgressLine, durable_failure, existing, fail, grouped, read_body,
    runtime,
};

#[derive(Debug, Subcommand)]
pub(crate) enum OutboxCommand {
    /// Validate every deduction and cancellation in FILE, then commit them all durably
    /// (or none). FILE holds JSON objects in wire names, one after another (JSON lines):
    /// an object with certNo is a deduction, one with only orgCode, deductionID and
    /// deductionTime a cancellation.
    Add {
        /// The outbox: a SQLite file, or a postgres:// URL shared by several nodes
        /// (its password may come from PGPASSWORD).
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "GLORYCARD_DB",
            hide_env_values = true
        )]
        db: PathBuf,
        /// The records (default: standard input).
        file: Option<PathBuf>,
    },
    /// Deliver every pending item. Exit 0 when all were accepted, 1 when the platform
    /// refused some (see `outbox status`), 3 when some are still pending (unreachable).
    Drain {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The outbox: a SQLite file, or a postgres:// URL shared by several nodes
        /// (its password may come from PGPASSWORD).
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "GLORYCARD_DB",
            hide_env_values = true
        )]
        db: PathBuf,
        /// Calls in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Give up, leaving items pending, after this many seconds without delivering one.
        #[arg(long, value_name = "SECONDS", default_value_t = 120)]
        patience: u64,
        #[command(flatten)]
        timing: DrainTiming,
    },
    /// Move refused items back to pending for the next drain (after a refusal known to be
    /// temporary, or once its cause was mended). Items are named by their number in
    /// `outbox status`.
    Requeue {
        /// The outbox: a SQLite file, or a postgres:// URL shared by several nodes
        /// (its password may come from PGPASSWORD).
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "GLORYCARD_DB",
            hide_env_values = true
        )]
        db: PathBuf,
        /// The items' numbers (`rejected #N` in `outbox status`).
        #[arg(required = true)]
        items: Vec<i64>,
    },
    /// Count the items in each state and list the refused ones with the platform's message.
    Status {
        /// The outbox: a SQLite file, or a postgres:// URL shared by several nodes
        /// (its password may come from PGPASSWORD).
        #[arg(
            long,
            value_name = "FILE|URL",
            env = "GLORYCARD_DB",
            hide_env_values = true
        )]
        db: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// How long a drain's leases and calls last (the defaults suit a platform that answers
/// within seconds).
#[derive(Debug, clap::Args)]
pub(crate) struct DrainTiming {
    /// On PostgreSQL, how long this drainer's claim on a deduction's items lasts without
    /// renewal: another drainer takes them over this long after this one stalls or dies.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    lease: u64,
    /// The most one call may take, retries included, before it is abandoned (its item
    /// stays pending): at most two thirds of --lease.
    #[arg(long, value_name = "SECONDS", default_value_t = 40, value_parser = clap::value_parser!(u64).range(1..))]
    call_deadline: u64,
    /// The most one attempt of a call may take, from connecting to the last byte of the
    /// answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
}

/// Reads the entries of `outbox add`: a stream of JSON objects.
fn read_entries(body: &[u8]) -> Result<Vec<OutboxEntry>, Failure> {
    const DEDUCTION_ONLY: [&str; 7] = [
        "certType",
        "certNo",
        "certName",
        "totalFee",
        "deductionFee",
        "gloryType",
        "deductionType",
    ];
    let mut entries = Vec::new();
    let stream = serde_json::Deserializer::from_slice(body).into_iter::<serde_json::Value>();
    for (index, value) in stream.enumerate() {
        let number = index + 1;
        let value = value.map_err(|e| {
            fail(format!(
                "invalid_json: record {number}: line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
        let Some(object) = value.as_object() else {
            return Err(fail(format!(
                "invalid_json: record {number} is not an object"
            )));
        };
        let is_deduction = DEDUCTION_ONLY.iter().any(|key| object.contains_key(*key));
        // Re-serialized so that the core's redacting parser reports errors (a serde
        // message can quote a certNo).
        let text = value.to_string();
        let entry = if is_deduction {
            models::from_json(text.as_bytes()).map(OutboxEntry::Deduction)
        } else {
            models::from_json(text.as_bytes()).map(OutboxEntry::Cancellation)
        };
        entries.push(entry.map_err(|e| {
            let failure = Failure::from(e);
            fail(format!("record {number}: {}", failure.message))
        })?);
    }
    Ok(entries)
}

pub(crate) fn outbox(command: OutboxCommand) -> Result<String, Failure> {
    match command {
        OutboxCommand::Add { db, file } => {
            let entries = read_entries(&read_body(&file)?)?;
            let outbox = Outbox::open(&db).map_err(durable_failure)?;
            let enqueued = outbox.enqueue_all(&entries).map_err(durable_failure)?;
            let added = enqueued.iter().filter(|e| e.newly_added).count();
            Ok(format!(
                "enqueued {added} new item(s), {} already in the outbox; committed to {}\n",
                enqueued.len() - added,
                glorycard_durable::display_location(&db)
            ))
        }
        OutboxCommand::Drain {
            connection,
            db,
            concurrency,
            patience,
            timing,
        } => drain(connection, db, concurrency, patience, &timing),
        OutboxCommand::Requeue { db, items } => {
            existing(&db, "glorycard outbox add --db creates it")?;
            let outbox = Outbox::open(&db).map_err(durable_failure)?;
            let mut out = String::new();
            for seq in items {
                if !outbox.requeue(seq).map_err(durable_failure)? {
                    return Err(fail(format!(
                        "{out}not_found: item {seq} is not a rejected item of {}",
                        glorycard_durable::display_location(&db)
                    )));
                }
                out.push_str(&format!("requeued #{seq}\n"));
            }
            Ok(out)
        }
        OutboxCommand::Status { db, json } => {
            existing(&db, "glorycard outbox add --db creates it")?;
            let outbox = Outbox::open(&db).map_err(durable_failure)?;
            let status = outbox.status().map_err(durable_failure)?;
            let rejected = outbox.rejected().map_err(durable_failure)?;
            if json {
                let value = serde_json::json!({ "status": status, "rejected": rejected });
                return Ok(format!("{value}\n"));
            }
            let mut out = format!(
                "pending {}, acknowledged {}, rejected {}\n",
                status.pending, status.acknowledged, status.rejected
            );
            if let Some(oldest) = &status.oldest_pending {
                out.push_str(&format!("oldest pending item enqueued at {oldest}\n"));
            }
            for item in rejected {
                out.push_str(&format!(
                    "rejected #{} {} {}: {}\n",
                    item.seq, item.kind, item.deduction_id, item.message
                ));
            }
            Ok(out)
        }
    }
}

fn drain_line(report: &DrainReport) -> String {
    format!(
        "{} acknowledged · {} rejected · {} failed calls retried",
        grouped(report.acknowledged),
        grouped(report.rejected),
        grouped(report.failed_calls)
    )
}

fn drain(
    connection: ConnectionArgs,
    db: PathBuf,
    concurrency: usize,
    patience: u64,
    timing: &DrainTiming,
) -> Result<String, Failure> {
    existing(&db, "glorycard outbox add --db creates it")?;
    let builder = connection
        .builder()?
        .request_timeout(Duration::from_secs(timing.request_timeout));
    let outbox = Outbox::open(&db).map_err(durable_failure)?;
    let options = DrainOptions::default()
        .concurrency(concurrency)
        .patience(Duration::from_secs(patience))
        .lease(
            Duration::from_secs(timing.lease),
            Duration::from_secs(timing.call_deadline),
        );
    let runtime = runtime()?;
    let mut line = ProgressLine::new();
    let result = runtime.block_on(async {
        let client = builder.build().map_err(DurableError::from)?;
        outbox
            .drain_with(&client, &options, |report| line.draw(|| drain_line(report)))
            .await
    });
    line.clear();
    let report = result.map_err(durable_failure)?;
    let summary = format!(
        "drained: {}; {} pending",
        drain_line(&report),
        report.pending
    );
    if report.gave_up {
        return Err(Failure {
            message: format!(
                "{summary}: gave up after {patience} s without delivering an item; last failure: {}",
                report.last_failure.as_deref().unwrap_or("none")
            ),
            status: 3,
        });
    }
    if report.rejected > 0 {
        return Err(Failure {
            message: format!(
                "platform_rejected: {summary}: see glorycard outbox status --db {}",
                glorycard_durable::display_location(&db)
            ),
            status: 1,
        });
    }
    Ok(format!("{summary}\n"))
}
