"""Bodies given as Python values: dict/list with float, Decimal, int, bool, None, str."""

from __future__ import annotations

import decimal
import enum
import json
from collections import OrderedDict
from typing import Any

import pytest

import glorycard
from conftest import SPEC_KEY, SPEC_SIGN, SPEC_TS, VECTORS

KEY, TS = SPEC_KEY, SPEC_TS


def test_spec_example_as_dict_signs_like_its_text() -> None:
    text = (VECTORS / "spec-example.body.json").read_text(encoding="utf-8")
    # json's floats (10.00 -> 10.0) and exact Decimals both reach the document's sign.
    assert glorycard.sign(json.loads(text), KEY, TS) == SPEC_SIGN
    assert glorycard.sign(json.loads(text, parse_float=decimal.Decimal), KEY, TS) == SPEC_SIGN
    assert glorycard.sign(json.loads(text, object_pairs_hook=OrderedDict), KEY, TS) == SPEC_SIGN


# canonical-form.md section 3: floats by their shortest round-trip decimal, then canonical.
@pytest.mark.parametrize(
    "value, expected",
    [
        (10.0, "10"),
        (0.1, "0.1"),
        (10.5, "10.5"),
        (-12.3, "-12.3"),
        (1e21, "1000000000000000000000"),
        (-0.0, "0"),
        (1.5e-3, "0.0015"),
        (0.0001, "0.0001"),
        (123456789.125, "123456789.125"),
    ],
)
def test_float(value: float, expected: str) -> None:
    assert glorycard.canonicalize({"x": value}) == f"x={expected}"


# Decimal from its exact text, canonicalized like a JSON number.
@pytest.mark.parametrize(
    "text, expected",
    [
        ("10.00", "10"),
        ("1E+2", "100"),
        ("-12.30", "-12.3"),
        ("0.000100", "0.0001"),
        ("-0.00", "0"),
        ("1000000000000000000000001", "1000000000000000000000001"),
        ("1.5E-3", "0.0015"),
    ],
)
def test_decimal(text: str, expected: str) -> None:
    assert glorycard.canonicalize({"x": decimal.Decimal(text)}) == f"x={expected}"


@pytest.mark.parametrize("text", ["NaN", "-Infinity", "sNaN"])
def test_decimal_without_json_form(text: str) -> None:
    with pytest.raises(glorycard.InvalidBody) as raised:
        glorycard.canonicalize({"a": [1, {"d": decimal.Decimal(text)}]})
    assert raised.value.code == "invalid_value"
    assert "a[1].d" in str(raised.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_float_without_json_form(value: float) -> None:
    with pytest.raises(glorycard.InvalidBody) as raised:
        glorycard.sign({"detail": {"price": value}}, KEY, TS)
    assert raised.value.code == "invalid_value"
    assert "detail.price" in str(raised.value)


class Color(enum.IntEnum):
    RED = 7


def test_ints_of_any_size_and_bool_before_int() -> None:
    body = {
        "big": 10**30,
        "neg": -(10**25) - 1,
        "i64max": 2**63 - 1,
        "i64min": -(2**63),
        "over": 2**64,
        "t": True,
        "f": False,
        "one": 1,
        "zero": 0,
        "enum": Color.RED,
    }
    assert glorycard.canonicalize(body) == (
        "big=1000000000000000000000000000000&enum=7&f=false&i64max=9223372036854775807"
        "&i64min=-9223372036854775808&neg=-10000000000000000000000001&one=1"
        "&over=18446744073709551616&t=true&zero=0"
    )


def test_none_empty_and_nested_names() -> None:
    body = {
        "a": None,
        "b": "",
        "c": {},
        "d": [],
        "e": ["x", None, {"f": "y"}, ("t0", "t1")],
        "sign": "ignored at the top level",
        "n": {"sign": "kept when nested"},
        "s": 'quote " backslash \\ newline \n tab \t 荣誉 \u0001',
    }
    assert glorycard.canonicalize(body) == (
        "e[0]=x&e[2].f=y&e[3][0]=t0&e[3][1]=t1&n.sign=kept when nested"
        '&s=quote " backslash \\ newline \n tab \t 荣誉 \u0001'
    )


def test_value_bodies_agree_with_the_reference(reference: Any) -> None:
    """Dicts with floats, ints, bools, None and strings sign as the independent reference
    signs json.dumps of the same dict (json writes floats by repr, as the spec says)."""
    bodies = [
        {"dataID": 0, "orgCode": "106607"},
        {"fee": 10.0, "rate": 0.1, "n": -3, "ok": True, "none": None, "tags": ["a", "b"]},
        {"deep": {"deeper": [{"x": 1.25}, {"y": 1e-7}, [2**70]]}, "名字": "张三"},
        {"a": [[], {}, "", 0.0, -0.0, 1e300]},
    ]
    for body in bodies:
        string_a, md5, expected = reference.sign(json.dumps(body).encode(), KEY, TS)
        assert glorycard.canonicalize(body) == string_a
        assert glorycard.explain(body, KEY, TS).md5_upper == md5
        assert glorycard.sign(body, KEY, TS) == expected


def test_dict_body_invalid_per_the_core() -> None:
    with pytest.raises(glorycard.InvalidBody) as raised:
        glorycard.canonicalize(["a list", "is not an object"])
    assert raised.value.code == "not_an_object"
    with pytest.raises(glorycard.InvalidBody) as raised:
        glorycard.canonicalize({"a.b": "1", "a": {"b": "2"}})
    assert raised.value.code == "name_collision"
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(glorycard.InvalidBody) as raised:
        glorycard.canonicalize(loop)
    assert raised.value.code == "too_deep"
    with pytest.raises(glorycard.InvalidBody) as raised:
        glorycard.canonicalize({"n": 10**600})
    assert raised.value.code == "number_out_of_range"


@pytest.mark.parametrize(
    "body, path",
    [
        ({"a": object()}, "a"),
        ({"detail": {"items": [1, 2, {1, 2}]}}, "detail.items[2]"),
        ({"b": b"bytes inside a dict"}, "b"),
        ({"when": __import__("datetime").date(2024, 1, 1)}, "when"),
        ([1, 2j], "[1]"),
    ],
)
def test_unsupported_types_are_type_errors_naming_the_path(body: Any, path: str) -> None:
    with pytest.raises(TypeError) as raised:
        glorycard.sign(body, KEY, TS)
    assert f" at {path} " in str(raised.value)


def test_non_str_keys_are_type_errors() -> None:
    with pytest.raises(TypeError) as raised:
        glorycard.canonicalize({"outer": {1: "x"}})
    assert "key of type int" in str(raised.value) and "outer" in str(raised.value)


def test_unsupported_body_type() -> None:
    for body in (42, 1.5, None, object()):
        with pytest.raises(TypeError):
            glorycard.canonicalize(body)  # type: ignore[arg-type]


def test_bytes_are_signed_as_they_are() -> None:
    # Two spellings of one document: different bytes, same STRINGA, same sign.
    a = b'{"amount":10.00,"id":"7"}'
    b = b'{ "id" : "7", "amount" : 1e1 }'
    assert glorycard.canonicalize(a) == glorycard.canonicalize(b) == "amount=10&id=7"
    assert glorycard.sign(a, KEY, TS) == glorycard.sign(b, KEY, TS)
    # str is signed as its UTF-8 bytes.
    text = '{"name":"张三"}'
    assert glorycard.sign(text, KEY, TS) == glorycard.sign(text.encode(), KEY, TS)


def test_str_with_lone_surrogate() -> None:
    with pytest.raises(glorycard.InvalidBody) as raised:
        glorycard.canonicalize('{"a":"\ud800"}')
    assert raised.value.code == "invalid_utf8"
    assert raised.value.offset == 6
    with pytest.raises(glorycard.InvalidBody) as raised:
        glorycard.canonicalize({"a": "\ud800"})
    assert raised.value.code == "invalid_value"
