"""Type-checked by `mypy --strict` in test.sh, not run: the header shapes the stubs accept
for `Verifier.verify`. With `--strict` an unneeded `# type: ignore` is itself an error,
so the ignored lines prove that mypy rejects those shapes."""

from __future__ import annotations

import email.message
from http.server import BaseHTTPRequestHandler
from typing import Iterator

import glorycard

verifier = glorycard.Verifier(keys={"sid-1": "key"})
BODY = b"{}"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        verifier.verify(self.headers, BODY)  # http.server's headers as they are


def pairs() -> Iterator[tuple[str, str]]:
    yield "sid", "sid-1"


def shapes(message: email.message.Message) -> None:
    verifier.verify({"sid": "sid-1"}, BODY)
    verifier.verify(message, BODY)
    verifier.verify([("sid", "sid-1"), ("sign", "x")], BODY)
    verifier.verify([["sid", "sid-1"]], BODY)
    verifier.verify(pairs(), BODY)
    verifier.verify(dict(pairs()).items(), BODY)
    verifier.verify("sid", BODY)  # type: ignore[arg-type]
    verifier.verify(42, BODY)  # type: ignore[arg-type]
    verifier.verify({"sid": 1}, BODY)  # type: ignore[arg-type]
