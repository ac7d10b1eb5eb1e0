"""Shared helpers: the conformance vectors and the independent Python reference."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

import glorycard

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"
SPEC_KEY = "4fd6b8105f894d0da964b1e80b07b136"
SPEC_TS = "20210407155206"
SPEC_SIGN = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c"

# The exception class each stable code must arrive as (issue 4: one class per family),
# from the native module's own mapping of a code to its family's class.
CODE_CLASS = {code: glorycard.error_class(code) for code in glorycard.ERROR_CODES}


def load(name: str) -> list[dict[str, Any]]:
    """The vectors of tests/vectors/<name>.json."""
    with open(VECTORS / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)["vectors"]


def body_of(vector: dict[str, Any]) -> bytes:
    """A vector's exact body bytes (body text, or bodyHex for bytes that are not UTF-8)."""
    if "bodyHex" in vector:
        return bytes.fromhex(vector["bodyHex"])
    return vector["body"].encode("utf-8")


def vector_id(vector: dict[str, Any]) -> str:
    """The vector's name, as the pytest id."""
    return vector["name"]


@pytest.fixture(scope="session")
def reference() -> Any:
    """tests/vectors/reference.py: the standard-library implementation written from the
    spec, sharing no code with the Rust core."""
    spec = importlib.util.spec_from_file_location("glorycard_reference", VECTORS / "reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
