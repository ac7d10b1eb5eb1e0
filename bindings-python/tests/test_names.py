"""The names every binding shares (docs/en/src/bindings.md, "The same names in every
language"), and the earlier Python names, kept as aliases that still work and warn."""

import hashlib

import pytest

import glorycard

KEY = "4fd6b8105f894d0da964b1e80b07b136"
TS = "20210407155206"
BODY = b'{"dataID":0}'


def test_the_shared_names() -> None:
    explanation = glorycard.explain(BODY, KEY, TS)
    assert explanation.string_sign_temp_masked == "dataID=0&key=***&timestamp=" + TS
    # canonical-form.md: MD5 of STRINGSignTemp, upper-case hex (computed here with hashlib).
    temp = "dataID=0&key=" + KEY + "&timestamp=" + TS
    assert explanation.md5_upper == hashlib.md5(temp.encode()).hexdigest().upper()
    headers = glorycard.Signer("sid-1", KEY).sign(BODY, TS)
    assert headers == {"sid": "sid-1", "timestamp": TS, "sign": glorycard.sign(BODY, KEY, TS)}
    verifier = glorycard.Verifier(keys={"sid-1": KEY}, max_skew_seconds=60, now=TS)
    assert verifier.max_skew_seconds == 60
    assert verifier.verify_headers(headers, BODY).sid == "sid-1"
    assert glorycard.Verifier(keys={"sid-1": KEY}).max_skew_seconds == 300


def test_the_earlier_names_still_work_and_warn() -> None:
    explanation = glorycard.explain(BODY, KEY, TS)
    with pytest.deprecated_call(match="string_sign_temp_masked"):
        assert explanation.string_sign_temp == explanation.string_sign_temp_masked
    with pytest.deprecated_call(match="md5_upper"):
        assert explanation.md5 == explanation.md5_upper
    signer = glorycard.Signer("sid-1", KEY)
    with pytest.deprecated_call(match="Signer.sign"):
        headers = signer.headers(BODY, TS)
    assert headers == signer.sign(BODY, TS)
    with pytest.deprecated_call(match="max_skew_seconds"):
        verifier = glorycard.Verifier(keys={"sid-1": KEY}, skew=60, replay=False, now=TS)
    with pytest.deprecated_call(match="max_skew_seconds"):
        assert verifier.skew == 60
    with pytest.deprecated_call(match="verify_headers"):
        assert verifier.verify(headers, BODY).sid == "sid-1"
    with pytest.raises(TypeError):
        glorycard.Verifier(keys={"sid-1": KEY}, skew=60, max_skew_seconds=60)
