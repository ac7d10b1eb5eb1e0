//! `glorycard demo`, the README's first command: every step's line, a reconciliation
//! without differences, no personal data in the clear, and what it leaves behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::text;

/// A fresh, empty directory for this test, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("glorycard-cli-demo-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `glorycard demo ARGS` with `tmp` as its temporary directory and no key or
/// settings from the environment.
fn demo(tmp: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glorycard"))
        .arg("demo")
        .args(args)
        .env("TMPDIR", tmp)
        .env_remove("GLORYCARD_KEY")
        .env_remove("GLORYCARD_CONFIG")
        .current_dir(tmp)
        .output()
        .unwrap()
}

/// The line of `stdout` that starts with `label`.
fn line<'a>(stdout: &'a str, label: &str) -> &'a str {
    stdout
        .lines()
        .find(|line| line.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{stdout}"))
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_demo_runs_every_step_reconciles_without_differences_and_leaves_nothing() {
    let tmp = TempDir::new("plain");
    let output = demo(&tmp.0, &[]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        line(&stdout, "sandbox").contains("https://127.0.0.1:"),
        "{stdout}"
    );
    assert!(
        line(&stdout, "sandbox").contains("2,000 synthetic holders"),
        "{stdout}"
    );
    let sync = line(&stdout, "roster sync");
    assert!(
        sync.contains("2,000 records") && sync.contains("records/s"),
        "{sync}"
    );
    let lookup = line(&stdout, "lookup");
    assert!(
        lookup.contains("exact: ") && lookup.contains("partial "),
        "{lookup}"
    );
    assert!(
        lookup.contains("gloryID 10001") && lookup.contains("gloryID 10010"),
        "{lookup}"
    );
    // The numbers are masked: no run of more than two digits is shown, and no whole name.
    let holder = glorycard_core::synthetic::roster_record(1, 1);
    let masked = glorycard_core::synthetic::roster_record(1, 10);
    for personal in [
        holder.cert_no.as_str(),
        holder.cert_name.as_str(),
        masked.cert_no.as_str(),
        masked.cert_name.as_str(),
    ] {
        assert!(!stdout.contains(personal), "{stdout}");
    }
    assert!(
        line(&stdout, "outbox")
            .starts_with("outbox      20 deductions and 1 cancellation committed"),
        "{stdout}"
    );
    let drain = line(&stdout, "drain");
    assert!(
        drain.starts_with(
            "drain       21 acknowledged · 0 rejected · 0 failed calls retried · 0 pending · "
        ) && drain.ends_with(" calls/s"),
        "{drain}"
    );
    let reconcile = line(&stdout, "reconcile");
    assert!(
        reconcile.contains("platform 20 records, institution 20, 0 differences"),
        "{reconcile}"
    );
    assert!(
        line(&stdout, "cleanup").starts_with("cleanup     removed "),
        "{stdout}"
    );
    // Everything it made was under the temporary directory, and is gone.
    assert!(
        entries(&tmp.0).is_empty(),
        "left behind: {:?}",
        entries(&tmp.0)
    );
}

#[test]
fn with_keep_the_replica_and_the_outbox_stay() {
    let tmp = TempDir::new("keep");
    let kept = tmp.0.join("kept");
    let output = demo(&tmp.0, &["--keep", kept.to_str().unwrap()]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(line(&stdout, "kept").contains("replica.db"), "{stdout}");
    assert!(
        line(&stdout, "reconcile").contains(", 0 differences"),
        "{stdout}"
    );
    assert!(kept.join("replica.db").is_file());
    assert!(kept.join("outbox.db").is_file());
    // Nothing else was left in the temporary directory.
    assert_eq!(entries(&tmp.0), ["kept"]);
}
