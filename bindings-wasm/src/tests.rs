//! wasm-bindgen tests, run under Node by `cargo test -p glorycard-wasm --target
//! wasm32-unknown-unknown` (runner: wasm-bindgen-test-runner, see `.cargo/config.toml`).
//! Expected values come from the conformance vectors and spec/canonical-form.md.
#![cfg(target_arch = "wasm32")]

use glorycard_core::Timestamp;
use js_sys::{Array, Function, JSON, JsString, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use super::*;
use crate::error::{POISONED, install_panic_hook};

/// The spec example (conformance vector 1), its key, timestamp and the sign the
/// platform's document prints.
const SPEC_BODY: &str = include_str!("../../tests/vectors/spec-example.body.json");
const SPEC_KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
const SPEC_TIMESTAMP: &str = "20210407155206";
const SPEC_SIGN: &str = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c";

fn js(text: &str) -> JsString {
    JsString::from(text)
}

fn parse(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn get(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(name)).unwrap()
}

fn code_of(error: &JsValue) -> String {
    assert!(
        error.is_instance_of::<js_sys::Error>(),
        "not an Error: {error:?}"
    );
    get(error, "code").as_string().unwrap()
}

#[wasm_bindgen_test]
fn spec_example_signs_as_the_document_prints() {
    let body = JsValue::from_str(SPEC_BODY);
    assert_eq!(
        sign(&body, &js(SPEC_KEY), Some(js(SPEC_TIMESTAMP))).unwrap(),
        SPEC_SIGN
    );
    assert!(verify(&body, &js(SPEC_KEY), &js(SPEC_TIMESTAMP), &js(SPEC_SIGN)).unwrap());
    assert!(
        verify(
            &body,
            &js(SPEC_KEY),
            &js(SPEC_TIMESTAMP),
            &js(&SPEC_SIGN.to_uppercase())
        )
        .unwrap()
    );
    // A clean mismatch is `false`, not an error.
    assert!(!verify(&body, &js(SPEC_KEY), &js("20210407155207"), &js(SPEC_SIGN)).unwrap());
    // The same bytes as a Uint8Array.
    let bytes = JsValue::from(Uint8Array::from(SPEC_BODY.as_bytes()));
    assert_eq!(
        sign(&bytes, &js(SPEC_KEY), Some(js(SPEC_TIMESTAMP))).unwrap(),
        SPEC_SIGN
    );
}

#[wasm_bindgen_test]
fn explain_gives_every_stage_with_the_key_masked() {
    let explanation = explain(
        &JsValue::from_str(SPEC_BODY),
        &js(SPEC_KEY),
        &js(SPEC_TIMESTAMP),
    )
    .unwrap();
    // From the vector's expect block.
    assert_eq!(
        get(&explanation, "md5Upper").as_string().unwrap(),
        "0919DA466816B2E4430BCA5A21B6CBC8"
    );
    // The earlier name, kept as a deprecated alias.
    assert_eq!(
        get(&explanation, "md5").as_string().unwrap(),
        "0919DA466816B2E4430BCA5A21B6CBC8"
    );
    assert_eq!(get(&explanation, "sign").as_string().unwrap(), SPEC_SIGN);
    let string_a = get(&explanation, "stringA").as_string().unwrap();
    assert!(string_a.starts_with("areaCode=331001&billCode=31201&"));
    assert!(string_a.ends_with("&remark=测试&totalAmount=10"));
    assert_eq!(
        get(&explanation, "stringSignTempMasked")
            .as_string()
            .unwrap(),
        format!("{string_a}&key=***&timestamp={SPEC_TIMESTAMP}")
    );
    assert!(
        !JSON::stringify(&explanation)
            .unwrap()
            .as_string()
            .unwrap()
            .contains(SPEC_KEY)
    );
}

#[wasm_bindgen_test]
fn objects_follow_section_3() {
    // Expected canonical decimals: spec/canonical-form.md section 3 and JavaScript's String(x).
    let value =
        parse(r#"{"a":0.1,"b":10.5,"c":1e21,"d":-0,"e":10.00,"n":{"x":[1,{"y":"z"}],"s":""}}"#);
    assert_eq!(
        canonicalize(&value).unwrap(),
        "a=0.1&b=10.5&c=1000000000000000000000&d=0&e=10&n.x[0]=1&n.x[1].y=z"
    );
    // A BigInt keeps every digit.
    let object = Object::new();
    let big = js_sys::BigInt::new(&JsValue::from_str("1000000000000000000000001")).unwrap();
    Reflect::set(&object, &JsValue::from_str("big"), &big).unwrap();
    assert_eq!(
        canonicalize(&object).unwrap(),
        "big=1000000000000000000000001"
    );
}

#[wasm_bindgen_test]
fn values_without_json_form_name_their_path() {
    let value = parse(r#"{"detail":{"items":[1,2]}}"#);
    let items = get(&get(&value, "detail"), "items");
    items.unchecked_ref::<Array>().push(&JsValue::UNDEFINED);
    let error = canonicalize(&value).unwrap_err();
    assert_eq!(code_of(&error), "invalid_value");
    let message = get(&error, "message").as_string().unwrap();
    assert!(message.contains("detail.items[2]"), "{message}");

    let with_nan = parse(r#"{"fee":1}"#);
    Reflect::set(
        &with_nan,
        &JsValue::from_str("fee"),
        &JsValue::from_f64(f64::NAN),
    )
    .unwrap();
    let error = sign(&with_nan, &js("k"), Some(js(SPEC_TIMESTAMP))).unwrap_err();
    assert_eq!(code_of(&error), "invalid_value");
    assert!(get(&error, "message").as_string().unwrap().contains("fee"));
}

#[wasm_bindgen_test]
fn core_errors_keep_their_code_and_offset() {
    let error = canonicalize(&JsValue::from_str(r#"{"a":1,"a":2}"#)).unwrap_err();
    assert_eq!(code_of(&error), "duplicate_key");
    assert_eq!(get(&error, "offset").as_f64(), Some(7.0));
    assert_eq!(
        get(&error, "name").as_string().as_deref(),
        Some("GlorycardError")
    );

    let error = sign(&JsValue::from_str("{}"), &js("k"), Some(js("2021-04-07"))).unwrap_err();
    assert_eq!(code_of(&error), "invalid_timestamp");
    let error = sign(&JsValue::from_str("{}"), &js(""), Some(js(SPEC_TIMESTAMP))).unwrap_err();
    assert_eq!(code_of(&error), "empty_key");
    let error = verify(
        &JsValue::from_str("{}"),
        &js("k"),
        &js(SPEC_TIMESTAMP),
        &js("abc"),
    )
    .unwrap_err();
    assert_eq!(code_of(&error), "invalid_signature_format");
    // A key of the wrong type is a TypeError, and the message never shows the key.
    let error = sign(
        &JsValue::from_str("{}"),
        JsValue::from_f64(5.0).unchecked_ref(),
        Some(js(SPEC_TIMESTAMP)),
    )
    .unwrap_err();
    assert!(error.is_instance_of::<js_sys::TypeError>());
    assert_eq!(code_of(&error), "invalid_argument");
}

#[wasm_bindgen_test]
fn verifier_checks_keys_window_and_replay() {
    // Now = the spec timestamp, 20210407155206 UTC+8 = 2021-04-07T07:52:06Z.
    let now_ms = 1_617_781_926_000.0;
    let options = parse(
        r#"{"keys":{"sid-1":["old-key","4fd6b8105f894d0da964b1e80b07b136"]},"replayCache":true,"maxSkewSeconds":300}"#,
    );
    let clock = Function::new_no_args(&format!("return {now_ms};"));
    Reflect::set(&options, &JsValue::from_str("clock"), &clock).unwrap();
    let verifier = Verifier::new(&options).unwrap();
    assert_eq!(verifier.max_skew_seconds().unwrap(), 300.0);
    let body = JsValue::from_str(SPEC_BODY);
    let verified = verifier
        .verify(&js("sid-1"), &js(SPEC_TIMESTAMP), &js(SPEC_SIGN), &body)
        .unwrap();
    assert_eq!(get(&verified, "keyIndex").as_f64(), Some(1.0));
    let again = verifier
        .verify(&js("sid-1"), &js(SPEC_TIMESTAMP), &js(SPEC_SIGN), &body)
        .unwrap_err();
    assert_eq!(code_of(&again), "replayed");
    let unknown = verifier
        .verify(&js("sid-9"), &js(SPEC_TIMESTAMP), &js(SPEC_SIGN), &body)
        .unwrap_err();
    assert_eq!(code_of(&unknown), "unknown_sid");
    let late = verifier
        .verify(&js("sid-1"), &js("20210407155707"), &js(SPEC_SIGN), &body)
        .unwrap_err();
    assert_eq!(code_of(&late), "timestamp_out_of_window");
    let headers = parse(
        r#"{"SID":"sid-1","Sign":"ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c"}"#,
    );
    let missing = verifier.verify_headers(&headers, &body).unwrap_err();
    assert_eq!(code_of(&missing), "missing_header");
    // The sign twice (names differing in case): the core refuses, never picks one.
    let twice = parse(&format!(
        r#"[["sid","sid-1"],["timestamp","{SPEC_TIMESTAMP}"],["sign","{SPEC_SIGN}"],["SIGN","{SPEC_SIGN}"]]"#
    ));
    let error = verifier.verify_headers(&twice, &body).unwrap_err();
    assert_eq!(code_of(&error), "duplicate_header");
}

#[wasm_bindgen_test]
fn default_clock_reads_the_js_date() {
    // With no clock option the verifier reads Date.now(): a request signed now passes,
    // one signed an hour ago does not.
    let verifier = Verifier::new(&parse(r#"{"keys":{"s":"k"}}"#)).unwrap();
    let now = timestamp_now().unwrap();
    assert_eq!(now.len(), 14);
    let signer = Signer::new(&js("s"), &js("k")).unwrap();
    let headers = signer.sign(&JsValue::from_str("{}"), None).unwrap();
    let timestamp = get(&headers, "timestamp").as_string().unwrap();
    let sign_now = get(&headers, "sign").as_string().unwrap();
    assert!(
        verifier
            .verify(
                &js("s"),
                &js(&timestamp),
                &js(&sign_now),
                &JsValue::from_str("{}")
            )
            .is_ok()
    );
    let hour_ago = Timestamp::from_unix_seconds(js_now_unix_seconds() - 3600)
        .unwrap()
        .to_string();
    let old = sign(&JsValue::from_str("{}"), &js("k"), Some(js(&hour_ago))).unwrap();
    let error = verifier
        .verify(
            &js("s"),
            &js(&hour_ago),
            &js(&old),
            &JsValue::from_str("{}"),
        )
        .unwrap_err();
    assert_eq!(code_of(&error), "timestamp_out_of_window");
}

#[wasm_bindgen_test]
fn a_panic_is_an_internal_error_and_poisons_the_module() {
    // Made before the panic.
    let signer = Signer::new(&js("s"), &js("k")).unwrap();
    let plain = Verifier::new(&parse(r#"{"keys":{"s":"k"}}"#)).unwrap();
    // A verifier whose clock panics inside the module while `verify` is running: the
    // kind of bug the hook is for (an out-of-bounds index).
    let panicking = Closure::<dyn Fn() -> f64>::new(|| {
        let list: Vec<f64> = Vec::new();
        list[std::hint::black_box(3)]
    });
    let options = parse(r#"{"keys":{"s":"k"}}"#);
    Reflect::set(&options, &JsValue::from_str("clock"), panicking.as_ref()).unwrap();
    let verifier = Verifier::new(&options).unwrap();
    let body = JsValue::from_str("{}");
    let good = sign(&body, &js("k"), Some(js(SPEC_TIMESTAMP))).unwrap();

    install_panic_hook();
    let caught = verifier
        .verify(&js("s"), &js(SPEC_TIMESTAMP), &js(&good), &body)
        .unwrap_err();

    // From then on every export refuses, whatever the arguments, objects made before
    // the panic included.
    let headers = parse(&format!(
        r#"{{"sid":"s","timestamp":"{SPEC_TIMESTAMP}","sign":"{good}"}}"#
    ));
    let key = js("k");
    let ts = js(SPEC_TIMESTAMP);
    let refusals: Vec<(&str, Result<JsValue, JsValue>)> = vec![
        ("canonicalize", canonicalize(&body).map(JsValue::from)),
        (
            "sign",
            sign(&body, &key, Some(ts.clone())).map(JsValue::from),
        ),
        (
            "verify",
            verify(&body, &key, &ts, &js(&good)).map(JsValue::from),
        ),
        ("explain", explain(&body, &key, &ts)),
        ("diagnose", diagnose(&body, &key, &ts, &js(&good))),
        ("timestampNow", timestamp_now().map(JsValue::from)),
        ("errorCodes", error_codes().map(JsValue::from)),
        ("new Signer", Signer::new(&js("s"), &key).map(JsValue::from)),
        ("Signer.sid", signer.sid().map(JsValue::from)),
        ("Signer.sign", signer.sign(&body, Some(ts.clone()))),
        (
            "Signer.signRequest",
            signer.sign_request(&body, Some(ts.clone())),
        ),
        (
            "new Verifier",
            Verifier::new(&parse(r#"{"keys":{"s":"k"}}"#)).map(JsValue::from),
        ),
        (
            "Verifier.maxSkewSeconds",
            plain.max_skew_seconds().map(JsValue::from),
        ),
        (
            "Verifier.verify",
            plain.verify(&js("s"), &ts, &js(&good), &body),
        ),
        (
            "Verifier.verifyHeaders",
            plain.verify_headers(&headers, &body),
        ),
    ];
    // Only this test resets the flag, for any test of this instance that runs after it
    // (in an application the module is reloaded), before asserting anything. What it
    // cannot reset is std's own state: the hook never returned, so std still counts a
    // panic in progress (`std::panic::set_hook` would now panic, and a second panic
    // aborts with `RuntimeError: unreachable`). wasm-bindgen-test runs the tests of this
    // file in reverse order of their names, so this one runs last.
    POISONED.store(false, std::sync::atomic::Ordering::SeqCst);

    assert_eq!(code_of(&caught), "internal");
    let message = get(&caught, "message").as_string().unwrap();
    assert!(message.contains("index out of bounds"), "{message}");
    assert!(message.contains("must be reloaded"), "{message}");
    assert_eq!(refusals.len(), 15);
    for (export, result) in refusals {
        let error = result.expect_err(export);
        assert_eq!(code_of(&error), "internal", "{export}");
        let message = get(&error, "message").as_string().unwrap();
        assert!(message.contains("must be reloaded"), "{export}: {message}");
    }
    // Reset, the module works again (what a reload gives).
    assert_eq!(sign(&body, &key, Some(ts.clone())).unwrap(), good);
}
