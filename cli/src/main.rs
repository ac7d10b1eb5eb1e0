#![doc = include_str!("../README.md")]

mod commands;
mod shared;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use glorycard_core::Lang;

use commands::{bench, deduct, demo, institution, outbox, roster, sandbox, sign};
use shared::{ConnectionArgs, Failure, KeyArgs, Printed, fail, lang, set_lang};

/// Sign and verify bodies for the glory-card (荣誉证) deduction platform.
///
/// FILE omitted or `-` reads the body from standard input; the body is used byte for byte.
#[derive(Debug, Parser)]
#[command(name = "glorycard", version, about, long_about = None)]
struct Cli {
    /// The language of messages: en or zh (default: the locale, LC_ALL, LC_MESSAGES or
    /// LANG; zh for one starting with zh). Codes and exit statuses are the same in both.
    #[arg(long, global = true, value_name = "en|zh", value_parser = parse_lang)]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

fn parse_lang(value: &str) -> Result<Lang, String> {
    value
        .parse()
        .map_err(|e: glorycard_core::UnknownLang| e.to_string())
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print STRINGA, the canonical form of a JSON body.
    Canon {
        /// The body (default: standard input).
        file: Option<PathBuf>,
    },
    /// Print the sign of a body.
    Sign {
        #[command(flatten)]
        key: KeyArgs,
        /// 14 digits yyyyMMddHHmmss, UTC+8 (default: now).
        #[arg(long)]
        timestamp: Option<String>,
        /// Print the headers {"sid","timestamp","sign"} as JSON.
        #[arg(long, requires = "sid")]
        headers: bool,
        /// The account id, for --headers.
        #[arg(long)]
        sid: Option<String>,
        /// The body (default: standard input).
        file: Option<PathBuf>,
    },
    /// Check a sign: exit 0 valid, 1 mismatch, 2 any other error.
    Verify {
        #[command(flatten)]
        key: KeyArgs,
        /// The received timestamp header.
        #[arg(long)]
        timestamp: String,
        /// The received sign header.
        #[arg(long)]
        sign: String,
        /// Also require the timestamp within this many seconds of now.
        #[arg(long, value_name = "SECONDS")]
        max_skew: Option<u64>,
        /// The body (default: standard input).
        file: Option<PathBuf>,
    },
    /// Print every stage of signing (key masked), to find why two sides disagree.
    Explain {
        #[command(flatten)]
        key: KeyArgs,
        /// 14 digits yyyyMMddHHmmss, UTC+8 (default: now).
        #[arg(long)]
        timestamp: Option<String>,
        /// The sign the counterpart computed: say whether it matches, and if not, why.
        #[arg(long, value_name = "SIGN")]
        expect: Option<String>,
        /// China time now, 14 digits yyyyMMddHHmmss (default: this host's clock): a
        /// timestamp further than the platform's ±300 s from it is reported, with the zone
        /// it looks to be in (UTC where China time was meant).
        #[arg(long)]
        now: Option<String>,
        /// Print the stages as JSON.
        #[arg(long)]
        json: bool,
        /// The body (default: standard input).
        file: Option<PathBuf>,
    },
    /// Roster calls (store/all).
    Roster {
        #[command(subcommand)]
        command: roster::RosterCommand,
    },
    /// Upload a deduction (store/deduct). FILE holds it in wire names (default: stdin).
    Deduct {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The deduction as JSON (default: standard input).
        file: Option<PathBuf>,
    },
    /// Cancel a deduction (store/deductCancel).
    Cancel {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The deductionID to cancel.
        #[arg(long)]
        deduction_id: String,
        /// The time of the cancellation, 'yyyy-MM-dd HH:mm:ss' (default: now, UTC+8).
        #[arg(long)]
        time: Option<String>,
    },
    /// The durable outbox: deductions and cancellations committed locally, then delivered.
    Outbox {
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// The institution's side of the protocol (POST /deductCheck).
    Institution {
        #[command(subcommand)]
        command: institution::InstitutionCommand,
    },
    /// Run a sandbox platform (signed endpoints, synthetic roster, faults) until Ctrl-C.
    Sandbox(sandbox::SandboxArgs),
    /// Run the whole job on an embedded sandbox, on loopback: roster sync, lookup, outbox,
    /// drain, reconciliation.
    Demo(demo::DemoArgs),
    /// Measure sign and verify in this process (spec example, 64 KB, 1 MB).
    Bench {
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        /// Seconds to spend on each measurement.
        #[arg(long, default_value_t = 1.0)]
        seconds: f64,
    },
}

fn run(command: Command) -> Result<Printed, Failure> {
    match command {
        Command::Canon { file } => sign::canon(file),
        Command::Sign {
            key,
            timestamp,
            headers,
            sid,
            file,
        } => sign::sign(key, timestamp, headers, sid, file),
        Command::Verify {
            key,
            timestamp,
            sign,
            max_skew,
            file,
        } => sign::verify(key, timestamp, sign, max_skew, file),
        Command::Explain {
            key,
            timestamp,
            expect,
            now,
            json,
            file,
        } => {
            // explain's diagnosis follows --lang, else the locale.
            sign::explain(key, timestamp, expect, now, json, file, lang())
        }
        Command::Roster { command } => roster::roster(command).map(Printed::ok),
        Command::Deduct { connection, file } => deduct::deduct(connection, file).map(Printed::ok),
        Command::Cancel {
            connection,
            deduction_id,
            time,
        } => deduct::cancel(connection, deduction_id, time).map(Printed::ok),
        Command::Outbox { command } => outbox::outbox(command).map(Printed::ok),
        Command::Institution { command } => institution::institution(command).map(Printed::ok),
        Command::Sandbox(args) => sandbox::sandbox(args).map(Printed::ok),
        Command::Demo(args) => demo::demo(args).map(Printed::ok),
        Command::Bench { json, seconds } => {
            bench::run(json, seconds).map(Printed::ok).map_err(fail)
        }
    }
}

fn main() -> ExitCode {
    // An unexpected panic must still end as one line and status 2, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(std::io::stderr(), "glorycard: internal error: {info}");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            let _ = writeln!(
                std::io::stderr(),
                "glorycard: usage: {first} (see glorycard --help)"
            );
            return ExitCode::from(2);
        }
    };
    set_lang(cli.lang.unwrap_or_else(Lang::from_env));
    // A command's output is printed only once it has finished, so that a failure leaves
    // nothing half-written on stdout.
    let outcome = std::panic::catch_unwind(|| run(cli.command))
        .unwrap_or_else(|_| Err(fail("internal error")));
    let failure = match outcome {
        Ok(printed) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(printed.text.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::from(2);
            }
            if !printed.mismatch {
                return ExitCode::SUCCESS;
            }
            Failure {
                message: lang()
                    .pick(
                        "signature_mismatch: the expected sign does not match",
                        "signature_mismatch: 预期的 sign 与计算结果不一致",
                    )
                    .to_string(),
                status: 1,
            }
        }
        Err(failure) => failure,
    };
    let _ = writeln!(std::io::stderr(), "glorycard: {}", failure.message);
    ExitCode::from(failure.status)
}
