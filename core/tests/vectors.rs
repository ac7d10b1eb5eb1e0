//! Runs every conformance vector in `tests/vectors/` against the core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::PathBuf;
use std::sync::Arc;

use glorycard_core::models::{
    Cancellation, DeductCheckRecord, DeductCheckRequest, Deduction, RosterPageRequest, Validate,
    from_json,
};
use glorycard_core::{
    Diagnosis, Lang, ManualClock, SecretKey, Signature, Timestamp, Verifier, canonicalize,
    diagnose_mismatch, diagnose_mismatch_with, explain, sign_body,
};
use serde_json::Value;

fn load(file: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let document: Value = serde_json::from_str(&text).unwrap();
    document["vectors"].as_array().unwrap().clone()
}

fn body(vector: &Value) -> Vec<u8> {
    match (vector.get("body"), vector.get("bodyHex")) {
        (Some(text), None) => text.as_str().unwrap().as_bytes().to_vec(),
        (None, Some(hex_text)) => {
            let hex_text = hex_text.as_str().unwrap();
            (0..hex_text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex_text[i..i + 2], 16).unwrap())
                .collect()
        }
        _ => panic!(
            "vector {} needs exactly one of body, bodyHex",
            vector["name"]
        ),
    }
}

/// The error code of signing, from every entry point that signs.
fn sign_error(body: &[u8], key: &SecretKey, timestamp: &str) -> Option<String> {
    let timestamp = match Timestamp::parse(timestamp) {
        Ok(t) => t,
        Err(e) => return Some(e.code().as_str().to_string()),
    };
    let from_sign = sign_body(body, key, &timestamp)
        .err()
        .map(|e| e.code().as_str().to_string());
    let from_explain = explain(body, key, &timestamp)
        .err()
        .map(|e| e.code().as_str().to_string());
    assert_eq!(from_sign, from_explain, "sign_body and explain disagree");
    from_sign
}

#[test]
fn the_spec_example_is_vector_one() {
    let vectors = load("signing.json");
    assert_eq!(vectors[0]["name"], "spec-example");
    assert_eq!(
        vectors[0]["expect"]["sign"],
        "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c"
    );
    let plain = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/spec-example.body.json"),
    )
    .unwrap();
    assert_eq!(
        plain,
        body(&vectors[0]),
        "spec-example.body.json is the vector's body"
    );
}

#[test]
fn signing_vectors() {
    let vectors = load("signing.json");
    assert!(vectors.len() >= 55, "{} vectors", vectors.len());
    let mut passed = 0;
    for vector in &vectors {
        let name = vector["name"].as_str().unwrap();
        let body = body(vector);
        let key = SecretKey::new(vector["key"].as_str().unwrap());
        let timestamp = vector["timestamp"].as_str().unwrap();
        let expect = &vector["expect"];
        if let Some(code) = expect.get("error") {
            assert_eq!(
                sign_error(&body, &key, timestamp).as_deref(),
                code.as_str(),
                "vector {name}"
            );
        } else {
            let ts = Timestamp::parse(timestamp).unwrap();
            let string_a = canonicalize(&body).unwrap_or_else(|e| panic!("vector {name}: {e}"));
            assert_eq!(
                string_a,
                expect["stringA"].as_str().unwrap(),
                "vector {name}: STRINGA"
            );
            let explanation = explain(&body, &key, &ts).unwrap();
            assert_eq!(explanation.string_a(), string_a, "vector {name}");
            assert_eq!(
                explanation.md5_upper(),
                expect["md5"].as_str().unwrap(),
                "vector {name}: md5"
            );
            assert_eq!(
                explanation.sign().to_string(),
                expect["sign"].as_str().unwrap(),
                "vector {name}: sign"
            );
            let sign = sign_body(&body, &key, &ts).unwrap();
            assert_eq!(
                sign.to_string(),
                expect["sign"].as_str().unwrap(),
                "vector {name}: sign_body"
            );
            let from_string_a = glorycard_core::sign_string_a(&string_a, &key, &ts).unwrap();
            assert_eq!(from_string_a, sign, "vector {name}: sign_string_a");
        }
        passed += 1;
    }
    assert_eq!(passed, vectors.len());
}

#[test]
fn verification_vectors() {
    let vectors = load("verification.json");
    assert!(vectors.len() >= 15);
    for vector in &vectors {
        let name = vector["name"].as_str().unwrap();
        let v = &vector["verify"];
        let now = Timestamp::parse(v["now"].as_str().unwrap()).unwrap();
        let mut builder = Verifier::builder()
            .max_skew_seconds(v["maxSkewSeconds"].as_u64().unwrap())
            .clock(Arc::new(ManualClock::new(now.unix_seconds())));
        for (sid, keys) in v["keys"].as_object().unwrap() {
            for key in keys.as_array().unwrap() {
                builder = builder.key(sid.as_str(), SecretKey::new(key.as_str().unwrap()));
            }
        }
        if v["replayCache"].as_bool().unwrap() {
            builder = builder.replay_cache(1024);
        }
        let verifier = builder.build().unwrap();
        let body = body(vector);
        let mut result = None;
        for _ in 0..v["presentations"].as_u64().unwrap() {
            result = Some(match v.get("headers") {
                Some(headers) => {
                    let headers: Vec<(&str, &str)> = headers
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                        .collect();
                    verifier.verify_headers(headers, &body)
                }
                None => verifier.verify(
                    v["sid"].as_str().unwrap(),
                    vector["timestamp"].as_str().unwrap(),
                    v["sign"].as_str().unwrap(),
                    &body,
                ),
            });
        }
        let result = result.unwrap();
        match vector["expect"].get("error") {
            Some(code) => assert_eq!(
                result.map_err(|e| e.code().as_str()).err(),
                code.as_str(),
                "vector {name}"
            ),
            None => {
                let verified = result.unwrap_or_else(|e| panic!("vector {name}: {e}"));
                assert_eq!(
                    Some(verified.key_index as u64),
                    vector["expect"]["keyIndex"].as_u64(),
                    "vector {name}"
                );
            }
        }
    }
}

fn validate_as<T: Validate + for<'a> serde::Deserialize<'a>>(
    json: &str,
) -> Result<(), glorycard_core::Error> {
    from_json::<T>(json.as_bytes())?.validate()
}

#[test]
fn model_vectors() {
    let vectors = load("models.json");
    assert!(vectors.len() >= 30);
    for vector in &vectors {
        let name = vector["name"].as_str().unwrap();
        let json = vector["json"].as_str().unwrap();
        let result = match vector["model"].as_str().unwrap() {
            "rosterPageRequest" => validate_as::<RosterPageRequest>(json),
            "deduction" => validate_as::<Deduction>(json),
            "cancellation" => validate_as::<Cancellation>(json),
            "deductCheckRequest" => validate_as::<DeductCheckRequest>(json),
            "deductCheckRecord" => validate_as::<DeductCheckRecord>(json),
            other => panic!("vector {name}: unknown model {other}"),
        };
        let expect = &vector["expect"];
        match expect.get("error") {
            None => assert_eq!(result, Ok(()), "vector {name}"),
            Some(code) => {
                let error = result.expect_err(name);
                assert_eq!(
                    Some(error.code().as_str()),
                    code.as_str(),
                    "vector {name}: {error}"
                );
                assert_eq!(
                    error.field(),
                    expect.get("field").and_then(|f| f.as_str()),
                    "vector {name}"
                );
                // Personal data never appears in the message.
                for secret in ["11010519491231002", "张三", "331166"] {
                    assert!(
                        !error.to_string().contains(secret),
                        "vector {name}: {error}"
                    );
                }
            }
        }
    }
}

/// Every error code has a conformance vector (`expect.error` in some
/// `tests/vectors/*.json`), so every language is shown to produce it, or a stated reason
/// in this one table why none can.
#[test]
fn every_error_code_has_a_vector_or_a_reason() {
    use glorycard_core::ErrorCode;
    const NO_VECTOR: &[(ErrorCode, &str)] = &[
        (
            ErrorCode::BodyTooLarge,
            "needs a body over 4 GiB; core/src/canonical/index.rs tests it with a lowered limit",
        ),
        (
            ErrorCode::InvalidValue,
            "only the bindings' native objects (NaN, infinity, unsupported types) reach it; \
             each binding tests it",
        ),
        (
            ErrorCode::ReplayCacheFull,
            "needs a verifier configured with a tiny replay cache, which the vector format \
             cannot express; core/src/verifier.rs tests it",
        ),
        (
            ErrorCode::ReplayCacheUnavailable,
            "needs a shared replay cache that fails; core/src/verifier.rs tests it, and \
             cli/tests/postgres.rs stops PostgreSQL under `institution serve`",
        ),
    ];
    let mut with_vector = std::collections::BTreeSet::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Ok(document) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let Some(vectors) = document.get("vectors").and_then(Value::as_array) else {
            continue;
        };
        let file = path.display();
        for vector in vectors {
            if let Some(code) = vector["expect"].get("error") {
                let code = code.as_str().unwrap();
                let parsed: ErrorCode = code
                    .parse()
                    .unwrap_or_else(|e| panic!("{file} {}: {e}", vector["name"]));
                with_vector.insert(parsed);
            }
        }
    }
    for code in ErrorCode::ALL {
        let reason = NO_VECTOR.iter().find(|(c, _)| c == code);
        match (with_vector.contains(code), reason) {
            (true, None) | (false, Some(_)) => {}
            (false, None) => panic!("{code}: no vector in tests/vectors and no stated reason"),
            (true, Some(_)) => panic!("{code} has a vector now: remove its reason"),
        }
    }
}

/// GB18030 bytes from encoding_rs, as the `gb18030` feature gives them.
fn gb18030(text: &str) -> Option<Vec<u8>> {
    let (bytes, _, had_errors) = encoding_rs::GB18030.encode(text);
    (!had_errors).then(|| bytes.into_owned())
}

#[test]
fn diagnosis_vectors() {
    let vectors = load("diagnosis.json");
    assert!(vectors.len() >= 6, "{} vectors", vectors.len());
    for v in &vectors {
        let name = v["name"].as_str().unwrap();
        let key = SecretKey::new(v["key"].as_str().unwrap());
        let ts = Timestamp::parse(v["timestamp"].as_str().unwrap()).unwrap();
        let received = Signature::parse(v["received"].as_str().unwrap()).unwrap();
        let found = diagnose_mismatch_with(&body(v), &key, &ts, &received, Some(&gb18030)).unwrap();
        let expect = &v["expect"];
        assert_eq!(
            found == Diagnosis::Match,
            expect["match"].as_bool().unwrap(),
            "{name}: {found:?}"
        );
        if found != Diagnosis::Match {
            assert_eq!(
                found.text(Lang::English),
                expect["departure"].as_str(),
                "{name}"
            );
            assert_eq!(
                found.text(Lang::Chinese),
                expect["departureZh"].as_str(),
                "{name}"
            );
        }
        // diagnose_mismatch has the same answers exactly when it has an encoder.
        if cfg!(feature = "gb18030") {
            let plain = diagnose_mismatch(&body(v), &key, &ts, &received).unwrap();
            assert_eq!(plain, found, "{name}");
        }
    }
}
