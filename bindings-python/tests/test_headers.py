"""The shapes `Verifier.verify` accepts for headers: a mapping, an object with items()
(http.server's email.message.Message), or (name, value) pairs; and a sid, timestamp or
sign given twice is refused with `duplicate_header`, never resolved by picking one."""

from __future__ import annotations

import email.message
import types
from typing import Any, Iterator

import pytest
from requests.structures import CaseInsensitiveDict

import glorycard
from conftest import body_of, load

# A valid message from the verification vectors (signed with the sid's second key).
VECTOR = next(v for v in load("verification") if v["name"] == "headers-other-headers-ignored")
BODY = body_of(VECTOR)
HEADERS: dict[str, str] = VECTOR["verify"]["headers"]
SID, TS, SIGN = HEADERS["sid"], HEADERS["timestamp"], HEADERS["sign"]
OTHER_SIGN = "0" * 64


def _verifier() -> glorycard.Verifier:
    v = VECTOR["verify"]
    return glorycard.Verifier(keys=v["keys"], max_skew_seconds=v["maxSkewSeconds"], replay=False, now=v["now"])


def _message(pairs: list[tuple[str, str]]) -> email.message.Message:
    message = email.message.Message()
    for name, value in pairs:
        message[name] = value  # appends: a repeated name is kept twice, as http.server does
    return message


def _pairs() -> Iterator[tuple[str, str]]:
    yield "Content-Type", "application/json"
    yield "Sid", SID
    yield "TIMESTAMP", TS
    yield "sign", SIGN


VALID_SHAPES: dict[str, Any] = {
    "dict": lambda: dict(HEADERS),
    "mapping proxy": lambda: types.MappingProxyType(dict(HEADERS)),
    "requests CaseInsensitiveDict": lambda: CaseInsensitiveDict(HEADERS),
    "email.message.Message": lambda: _message(list(_pairs())),
    "list of tuples": lambda: list(_pairs()),
    "list of 2-item lists": lambda: [list(pair) for pair in _pairs()],
    "generator of pairs": _pairs,
    "an unrelated header repeated": lambda: list(_pairs()) + [("content-type", "text/plain")],
}


@pytest.mark.parametrize("shape", sorted(VALID_SHAPES))
def test_header_shapes_are_accepted(shape: str) -> None:
    verified = _verifier().verify_headers(VALID_SHAPES[shape](), BODY)
    assert (verified.sid, verified.timestamp, verified.key_index) == (
        SID, TS, VECTOR["expect"]["keyIndex"]
    )


DUPLICATES: dict[str, tuple[str, Any]] = {
    # Names differing only in case: the same header for HTTP.
    "dict, same value": ("sign", lambda: {**HEADERS, "SIGN": SIGN}),
    "dict, sid twice": ("sid", lambda: {**HEADERS, "SID": "sid-2"}),
    "pairs, other value": ("sign", lambda: list(_pairs()) + [("sign", OTHER_SIGN)]),
    "pairs, the valid one second": (
        "sign", lambda: [("sign", OTHER_SIGN)] + list(_pairs())
    ),
    "pairs, timestamp twice": ("timestamp", lambda: list(_pairs()) + [("Timestamp", TS)]),
    "email.message.Message": (
        "sign", lambda: _message(list(_pairs()) + [("Sign", SIGN)])
    ),
}


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_repeated_signature_header_is_refused(case: str) -> None:
    name, headers = DUPLICATES[case]
    with pytest.raises(glorycard.SignatureError) as raised:
        _verifier().verify_headers(headers(), BODY)
    assert raised.value.code == "duplicate_header"
    assert f'"{name}"' in str(raised.value)  # the core's message names the header


def test_a_requests_case_insensitive_dict_cannot_hold_a_duplicate() -> None:
    # requests merges names differing in case, so the last value is the one it sends:
    # nothing ambiguous reaches the verifier.
    headers = CaseInsensitiveDict(HEADERS)
    headers["SIGN"] = SIGN
    assert _verifier().verify_headers(headers, BODY)


@pytest.mark.parametrize(
    "headers, message",
    [
        (42, "mapping or an iterable"),
        ("sid", "mapping or an iterable"),
        (b"sid", "mapping or an iterable"),
        ([("sid", SID, "x")], "entry 0"),
        ([("sid", SID), "sign"], "entry 1"),
        ([(b"sid", SID)], "name"),
        ({"sid": SID, "timestamp": 20210407155206, "sign": SIGN}, "'timestamp'"),
    ],
)
def test_malformed_headers_raise_type_error(headers: Any, message: str) -> None:
    with pytest.raises(TypeError) as raised:
        _verifier().verify_headers(headers, BODY)
    assert message in str(raised.value).replace('"', "'")


def test_repeated_sign_through_urllib3_and_requests() -> None:
    """A response carrying `sign` twice: urllib3's header dict (`response.raw.headers` in
    requests) yields each occurrence, so the verifier says `duplicate_header`; requests'
    own `response.headers` has joined them into one value `"S1, S2"`, which is refused
    too, as a malformed sign."""
    from urllib3 import HTTPHeaderDict

    raw = HTTPHeaderDict()
    for name, value in list(_pairs()) + [("Sign", OTHER_SIGN)]:
        raw.add(name, value)
    with pytest.raises(glorycard.SignatureError) as raised:
        _verifier().verify_headers(raw, BODY)
    assert raised.value.code == "duplicate_header"

    joined = CaseInsensitiveDict(raw)
    assert joined["sign"] == f"{SIGN}, {OTHER_SIGN}"
    with pytest.raises(glorycard.SignatureError) as raised:
        _verifier().verify_headers(joined, BODY)
    assert raised.value.code == "invalid_signature_format"
