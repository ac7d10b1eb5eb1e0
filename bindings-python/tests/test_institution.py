"""The /deductCheck handler, and the sandbox's reconciliation against it served by real
servers: the ASGI app under uvicorn and the WSGI app under the standard library's wsgiref,
each on a free loopback port."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Iterator
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import uvicorn

import glorycard
from glorycard.institution import asgi_app, wsgi_app
from test_client import KEY, ORG, SID, Sandbox, deduction, whole

REQUEST = b'{"orgCode":"106607","deductTimeStart":"2026-11-30 00:00:00","deductionTimeEnd":"2026-11-30 23:59:59"}'


def record(deduction_id: str) -> glorycard.DeductCheckRecord:
    d = glorycard.Deduction(
        org_code=ORG, cert_type="0", cert_no="11010519491231002X", cert_name="张三", deduction_id=deduction_id,
        total_fee="10.00", deduction_fee="10.00", deduction_time="2026-11-30 09:15:00", glory_type="1",
        deduction_type="1",
    )
    return glorycard.DeductCheckRecord(deduction=d, status="1")


def answer_of(status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, object]:
    """The answer's JSON after checking that it is signed with the sid's key."""
    assert status == 200
    named = dict(headers)
    assert named["sid"] == SID
    assert glorycard.verify(body, KEY, named["timestamp"], named["sign"])
    parsed: dict[str, object] = json.loads(body)
    return parsed


def test_the_handler_signs_refuses_unauthenticated_calls_and_replays() -> None:
    calls: list[tuple[str, str]] = []

    def ledger(start: str, end: str) -> list[glorycard.DeductCheckRecord]:
        calls.append((start, end))
        return [record("PY-CHECK-1")]

    handler = glorycard.DeductCheckHandler({SID: KEY}, ORG, ledger)
    headers = glorycard.Signer(SID, KEY).sign(REQUEST)
    ok = answer_of(*handler.handle(headers, REQUEST))
    assert ok["responseFlag"] == "1"
    assert [r["deductionID"] for r in ok["data"]] == ["PY-CHECK-1"]  # type: ignore[index, union-attr]
    assert calls == [("2026-11-30 00:00:00", "2026-11-30 23:59:59")]

    replayed = answer_of(*handler.handle(headers, REQUEST))
    assert replayed["responseFlag"] == "0"
    for bad in ({}, glorycard.Signer(SID, "wrong-key").sign(REQUEST), glorycard.Signer("<evil>", KEY).sign(REQUEST)):
        refused = answer_of(*handler.handle(bad, REQUEST, "192.0.2.1"))
        assert refused["responseMessage"] == replayed["responseMessage"]
        assert "evil" not in json.dumps(refused, ensure_ascii=False)
    assert len(calls) == 1, "the source is never asked before authentication"


def test_a_raising_source_is_a_refusal_naming_only_its_class() -> None:
    def broken(start: str, end: str) -> list[glorycard.DeductCheckRecord]:
        raise LookupError("ledger down for 11010519491231002X 张三")

    handler = glorycard.DeductCheckHandler({SID: [KEY]}, ORG, broken, replay=False)
    refused = answer_of(*handler.handle(glorycard.Signer(SID, KEY).sign(REQUEST), REQUEST))
    message = str(refused["responseMessage"])
    assert refused["responseFlag"] == "0" and "LookupError" in message
    assert "11010519491231002X" not in message and "张三" not in message
    with pytest.raises(TypeError):
        glorycard.DeductCheckHandler({}, ORG, broken)
    with pytest.raises(glorycard.InvalidKey):
        glorycard.DeductCheckHandler({SID: ""}, ORG, broken)


def free_socket() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    return listener


@pytest.fixture
def outbox_handler(tmp_path: Path) -> Iterator[tuple[glorycard.Outbox, glorycard.DeductCheckHandler]]:
    outbox = glorycard.Outbox(tmp_path / "outbox.db")
    yield outbox, glorycard.DeductCheckHandler({SID: KEY}, ORG, outbox)


def reconcile_through(url: str, outbox: glorycard.Outbox, tmp_path: Path) -> None:
    """Uploads through the outbox to a sandbox that reconciles against `url`."""
    sandbox = Sandbox(tmp_path, "--institution-url", url)
    try:
        client = sandbox.client()
        holders = whole(client.roster_page(0))
        outbox.enqueue_all([deduction(holders[i], f"PY-RECONCILE-{i}") for i in range(4)])
        assert outbox.drain(client).acknowledged == 4
        result = sandbox.admin("/admin/reconcile")
        assert (result["platformCount"], result["institutionCount"], result["differences"]) == (4, 4, [])
        client.deduct(deduction(holders[5], "PY-NOT-IN-THE-HIS"))
        differences = sandbox.admin("/admin/reconcile")["differences"]
        assert [d["deductionID"] for d in differences] == ["PY-NOT-IN-THE-HIS"]
    finally:
        sandbox.stop()


def test_the_sandbox_reconciles_against_the_asgi_app_under_uvicorn(
    outbox_handler: tuple[glorycard.Outbox, glorycard.DeductCheckHandler], tmp_path: Path
) -> None:
    outbox, handler = outbox_handler
    listener = free_socket()
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi_app(handler), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        reconcile_through(f"http://127.0.0.1:{port}", outbox, tmp_path)
    finally:
        server.should_exit = True
        thread.join(30)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


def test_the_sandbox_reconciles_against_the_wsgi_app_under_wsgiref(
    outbox_handler: tuple[glorycard.Outbox, glorycard.DeductCheckHandler], tmp_path: Path
) -> None:
    outbox, handler = outbox_handler
    server = make_server("127.0.0.1", 0, wsgi_app(handler), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        reconcile_through(f"http://127.0.0.1:{server.server_port}", outbox, tmp_path)
    finally:
        server.shutdown()
        server.server_close()


def test_the_adapters_stop_at_their_body_limit() -> None:
    handler = glorycard.DeductCheckHandler({SID: KEY}, ORG, lambda start, end: [])
    app = wsgi_app(handler, max_body_bytes=1024)

    class Endless:
        served = 0

        def read(self, size: int = -1) -> bytes:
            assert size >= 0, "never read without a bound"
            self.served += size
            return b"x" * size

    body = Endless()
    statuses: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "wsgi.input": body}
    assert list(app(environ, lambda status, headers: statuses.append(status))) == [b"Payload Too Large"]
    assert statuses == ["413 Payload Too Large"] and body.served == 1025
    declared = {"REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(10 * 1024**3), "wsgi.input": Endless()}
    app(declared, lambda status, headers: statuses.append(status))
    assert statuses[-1].startswith("413") and declared["wsgi.input"].served == 0  # type: ignore[attr-defined]
    app({"REQUEST_METHOD": "GET", "wsgi.input": Endless()}, lambda status, headers: statuses.append(status))
    assert statuses[-1].startswith("405")
