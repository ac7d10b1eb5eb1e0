"""A requests example against a tiny local HTTP server that verifies with Verifier, and
a client verifying the server's signed response."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest
import requests

import glorycard

PLATFORM_SID, PLATFORM_KEY = "47258258201708031835123456", "4fd6b8105f894d0da964b1e80b07b136"
INSTITUTION_SID, INSTITUTION_KEY = "institution-106607", "institution-secret"


class DeductCheckHandler(BaseHTTPRequestHandler):
    """An institution's deductCheck endpoint: verifies the platform's call, answers signed."""

    verifier: glorycard.Verifier  # one per server: see the fixture
    signer = glorycard.Signer(INSTITUTION_SID, INSTITUTION_KEY)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            verified = self.verifier.verify_headers(self.headers, body)  # http.server's headers as-is
            request = glorycard.DeductCheckRequest.from_json(body)
            request.validate()
        except glorycard.GlorycardError as error:
            self._answer(401, {"responseFlag": "0", "responseMessage": error.code})
            return
        self._answer(200, {
            "responseFlag": "1",
            "responseMessage": f"{verified.sid} {request.org_code}",
            "data": [],
        })

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.signer.sign(body).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    # A fresh replay cache per server: equivalent bodies signed in the same second have
    # the same sign (it covers STRINGA, not the spelling), so tests must not share one.
    handler = type(
        "Handler",
        (DeductCheckHandler,),
        {"verifier": glorycard.Verifier(keys={PLATFORM_SID: PLATFORM_KEY}, max_skew_seconds=300, replay=True)},
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/deductCheck"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _request() -> bytes:
    return glorycard.DeductCheckRequest(
        org_code="106607", deduct_time_start="2024-03-01 00:00:00",
        deduction_time_end="2024-03-01 23:59:59",
    ).to_json()


# The platform's side: it verifies the institution's signed answers.
response_verifier = glorycard.Verifier(keys={INSTITUTION_SID: INSTITUTION_KEY}, replay=False)


def test_signed_request_is_verified_and_answered(server: str) -> None:
    body = _request()
    headers = glorycard.Signer(PLATFORM_SID, PLATFORM_KEY).sign(body)
    response = requests.post(server, data=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["responseMessage"] == f"{PLATFORM_SID} 106607"
    verified = response_verifier.verify_headers(response.headers, response.content)
    assert verified.sid == INSTITUTION_SID


def test_signer_auth_with_requests_json(server: str) -> None:
    auth = glorycard.SignerAuth(glorycard.Signer(PLATFORM_SID, PLATFORM_KEY))
    payload = json.loads(_request())
    response = requests.post(server, json=payload, auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    assert response_verifier.verify_headers(response.headers, response.content)


def test_tampered_replayed_and_unsigned_requests_are_refused(server: str) -> None:
    body = _request()
    signer = glorycard.Signer(PLATFORM_SID, PLATFORM_KEY)
    headers = signer.sign(body)
    tampered = body.replace(b"106607", b"106608")
    response = requests.post(server, data=tampered, headers=headers, timeout=10)
    assert (response.status_code, response.json()["responseMessage"]) == (401, "signature_mismatch")

    assert requests.post(server, data=body, headers=headers, timeout=10).status_code == 200
    again = requests.post(server, data=body, headers=headers, timeout=10)
    assert (again.status_code, again.json()["responseMessage"]) == (401, "replayed")

    unsigned = requests.post(server, data=body, timeout=10)
    assert (unsigned.status_code, unsigned.json()["responseMessage"]) == (401, "missing_header")

    wrong_key = glorycard.Signer(PLATFORM_SID, "not-the-key").sign(body)
    refused = requests.post(server, data=body, headers=wrong_key, timeout=10)
    assert refused.json()["responseMessage"] == "signature_mismatch"
    # Every answer, refusals included, is signed by the institution.
    assert response_verifier.verify_headers(refused.headers, refused.content)


def test_a_repeated_sign_header_on_the_wire_is_refused(server: str) -> None:
    """http.server keeps both occurrences of a header sent twice; the verifier must see
    both and refuse, whichever of the two is the right one."""
    import http.client
    from urllib.parse import urlsplit

    body = _request()
    headers = glorycard.Signer(PLATFORM_SID, PLATFORM_KEY).sign(body)
    url = urlsplit(server)
    assert url.hostname is not None
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest("POST", url.path)
        connection.putheader("Content-Length", str(len(body)))
        connection.putheader("sid", headers["sid"])
        connection.putheader("timestamp", headers["timestamp"])
        connection.putheader("sign", "0" * 64)
        connection.putheader("sign", headers["sign"])
        connection.endheaders(body)
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert (response.status, answer["responseMessage"]) == (401, "duplicate_header")
