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
    headers = [signer.sign(b, SPEC_TS) for b in bodies]

    # Distinct messages: each is accepted.
    results = _together(lambda i: verifier.verify_headers(headers[i], bodies[i]))
    assert [r.key_index for r in results] == [0] * THREADS

    # One new message presented by every thread at once: accepted exactly once.
    body = _page(99_000, 50)
    same = signer.sign(body, SPEC_TS)

    def present(_: int) -> str:
        try:
            verifier.verify_headers(same, body)
            return "accepted"
        except glorycard.SignatureError as error:
            return error.code

    outcomes = _together(present)
    assert sorted(outcomes) == ["accepted"] + ["replayed"] * (THREADS - 1)


def test_signing_a_long_body_releases_the_gil(reference: Any) -> None:
    """A helper thread can only run while this thread lets go of the GIL.

    The switch interval is raised to 1000 s, so the interpreter never takes the GIL from
    this thread by force during the test (a waiting thread asks for it only after a
    whole interval), and cyclic GC is off, so no finalizer can block and release it
    either. The loop below does nothing but call `glorycard.sign` on a long body (and
    read a clock and a counter, which never release the GIL). The helper, waiting for
    the GIL, can therefore only bump the counter if a `sign` call released it: if none
    did, the counter cannot move and the test fails when the 60 s cap runs out. No
    timing is asserted: however slowly the OS schedules the helper, the loop only takes
    more turns. The helper gives the GIL back on every turn (a blocking wait), so this
    thread is never kept waiting for it for long."""
    import gc
    import sys
    import time

    long_body = _page(0, 20_000)  # about 2 MB: one call keeps the GIL released for ms
    expected = reference.sign(long_body, SPEC_KEY, SPEC_TS)[2]
    count = 0
    stop = threading.Event()
    started = threading.Event()

    def helper() -> None:
        nonlocal count
        started.set()
        while not stop.is_set():
            count += 1
            stop.wait(0.001)  # blocks with the GIL released

    interval = sys.getswitchinterval()
    gc_was_enabled = gc.isenabled()
    thread = threading.Thread(target=helper, daemon=True)
    signs: list[str] = []
    try:
        thread.start()
        started.wait()
        gc.collect()
        gc.disable()
        sys.setswitchinterval(1000.0)
        # Let go of the GIL once, so that a thread already waiting for it with the old
        # 5 ms interval wakes up, and waits again with the new one from now on.
        time.sleep(0.05)
        # From here on this thread releases the GIL only inside glorycard.sign.
        before = count
        deadline = time.monotonic() + 60.0
        while count == before and time.monotonic() < deadline:
            signs.append(glorycard.sign(long_body, SPEC_KEY, SPEC_TS))
        moved = count != before
    finally:
        sys.setswitchinterval(interval)
        if gc_was_enabled:
            gc.enable()
        stop.set()
        thread.join()
    assert moved, f"the GIL was held through {len(signs)} signings of a 2 MB body"
    assert signs and set(signs) == {expected}
