"""The asyncio faces of ``AsyncClient``, ``Outbox`` and ``Replica``: each method that
returns an awaitable is a real ``async def`` (so a coroutine never awaited warns, as
Python's own do, and does nothing), over the native classes."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Iterable, List, Optional, TypeVar, Union

from . import _native
from ._native import (
    AckResponse,
    Cancellation,
    Deduction,
    DrainReport,
    Enqueued,
    HolderMatch,
    RosterRecord,
    SyncProgress,
)

__all__ = ["AsyncClient", "Outbox", "Replica"]

_T = TypeVar("_T")


class AsyncClient(_native.AsyncClient):
    """The client for asyncio applications: the same calls as ``Client``, as coroutines
    driven by the native runtime (no thread per call). Built and closed like ``Client``.
    A call never awaited sends nothing, and Python warns ``coroutine ... was never
    awaited``."""

    __slots__ = ()

    async def roster_page(self, after_data_id: int) -> List[RosterRecord]:
        """``store/all`` (see ``Client.roster_page``)."""
        return await super().roster_page(after_data_id)

    async def deduct(self, deduction: Deduction, *, record_in: Optional["Outbox"] = None) -> AckResponse:
        """``store/deduct`` (see ``Client.deduct``). Alone it is in no outbox: a deduction
        sent this way is unknown to ``/deductCheck`` answered from an ``Outbox``. With
        ``record_in=outbox`` it is enqueued there first, sent, and marked acknowledged on
        the platform's answer (a refusal is held rejected; any other failure leaves it
        pending, for the drain)."""
        if record_in is None:
            return await super().deduct(deduction)
        return await _recorded(record_in, deduction, lambda: _native.AsyncClient.deduct(self, deduction))

    async def cancel(self, cancellation: Cancellation, *, record_in: Optional["Outbox"] = None) -> AckResponse:
        """``store/deductCancel`` (see ``Client.cancel``); ``record_in`` as for ``deduct``."""
        if record_in is None:
            return await super().cancel(cancellation)
        return await _recorded(record_in, cancellation, lambda: _native.AsyncClient.cancel(self, cancellation))


async def _recorded(
    ledger: "Outbox", item: Union[Deduction, Cancellation], send: Callable[[], Awaitable[AckResponse]]
) -> AckResponse:
    """``send()`` with ``item`` enqueued in ``ledger`` first, then settled with the
    platform's answer: acknowledged, or rejected on a refusal; any other failure leaves it
    pending, for the drain."""
    await ledger.enqueue_async(item)
    try:
        ack = await send()
    except _native.PlatformRejected as refused:
        await ledger.record_refused_async(item, refused.platform_message or "")
        raise
    await ledger.record_delivered_async(item, ack)
    return ack


async def _off_the_loop(call: Callable[..., _T], *args: object) -> _T:
    """Runs a blocking store call in the loop's default executor, so the loop goes on."""
    return await asyncio.get_running_loop().run_in_executor(None, call, *args)


class Outbox(_native.Outbox):
    """A durable queue of deductions and cancellations for the platform: a SQLite file or
    a ``postgres://`` URL. Its plain methods block (``enqueue`` waits for a durable
    SQLite commit, about 2.6 ms measured on a local disk, longer on slow disks or
    PostgreSQL); in async code, await the ``…_async`` forms."""

    __slots__ = ()

    async def enqueue_async(self, item: Union[Deduction, Cancellation]) -> Enqueued:
        """``enqueue`` in the loop's default executor. Once started, the commit completes
        even if the awaiting task is cancelled."""
        return await _off_the_loop(self.enqueue, item)

    async def enqueue_all_async(self, items: Iterable[Union[Deduction, Cancellation]]) -> List[Enqueued]:
        """``enqueue_all`` in the loop's default executor (``items`` is read first, on the
        loop)."""
        return await _off_the_loop(self.enqueue_all, list(items))

    async def record_delivered_async(self, item: Union[Deduction, Cancellation], ack: AckResponse) -> Enqueued:
        """``record_delivered`` in the loop's default executor."""
        return await _off_the_loop(self.record_delivered, item, ack)

    async def record_refused_async(self, item: Union[Deduction, Cancellation], message: str) -> Enqueued:
        """``record_refused`` in the loop's default executor."""
        return await _off_the_loop(self.record_refused, item, message)

    async def drain_async(
        self, client: _native.AsyncClient, *, concurrency: int = 8, patience: float = 120.0
    ) -> DrainReport:
        """``drain`` through an ``AsyncClient``: the calls run on the native runtime while
        the loop goes on."""
        return await super().drain_async(client, concurrency=concurrency, patience=patience)


class Replica(_native.Replica):
    """A local copy of the platform's roster: a SQLite file or a ``postgres://`` URL. Its
    plain methods block (``lookup`` is an indexed query, about 0.01 ms measured on a
    local SQLite file; ``sync`` fetches every page); in async code, await the ``…_async``
    forms."""

    __slots__ = ()

    async def sync_async(
        self, client: _native.AsyncClient, progress: Optional[Callable[[SyncProgress], object]] = None
    ) -> SyncProgress:
        """``sync`` through an ``AsyncClient``: pages are fetched and applied on the native
        runtime while the loop goes on; ``progress`` is called from a runtime thread."""
        return await super().sync_async(client, progress)

    async def lookup_async(self, cert_type: str, cert_no: str, cert_name: Optional[str] = None) -> List[HolderMatch]:
        """``lookup`` in the loop's default executor."""
        return await _off_the_loop(self.lookup, cert_type, cert_no, cert_name)


for _class in (AsyncClient, Outbox, Replica):
    _class.__module__ = "glorycard"
