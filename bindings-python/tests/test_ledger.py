"""A deduction sent directly is in the outbox's ledger when the caller asks: then
``/deductCheck`` answered from the outbox knows it, and no drain sends it again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import glorycard
from test_client import KEY, ORG, SID, Sandbox, deduction, sandbox, whole  # noqa: F401 - the fixture

DAY = ("2026-11-30 00:00:00", "2026-11-30 23:59:59")


def test_a_direct_deduction_recorded_in_the_outbox_answers_deduct_check_and_is_not_drained_again(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    with sandbox.client() as client:
        holders = whole(client.roster_page(0))
        ack = client.deduct(deduction(holders[0], "PY-LEDGER-1"), record_in=outbox)
        assert ack.response_flag == "1"
        status = outbox.status()
        assert (status.pending, status.acknowledged) == (0, 1)
        known = [record.deduction.deduction_id for record in outbox.deductions_between(ORG, *DAY)]
        assert known == ["PY-LEDGER-1"]

        # Sent alone, then recorded with its answer: the same ledger.
        alone = deduction(holders[1], "PY-LEDGER-2")
        recorded = outbox.record_delivered(alone, client.deduct(alone))
        assert recorded.newly_added
        cancel = glorycard.Cancellation(org_code=ORG, deduction_id="PY-LEDGER-1", cancel_time="2026-11-30 10:00:00")
        client.cancel(cancel, record_in=outbox)
        status = outbox.status()
        assert (status.pending, status.acknowledged) == (0, 3)
        # A drain finds nothing to send.
        report = outbox.drain(client)
        assert (report.acknowledged, report.pending) == (0, 0)
    stats = sandbox.admin("/admin/stats")
    assert (stats["deductions"], stats["cancelled"]) == (2, 1)


def test_a_direct_call_that_fails_leaves_the_deduction_pending_for_the_drain(sandbox: Sandbox, tmp_path: Path) -> None:
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    holder = whole(sandbox.client().roster_page(0))[0]
    untrusted = sandbox.client(key="not-the-key", retry=1)
    with pytest.raises(glorycard.UntrustedResponse):
        untrusted.deduct(deduction(holder, "PY-LEDGER-FAILED"), record_in=outbox)
    assert outbox.status().pending == 1
    report = outbox.drain(sandbox.client())
    assert (report.acknowledged, report.pending) == (1, 0)
    assert [r.deduction.deduction_id for r in outbox.deductions_between(ORG, *DAY)] == ["PY-LEDGER-FAILED"]


def test_the_async_client_records_in_the_outbox_too(sandbox: Sandbox, tmp_path: Path) -> None:
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    holder = whole(sandbox.client().roster_page(0))[0]

    async def main() -> None:
        async with glorycard.AsyncClient(sandbox.url, sid=SID, key=KEY, org_code=ORG, ca_cert=sandbox.ca) as client:
            ack = await client.deduct(deduction(holder, "PY-LEDGER-ASYNC"), record_in=outbox)
            assert ack.response_flag == "1"

    asyncio.run(main())
    status = outbox.status()
    assert (status.pending, status.acknowledged) == (0, 1)


def test_a_direct_call_the_platform_refuses_is_held_rejected_never_drained(sandbox: Sandbox, tmp_path: Path) -> None:
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    with sandbox.client() as client:
        # The sandbox refuses the cancellation of a deduction it never received.
        never = glorycard.Cancellation(org_code=ORG, deduction_id="PY-LEDGER-NEVER", cancel_time="2026-11-30 10:00:00")
        with pytest.raises(glorycard.PlatformRejected) as refused:
            client.cancel(never, record_in=outbox)
        status = outbox.status()
        assert (status.pending, status.rejected) == (0, 1)
        held = outbox.rejected()[0]
        assert (held.deduction_id, held.message) == ("PY-LEDGER-NEVER", refused.value.platform_message)
        assert outbox.drain(client).acknowledged == 0
    # An invalid record names its field as enqueue names it, and nothing is sent or held.
    invalid = deduction(whole(sandbox.client().roster_page(0))[0], "PY-LEDGER-INVALID")
    invalid.deduction_fee = "99.00"
    with pytest.raises(glorycard.GlorycardError) as bad:
        sandbox.client().deduct(invalid, record_in=outbox)
    assert bad.value.code == "invalid_field"
    assert "deductionFee" in str(bad.value) and "entries[" not in str(bad.value)
    assert sandbox.admin("/admin/stats")["deductions"] == 0 and outbox.status().pending == 0
