"""What the constructors take as Python users hold it: fees as decimal.Decimal, written
with exactly two decimals (more precision refused), and ca_cert as PEM bytes, a PEM str
or a path."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import glorycard
from test_client import KEY, ORG, SID, Sandbox, sandbox  # noqa: F401 - the fixture


def a_deduction(total_fee: Any = "10.00", deduction_fee: Any = "10.00") -> glorycard.Deduction:
    return glorycard.Deduction(
        org_code=ORG, cert_type="0", cert_no="11010519491231002X", cert_name="张三", deduction_id="PY-FEE-1",
        total_fee=total_fee, deduction_fee=deduction_fee, deduction_time="2026-11-30 09:15:00", deduction_type="0",
    )


@pytest.mark.parametrize(
    ("given", "written"),
    [(Decimal("10"), "10.00"), (Decimal("10.5"), "10.50"), (Decimal("10.00"), "10.00"), (Decimal("10.000"), "10.00"),
     (Decimal("0"), "0.00"), (Decimal("1E+1"), "10.00"), ("10.00", "10.00")],
)
def test_a_decimal_fee_is_written_with_exactly_two_decimals(given: Any, written: str) -> None:
    deduction = a_deduction(total_fee=given, deduction_fee=given)
    assert (deduction.total_fee, deduction.deduction_fee) == (written, written)
    deduction.validate()
    sent = json.loads(deduction.to_json())
    assert (sent["totalFee"], sent["deductionFee"]) == (written, written)
    deduction.deduction_fee = Decimal("0.5")
    assert deduction.deduction_fee == "0.50"


@pytest.mark.parametrize("given", [Decimal("10.001"), Decimal("0.005"), Decimal("NaN"), Decimal("sNaN"),
                                   Decimal("Infinity"), Decimal("-Infinity"), Decimal("1E+40")])
def test_a_decimal_fee_that_would_lose_a_digit_or_is_no_amount_is_refused_naming_the_field(given: Decimal) -> None:
    with pytest.raises(glorycard.ValidationError) as refused:
        a_deduction(total_fee=given)
    assert (refused.value.code, refused.value.field) == ("invalid_field", "totalFee")  # type: ignore[attr-defined]
    deduction = a_deduction()
    with pytest.raises(glorycard.ValidationError) as refused:
        deduction.deduction_fee = given
    assert refused.value.field == "deductionFee"  # type: ignore[attr-defined]
    assert deduction.deduction_fee == "10.00", "a refused fee leaves the old one"


def test_a_float_fee_is_a_type_error_naming_the_field() -> None:
    with pytest.raises(TypeError, match="totalFee must be a str or a decimal.Decimal, not float"):
        a_deduction(total_fee=10.0)


def test_ca_cert_is_pem_bytes_a_pem_str_or_a_path(sandbox: Sandbox, tmp_path: Path) -> None:
    pem_text = sandbox.ca.decode()
    # A different page each time: the platform refuses a repeat of the same signed request.
    for page, ca_cert in enumerate((sandbox.ca, bytearray(sandbox.ca), pem_text, str(sandbox.pem), sandbox.pem)):
        client = glorycard.Client(sandbox.url, sid=SID, key=KEY, org_code=ORG, ca_cert=ca_cert)  # type: ignore[arg-type]
        assert len(client.roster_page(page)) == 500

    async def main() -> int:
        async with glorycard.AsyncClient(sandbox.url, sid=SID, key=KEY, org_code=ORG, ca_cert=sandbox.pem) as client:
            return len(await client.roster_page(10))

    assert asyncio.run(main()) == 500
    missing = tmp_path / "no-such-ca.pem"
    for make in (glorycard.Client, glorycard.AsyncClient):
        with pytest.raises(glorycard.ConfigError, match="no-such-ca.pem") as refused:
            make(sandbox.url, sid=SID, key=KEY, org_code=ORG, ca_cert=missing)
        assert refused.value.code == "config"  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="ca_cert must be PEM bytes, a PEM str or a path"):
        glorycard.Client(sandbox.url, sid=SID, key=KEY, org_code=ORG, ca_cert=42)  # type: ignore[arg-type]


def test_a_fee_signed_as_a_decimal_number_and_sent_as_a_string_is_diagnosed() -> None:
    # sign() writes Decimal("10.00") as the JSON number 10.00 (STRINGA fee=10); the body
    # sent carries the string "10.00" (STRINGA fee=10.00): the platform's sign differs.
    timestamp = "20210407155206"
    signed = glorycard.sign({"fee": Decimal("10.00"), "id": "7"}, KEY, timestamp)
    sent = b'{"fee":"10.00","id":"7"}'
    assert glorycard.sign(sent, KEY, timestamp) != signed
    departure = glorycard.diagnose(sent, KEY, timestamp, signed)
    assert departure is not None and departure.startswith("a value signed as a number and sent as a string"), departure
