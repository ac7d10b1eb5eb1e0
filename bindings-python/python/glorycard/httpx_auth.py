"""``HttpxAuth``: signing for httpx (sync and async clients)."""

from __future__ import annotations

from typing import Generator

import httpx

from ._native import Signer

__all__ = ["HttpxAuth"]


class HttpxAuth(httpx.Auth):
    """An ``httpx.Auth`` that signs each request's exact body.

    ``httpx.post(url, content=body, auth=glorycard.HttpxAuth(signer))`` (or ``json=``, or an
    ``httpx.AsyncClient``) adds the ``sid``, ``timestamp`` and ``sign`` headers computed over
    the bytes httpx sends: httpx reads the body before the flow runs
    (``requires_request_body``), so a streamed body is signed as sent. Each retry of a flow
    is signed afresh.
    """

    requires_request_body = True

    def __init__(self, signer: Signer) -> None:
        """Signs with ``signer``."""
        self.signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Adds the three headers over ``request.content`` and sends it."""
        request.headers.update(self.signer.sign(request.content))
        yield request

    def __repr__(self) -> str:
        """``HttpxAuth(Signer(sid='...', key=***))``."""
        return f"HttpxAuth({self.signer!r})"
