#![doc = include_str!("../README.md")]

mod bench;
mod durable;
mod limits;
mod net;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use glorycard_core::{
    Error, ManualClock, SecretKey, Signature, Signer, Timestamp, Verifier, canonicalize,
    diagnose_mismatch, explain,
};

/// Sign and verify bodies for the glory-card (荣誉证) deduction platform.
///
/// FILE omitted or `-` reads the body from standard input; the body is used byte for byte.
#[derive(Debug, Parser)]
#[command(name = "glorycard", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
        /// Print the stages as JSON.
        #[arg(long)]
        json: bool,
        /// The body (default: standard input).
        file: Option<PathBuf>,
    },
    /// Roster calls (store/all).
    Roster {
        #[command(subcommand)]
        command: net::RosterCommand,
    },
    /// Upload a deduction (store/deduct). FILE holds it in wire names (default: stdin).
    Deduct {
        #[command(flatten)]
        connection: net::ConnectionArgs,
        /// The deduction as JSON (default: standard input).
        file: Option<PathBuf>,
    },
    /// Cancel a deduction (store/deductCancel).
    Cancel {
        #[command(flatten)]
        connection: net::ConnectionArgs,
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
        command: durable::OutboxCommand,
    },
    /// The institution's side of the protocol (POST /deductCheck).
    Institution {
        #[command(subcommand)]
        command: durable::InstitutionCommand,
    },
    /// Run a sandbox platform (signed endpoints, synthetic roster, faults) until Ctrl-C.
    Sandbox(net::SandboxArgs),
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

/// Where the secret key comes from: --key, --key-file, or GLORYCARD_KEY (in that order).
/// Prefer --key-file or the environment: a --key argument is visible to other users of
/// the machine in the process list.
#[derive(Args)]
struct KeyArgs {
    /// The secret key (prefer --key-file or GLORYCARD_KEY).
    #[arg(long, conflicts_with = "key_file")]
    key: Option<String>,
    /// A file holding the secret key (one trailing newline is ignored).
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
}

impl std::fmt::Debug for KeyArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyArgs")
            .field("key", &self.key.as_ref().map(|_| "***"))
            .field("key_file", &self.key_file)
            .finish()
    }
}

/// A failure: a one-line message and the exit status.
struct Failure {
    message: String,
    status: u8,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            message: format!("{}: {error}", error.code()),
            status: if matches!(error, Error::SignatureMismatch) {
                1
            } else {
                2
            },
        }
    }
}

/// Writes one line to standard error. Unlike `eprintln!`, it does not panic when standard
/// error is closed (a server started with `2>&-`, or its log pipe gone at shutdown).
fn say(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn fail(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        status: 2,
    }
}

impl KeyArgs {
    fn load(&self) -> Result<SecretKey, Failure> {
        if let Some(key) = &self.key {
            return Ok(SecretKey::new(key.as_str()));
        }
        if let Some(path) = &self.key_file {
            let mut text = std::fs::read_to_string(path)
                .map_err(|e| fail(format!("cannot read key file {}: {e}", path.display())))?;
            let trimmed = text
                .strip_suffix("\r\n")
                .or_else(|| text.strip_suffix('\n'))
                .map(str::len);
            if let Some(len) = trimmed {
                text.truncate(len);
            }
            return Ok(SecretKey::new(text));
        }
        match std::env::var("GLORYCARD_KEY") {
            Ok(key) => Ok(SecretKey::new(key)),
            Err(_) => Err(fail(
                "no key: pass --key, --key-file PATH or set GLORYCARD_KEY",
            )),
        }
    }
}

fn read_body(file: &Option<PathBuf>) -> Result<Vec<u8>, Failure> {
    match file {
        Some(path) if path.as_os_str() != "-" => {
            std::fs::read(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))
        }
        _ => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| fail(format!("cannot read standard input: {e}")))?;
            Ok(body)
        }
    }
}

fn timestamp_or_now(timestamp: &Option<String>) -> Result<Timestamp, Failure> {
    match timestamp {
        Some(text) => Ok(Timestamp::parse(text)?),
        None => Ok(Timestamp::now()),
    }
}

/// What a command prints on stdout, and whether it ended in a signature mismatch
/// (`explain --expect` prints its stages and diagnosis, then exits 1).
struct Printed {
    text: String,
    mismatch: bool,
}

impl Printed {
    fn ok(text: String) -> Self {
        Printed {
            text,
            mismatch: false,
        }
    }
}

// `let _ = writeln!(out, ...)` below: formatting into a `String` cannot fail.
fn run(command: Command) -> Result<Printed, Failure> {
    use std::fmt::Write as _;
    match command {
        Command::Canon { file } => {
            let stringa = canonicalize(&read_body(&file)?)?;
            Ok(Printed::ok(format!("{stringa}\n")))
        }
        Command::Sign {
            key,
            timestamp,
            headers,
            sid,
            file,
        } => {
            let key = key.load()?;
            let body = read_body(&file)?;
            let timestamp = timestamp_or_now(&timestamp)?;
            if headers {
                let signer = Signer::new(sid.unwrap_or_default(), key);
                let headers = signer.sign_at(&body, &timestamp)?;
                let json = serde_json::to_string(&headers).map_err(|e| fail(e.to_string()))?;
                Ok(Printed::ok(format!("{json}\n")))
            } else {
                let sign = glorycard_core::sign_body(&body, &key, &timestamp)?;
                Ok(Printed::ok(format!("{sign}\n")))
            }
        }
        Command::Verify {
            key,
            timestamp,
            sign,
            max_skew,
            file,
        } => {
            let key = key.load()?;
            let body = read_body(&file)?;
            // Without --max-skew only the signature is checked: a clock at the timestamp.
            let clock: Arc<dyn glorycard_core::Clock> = match max_skew {
                Some(_) => Arc::new(glorycard_core::SystemClock),
                None => Arc::new(ManualClock::new(
                    Timestamp::parse(&timestamp)?.unix_seconds(),
                )),
            };
            let verifier = Verifier::builder()
                .key("cli", key)
                .max_skew_seconds(max_skew.unwrap_or(0))
                .clock(clock)
                .build()?;
            verifier.verify("cli", &timestamp, &sign, &body)?;
            Ok(Printed::ok("valid\n".to_string()))
        }
        Command::Explain {
            key,
            timestamp,
            expect,
            json,
            file,
        } => {
            let key = key.load()?;
            let body = read_body(&file)?;
            let timestamp = timestamp_or_now(&timestamp)?;
            let expected = expect.as_deref().map(Signature::parse).transpose()?;
            let explanation = explain(&body, &key, &timestamp)?;
            let matches = expected.map(|e| e.ct_eq(explanation.sign()));
            let diagnosis = match (expected, matches) {
                (Some(expected), Some(false)) => {
                    diagnose_mismatch(&body, &key, &timestamp, &expected)?
                }
                _ => None,
            };
            let mut out = String::new();
            if json {
                let value = serde_json::json!({
                    "stringA": explanation.string_a(),
                    "stringSignTemp": explanation.string_sign_temp_masked(),
                    "md5": explanation.md5_upper(),
                    "timestamp": timestamp.to_string(),
                    "sign": explanation.sign().to_string(),
                    "expected": expected.map(|s| s.to_string()),
                    "matches": matches,
                    "diagnosis": diagnosis,
                });
                let _ = writeln!(out, "{value}");
            } else {
                let _ = writeln!(out, "{explanation}");
                if let (Some(expected), Some(matches)) = (expected, matches) {
                    let _ = writeln!(out, "expected:       {expected}");
                    if matches {
                        let _ = writeln!(out, "result:         MATCH");
                    } else {
                        let _ = writeln!(out, "result:         MISMATCH");
                        let why = match &diagnosis {
                            Some(departure) => format!("the expected sign is what you get with {departure}"),
                            None => "no common departure explains it: compare STRINGA with the counterpart's, \
                                     then the key and the timestamp"
                                .to_string(),
                        };
                        let _ = writeln!(out, "diagnosis:      {why}");
                        let _ = writeln!(out, "STRINGA to diff against the counterpart's log:");
                        let _ = writeln!(out, "{}", explanation.string_a());
                    }
                }
            }
            Ok(Printed {
                text: out,
                mismatch: matches == Some(false),
            })
        }
        Command::Roster { command } => net::roster(command).map(Printed::ok),
        Command::Deduct { connection, file } => net::deduct(connection, file).map(Printed::ok),
        Command::Cancel {
            connection,
            deduction_id,
            time,
        } => net::cancel(connection, deduction_id, time).map(Printed::ok),
        Command::Outbox { command } => durable::outbox(command).map(Printed::ok),
        Command::Institution { command } => durable::institution(command).map(Printed::ok),
        Command::Sandbox(args) => net::sandbox(args).map(Printed::ok),
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
                message: "signature_mismatch: the expected sign does not match".to_string(),
                status: 1,
            }
        }
        Err(failure) => failure,
    };
    let _ = writeln!(std::io::stderr(), "glorycard: {}", failure.message);
    ExitCode::from(failure.status)
}
