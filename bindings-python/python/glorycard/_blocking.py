"""What a blocking call does when it is made on a thread where an asyncio loop runs
(called by the native module, only then)."""

from __future__ import annotations

import dis
import sys
import threading
import warnings
from types import FrameType
from typing import Set

__all__ = ["BlockingCallWarning"]


class BlockingCallWarning(RuntimeWarning):
    """A blocking glorycard call (the sync ``Client``'s calls, ``Outbox`` and ``Replica``
    methods) ran on a thread with a running asyncio event loop: the loop, and every other
    request it serves, waited for it. Use the async form the message names, or
    ``asyncio.to_thread``. Given once per process for each family (``Client``,
    ``Outbox``, ``Replica``)."""


_warned: Set[str] = set()
_warned_lock = threading.Lock()


def _result_is_awaited(frame: FrameType) -> bool:
    """Whether the caller's next instruction awaits the call's result (``await f(...)``
    compiles to the call, then GET_AWAITABLE, on CPython 3.9 to 3.13)."""
    for instruction in dis.get_instructions(frame.f_code):
        if instruction.offset > frame.f_lasti:
            return instruction.opname == "GET_AWAITABLE"
    return False


def on_event_loop(family: str, method: str, async_form: str) -> None:
    """Refuses ``await`` of the blocking ``method``, or warns (once per ``family``)."""
    # Called from native code: frame 1 is the Python code that called the method.
    caller = sys._getframe(1)
    if _result_is_awaited(caller):
        raise TypeError(
            f"{method}() blocks and returns no awaitable, so it cannot be awaited; nothing "
            f"was done. In async code use {async_form}, or run the blocking call in a thread "
            f"with asyncio.to_thread"
        )
    with _warned_lock:
        if family in _warned:
            return
        _warned.add(family)
    warnings.warn(
        BlockingCallWarning(
            f"{method}() blocks, and it runs on the thread of a running asyncio event loop, "
            f"which waits for it: use {async_form}, or asyncio.to_thread (warned once per "
            f"process for {family}'s blocking calls)"
        ),
        stacklevel=2,
    )
