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

/// Runs `glorycard demo ARGS` with `tmp` as its temporary directory, no key or settings
/// from the environment, and the locale `LANG=lang` (none: English).
fn demo_in(tmp: &Path, args: &[&str], lang: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_glorycard"));
    command
        .arg("demo")
        .args(args)
        .env("TMPDIR", tmp)
        .env_remove("GLORYCARD_KEY")
        .env_remove("GLORYCARD_CONFIG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .current_dir(tmp);
    if let Some(lang) = lang {
        command.env("LANG", lang);
    }
    command.output().unwrap()
}

fn demo(tmp: &Path, args: &[&str]) -> Output {
    demo_in(tmp, args, None)
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

/// With a Chinese locale every line is in Chinese, with the same figures, and the
/// numbers are masked as in English.
#[test]
fn in_a_chinese_locale_every_line_is_chinese() {
    let tmp = TempDir::new("zh");
    let output = demo_in(&tmp.0, &["--holders", "20"], Some("zh_CN.UTF-8"));
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.starts_with("glorycard demo：在内嵌的沙箱平台上"),
        "{stdout}"
    );
    assert!(
        line(&stdout, "沙箱").contains("20 名合成持证人"),
        "{stdout}"
    );
    assert!(line(&stdout, "名册同步").contains("20 条记录"), "{stdout}");
    let lookup = line(&stdout, "查询");
    assert!(
        lookup.contains("exact：") && lookup.contains("gloryID 10010，用时"),
        "{lookup}"
    );
    assert!(
        line(&stdout, "发件箱").starts_with("发件箱      20 笔扣款和 1 笔撤销已持久提交"),
        "{stdout}"
    );
    assert!(
        line(&stdout, "投递").starts_with("投递        21 笔已确认 · 0 笔被拒绝 · "),
        "{stdout}"
    );
    assert!(
        line(&stdout, "对账").contains("平台 20 条记录，机构 20 条，0 处差异"),
        "{stdout}"
    );
    assert!(
        line(&stdout, "清理").starts_with("清理        已删除 "),
        "{stdout}"
    );
    // No English sentence is left: each line's words are Chinese.
    for english in [
        "records",
        "acknowledged",
        "removed",
        "holders",
        "differences",
    ] {
        assert!(!stdout.contains(english), "{english} in {stdout}");
    }
    let holder = glorycard_core::synthetic::roster_record(1, 1);
    assert!(!stdout.contains(holder.cert_no.as_str()), "{stdout}");
    assert!(!stdout.contains(holder.cert_name.as_str()), "{stdout}");
    assert!(
        entries(&tmp.0).is_empty(),
        "left behind: {:?}",
        entries(&tmp.0)
    );
}
