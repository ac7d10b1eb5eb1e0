"""The asyncio client against the project's sandbox: coroutines driven by the Rust runtime."""

from __future__ import annotations

import asyncio
import threading

import pytest

import glorycard
from test_client import KEY, ORG, SID, Sandbox, deduction, sandbox, whole  # noqa: F401 - the fixture


def test_two_hundred_gathered_calls_and_a_refusal(sandbox: Sandbox) -> None:
    async def main() -> None:
        async with glorycard.AsyncClient(sandbox.url, sid=SID, key=KEY, org_code=ORG, ca_cert=sandbox.ca) as client:
            holders = whole(await client.roster_page(0))
            threads_before = threading.active_count()
            acks = await asyncio.gather(
                *(client.deduct(deduction(holders[n % len(holders)], f"PY-ASYNC-{n}")) for n in range(200))
            )
            assert [ack.response_flag for ack in acks] == ["1"] * 200
            # Driven by the native runtime: no Python thread was started per call.
            assert threading.active_count() <= threads_before + 1
            never = glorycard.Cancellation(org_code=ORG, deduction_id="PY-ASYNC-NEVER", cancel_time="2026-11-30 10:00:00")
            with pytest.raises(glorycard.PlatformRejected):
                await client.cancel(never)
            invalid = deduction(holders[0], "PY-ASYNC-INVALID")
            invalid.total_fee = "1.00"
            with pytest.raises(glorycard.ValidationError):
                await client.deduct(invalid)
        with pytest.raises(glorycard.ConfigError):
            await client.roster_page(0)

    asyncio.run(main())
    assert sandbox.admin("/admin/stats")["deductions"] == 200
