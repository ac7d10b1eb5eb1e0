"""The Python client against a running sandbox (bench/client.sh starts it): deduct calls/s
from the sync client on 16 threads, from the asyncio client with 16 in flight, and from
what a developer would write by hand (requests + the existing Signer, re-signing each
retry) on 16 threads. Arguments: url, CA PEM file, deductions per measurement. A
measurement, not a test."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from typing import Callable

import glorycard

SID = "47258258201708031835123456"
KEY = "4fd6b8105f894d0da964b1e80b07b136"
ORG = "106607"


def deduction(deduction_id: str) -> glorycard.Deduction:
    return glorycard.Deduction(
        org_code=ORG, cert_type="0", cert_no="11010519491231002X", cert_name="王小凡", deduction_id=deduction_id,
        total_fee="30.00", deduction_fee="30.00", deduction_time="2026-11-26 09:30:00", glory_type="1",
        deduction_type="0",
    )


def on_16_threads(count: int, work: Callable[[int, int], None]) -> float:
    """Calls/s of ``work(worker, n)`` for ``count // 16`` calls on each of 16 threads."""
    per_thread = count // 16

    def run(worker: int) -> None:
        for n in range(per_thread):
            work(worker, n)

    started = time.perf_counter()
    pool = [threading.Thread(target=run, args=(w,)) for w in range(16)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return per_thread * 16 / (time.perf_counter() - started)


def threads(client: glorycard.Client, prefix: str, count: int) -> float:
    def work(worker: int, n: int) -> None:
        client.deduct(deduction(f"{prefix}{worker}-{n}"))

    return on_16_threads(count, work)


async def in_flight(client: glorycard.AsyncClient, prefix: str, count: int) -> float:
    limit = asyncio.Semaphore(16)

    async def one(n: int) -> None:
        async with limit:
            await client.deduct(deduction(f"{prefix}-{n}"))

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return count / (time.perf_counter() - started)


def by_hand(url: str, ca_file: str, prefix: str, count: int) -> float:
    """requests + Signer: serialize, sign, POST, verify the answer; retry a failure with a
    fresh signature (never the same headers twice), as the document requires."""
    import requests

    signer = glorycard.Signer(SID, KEY)
    # Answers of one second can be identical (same body, same sign): no replay check on them.
    verifier = glorycard.Verifier({SID: KEY}, replay=False)
    local = threading.local()

    def call(d: glorycard.Deduction) -> None:
        body = d.to_json()
        for attempt in range(3):
            try:
                answer = local.session.post(
                    url + "/glorycard/store/deduct", data=body, headers=signer.sign(body), verify=ca_file, timeout=30
                )
                verifier.verify_headers(answer.headers, answer.content)
                if answer.json()["responseFlag"] != "1":
                    raise RuntimeError(answer.json()["responseMessage"])
                return
            except requests.RequestException:
                if attempt == 2:
                    raise

    def work(worker: int, n: int) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        call(deduction(f"{prefix}{worker}-{n}"))

    return on_16_threads(count, work)


def main() -> None:
    url, ca_file, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ca = open(ca_file, "rb").read()
    run = str(int(time.time() * 1000) % 100_000_000)
    options = {"sid": SID, "key": KEY, "org_code": ORG, "ca_cert": ca, "retry": 1}
    with glorycard.Client(url, **options) as client:
        threads(client, "PW" + run, 400)
        print(f"python deduct, sync client, 16 threads: {threads(client, 'PS' + run, count):.0f} calls/s")

    async def run_async() -> float:
        async with glorycard.AsyncClient(url, **options) as client:
            await in_flight(client, "PV" + run, 400)
            return await in_flight(client, "PA" + run, count)

    print(f"python deduct, asyncio client, 16 in flight: {asyncio.run(run_async()):.0f} calls/s")
    print(f"python deduct, by hand (requests + Signer), 16 threads: {by_hand(url, ca_file, 'PH' + run, count):.0f} calls/s")


if __name__ == "__main__":
    main()
