"""Sign and verify requests of the glory-card (荣誉证) deduction platform.

Every function is the Rust core's (``glorycard._native``), so Python signs exactly the
bytes the CLI, the WebAssembly and the JVM bindings sign::

    import glorycard

    body = b'{"dataID":0,"orgCode":"106607"}'
    headers = glorycard.Signer("my-sid", "my-key").sign(body)
    # requests.post(url, data=body, headers=headers)

A body is ``str``, ``bytes`` (signed from its exact bytes: what you send is what you
sign) or a ``dict``/``list`` (written as JSON first: ``float`` by its shortest repr,
``decimal.Decimal`` from its exact text, ``int`` of any size). Errors are
``GlorycardError`` subclasses carrying the core's stable ``.code``.

Model times (``deduction_time``, ``cancel_time``) are ``yyyy-MM-dd HH:mm:ss`` in China
time (UTC+8): ``glorycard.china_time_now()``, or ``glorycard.china_time(dt)`` of an aware
``datetime``, whatever the host's zone; a naive ``datetime`` is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._blocking import BlockingCallWarning
from ._stores import AsyncClient, Outbox, Replica
from ._native import (
    AckResponse,
    Cancellation,
    Client,
    ConfigError,
    DeductCheckHandler,
    DeductCheckRecord,
    DeductCheckRequest,
    Deduction,
    DrainReport,
    ERROR_CODES,
    Enqueued,
    Explanation,
    GlorycardError,
    HolderMatch,
    InvalidBody,
    InvalidKey,
    InvalidTimestamp,
    MatchKind,
    OutboxStatus,
    PlatformRejected,
    RejectedItem,
    RosterPageRequest,
    RosterPages,
    RosterRecord,
    SecretKey,
    SignatureError,
    Signer,
    StorageError,
    SyncProgress,
    TransportError,
    UntrustedResponse,
    ValidationError,
    Verified,
    Verifier,
    __version__,
    canonicalize,
    china_time,
    china_time_now,
    diagnose,
    error_class,
    explain,
    sign,
    timestamp_now,
    verify,
)

__all__ = [
    "AckResponse",
    "AsyncClient",
    "BlockingCallWarning",
    "Cancellation",
    "Client",
    "ConfigError",
    "DeductCheckHandler",
    "DeductCheckRecord",
    "DeductCheckRequest",
    "Deduction",
    "DrainReport",
    "ERROR_CODES",
    "Enqueued",
    "Explanation",
    "GlorycardError",
    "HttpxAuth",
    "HolderMatch",
    "InvalidBody",
    "InvalidKey",
    "InvalidTimestamp",
    "MatchKind",
    "Outbox",
    "OutboxStatus",
    "PlatformRejected",
    "RejectedItem",
    "Replica",
    "RosterPageRequest",
    "RosterPages",
    "RosterRecord",
    "SecretKey",
    "SignatureError",
    "Signer",
    "SignerAuth",
    "StorageError",
    "SyncProgress",
    "TransportError",
    "UntrustedResponse",
    "ValidationError",
    "Verified",
    "Verifier",
    "__version__",
    "canonicalize",
    "china_time",
    "china_time_now",
    "diagnose",
    "error_class",
    "explain",
    "sign",
    "timestamp_now",
    "verify",
]


if TYPE_CHECKING:
    from .httpx_auth import HttpxAuth


def __getattr__(name: str) -> Any:
    """``HttpxAuth``, imported on first use: httpx is needed only by who uses it."""
    if name == "HttpxAuth":
        from .httpx_auth import HttpxAuth

        return HttpxAuth
    raise AttributeError(f"module 'glorycard' has no attribute {name!r}")


class SignerAuth:
    """A ``requests`` authentication hook that signs each request's exact body.

    ``requests.post(url, json=payload, auth=glorycard.SignerAuth(signer))`` adds the
    ``sid``, ``timestamp`` and ``sign`` headers computed over the bytes ``requests``
    is about to send. ``requests`` itself is not imported: any callable-auth client
    whose prepared request has ``.body`` and ``.headers`` works.
    """

    def __init__(self, signer: Signer) -> None:
        """Signs with ``signer``."""
        self.signer = signer

    def __call__(self, request: Any) -> Any:
        """Adds the three headers to ``request`` (its body must be set) and returns it."""
        body = request.body
        if isinstance(body, str):
            # requests sends a str body as-is through http.client; sign its UTF-8 bytes
            # and send those, so the signed and the sent bytes are the same.
            body = body.encode("utf-8")
            request.body = body
        request.headers.update(self.signer.sign(body if body is not None else b""))
        return request

    def __repr__(self) -> str:
        """``SignerAuth(Signer(sid='...', key=***))``."""
        return f"SignerAuth({self.signer!r})"
