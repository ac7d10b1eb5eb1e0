"""Every conformance vector in tests/vectors/, through the Python API."""

from __future__ import annotations

from typing import Any

import pytest

import glorycard
from conftest import CODE_CLASS, SPEC_SIGN, body_of, load, vector_id

SIGNING = load("signing")
VERIFICATION = load("verification")
MODELS = load("models")
DIAGNOSIS = load("diagnosis")


def test_vector_files_are_not_empty() -> None:
    assert len(SIGNING) >= 55 and len(VERIFICATION) >= 15 and len(MODELS) >= 30 and len(DIAGNOSIS) >= 6
    assert SIGNING[0]["name"] == "spec-example" and SIGNING[0]["expect"]["sign"] == SPEC_SIGN


@pytest.mark.parametrize("vector", SIGNING, ids=vector_id)
def test_signing_vector(vector: dict[str, Any]) -> None:
    body, key, ts, expect = body_of(vector), vector["key"], vector["timestamp"], vector["expect"]
    # The same body as bytes, as bytearray and (when it is text) as str.
    bodies: list[Any] = [body, bytearray(body)]
    if "body" in vector:
        bodies.append(vector["body"])
    for given in bodies:
        if "error" in expect:
            code = expect["error"]
            for call in (
                lambda: glorycard.sign(given, key, ts),
                lambda: glorycard.explain(given, key, ts),
                lambda: glorycard.sign(given, glorycard.SecretKey(key), ts),
            ):
                with pytest.raises(CODE_CLASS[code]) as raised:
                    call()
                assert raised.value.code == code
        else:
            assert glorycard.canonicalize(given) == expect["stringA"]
            explanation = glorycard.explain(given, key, ts)
            assert explanation.string_a == expect["stringA"]
            assert explanation.md5_upper == expect["md5"]
            assert explanation.sign == expect["sign"]
            assert explanation.timestamp == ts
            assert explanation.string_sign_temp_masked == expect["stringA"] + "&key=***&timestamp=" + ts
            assert glorycard.sign(given, key, ts) == expect["sign"]
            assert glorycard.sign(given, glorycard.SecretKey(key), ts) == expect["sign"]
            assert glorycard.verify(given, key, ts, expect["sign"]) is True
            assert glorycard.verify(given, key, ts, expect["sign"].upper()) is True
            other = ("0" if expect["sign"][0] != "0" else "1") + expect["sign"][1:]
            assert glorycard.verify(given, key, ts, other) is False
            assert glorycard.diagnose(given, key, ts, expect["sign"]) == ""
            headers = glorycard.Signer("sid-v", key).sign(given, ts)
            assert headers == {"sid": "sid-v", "timestamp": ts, "sign": expect["sign"]}


@pytest.mark.parametrize("vector", DIAGNOSIS, ids=vector_id)
def test_diagnosis_vector(vector: dict[str, Any]) -> None:
    body, key, ts, received, expect = vector["body"], vector["key"], vector["timestamp"], vector["received"], vector[
        "expect"
    ]
    english = "" if expect["match"] else expect["departure"]
    chinese = "" if expect["match"] else expect["departureZh"]
    assert glorycard.diagnose(body, key, ts, received) == english
    assert glorycard.diagnose(body, key, ts, received, lang="en") == english
    assert glorycard.diagnose(body.encode("utf-8"), key, ts, received, lang="zh") == chinese
    assert glorycard.diagnose(body, key, ts, received, lang="zh-CN") == chinese


def test_diagnose_refuses_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="lang"):
        glorycard.diagnose("{}", "k", "20210407155206", "0" * 64, lang="fr")


@pytest.mark.parametrize("vector", VERIFICATION, ids=vector_id)
def test_verification_vector(vector: dict[str, Any]) -> None:
    v = vector["verify"]
    verifier = glorycard.Verifier(
        keys=v["keys"], max_skew_seconds=v["maxSkewSeconds"], replay=v["replayCache"], now=v["now"]
    )
    body = body_of(vector)
    outcome: Any = None
    for _ in range(v["presentations"]):
        try:
            if "headers" in v:
                outcome = verifier.verify_headers(v["headers"], body)
            else:
                outcome = verifier.verify_parts(v["sid"], vector["timestamp"], v["sign"], body)
        except glorycard.GlorycardError as error:
            outcome = error
    expect = vector["expect"]
    if "error" in expect:
        assert isinstance(outcome, CODE_CLASS[expect["error"]]), outcome
        assert outcome.code == expect["error"]
    else:
        assert isinstance(outcome, glorycard.Verified), outcome
        assert outcome and outcome.key_index == expect["keyIndex"]


@pytest.mark.parametrize("vector", [v for v in VERIFICATION if "headers" not in v["verify"]], ids=vector_id)
def test_verification_vector_as_header_dict(vector: dict[str, Any]) -> None:
    """The same vectors presented as a header mapping, names in upper case."""
    v = vector["verify"]
    verifier = glorycard.Verifier(
        keys=v["keys"], max_skew_seconds=v["maxSkewSeconds"], replay=v["replayCache"], now=v["now"]
    )
    headers = {"SID": v["sid"], "Timestamp": vector["timestamp"], "SIGN": v["sign"]}
    outcome: Any = None
    for _ in range(v["presentations"]):
        try:
            outcome = verifier.verify_headers(headers, body_of(vector))
        except glorycard.GlorycardError as error:
            outcome = error
    if "error" in vector["expect"]:
        assert getattr(outcome, "code", None) == vector["expect"]["error"]
    else:
        assert outcome.key_index == vector["expect"]["keyIndex"]


MODEL_CLASSES = {
    "rosterPageRequest": glorycard.RosterPageRequest,
    "deduction": glorycard.Deduction,
    "cancellation": glorycard.Cancellation,
    "deductCheckRequest": glorycard.DeductCheckRequest,
    "deductCheckRecord": glorycard.DeductCheckRecord,
}


@pytest.mark.parametrize("vector", MODELS, ids=vector_id)
def test_model_vector(vector: dict[str, Any]) -> None:
    cls = MODEL_CLASSES[vector["model"]]
    expect = vector["expect"]
    try:
        model = cls.from_json(vector["json"])
        # bytes give the same model as str.
        assert cls.from_json(vector["json"].encode("utf-8")) == model
        model.validate()
    except glorycard.ValidationError as error:
        assert "error" in expect, f"unexpected {error.code}: {error}"
        assert error.code == expect["error"]
        assert error.field == expect.get("field")
        for personal in ("11010519491231002", "张三", "331166"):
            assert personal not in str(error) and personal not in repr(error)
        return
    assert "error" not in expect, f"expected {expect['error']}"
    # A valid model survives to_json/from_json unchanged.
    assert cls.from_json(model.to_json()) == model
