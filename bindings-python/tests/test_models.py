"""Typed models: construction, wire names, validation consistent with the core."""

from __future__ import annotations

import json

import pytest

import glorycard


def _deduction(**changes: str) -> glorycard.Deduction:
    fields = dict(
        org_code="106607", cert_type="0", cert_no="440524188001010014", cert_name="张三",
        deduction_id="HIS-1", total_fee="100.00", deduction_fee="99.99",
        deduction_time="2024-02-29 23:59:59", deduction_type="2",
    )
    fields.update(changes)
    return glorycard.Deduction(**fields)


def test_deduction_wire_names_and_round_trip() -> None:
    d = _deduction(remarks="复诊")
    d.validate()
    wire = json.loads(d.to_json())
    assert wire == {
        "orgCode": "106607", "certType": "0", "certNo": "440524188001010014",
        "certName": "张三", "deductionID": "HIS-1", "totalFee": "100.00",
        "deductionFee": "99.99", "deductionTime": "2024-02-29 23:59:59",
        "gloryType": "1", "deductionType": "2", "remarks": "复诊",
    }
    assert glorycard.Deduction.from_json(d.to_json()) == d
    # The exact bytes to send are the bytes to sign; money stays "100.00" (a string).
    assert "totalFee=100.00" in glorycard.canonicalize(d.to_json())
    assert isinstance(d.to_json(), bytes)


def test_attributes_are_mutable_and_checked() -> None:
    d = _deduction()
    d.deduction_fee = "100.01"
    with pytest.raises(glorycard.ValidationError) as raised:
        d.validate()
    assert raised.value.field == "deductionFee"
    d.deduction_fee = "100.00"
    d.validate()
    with pytest.raises(TypeError):
        d.total_fee = 10  # type: ignore[assignment]
    with pytest.raises(TypeError):
        glorycard.Deduction(org_code="1")  # type: ignore[call-arg]
    assert d != _deduction() and _deduction() == _deduction() and d != "not a model"


def test_other_models() -> None:
    c = glorycard.Cancellation(org_code="106607", deduction_id="HIS-1", cancel_time="2024-03-01 08:00:00")
    c.validate()
    assert json.loads(c.to_json()) == {
        "orgCode": "106607", "deductionID": "HIS-1", "deductionTime": "2024-03-01 08:00:00"
    }
    q = glorycard.DeductCheckRequest(
        org_code="106607", deduct_time_start="2024-03-01 00:00:00", deduction_time_end="2024-03-01 23:59:59"
    )
    q.validate()
    assert set(json.loads(q.to_json())) == {"orgCode", "deductTimeStart", "deductionTimeEnd"}
    r = glorycard.RosterPageRequest(data_id=0, org_code="106607")
    r.validate()
    assert json.loads(r.to_json()) == {"dataID": 0, "orgCode": "106607"}
    r.data_id = -1
    with pytest.raises(glorycard.ValidationError) as raised:
        r.validate()
    assert raised.value.field == "dataID"


def test_deduct_check_record_holds_its_deduction() -> None:
    d = _deduction()
    record = glorycard.DeductCheckRecord(deduction=d, status="0")
    with pytest.raises(glorycard.ValidationError) as raised:
        record.validate()
    assert raised.value.field == "cancelTime"
    record.cancel_time = "2024-03-01 09:00:00"
    record.validate()
    record.deduction.total_fee = "1"  # the same object: the record sees the change
    with pytest.raises(glorycard.ValidationError) as raised:
        record.validate()
    assert raised.value.field == "totalFee"
    d.total_fee = "100.00"
    wire = json.loads(record.to_json())
    assert wire["status"] == "0" and wire["cancelTime"] == "2024-03-01 09:00:00"
    assert wire["deductionID"] == "HIS-1"  # the deduction's members are inline
    assert glorycard.DeductCheckRecord.from_json(record.to_json()) == record


def test_received_roster_record_keeps_unknown_codes() -> None:
    text = '{"certType":"9","certNo":"331166*****777X","certName":"张小凡","gloryID":10000,"gloryType":"1","dataID":1}'
    record = glorycard.RosterRecord.from_json(text)
    assert (record.cert_type, record.glory_id, record.data_id) == ("9", 10000, 1)
    assert json.loads(record.to_json())["certType"] == "9"
    with pytest.raises(glorycard.ValidationError) as raised:
        glorycard.RosterRecord.from_json("not json")
    assert raised.value.code == "serialization"
