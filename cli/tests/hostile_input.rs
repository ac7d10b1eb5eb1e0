//! Bodies built to exhaust memory, given to the `glorycard` binary: refused with a clear
//! error while the process runs under an address-space limit it could not exceed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::text;
use glorycard_core::synthetic::repeated_name_body;

const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
const TS: &str = "20210407155206";

/// The address space the child may map, in KiB: 128 MiB, room for the binary and ordinary
/// work (checked below on the spec example), far from the ~250-500 MB the 80 KB quadratic
/// body needed before STRINGA's length was limited.
const ADDRESS_SPACE_KIB: u64 = 131_072;

/// `glorycard ARGS` under `ulimit -v`: an allocation beyond the limit aborts the process.
fn limited(args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_glorycard"))
        .args(args)
        .env_remove("GLORYCARD_KEY")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn scratch_file(name: &str, contents: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "glorycard-hostile-{name}-{}.json",
        std::process::id()
    ));
    std::fs::write(&path, contents).unwrap();
    path
}

fn spec_body() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/spec-example.body.json")
}

/// The 80 KB body (a 16,000-byte key, 32,000 elements: 512 MB of STRINGA) through
/// `canon`, `verify` with any sign, `sign` and `explain`: each ends with
/// `stringa_too_long`, status 2 and one line, inside 128 MiB of address space.
#[test]
fn the_quadratic_body_is_refused_by_every_command_in_bounded_memory() {
    let body = repeated_name_body(16_000, 32_000);
    assert!(body.len() < 81_000);
    let file = scratch_file("quadratic", &body);
    let file = file.to_str().unwrap();
    let spec = spec_body();
    let spec = spec.to_str().unwrap();
    let any_sign = "0".repeat(64);

    let commands: [Vec<&str>; 4] = [
        vec!["canon"],
        vec![
            "verify",
            "--key",
            KEY,
            "--timestamp",
            TS,
            "--sign",
            &any_sign,
        ],
        vec!["sign", "--key", KEY, "--timestamp", TS],
        vec!["explain", "--key", KEY, "--timestamp", TS],
    ];
    for command in commands {
        // The limit leaves room for the command's ordinary work.
        let control = limited(&[command.as_slice(), &[spec]].concat());
        assert!(
            control.status.code().is_some_and(|code| code <= 1),
            "{command:?} on the spec example under the limit: {:?} {}",
            control.status,
            text(&control.stderr)
        );

        let out = limited(&[command.as_slice(), &[file]].concat());
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{command:?}: {}", text(&out.stdout));
        assert_eq!(stderr.lines().count(), 1, "{command:?}: {stderr}");
        assert!(
            stderr.starts_with("glorycard: stringa_too_long"),
            "{command:?}: {stderr}"
        );
    }
    let _ = std::fs::remove_file(file);
}
