"""The stores in asyncio services: drain and sync through the AsyncClient, the blocking
calls off the loop, and the misuse of one client in the other's world caught."""

from __future__ import annotations

import asyncio
import gc
import warnings
from pathlib import Path
from typing import Iterator

import pytest

import glorycard
from glorycard import _blocking
from test_client import HOLDERS, KEY, ORG, SID, Sandbox, deduction, sandbox, whole  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def warn_afresh() -> Iterator[None]:
    """Each test sees the once-per-process warnings as a fresh process would."""
    _blocking._warned.clear()
    yield
    _blocking._warned.clear()


def async_client(sandbox: Sandbox) -> glorycard.AsyncClient:
    return glorycard.AsyncClient(sandbox.url, sid=SID, key=KEY, org_code=ORG, ca_cert=sandbox.ca)


def test_an_async_service_enqueues_drains_syncs_and_looks_up_without_blocking_calls(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    replica = glorycard.Replica(tmp_path / "roster.db")
    holders = whole(sandbox.client().roster_page(0))

    async def main() -> None:
        async with async_client(sandbox) as client:
            seen: list[int] = []
            done = await replica.sync_async(client, progress=lambda step: seen.append(step.records))
            assert (done.pages, done.records, seen) == (3, HOLDERS, [500, 1000, HOLDERS])
            found = await replica.lookup_async(holders[0].cert_type, holders[0].cert_no, holders[0].cert_name)
            assert [match.record for match in found] == [holders[0]]
            first = await outbox.enqueue_async(deduction(holders[0], "PY-ASYNC-OUTBOX-0"))
            rest = await outbox.enqueue_all_async(deduction(holders[n], f"PY-ASYNC-OUTBOX-{n}") for n in range(1, 5))
            assert first.newly_added and [e.newly_added for e in rest] == [True] * 4
            report = await outbox.drain_async(client, concurrency=2)
            assert (report.acknowledged, report.pending, report.gave_up) == (5, 0, False)

    # Any blocking call on the loop's thread would warn: here that is an error.
    with warnings.catch_warnings():
        warnings.simplefilter("error", glorycard.BlockingCallWarning)
        asyncio.run(main())
    assert sandbox.admin("/admin/stats")["deductions"] == 5
    assert outbox.status().acknowledged == 5 and replica.checkpoint() == HOLDERS


def test_each_store_refuses_the_other_client_naming_the_right_form(sandbox: Sandbox, tmp_path: Path) -> None:
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    replica = glorycard.Replica(tmp_path / "roster.db")
    client = sandbox.client()
    outbox.enqueue(deduction(whole(client.roster_page(0))[0], "PY-WRONG-CLIENT"))

    async def main() -> None:
        aclient = async_client(sandbox)
        with pytest.raises(TypeError, match=r"not an AsyncClient.*outbox\.drain_async"):
            await asyncio.to_thread(outbox.drain, aclient)
        with pytest.raises(TypeError, match=r"not an AsyncClient.*replica\.sync_async"):
            await asyncio.to_thread(replica.sync, aclient)
        with pytest.raises(TypeError, match=r"not a Client.*outbox\.drain\(client\)"):
            await outbox.drain_async(client)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"not a Client.*replica\.sync\(client\)"):
            await replica.sync_async(client)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="takes an AsyncClient, not str"):
            await outbox.drain_async("client")  # type: ignore[arg-type]

    asyncio.run(main())
    assert sandbox.admin("/admin/stats")["uploads"] == 0 and outbox.status().pending == 1
    assert replica.checkpoint() == 0


def test_a_coroutine_never_awaited_warns_as_pythons_own_and_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    holder = whole(sandbox.client().roster_page(0))[0]
    outbox = glorycard.Outbox(tmp_path / "outbox.db")

    async def main() -> None:
        client = async_client(sandbox)
        client.deduct(deduction(holder, "PY-NEVER-AWAITED"))  # type: ignore[unused-coroutine]
        outbox.enqueue_async(deduction(holder, "PY-NEVER-ENQUEUED"))  # type: ignore[unused-coroutine]
        await asyncio.sleep(0.2)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        gc.collect()
    messages = [str(w.message) for w in caught if w.category is RuntimeWarning]
    assert "coroutine 'AsyncClient.deduct' was never awaited" in messages
    assert "coroutine 'Outbox.enqueue_async' was never awaited" in messages
    assert sandbox.admin("/admin/stats")["deductions"] == 0
    assert outbox.status().pending == 0


def test_awaiting_the_sync_client_is_refused_before_anything_is_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    client = sandbox.client()
    holder = whole(client.roster_page(0))[0]
    outbox = glorycard.Outbox(tmp_path / "outbox.db")

    async def main() -> None:
        with pytest.raises(TypeError, match=r"Client\.deduct.*cannot be awaited.*AsyncClient.*asyncio\.to_thread"):
            await client.deduct(deduction(holder, "PY-AWAITED-SYNC"))  # type: ignore[misc]
        with pytest.raises(TypeError, match=r"Client\.cancel.*AsyncClient"):
            cancellation = glorycard.Cancellation(
                org_code=ORG, deduction_id="PY-AWAITED-SYNC", cancel_time="2026-11-30 10:00:00"
            )
            await client.cancel(cancellation)  # type: ignore[misc]
        with pytest.raises(TypeError, match=r"Outbox\.enqueue.*enqueue_async"):
            await outbox.enqueue(deduction(holder, "PY-AWAITED-ENQUEUE"))  # type: ignore[misc]

    asyncio.run(main())
    assert sandbox.admin("/admin/stats")["deductions"] == 0
    assert outbox.status().pending == 0


def test_a_blocking_call_on_the_loop_warns_once_per_family(sandbox: Sandbox, tmp_path: Path) -> None:
    client = sandbox.client()
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.roster_page(0)  # off any loop: no warning

    async def main() -> None:
        client.roster_page(0)
        client.roster_page(0)
        outbox.status()
        outbox.status()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
    blocking = [w for w in caught if issubclass(w.category, glorycard.BlockingCallWarning)]
    assert [str(w.message).split("()")[0] for w in blocking] == ["Client.roster_page", "Outbox.status"]
    assert "AsyncClient" in str(blocking[0].message) and "asyncio.to_thread" in str(blocking[1].message)
    assert all(w.filename == __file__ for w in blocking), "the warning points at the caller's line"
    assert issubclass(glorycard.BlockingCallWarning, RuntimeWarning)
