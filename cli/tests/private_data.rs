//! Personal data stays out of reach of other users: `roster lookup` takes its query on
//! standard input or from a file (never in argv), and the stores are the files named,
//! private to their owner.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

mod common;

use common::{ORG, glorycard, start_server, text};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("glorycard-private-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `command` with `input` on its standard input. While it waits for that input,
/// checks what other users see of it: its command line in /proc holds none of `secrets`.
fn with_stdin(command: &mut Command, input: &[u8], secrets: &[&str]) -> Output {
    let args: Vec<String> = command
        .get_args()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    for secret in secrets {
        assert!(
            !args.iter().any(|arg| arg.contains(secret)),
            "{secret:?} in argv {args:?}"
        );
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if cfg!(target_os = "linux") {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        for secret in secrets {
            assert!(!cmdline.contains(secret), "{secret:?} in {cmdline:?}");
        }
    }
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A replica synced from a sandbox of 30 holders, every third served masked; lookups by
/// a JSON query on standard input or in a file find the exact and the partial matches,
/// and neither the number nor the name is ever on the command line.
#[test]
fn roster_lookup_takes_its_query_on_stdin_or_from_a_file() {
    const SEED: u64 = 5;
    let dir = scratch("lookup");
    let pem = dir.join("ca.pem");
    let db = dir.join("roster.db");
    let sandbox = start_server(glorycard().args([
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--holders",
        "30",
        "--seed",
        "5",
        "--masked-every",
        "3",
        "--cert-out",
        pem.to_str().unwrap(),
    ]));
    let synced = glorycard()
        .args(["roster", "sync", "--db", db.to_str().unwrap()])
        .args(["--base-url", &sandbox.url])
        .arg("--ca-cert")
        .arg(&pem)
        .output()
        .unwrap();
    assert!(synced.status.success(), "{}", text(&synced.stderr));
    drop(sandbox);

    let lookup = |query: &str| -> Command {
        let mut command = glorycard();
        command.args([
            "roster",
            "lookup",
            "--db",
            db.to_str().unwrap(),
            "--query",
            query,
        ]);
        command
    };

    // Holder 2 is served whole: found exactly by its number alone.
    let whole = glorycard_core::synthetic::roster_record(SEED, 2);
    let query = json!({ "certType": "0", "certNo": whole.cert_no }).to_string();
    let found = with_stdin(
        &mut lookup("-"),
        query.as_bytes(),
        &[whole.cert_no.as_str()],
    );
    assert!(found.status.success(), "{}", text(&found.stderr));
    let found = lines(&found);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0]["gloryID"].as_i64(), found[0]["match"].as_str()),
        (Some(10_002), Some("exact"))
    );

    // Holder 3 is served masked: found by the visible characters and the name.
    let masked = glorycard_core::synthetic::roster_record(SEED, 3);
    let query = json!({ "certNo": masked.cert_no, "certName": masked.cert_name }).to_string();
    let found = with_stdin(
        &mut lookup("-"),
        query.as_bytes(),
        &[masked.cert_no.as_str(), masked.cert_name.as_str()],
    );
    assert!(found.status.success(), "{}", text(&found.stderr));
    assert!(
        lines(&found)
            .iter()
            .any(|m| m["gloryID"] == 10_003 && m["match"] == "partial"),
        "{}",
        text(&found.stdout)
    );

    // From a file: the same answer.
    let query_file = dir.join("query.json");
    std::fs::write(&query_file, json!({ "certNo": whole.cert_no }).to_string()).unwrap();
    let found = glorycard()
        .args(["roster", "lookup", "--db", db.to_str().unwrap(), "--query"])
        .arg(&query_file)
        .output()
        .unwrap();
    assert!(found.status.success(), "{}", text(&found.stderr));
    assert_eq!(lines(&found)[0]["gloryID"], 10_002);

    // Nobody: status 1.
    let missing = with_stdin(
        &mut lookup("-"),
        br#"{"certNo":"110105194912310000"}"#,
        &["110105194912310000"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("not_found"));

    // A malformed query is refused naming the problem, never the value.
    let refused = with_stdin(&mut lookup("-"), br#"{"certNo":110105194912310000}"#, &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("lookup query"), "{stderr}");
    assert!(!stderr.contains("110105194912310000"), "{stderr}");
    let refused = with_stdin(
        &mut lookup("-"),
        br#"{"certNo":"110105194912310000","name":"x"}"#,
        &[],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("name"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!text(&refused.stderr).contains("110105194912310000"));

    // --query and the flags exclude each other.
    let both = lookup("-")
        .args(["--cert-no", "110105194912310000"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    assert!(
        text(&both.stderr).contains("usage"),
        "{}",
        text(&both.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `--db file:x.db` is the file named `file:x.db` (not an SQLite URI for `x.db`), created
/// 0600, and nothing else is created; once opened to other users it is refused.
#[cfg(unix)]
#[test]
fn a_file_colon_path_is_that_file_private_and_refused_when_shared() {
    let dir = scratch("file-uri");
    let deduction = json!({
        "orgCode": ORG, "certType": "0", "certNo": "11010519491231002X", "certName": "张小凡",
        "deductionID": "HIS-1", "totalFee": "25.00", "deductionFee": "20.00",
        "deductionTime": "2026-11-26 08:00:00", "gloryType": "1", "deductionType": "0",
    })
    .to_string();
    let added = with_stdin(
        glorycard()
            .current_dir(&dir)
            .args(["outbox", "add", "--db", "file:x.db"]),
        deduction.as_bytes(),
        &[],
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let mut created: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    created.sort();
    assert_eq!(created, ["file:x.db"]);
    assert_eq!(mode(&dir.join("file:x.db")), 0o600);

    let status = |dir: &Path| {
        glorycard()
            .current_dir(dir)
            .args(["outbox", "status", "--json", "--db", "file:x.db"])
            .output()
            .unwrap()
    };
    let read = status(&dir);
    assert!(read.status.success(), "{}", text(&read.stderr));
    let value: Value = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(value["status"]["pending"], 1);

    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(
        dir.join("file:x.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let refused = status(&dir);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("file:x.db")
            && stderr.contains("mode 0644")
            && stderr.contains("chmod 600"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The subcommands a `--help` lists under "Commands:" (help itself left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// A database URL or a base URL in the environment is never shown by `--help` of any
/// command (clap would print `[env: GLORYCARD_DB=postgres://his:S3cret@…]`), and a
/// location not recognised as PostgreSQL is named in errors with its credentials masked.
#[test]
fn passwords_stay_out_of_help_and_errors() {
    let secret = "S3cret";
    let secret_env = [
        ("GLORYCARD_DB", "postgres://his:S3cret@db.example/his"),
        ("GLORYCARD_BASE_URL", "https://his:S3cret@platform.example"),
    ];
    let mut pending = vec![Vec::<String>::new()];
    let mut helps = 0;
    while let Some(path) = pending.pop() {
        let output = glorycard()
            .args(&path)
            .arg("--help")
            .envs(secret_env)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{path:?}: {}",
            text(&output.stderr)
        );
        let help = text(&output.stdout);
        assert!(!help.contains(secret), "{path:?} --help: {help}");
        helps += 1;
        for name in subcommands(&help) {
            let mut next = path.clone();
            next.push(name);
            pending.push(next);
        }
    }
    // Every command and the outbox's, roster's and institution's subcommands.
    assert!(helps > 15, "only {helps} helps");

    let dir = scratch("masked-locations");
    for location in [
        "jdbc:postgresql://db.example/his?user=his&password=S3cret",
        "postgres:/his:S3cret@db.example/his",
        "postgresql//his:S3cret@db.example/his",
        "no-such-folder/host=db.example user=his password=S3cret",
    ] {
        for args in [
            vec!["outbox", "status", "--db", location],
            vec!["outbox", "drain", "--db", location],
            vec!["outbox", "add", "--db", location],
            vec!["roster", "lookup", "--db", location],
        ] {
            let from_flag = glorycard().current_dir(&dir).args(&args).output().unwrap();
            let from_env = glorycard()
                .current_dir(&dir)
                .args(&args[..2])
                .env("GLORYCARD_DB", location)
                .output()
                .unwrap();
            for output in [from_flag, from_env] {
                assert!(!output.status.success(), "{args:?}");
                let err = text(&output.stderr);
                assert!(!err.is_empty(), "{args:?}");
                assert!(!err.contains(secret), "{args:?}: {err}");
                assert!(!text(&output.stdout).contains(secret), "{args:?}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
