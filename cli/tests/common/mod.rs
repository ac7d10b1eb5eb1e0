//! Helpers shared by the CLI's process tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The account the process tests sign with (the platform document's sid and key).
pub const SID: &str = "47258258201708031835123456";
pub const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
pub const ORG: &str = "106607";

/// `glorycard` with the test account in its environment, no settings file, no base URL, CA
/// log filter or locale inherited from the caller's environment, and no standard input.
pub fn glorycard() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_glorycard"));
    command
        .env("GLORYCARD_KEY", KEY)
        .env("GLORYCARD_SID", SID)
        .env("GLORYCARD_ORG_CODE", ORG)
        .env_remove("GLORYCARD_BASE_URL")
        .env_remove("GLORYCARD_CA_CERT")
        .env_remove("GLORYCARD_CONFIG")
        .env_remove("GLORYCARD_LOG")
        // Messages in English whatever the caller's locale.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .stdin(Stdio::null());
    command
}

/// A `glorycard` server process (sandbox or institution endpoint), killed on drop.
pub struct Server {
    child: Child,
    /// The URL it printed on stderr once it accepted connections.
    pub url: String,
}

impl Server {
    /// The server's process id (to read its memory use from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` (a `glorycard sandbox` or `institution serve`) and waits for the line
/// on stderr that names its URL.
pub fn start_server(command: &mut Command) -> Server {
    start_server_logged(command).0
}

/// [`start_server`], keeping what the server writes on stderr after its first line.
pub fn start_server_logged(
    command: &mut Command,
) -> (Server, std::sync::Arc<std::sync::Mutex<String>>) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    stderr.read_line(&mut line).unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let kept = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        let mut next = String::new();
        while stderr.read_line(&mut next).is_ok_and(|read| read > 0) {
            kept.lock().unwrap().push_str(&next);
            next.clear();
        }
    });
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("https://") || word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    (Server { child, url }, log)
}

/// Standard output or error as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
