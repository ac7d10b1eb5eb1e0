//! The `glorycard` binary, run as a user would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SPEC_KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
const SPEC_TS: &str = "20210407155206";
/// The sign printed by the platform document's worked example.
const SPEC_SIGN: &str = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c";

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn spec_body_path() -> PathBuf {
    vectors_dir().join("spec-example.body.json")
}

/// `COMMAND --key SPEC_KEY --timestamp SPEC_TS EXTRA...`
fn with_spec_key<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [command, "--key", SPEC_KEY, "--timestamp", SPEC_TS]
        .iter()
        .chain(extra)
        .copied()
        .collect()
}

fn glorycard(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_glorycard"));
    // English unless a test sets the locale: the caller's own locale is not inherited.
    command
        .args(args)
        .env_remove("GLORYCARD_KEY")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    for (k, v) in env {
        command.env(k, v);
    }
    command.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(input) = stdin {
        // The command may fail and exit before reading its input (no key, say).
        match child.stdin.take().unwrap().write_all(input) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("writing stdin: {e}"),
            _ => {}
        }
    }
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A failure: the given status, nothing on stdout, exactly one line on stderr.
fn assert_failure(output: &Output, status: i32, needle: &str) {
    assert_eq!(
        output.status.code(),
        Some(status),
        "stderr: {}",
        stderr(output)
    );
    assert!(
        output.stdout.is_empty(),
        "stdout not empty: {}",
        stdout(output)
    );
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "not one line: {err:?}");
    assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn signs_the_spec_example() {
    let body = spec_body_path();
    let out = glorycard(&with_spec_key("sign", &[body.to_str().unwrap()]), None, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{SPEC_SIGN}\n"));
}

#[test]
fn reads_stdin_and_every_key_source() {
    let body = std::fs::read(spec_body_path()).unwrap();
    let dir = tempdir();
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{SPEC_KEY}\n")).unwrap();
    let key_file = key_file.to_str().unwrap();
    for (args, env) in [
        (
            vec!["sign", "--key", SPEC_KEY, "--timestamp", SPEC_TS],
            vec![],
        ),
        (
            vec!["sign", "--key", SPEC_KEY, "--timestamp", SPEC_TS, "-"],
            vec![],
        ),
        (
            vec!["sign", "--key-file", key_file, "--timestamp", SPEC_TS],
            vec![],
        ),
        (
            vec!["sign", "--timestamp", SPEC_TS],
            vec![("GLORYCARD_KEY", SPEC_KEY)],
        ),
    ] {
        let out = glorycard(&args, Some(&body), &env);
        assert_eq!(
            stdout(&out),
            format!("{SPEC_SIGN}\n"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = glorycard(&["sign", "--timestamp", SPEC_TS], Some(&body), &[]);
    assert_failure(&out, 2, "no key");
}

#[test]
fn headers_as_json() {
    let out = glorycard(
        &with_spec_key(
            "sign",
            &["--headers", "--sid", "47258258201708031835123456"],
        ),
        Some(&std::fs::read(spec_body_path()).unwrap()),
        &[],
    );
    let headers: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        headers,
        serde_json::json!({"sid": "47258258201708031835123456", "timestamp": SPEC_TS, "sign": SPEC_SIGN})
    );
}

#[test]
fn sign_without_timestamp_uses_now_in_utc8() {
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let out = glorycard(
        &["sign", "--key", "k", "--headers", "--sid", "s"],
        Some(b"{}"),
        &[("TZ", "America/New_York")],
    );
    let headers: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ts = headers["timestamp"].as_str().unwrap();
    let parsed = glorycard_unix_seconds(ts);
    assert!(
        (parsed - before).abs() <= 5,
        "{ts} is not now in UTC+8 ({parsed} vs {before})"
    );
}

/// Seconds since the epoch of a 14-digit UTC+8 timestamp, computed here independently.
fn glorycard_unix_seconds(ts: &str) -> i64 {
    let n = |a: usize, b: usize| ts[a..b].parse::<i64>().unwrap();
    let (y, m, d) = (n(0, 4), n(4, 6), n(6, 8));
    // Days from 1970-01-01 by counting: fine for the years a test runs in.
    let mut days = 0;
    for year in 1970..y {
        days += if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 {
            366
        } else {
            365
        };
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    days += month_days[..(m - 1) as usize].iter().sum::<i64>() + d - 1;
    days * 86_400 + n(8, 10) * 3600 + n(10, 12) * 60 + n(12, 14) - 8 * 3600
}

#[test]
fn canon_prints_string_a_of_every_passing_vector() {
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("signing.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for vector in doc["vectors"].as_array().unwrap() {
        let (Some(body), Some(expected)) = (
            vector["body"].as_str(),
            vector["expect"]["stringA"].as_str(),
        ) else {
            continue;
        };
        let out = glorycard(&["canon"], Some(body.as_bytes()), &[]);
        assert_eq!(
            stdout(&out),
            format!("{expected}\n"),
            "vector {}",
            vector["name"]
        );
        checked += 1;
    }
    assert!(checked >= 40);
}

#[test]
fn every_error_vector_exits_2_with_one_line() {
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("signing.json")).unwrap())
            .unwrap();
    let dir = tempdir();
    let mut checked = 0;
    for vector in doc["vectors"].as_array().unwrap() {
        let Some(code) = vector["expect"]["error"].as_str() else {
            continue;
        };
        let body: Vec<u8> = match (vector["body"].as_str(), vector["bodyHex"].as_str()) {
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, Some(h)) => (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                .collect(),
            _ => panic!("no body"),
        };
        let path = dir.join(format!("{}.json", vector["name"].as_str().unwrap()));
        std::fs::write(&path, &body).unwrap();
        let key = vector["key"].as_str().unwrap();
        let ts = vector["timestamp"].as_str().unwrap();
        let out = if key.is_empty() {
            glorycard(
                &["sign", "--timestamp", ts, path.to_str().unwrap()],
                None,
                &[("GLORYCARD_KEY", "")],
            )
        } else {
            glorycard(
                &[
                    "sign",
                    "--key",
                    key,
                    "--timestamp",
                    ts,
                    path.to_str().unwrap(),
                ],
                None,
                &[],
            )
        };
        assert_failure(&out, 2, code);
        if let Some(offset_error) = ["invalid_json", "duplicate_key", "too_deep"]
            .iter()
            .find(|c| **c == code)
        {
            assert!(
                stderr(&out).contains("at byte"),
                "{offset_error} without a byte offset: {}",
                stderr(&out)
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "{checked}");
}

#[test]
fn verify_exit_statuses() {
    let body = spec_body_path();
    let body = body.to_str().unwrap();
    let ok = glorycard(
        &with_spec_key("verify", &["--sign", &SPEC_SIGN.to_uppercase(), body]),
        None,
        &[],
    );
    assert_eq!(
        (ok.status.code(), stdout(&ok)),
        (Some(0), "valid\n".to_string())
    );
    let wrong = SPEC_SIGN.replace("ec94", "ec95");
    let mismatch = glorycard(
        &with_spec_key("verify", &["--sign", &wrong, body]),
        None,
        &[],
    );
    assert_failure(&mismatch, 1, "signature_mismatch");
    let malformed = glorycard(
        &with_spec_key("verify", &["--sign", "abc", body]),
        None,
        &[],
    );
    assert_failure(&malformed, 2, "invalid_signature_format");
    let stale = glorycard(
        &with_spec_key("verify", &["--sign", SPEC_SIGN, "--max-skew", "300", body]),
        None,
        &[],
    );
    assert_failure(&stale, 2, "timestamp_out_of_window");
}

#[test]
fn explain_shows_stages_and_masks_the_key() {
    let body = spec_body_path();
    let out = glorycard(
        &with_spec_key("explain", &[body.to_str().unwrap()]),
        None,
        &[],
    );
    let text = stdout(&out);
    assert!(out.status.success());
    assert!(!text.contains(SPEC_KEY), "key leaked: {text}");
    assert!(
        text.contains("&totalAmount=10&key=***&timestamp=20210407155206"),
        "{text}"
    );
    assert!(
        text.contains(&format!("sign:           {SPEC_SIGN}")),
        "{text}"
    );
}

#[test]
fn explain_reports_a_timestamp_the_platform_refuses_even_when_the_sign_matches() {
    let body = spec_body_path();
    let body = body.to_str().unwrap();
    // The spec's sign at 20210407155206, and China time now 20210407235206: 23:52:06 −
    // 15:52:06 = 8 h exactly, the timestamp 28,800 s behind: a UTC clock.
    let utc = glorycard(
        &with_spec_key(
            "explain",
            &["--expect", SPEC_SIGN, "--now", "20210407235206", body],
        ),
        None,
        &[],
    );
    let text = stdout(&utc);
    // The sign itself matches: the exit status follows the sign.
    assert!(utc.status.success(), "{text}");
    assert!(text.contains("result:         MATCH"), "{text}");
    let departure = "timestamp 20210407155206 is 8 hours behind China Standard Time now \
                     (20210407235206), outside the platform's ±300 s: it looks like UTC; \
                     build it in Asia/Shanghai";
    assert!(
        text.contains(&format!(
            "timestamp:      REFUSED by the platform: {departure}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "diagnosis:      the sign matches, but the platform answers only a signature \
             failure (签名验证失败) to this request: {departure}"
        )),
        "{text}"
    );
    // 15:58:06 is 360 s after the timestamp: outside ±300 s, no zone (not whole hours).
    let late = glorycard(
        &[
            "explain",
            "--json",
            "--key",
            SPEC_KEY,
            "--timestamp",
            SPEC_TS,
            "--now",
            "20210407155806",
            body,
        ],
        None,
        &[],
    );
    let value: serde_json::Value = serde_json::from_str(&stdout(&late)).unwrap();
    assert_eq!(
        value["timestampDeparture"],
        "timestamp 20210407155206 is 360 s behind China Standard Time now (20210407155806), \
         outside the platform's ±300 s"
    );
    // 15:57:06, 300 s after: inside the window, nothing reported.
    let inside = glorycard(
        &with_spec_key("explain", &["--now", "20210407155706", body]),
        None,
        &[],
    );
    assert!(
        !stdout(&inside).contains("timestamp:"),
        "{}",
        stdout(&inside)
    );
}

#[test]
fn explain_expect_diagnoses_a_mismatch() {
    let body = spec_body_path();
    let body = body.to_str().unwrap();
    let matched = glorycard(
        &with_spec_key("explain", &["--expect", SPEC_SIGN, body]),
        None,
        &[],
    );
    assert!(matched.status.success());
    assert!(stdout(&matched).contains("result:         MATCH"));
    // The spec example signed with 10.00 kept as written, computed independently with
    // Python's hashlib and hmac from the document's printed STRINGA (orderNum fixed).
    let as_written = "5f6b2d380043b2c023dfb49369c7875cc78075a49310789ed6335db403fc7152";
    let out = glorycard(
        &with_spec_key("explain", &["--expect", as_written, body]),
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("result:         MISMATCH"), "{text}");
    assert!(text.contains("numbers signed as written (10.00)"), "{text}");
    assert!(
        text.contains("STRINGA to diff against the counterpart's log:\nareaCode=331001&"),
        "{text}"
    );
    let json = glorycard(
        &[
            "explain",
            "--json",
            "--key",
            SPEC_KEY,
            "--timestamp",
            SPEC_TS,
            "--expect",
            as_written,
            body,
        ],
        None,
        &[],
    );
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["matches"], false);
    assert_eq!(
        value["md5"],
        "0919DA466816B2E4430BCA5A21B6CBC8".to_string().as_str()
    );
}

/// The received sign of the diagnosis vector `name` (tests/vectors/diagnosis.json).
fn diagnosis_vector(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(vectors_dir().join("diagnosis.json")).unwrap();
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    document["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no diagnosis vector {name}"))
        .clone()
}

#[test]
fn explain_expect_names_the_gbk_departure_in_the_locales_language() {
    let body = spec_body_path();
    let body = body.to_str().unwrap();
    // The spec example MD5ed as GBK bytes, computed with Python (the vector's description).
    let gbk = diagnosis_vector("gbk");
    let received = gbk["received"].as_str().unwrap();
    let args = with_spec_key("explain", &["--now", SPEC_TS, "--expect", received, body]);

    let english = glorycard(&args, None, &[("LC_ALL", "C.UTF-8")]);
    assert_eq!(english.status.code(), Some(1));
    let text = stdout(&english);
    assert!(text.contains("result:         MISMATCH"), "{text}");
    assert!(
        text.contains(
            "diagnosis:      the expected sign is what you get with STRINGSignTemp hashed as \
             GBK (GB18030) bytes instead of UTF-8, as a Chinese-Windows program does with \
             ANSI text\nSTRINGA to diff against the counterpart's log:\n"
        ),
        "{text}"
    );

    let chinese = glorycard(&args, None, &[("LC_ALL", "zh_CN.UTF-8")]);
    assert_eq!(chinese.status.code(), Some(1));
    let text = stdout(&chinese);
    assert!(text.contains("result:         MISMATCH"), "{text}");
    assert!(
        text.contains(&format!(
            "diagnosis:      对方的签名正是这样算出的：{}\n与对方日志比对的 STRINGA：\n",
            gbk["expect"]["departureZh"].as_str().unwrap()
        )),
        "{text}"
    );

    // Combined with the numbers as written, in the JSON too (the locale's language).
    let combined = diagnosis_vector("gbk-numbers-as-written");
    let out = glorycard(
        &with_spec_key(
            "explain",
            &[
                "--json",
                "--now",
                SPEC_TS,
                "--expect",
                combined["received"].as_str().unwrap(),
                body,
            ],
        ),
        None,
        &[("LC_ALL", "zh_CN.UTF-8")],
    );
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(value["matches"], false);
    // JSON is for programs: English whatever the locale, the Chinese beside it.
    assert_eq!(value["diagnosis"], combined["expect"]["departure"]);
    assert_eq!(value["diagnosisZh"], combined["expect"]["departureZh"]);
}

#[test]
fn explain_reports_the_refused_timestamp_in_chinese_under_a_chinese_locale() {
    let body = spec_body_path();
    let out = glorycard(
        &with_spec_key(
            "explain",
            &[
                "--expect",
                SPEC_SIGN,
                "--now",
                "20210407235206",
                body.to_str().unwrap(),
            ],
        ),
        None,
        &[("LC_ALL", "zh_CN.UTF-8")],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let departure = "时间戳 20210407155206 比当前中国标准时间（20210407235206）慢 8 小时，\
                     超出平台允许的 ±300 秒：看起来是 UTC 时间；请按 Asia/Shanghai（中国标准时间）生成";
    assert!(
        text.contains(&format!("timestamp:      平台会拒绝：{departure}")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "diagnosis:      签名一致，但平台对这个请求只会回答签名验证失败：{departure}"
        )),
        "{text}"
    );
}

#[test]
fn bad_usage_is_one_line() {
    let out = glorycard(
        &["sign", "--key", "k", "--key-file", "/nonexistent"],
        Some(b"{}"),
        &[],
    );
    assert_failure(&out, 2, "usage");
    let out = glorycard(&["canon", "/nonexistent/body.json"], None, &[]);
    assert_failure(&out, 2, "cannot read");
}

#[test]
fn bench_reports_three_bodies() {
    let out = glorycard(&["bench", "--json", "--seconds", "0.02"], None, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert!(
            row["signNsPerOp"].as_f64().unwrap() > 0.0
                && row["verifyMBPerS"].as_f64().unwrap() > 0.0,
            "{row}"
        );
    }
    assert!(rows[2]["bytes"].as_u64().unwrap() > 1_000_000);
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "glorycard-cli-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A platform on loopback that answers every request with an empty, unsigned roster page
/// over plain HTTP.
fn unsigned_platform() -> String {
    use std::io::Read as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut chunk = [0u8; 4096];
            // The head, then as much body as it declares.
            let complete = |request: &[u8]| {
                let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
                    return false;
                };
                let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|value| value.trim().parse().ok())
                    .unwrap_or(0);
                request.len() >= end + 4 + length
            };
            while !complete(&request) {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let body = r#"{"responseFlag":"1","responseMessage":"ok","data":[]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// A `glorycard.toml` in the current directory that switches a check off is named on
/// stderr, one line per setting; `--verify-responses` and `--require-https` win over it.
#[test]
fn weakening_settings_from_a_file_are_stated_and_flags_restore_the_checks() {
    let url = unsigned_platform();
    let dir = tempdir();
    std::fs::write(
        dir.join("glorycard.toml"),
        format!(
            "base_url = \"{url}\"\nsid = \"S1\"\norg_code = \"106607\"\nallow_http = true\naccept_unsigned_responses = true\n"
        ),
    )
    .unwrap();
    private_to_writer(&dir);
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_glorycard"))
            .current_dir(&dir)
            .args(["roster", "page"])
            .args(extra)
            .env("GLORYCARD_KEY", SPEC_KEY)
            .env_remove("GLORYCARD_CONFIG")
            .env_remove("GLORYCARD_BASE_URL")
            .env_remove("GLORYCARD_SID")
            .env_remove("GLORYCARD_ORG_CODE")
            .env_remove("GLORYCARD_CA_CERT")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let warns = |err: &str, setting: &str| {
        err.lines().any(|line| {
            line.starts_with("glorycard: warning: glorycard.toml sets")
                && line.contains(&format!("{setting} = true"))
        })
    };

    // From the file alone the unsigned answer is accepted, and each setting is stated.
    let out = run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(warns(&err, "allow_http"), "{err}");
    assert!(warns(&err, "accept_unsigned_responses"), "{err}");

    // --verify-responses wins: the same answer is refused as unsigned.
    let out = run(&["--verify-responses"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("unsigned_response"), "{err}");
    assert!(!warns(&err, "accept_unsigned_responses"), "{err}");
    assert!(warns(&err, "allow_http"), "{err}");

    // --require-https wins: the http:// base URL is refused (and with both flags the file
    // weakens nothing, so only the error is printed).
    let out = run(&["--require-https", "--verify-responses"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.lines().all(|line| !line.contains("warning")), "{err}");
    assert!(
        err.ends_with(
            "must be https:// (plain HTTP only for loopback tests, when explicitly allowed)\n"
        ),
        "{err}"
    );

    // Weakening flags given on the command line are the user's own choice: nothing said
    // of them, only the settings the file supplied.
    let out = run(&["--allow-http", "--accept-unsigned-responses"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "glorycard: using base_url, sid, org_code from ./glorycard.toml in the current directory (no --config)\n"
    );

    // A flag and its opposite together are a usage error.
    let out = run(&["--verify-responses", "--accept-unsigned-responses"]);
    assert_failure(&out, 2, "usage");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `dir` and the files in it writable by their owner only (a umask of 002 would leave them
/// group-writable, which an implicit settings file must not be).
fn private_to_writer(dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A platform on loopback that records whether anything connected to it.
fn silent_platform() -> (String, std::net::TcpListener) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (url, listener)
}

/// True when a connection is waiting on `listener` (the command under test has exited,
/// so any connection it made is already queued).
fn was_contacted(listener: &std::net::TcpListener) -> bool {
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
        Err(e) => panic!("accept: {e}"),
    }
}

/// A `glorycard.toml` found in the current directory is read only when it is the user's
/// own and neither it nor the directory is writable by group or others; otherwise the
/// command refuses before any call, saying to pass `--config`. A trusted one is used,
/// and the settings it supplied are named on stderr (names only, never values).
#[test]
fn an_implicit_settings_file_is_read_only_when_it_is_the_users_own() {
    use std::os::unix::fs::PermissionsExt as _;
    let (url, listener) = silent_platform();
    let dir = tempdir();
    let settings = dir.join("glorycard.toml");
    let ca = dir.join("attacker-ca.pem");
    std::fs::write(&ca, "not used\n").unwrap();
    std::fs::write(
        &settings,
        format!(
            "base_url = \"{url}\"\nsid = \"S1\"\norg_code = \"106607\"\nallow_http = true\nca_cert = \"attacker-ca.pem\"\n"
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_glorycard"))
            .current_dir(&dir)
            .args(["roster", "page", "--require-https"])
            .args(extra)
            .env("GLORYCARD_KEY", SPEC_KEY)
            .env_remove("GLORYCARD_CONFIG")
            .env_remove("GLORYCARD_BASE_URL")
            .env_remove("GLORYCARD_SID")
            .env_remove("GLORYCARD_ORG_CODE")
            .env_remove("GLORYCARD_CA_CERT")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let set_mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let refused = |out: &Output, why: &str| {
        assert_failure(out, 2, "not reading ./glorycard.toml");
        let err = stderr(out);
        assert!(err.contains(why), "{err}");
        assert!(err.contains("--config PATH"), "{err}");
        assert!(!err.contains(&url), "{err}");
    };

    // Writable by group, or by others: refused.
    set_mode(&dir, 0o755);
    for mode in [0o664, 0o646, 0o666] {
        set_mode(&settings, mode);
        refused(&run(&[]), &format!("may write it (mode {mode:04o})"));
    }
    // In a directory others may write (where anyone could have planted it): refused.
    set_mode(&settings, 0o644);
    for mode in [0o775, 0o777, 0o1777] {
        set_mode(&dir, mode);
        refused(&run(&[]), &format!("current directory (mode {mode:04o})"));
    }
    set_mode(&dir, 0o755);
    // Another user's file: refused (as root, the file is given to nobody to check it).
    let root = std::fs::metadata("/proc/self").map(|m| {
        use std::os::unix::fs::MetadataExt as _;
        m.uid() == 0
    });
    if root.unwrap_or(false) {
        std::os::unix::fs::chown(&settings, Some(65534), None).unwrap();
        refused(&run(&[]), "owned by uid 65534, not by you (uid 0)");
        std::os::unix::fs::chown(&settings, Some(0), None).unwrap();
    } else {
        println!(
            "skipped the other-owner case: it needs root to give the file away (the rule itself is unit-tested)"
        );
    }
    assert!(
        !was_contacted(&listener),
        "a refused file's base_url was called"
    );

    // The user's own file, in the user's own directory: read, and each setting it
    // supplied named (--require-https refuses its http:// before any call).
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("glorycard: using base_url, sid, org_code, ca_cert from ./glorycard.toml in the current directory (no --config)\n"),
        "{err}"
    );
    assert!(
        !err.contains(&url) && !err.contains("attacker-ca.pem"),
        "{err}"
    );
    // What flags or the environment supply is not named.
    let out = run(&["--base-url", "http://127.0.0.1:9", "--sid", "S2"]);
    let err = stderr(&out);
    assert!(
        err.starts_with("glorycard: using org_code, ca_cert from ./glorycard.toml"),
        "{err}"
    );

    // Named by --config, the same file is the user's choice: read whatever its mode, and
    // nothing is said of it.
    set_mode(&settings, 0o666);
    let out = run(&["--config", settings.to_str().unwrap()]);
    assert_failure(&out, 2, "must be https://");
    assert!(!was_contacted(&listener));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A broken body, the issue's example: the same code and exit status in both languages,
/// the message in the locale's language (`LC_ALL`, `LC_MESSAGES`, `LANG`) or `--lang`'s.
#[test]
fn error_messages_follow_the_locale_and_lang_with_the_same_code_and_status() {
    let broken = b"{\"a\":1,}";
    let english = "glorycard: invalid_json: invalid JSON at byte 7: expected a string key\n";
    let chinese = "glorycard: invalid_json: JSON 格式错误（第 7 字节）：此处应为字符串形式的键\n";
    let sign = with_spec_key("sign", &[]);
    let with_lang = |lang: &'static str| -> Vec<&'static str> {
        let mut args = sign.clone();
        args.extend(["--lang", lang]);
        args
    };
    // (arguments, environment, what stderr says)
    type Case<'a> = (Vec<&'a str>, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 8] = [
        (sign.clone(), &[], english),
        (sign.clone(), &[("LANG", "zh_CN.UTF-8")], chinese),
        (sign.clone(), &[("LANG", "en_US.UTF-8")], english),
        (
            sign.clone(),
            &[("LANG", "zh_CN.UTF-8"), ("LC_MESSAGES", "C")],
            english,
        ),
        (
            sign.clone(),
            &[("LANG", "C"), ("LC_ALL", "zh_TW.UTF-8")],
            chinese,
        ),
        (with_lang("en"), &[("LC_ALL", "zh_CN.UTF-8")], english),
        (with_lang("zh"), &[("LANG", "C")], chinese),
        // --lang is global: before the command too.
        (
            ["--lang", "zh"]
                .into_iter()
                .chain(sign.iter().copied())
                .collect(),
            &[],
            chinese,
        ),
    ];
    for (args, env, expected) in cases {
        let output = glorycard(&args, Some(broken), env);
        assert_failure(&output, 2, "invalid_json: ");
        assert_eq!(stderr(&output), expected, "{args:?} {env:?}");
    }
    let output = glorycard(&with_lang("fr"), Some(broken), &[]);
    assert_failure(&output, 2, "usage:");
}

/// A mismatch is status 1 in both languages; verify's result and explain's lines too.
#[test]
fn verify_and_explain_speak_chinese_with_the_same_statuses() {
    let body = std::fs::read(spec_body_path()).unwrap();
    let wrong = "0".repeat(64);
    let zh = [("LANG", "zh_CN.UTF-8")];
    let verify = |sign: &str, env: &[(&str, &str)]| {
        glorycard(
            &[
                "verify",
                "--key",
                SPEC_KEY,
                "--timestamp",
                SPEC_TS,
                "--sign",
                sign,
            ],
            Some(&body),
            env,
        )
    };
    let valid = verify(SPEC_SIGN, &zh);
    assert_eq!(valid.status.code(), Some(0));
    // "valid" is what scripts compare standard output with: the same in every language.
    assert_eq!(stdout(&valid), "valid\n");
    assert_eq!(stdout(&verify(SPEC_SIGN, &[])), "valid\n");
    for (env, message) in [
        (
            &[][..],
            "glorycard: signature_mismatch: signature mismatch: the sign does not match the body, key and timestamp\n",
        ),
        (
            &zh[..],
            "glorycard: signature_mismatch: 签名不匹配：sign 与报文、密钥和时间戳不符\n",
        ),
    ] {
        let output = verify(&wrong, env);
        assert_failure(&output, 1, "signature_mismatch: ");
        assert_eq!(stderr(&output), message);
    }
    let explain = glorycard(
        &with_spec_key("explain", &["--expect", &wrong, "--now", SPEC_TS]),
        Some(&body),
        &zh,
    );
    assert_eq!(explain.status.code(), Some(1));
    let text = stdout(&explain);
    assert!(
        text.contains("result:         MISMATCH（不一致）\n"),
        "{text}"
    );
    assert!(text.contains("常见的偏差都解释不了"), "{text}");
    assert_eq!(
        stderr(&explain),
        "glorycard: signature_mismatch: 预期的 sign 与计算结果不一致\n"
    );
}
