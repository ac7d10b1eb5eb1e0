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
        verifier.verify_headers(self.headers, BODY)  # http.server's headers as they are


def pairs() -> Iterator[tuple[str, str]]:
    yield "sid", "sid-1"


def shapes(message: email.message.Message) -> None:
    verifier.verify_headers({"sid": "sid-1"}, BODY)
    verifier.verify_headers(message, BODY)
    verifier.verify_headers([("sid", "sid-1"), ("sign", "x")], BODY)
    verifier.verify_headers([["sid", "sid-1"]], BODY)
    verifier.verify_headers(pairs(), BODY)
    verifier.verify_headers(dict(pairs()).items(), BODY)
    verifier.verify_headers("sid", BODY)  # type: ignore[arg-type]
    verifier.verify_headers(42, BODY)  # type: ignore[arg-type]
    verifier.verify_headers({"sid": 1}, BODY)  # type: ignore[arg-type]
