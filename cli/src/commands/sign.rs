//! `glorycard canon`, `sign`, `verify` and `explain`: the signing rules on one body, with
//! no network.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use glorycard_core::{
    DEFAULT_MAX_SKEW_SECONDS, Diagnosis, Lang, ManualClock, Signature, Signer, Timestamp, Verifier,
    canonicalize, diagnose_mismatch, diagnose_timestamp_in, explain as explain_signing,
};

use crate::shared::{Failure, KeyArgs, Printed, fail, read_body, timestamp_or_now};

/// `glorycard canon`: STRINGA of the body.
pub(crate) fn canon(file: Option<PathBuf>) -> Result<Printed, Failure> {
    let stringa = canonicalize(&read_body(&file)?)?;
    Ok(Printed::ok(format!("{stringa}\n")))
}

/// `glorycard sign`: the sign, or with `headers` the three headers as JSON.
pub(crate) fn sign(
    key: KeyArgs,
    timestamp: Option<String>,
    headers: bool,
    sid: Option<String>,
    file: Option<PathBuf>,
) -> Result<Printed, Failure> {
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

/// `glorycard verify`: "valid", or a mismatch (status 1) or another error.
pub(crate) fn verify(
    key: KeyArgs,
    timestamp: String,
    sign: String,
    max_skew: Option<u64>,
    file: Option<PathBuf>,
) -> Result<Printed, Failure> {
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
    // "valid" in every language: scripts compare standard output with it; only the
    // messages for people follow the language.
    Ok(Printed::ok("valid\n".to_string()))
}

/// `glorycard explain`: every stage of signing (key masked), and with `expect` whether the
/// counterpart's sign matches and, if not, why; and whether the platform would refuse the
/// timestamp itself (outside its ±300 s of `now`), which it answers only with a signature
/// failure. The exit status follows the sign alone. The diagnosis and the timestamp's
/// departure are in `lang` (the labels and the stages are not words to translate); in
/// `--json` they are in English whatever the language, beside their Chinese (`…Zh`), so
/// that a program reads the same document on every host.
// `let _ = writeln!(out, ...)` below: formatting into a `String` cannot fail.
pub(crate) fn explain(
    key: KeyArgs,
    timestamp: Option<String>,
    expect: Option<String>,
    now: Option<String>,
    json: bool,
    file: Option<PathBuf>,
    lang: Lang,
) -> Result<Printed, Failure> {
    let key = key.load()?;
    let body = read_body(&file)?;
    let timestamp = timestamp_or_now(&timestamp)?;
    let now = timestamp_or_now(&now)?;
    let timing_in = |lang| diagnose_timestamp_in(&timestamp, &now, DEFAULT_MAX_SKEW_SECONDS, lang);
    let timing = timing_in(lang);
    let expected = expect.as_deref().map(Signature::parse).transpose()?;
    let explanation = explain_signing(&body, &key, &timestamp)?;
    let matches = expected.map(|e| e.ct_eq(explanation.sign()));
    let departures = match (expected, matches) {
        (Some(expected), Some(false)) => {
            match diagnose_mismatch(&body, &key, &timestamp, &expected)? {
                Diagnosis::Departure(departures) => Some(departures),
                // The rules' own sign differs from the expected one, so `Match` cannot
                // happen here; like `Unexplained`, it names no departure.
                Diagnosis::Match | Diagnosis::Unexplained => None,
            }
        }
        _ => None,
    };
    let diagnosis = departures.as_ref().map(|departures| departures.text(lang));
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
            "diagnosis": departures.as_ref().map(|d| d.text(Lang::English)),
            "diagnosisZh": departures.as_ref().map(|d| d.text(Lang::Chinese)),
            "now": now.to_string(),
            "timestampDeparture": timing_in(Lang::English),
            "timestampDepartureZh": timing_in(Lang::Chinese),
        });
        let _ = writeln!(out, "{value}");
    } else {
        let _ = writeln!(out, "{explanation}");
        if let Some(timing) = &timing {
            let refused = lang.pick("REFUSED by the platform: ", "平台会拒绝：");
            let _ = writeln!(out, "timestamp:      {refused}{timing}");
        }
        if let (Some(expected), Some(matches)) = (expected, matches) {
            let _ = writeln!(out, "expected:       {expected}");
            if matches {
                let _ = writeln!(
                    out,
                    "result:         {}",
                    lang.pick("MATCH", "MATCH（一致）")
                );
                if let Some(timing) = &timing {
                    let why = lang.pick(
                        "the sign matches, but the platform answers only a signature failure \
                         (签名验证失败) to this request: ",
                        "签名一致，但平台对这个请求只会回答签名验证失败：",
                    );
                    let _ = writeln!(out, "diagnosis:      {why}{timing}");
                }
            } else {
                let _ = writeln!(
                    out,
                    "result:         {}",
                    lang.pick("MISMATCH", "MISMATCH（不一致）")
                );
                let why = match &diagnosis {
                    Some(departure) => lang.pick(
                        format!("the expected sign is what you get with {departure}"),
                        format!("对方的签名正是这样算出的：{departure}"),
                    ),
                    None => lang
                        .pick(
                            "no common departure explains it: compare STRINGA with the \
                             counterpart's, then the key and the timestamp",
                            "常见的偏差都解释不了：先与对方的 STRINGA 逐字比对，再核对密钥和时间戳",
                        )
                        .to_owned(),
                };
                let _ = writeln!(out, "diagnosis:      {why}");
                let diff = lang.pick(
                    "STRINGA to diff against the counterpart's log:",
                    "与对方日志比对的 STRINGA：",
                );
                let _ = writeln!(out, "{diff}");
                let _ = writeln!(out, "{}", explanation.string_a());
            }
        }
    }
    Ok(Printed {
        text: out,
        mismatch: matches == Some(false),
    })
}
