"""glorycard.sign against a correct pure-Python implementation, in one run.

Run from the repository root with the wheel installed (bindings-python/test.sh builds
and installs it into target/glorycard-python/venv); --quick shortens the timings:

    target/glorycard-python/venv/bin/python bindings-python/bench/bench.py

Both implementations are first checked to agree on every valid signing vector and on the
two benchmark bodies. Timings are the best of several repeats; a measurement, not a test.
"""

from __future__ import annotations

import argparse
import decimal
import hashlib
import hmac
import json
import sys
import timeit
from pathlib import Path
from typing import Any, Callable, List, Tuple

import glorycard

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
KEY = "4fd6b8105f894d0da964b1e80b07b136"
TS = "20210407155206"

# ---------------------------------------------------------------- pure Python -------

_CONTEXT = decimal.Context(prec=1000, Emax=10**6, Emin=-(10**6))


class Canonical(str):
    """A JSON number already written as its canonical decimal (canonical-form.md §3)."""


def _canonical_int(text: str) -> Canonical:
    return Canonical("0" if text == "-0" else text)


def _canonical_float(text: str) -> Canonical:
    value = decimal.Decimal(text)
    if value.is_zero():
        return Canonical("0")
    return Canonical(format(value.normalize(_CONTEXT), "f"))


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _flatten(value: Any, name: str, out: List[Tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, member in value.items():
            _flatten(member, f"{name}.{key}", out)
    elif isinstance(value, list):
        for index, element in enumerate(value):
            _flatten(element, f"{name}[{index}]", out)
    elif value is True:
        out.append((name, "true"))
    elif value is False:
        out.append((name, "false"))
    elif value is not None and value != "":
        out.append((name, value))


def py_sign(body: bytes, key: str, timestamp: str) -> str:
    """STRINGA by json (numbers kept as text through parse_float/parse_int), recursive
    flatten and sort; then MD5 upper-case hex and HMAC-SHA256, as canonical-form.md says."""
    document = json.loads(
        body,
        parse_float=_canonical_float,
        parse_int=_canonical_int,
        object_pairs_hook=_no_duplicates,
    )
    if not isinstance(document, dict):
        raise ValueError("the top level must be an object")
    pairs: List[Tuple[str, str]] = []
    for name, value in document.items():
        if name != "sign":
            _flatten(value, name, pairs)
    pairs.sort()  # str order is code-point order
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("two paths flatten to one name")
    string_a = "&".join(f"{name}={value}" for name, value in pairs)
    temp = f"{string_a}&key={key}&timestamp={timestamp}"
    md5 = hashlib.md5(temp.encode("utf-8")).hexdigest().upper()
    return hmac.new(key.encode("utf-8"), md5.encode("ascii"), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- bodies ------------

_SURNAMES = "张王李赵陈刘杨黄吴周徐孙"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "小凡", "建国", "秀英"]
_REGIONS = ["331001", "331002", "330102", "110105", "440524", "320106"]
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def roster_page(first: int = 1, count: int = 500) -> bytes:
    """A store/all response page like the core's `synthetic` feature writes: compact JSON,
    500 records with valid GB 11643 resident IDs, names and serial numbers."""
    records = []
    for data_id in range(first, first + count):
        seed = data_id * 2654435761 % 2**32
        first17 = (
            f"{_REGIONS[seed % 6]}{1925 + seed % 80:04d}{1 + seed % 12:02d}"
            f"{1 + seed % 28:02d}{seed % 1000:03d}"
        )
        check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]
        records.append({
            "certType": "0",
            "certNo": first17 + check,
            "certName": _SURNAMES[seed % 12] + _GIVEN[seed % 15],
            "gloryType": "1",
            "gloryID": 10000 + data_id,
            "dataID": data_id,
        })
    page = {"responseFlag": "1", "responseMessage": "成功", "data": records}
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------- run ---------------


def check_agreement(bodies: List[bytes]) -> int:
    """Both implementations give every valid vector's expected sign, and the same sign
    for the benchmark bodies. Returns how many bodies were compared."""
    vectors = json.loads((VECTORS / "signing.json").read_text(encoding="utf-8"))["vectors"]
    compared = 0
    for vector in vectors:
        if "error" in vector["expect"]:
            continue
        body = (
            bytes.fromhex(vector["bodyHex"]) if "bodyHex" in vector else vector["body"].encode()
        )
        expected = vector["expect"]["sign"]
        args = (body, vector["key"], vector["timestamp"])
        assert py_sign(*args) == expected, f"pure Python differs on {vector['name']}"
        assert glorycard.sign(*args) == expected, f"glorycard differs on {vector['name']}"
        compared += 1
    for body in bodies:
        assert py_sign(body, KEY, TS) == glorycard.sign(body, KEY, TS)
        compared += 1
    return compared


def best_seconds(call: Callable[[], Any], budget: float) -> float:
    """The best per-call time over 5 repeats, each at least budget/10 seconds long."""
    number = 1
    while timeit.timeit(call, number=number) < budget / 10:
        number *= 2
    return min(timeit.repeat(call, number=number, repeat=5)) / number


def hashing_only(body: bytes) -> Callable[[], str]:
    """MD5 (upper hex) and HMAC-SHA256 of the precomputed STRINGSignTemp, with hashlib
    (OpenSSL): what any implementation pays after canonicalizing. pure Python / this is
    the largest speed-up a signer could reach even if canonicalizing cost nothing."""
    temp = f"{glorycard.canonicalize(body)}&key={KEY}&timestamp={TS}".encode("utf-8")
    key = KEY.encode("utf-8")

    def run() -> str:
        md5 = hashlib.md5(temp).hexdigest().upper().encode("ascii")
        return hmac.new(key, md5, hashlib.sha256).hexdigest()

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timings (for test.sh)")
    args = parser.parse_args()
    budget = 0.5 if args.quick else 3.0

    spec = (VECTORS / "spec-example.body.json").read_bytes()
    page = roster_page()
    compared = check_agreement([spec, page])
    print(f"agreement: both implementations give the same sign on {compared} bodies")
    print(f"python {sys.version.split()[0]}, glorycard {glorycard.__version__}")
    print(
        f"{'body':<26}{'bytes':>7}{'pure Python':>13}{'glorycard':>11}{'speed-up':>10}"
        f"{'hashing only':>14}{'ceiling':>9}  goal"
    )
    for label, body, goal in (("spec example", spec, 10), ("roster page, 500 records", page, 20)):
        slow = best_seconds(lambda: py_sign(body, KEY, TS), budget)
        fast = best_seconds(lambda: glorycard.sign(body, KEY, TS), budget)
        floor = best_seconds(hashing_only(body), budget)
        ratio = slow / fast
        verdict = "met" if ratio >= goal else "NOT met"
        print(
            f"{label:<26}{len(body):>7}{slow * 1e6:>11.1f}us{fast * 1e6:>9.1f}us{ratio:>9.1f}x"
            f"{floor * 1e6:>12.1f}us{slow / floor:>8.1f}x  >= {goal}x {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
