"""Many threads at once: the module holds no shared mutable state but the verifier's
replay cache, which must accept a message exactly once."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import glorycard
from conftest import SPEC_KEY, SPEC_SIGN, SPEC_TS, VECTORS

THREADS = 8


def _together(work: Callable[[int], Any]) -> list[Any]:
    """Runs work(i) on 8 threads released at the same instant."""
    barrier = threading.Barrier(THREADS)

    def run(i: int) -> Any:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def _page(first: int, count: int) -> bytes:
    records = [
        {"certType": "0", "certNo": f"33100119{i % 90 + 10}0101{i % 1000:03d}X",
         "certName": "张三", "gloryID": 10000 + i, "gloryType": "1", "dataID": i}
        for i in range(first, first + count)
    ]
    return json.dumps(
        {"responseFlag": "1", "responseMessage": "成功", "data": records},
        ensure_ascii=False, separators=(",", ":"),
    ).encode()


def test_eight_threads_sign_at_once(reference: Any) -> None:
    spec = (VECTORS / "spec-example.body.json").read_bytes()
    # A long body (hashed with the GIL released) per thread, expected from the reference.
    long_bodies = [_page(i * 1000, 400) for i in range(THREADS)]
    assert all(len(b) > 8 * 1024 for b in long_bodies)
    expected = [reference.sign(b, SPEC_KEY, SPEC_TS)[2] for b in long_bodies]
    key = glorycard.SecretKey(SPEC_KEY)  # one key object shared by every thread

    def work(i: int) -> tuple[list[str], list[str]]:
        short = [glorycard.sign(spec, key, SPEC_TS) for _ in range(200)]
        long = [glorycard.sign(long_bodies[i], key, SPEC_TS) for _ in range(20)]
        return short, long

    for i, (short, long) in enumerate(_together(work)):
        assert short == [SPEC_SIGN] * 200
        assert long == [expected[i]] * 20


def test_one_signer_and_one_verifier_shared_by_eight_threads() -> None:
    signer = glorycard.Signer("sid-1", SPEC_KEY)
    verifier = glorycard.Verifier(keys={"sid-1": SPEC_KEY}, now=SPEC_TS, replay=True)
    bodies = [_page(i * 100, 50) for i in range(THREADS)]
    headers = [signer.headers(b, SPEC_TS) for b in bodies]

    # Distinct messages: each is accepted.
    results = _together(lambda i: verifier.verify(headers[i], bodies[i]))
    assert [r.key_index for r in results] == [0] * THREADS

    # One new message presented by every thread at once: accepted exactly once.
    body = _page(99_000, 50)
    same = signer.headers(body, SPEC_TS)

    def present(_: int) -> str:
        try:
            verifier.verify(same, body)
            return "accepted"
        except glorycard.SignatureError as error:
            return error.code

    outcomes = _together(present)
    assert sorted(outcomes) == ["accepted"] + ["replayed"] * (THREADS - 1)


def test_long_bodies_release_the_gil_short_ones_do_not() -> None:
    """With a long switch interval, a spinning thread can only run while the main thread
    has released the GIL: it does during the signing of a long body, not a short one."""
    import sys

    long_body = _page(0, 20_000)  # about 2 MB
    short_body = b'{"dataID":0,"orgCode":"106607"}'
    count = 0
    stop = threading.Event()
    started = threading.Event()

    def spin() -> None:
        nonlocal count
        started.set()
        while not stop.is_set():
            count += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    spinner = threading.Thread(target=spin, daemon=True)
    try:
        spinner.start()
        started.wait()
        before = count
        glorycard.sign(short_body, SPEC_KEY, SPEC_TS)
        after_short = count
        glorycard.sign(long_body, SPEC_KEY, SPEC_TS)
        after_long = count
    finally:
        stop.set()
        sys.setswitchinterval(interval)
        spinner.join()
    assert after_short == before, "the GIL was released for a short body"
    assert after_long > after_short, "the GIL was held while signing a long body"
