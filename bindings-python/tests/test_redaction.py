"""Keys, certNo and certName never appear in repr/str."""

from __future__ import annotations

import glorycard
from conftest import SPEC_KEY, SPEC_TS

CERT_NO, CERT_NAME = "11010519491231002X", "张小凡"


def test_secret_key() -> None:
    key = glorycard.SecretKey(SPEC_KEY)
    assert repr(key) == "SecretKey(***)" and str(key) == "***"
    assert not key.is_empty() and glorycard.SecretKey("").is_empty()
    assert SPEC_KEY not in repr([key]) and SPEC_KEY not in f"{key!s}{key!r}"


def test_signer_verifier_explanation() -> None:
    signer = glorycard.Signer("sid-1", SPEC_KEY)
    assert repr(signer) == "Signer(sid='sid-1', key=***)"
    assert SPEC_KEY not in repr(glorycard.SignerAuth(signer))
    verifier = glorycard.Verifier(keys={"sid-1": [SPEC_KEY, "k2"], "sid-0": "k3"}, max_skew_seconds=60)
    assert repr(verifier) == "Verifier(sids=['sid-0', 'sid-1'], max_skew_seconds=60, replay=True)"
    body = {"certNo": CERT_NO, "certName": CERT_NAME}
    explanation = glorycard.explain(body, SPEC_KEY, SPEC_TS)
    for text in (repr(explanation), str(explanation)):
        assert SPEC_KEY not in text and "&key=***&timestamp=" + SPEC_TS in str(explanation)
    # repr leaves STRINGA (personal data) out; str is the explicit, full explanation.
    assert CERT_NO not in repr(explanation) and CERT_NAME not in repr(explanation)
    assert f"certNo={CERT_NO}" in str(explanation)


def _deduction() -> glorycard.Deduction:
    return glorycard.Deduction(
        org_code="106607", cert_type="0", cert_no=CERT_NO, cert_name=CERT_NAME,
        deduction_id="D-1", total_fee="10.00", deduction_fee="5.00",
        deduction_time="2024-02-29 23:59:59", deduction_type="0", remarks="备注",
    )


def test_models_mask_personal_data() -> None:
    d = _deduction()
    assert "cert_no='11**************2X'" in repr(d) and "cert_name='张**'" in repr(d)
    record = glorycard.DeductCheckRecord(deduction=d, status="0", cancel_time="2024-03-01 08:00:00")
    roster = glorycard.RosterRecord(
        cert_type="0", cert_no=CERT_NO, cert_name=CERT_NAME, glory_type="1", glory_id=1, data_id=2
    )
    for text in (repr(d), str(d), repr(record), str(record), repr(roster), repr([roster])):
        assert CERT_NO not in text and CERT_NAME not in text, text
    # The values themselves are intact.
    assert d.cert_no == CERT_NO and record.deduction.cert_name == CERT_NAME


def test_validation_messages_never_echo_values() -> None:
    d = _deduction()
    d.cert_no = CERT_NO[:-1] + "1"
    try:
        d.validate()
    except glorycard.ValidationError as error:
        assert error.field == "certNo"
        assert CERT_NO[:-1] not in str(error) and CERT_NO[:-1] not in repr(error)
    else:
        raise AssertionError("a wrong check character must fail")
    # A name where a number belongs: serde quotes the value, the core redacts it.
    try:
        glorycard.RosterRecord.from_json(
            '{"certType":"0","certNo":"x","certName":"y","gloryID":"张小凡","gloryType":"1","dataID":1}'
        )
    except glorycard.ValidationError as error:
        assert error.code == "serialization" and CERT_NAME not in str(error)
    else:
        raise AssertionError("a str gloryID must fail")


def test_repr_writes_every_text_as_python_would() -> None:
    """The repr is the core's Debug rewritten in Python's form: a text holding what the
    rewriting looks for (`: `, ` { `, ` }`, `Some(`, quotes, backslashes, escapes) comes
    out as Python's own repr of it, and the personal data stays masked."""
    tricky = 'a: b { c } Some("x") \'q\' \\ \n \t \x00 \u200b é'
    d = _deduction()
    d.remarks = tricky
    d.org_code = "} { :"
    text = repr(d)
    assert f"remarks={tricky!r})" in text, text
    assert "org_code='} { :'" in text, text
    assert "cert_no='11**************2X'" in text and CERT_NO not in text, text
