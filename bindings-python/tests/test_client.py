"""The client, outbox and replica against the project's sandbox platform.

The sandbox is the CLI's ``glorycard sandbox`` (the binary named by ``GLORYCARD_CLI``,
which test.sh builds), started on a free loopback port with its own certificate and
stopped after.
"""

from __future__ import annotations

import json
import logging
import os
import re
import ssl
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

import glorycard

SID = "py-sandbox-sid"
KEY = "py-sandbox-key-4fd6b8105f894d0d"
ORG = "106607"
HOLDERS = 1200


class Sandbox:
    def __init__(self, tmp: Path, *extra: str) -> None:
        cli = os.environ.get("GLORYCARD_CLI")
        if not cli or not os.access(cli, os.X_OK):
            raise RuntimeError("GLORYCARD_CLI must name the glorycard binary (bindings-python/test.sh sets it)")
        self.pem = tmp / "sandbox.pem"
        self.process = subprocess.Popen(
            [cli, "sandbox", "--listen", "127.0.0.1:0", "--sid", SID, "--org-code", ORG,
             "--holders", str(HOLDERS), "--masked-every", "7", "--cert-out", str(self.pem), *extra],
            env={**os.environ, "GLORYCARD_KEY": KEY},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        found: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                match = re.search(r"listening on (https://\S+)", line)
                if match and not found:
                    found.append(match.group(1))
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(30):
            self.process.kill()
            raise RuntimeError("the sandbox did not start within 30 s")
        self.url = found[0]
        self.ca = self.pem.read_bytes()

    def client(self, **options: Any) -> glorycard.Client:
        settings: dict[str, Any] = {"sid": SID, "key": KEY, "org_code": ORG, "ca_cert": self.ca}
        settings.update(options)
        return glorycard.Client(self.url, **settings)

    def admin(self, path: str) -> Any:
        context = ssl.create_default_context(cadata=self.ca.decode())
        with urllib.request.urlopen(self.url + path, context=context, timeout=60) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = Sandbox(tmp_path)
    yield running
    running.stop()


def deduction(holder: glorycard.RosterRecord, deduction_id: str) -> glorycard.Deduction:
    return glorycard.Deduction(
        org_code=ORG, cert_type=holder.cert_type, cert_no=holder.cert_no, cert_name=holder.cert_name,
        deduction_id=deduction_id, total_fee="12.00", deduction_fee="12.00",
        deduction_time="2026-11-30 09:15:00", glory_type=holder.glory_type, deduction_type="0",
    )


def whole(page: list[glorycard.RosterRecord]) -> list[glorycard.RosterRecord]:
    """The holders the sandbox serves with their whole number (it masks every 7th)."""
    return [holder for holder in page if "*" not in holder.cert_no]


def test_pages_deducts_cancels_and_is_refused(sandbox: Sandbox) -> None:
    with sandbox.client() as client:
        first = client.roster_page(0)
        assert len(first) == 500 and first[0].data_id == 1
        pages = list(client.roster_updates(0))
        assert [len(page) for page in pages] == [500, 500, HOLDERS - 1000]
        assert first[0].cert_no not in repr(first[0])

        ack = client.deduct(deduction(whole(first)[0], "PY-D-1"))
        assert ack.response_flag == "1"
        cancel = glorycard.Cancellation(org_code=ORG, deduction_id="PY-D-1", cancel_time="2026-11-30 10:00:00")
        assert client.cancel(cancel).response_flag == "1"

        never = glorycard.Cancellation(org_code=ORG, deduction_id="PY-NEVER", cancel_time="2026-11-30 10:00:00")
        with pytest.raises(glorycard.PlatformRejected) as refused:
            client.cancel(never)
        assert refused.value.code == "platform_rejected"
        assert refused.value.retryable is False
        assert refused.value.platform_message

        stats = sandbox.admin("/admin/stats")
        assert (stats["deductions"], stats["cancelled"]) == (1, 1)
    with pytest.raises(glorycard.ConfigError):
        client.roster_page(0)


def test_a_wrong_key_is_untrusted_and_an_invalid_record_is_never_sent(sandbox: Sandbox) -> None:
    client = sandbox.client()
    holder = whole(client.roster_page(0))[0]
    wrong = sandbox.client(key="not-the-key", retry=1)
    with pytest.raises(glorycard.UntrustedResponse) as untrusted:
        wrong.deduct(deduction(holder, "PY-WRONG-KEY"))
    assert untrusted.value.code == "signature_mismatch"
    assert untrusted.value.retryable is True
    assert "not-the-key" not in str(untrusted.value) and "not-the-key" not in repr(wrong)

    invalid = deduction(holder, "PY-INVALID")
    invalid.deduction_fee = "99.00"
    with pytest.raises(glorycard.ValidationError) as refused:
        client.deduct(invalid)
    assert refused.value.field == "deductionFee"
    assert sandbox.admin("/admin/stats")["deductions"] == 0
    with pytest.raises(glorycard.ConfigError):
        glorycard.Client("http://example.org/", sid="s", key="k", org_code="1")


def test_many_threads_share_one_client(sandbox: Sandbox) -> None:
    client = sandbox.client()
    holders = whole(client.roster_page(0))
    errors: list[BaseException] = []

    def upload(worker: int) -> None:
        try:
            for n in range(20):
                client.deduct(deduction(holders[(worker + n) % len(holders)], f"PY-T{worker}-{n}"))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(worker,)) for worker in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sandbox.admin("/admin/stats")["deductions"] == 16 * 20


def test_an_outbox_filled_offline_drains_through_faults_each_deduction_once(tmp_path: Path) -> None:
    (tmp_path / "roster").mkdir()
    roster = Sandbox(tmp_path / "roster")
    try:
        holders = whole(roster.client().roster_page(0))
    finally:
        roster.stop()
    items: list[glorycard.Deduction | glorycard.Cancellation] = [
        deduction(holders[i], f"PY-OUTBOX-{i}") for i in range(30)
    ]
    items += [
        glorycard.Cancellation(org_code=ORG, deduction_id=f"PY-OUTBOX-{i}", cancel_time="2026-11-30 10:00:00")
        for i in range(0, 30, 3)
    ]
    path = tmp_path / "outbox.db"
    outbox = glorycard.Outbox(path)
    enqueued = outbox.enqueue_all(items)
    assert len(enqueued) == 40 and enqueued[0].newly_added
    assert not outbox.enqueue(items[0]).newly_added
    assert outbox.status().pending == 40

    offline = glorycard.Client("https://127.0.0.1:9/", sid=SID, key=KEY, org_code=ORG, retry=1, connect_timeout=1.0)
    gave_up = outbox.drain(offline, concurrency=4, patience=2.0)
    assert gave_up.gave_up and gave_up.pending == 40
    assert gave_up.last_failure is not None and gave_up.last_failure.startswith("connect")
    del outbox

    faulty = Sandbox(tmp_path, "--fail-rate", "0.2", "--drop-rate", "0.1", "--seed", "11")
    try:
        client = faulty.client(retry=3)
        report = glorycard.Outbox(path).drain(client, concurrency=8, patience=60.0)
        assert (report.acknowledged, report.pending, report.gave_up) == (40, 0, False)
        held = faulty.admin("/admin/deductions")
        ids = [record["deductionID"] for record in held]
        assert len(ids) == len(set(ids)) == 30
        assert sum(record["status"] == "0" for record in held) == 10
        stats = faulty.admin("/admin/stats")
        assert stats["injected_failures"] + stats["injected_drops"] > 0
    finally:
        faulty.stop()


def test_stop_draining_finishes_the_calls_in_flight_and_frees_the_outbox(tmp_path: Path) -> None:
    """A service shutting down: stop_draining from another thread while calls are in
    flight against a slow platform. The drain returns without giving up, every call that
    went out is recorded as acknowledged, and a new handle drains the rest at once."""
    slow = Sandbox(tmp_path, "--latency-ms", "500")
    try:
        client = slow.client()
        holders = whole(client.roster_page(0))
        path = tmp_path / "outbox.db"
        outbox = glorycard.Outbox(path)
        outbox.enqueue_all([deduction(holders[i % len(holders)], f"PY-STOP-{i}") for i in range(40)])
        reports: list[glorycard.DrainReport] = []
        drainer = threading.Thread(target=lambda: reports.append(outbox.drain(client, concurrency=4)))
        drainer.start()
        while slow.admin("/admin/stats")["requests"] < 2:
            time.sleep(0.01)
        outbox.stop_draining()
        drainer.join(60)
        assert not drainer.is_alive()
        report = reports[0]
        held = slow.admin("/admin/stats")["deductions"]
        assert not report.gave_up
        assert 0 < held < 40
        assert (report.acknowledged, report.pending) == (held, 40 - held)
        assert outbox.drain(client).acknowledged == 0
        rest = glorycard.Outbox(path).drain(client, concurrency=8)
        assert (rest.acknowledged, rest.pending) == (40 - held, 0)
    finally:
        slow.stop()


def test_a_replica_syncs_and_finds_holders(sandbox: Sandbox, tmp_path: Path) -> None:
    client = sandbox.client()
    replica = glorycard.Replica(tmp_path / "roster.db")
    seen: list[int] = []
    done = replica.sync(client, progress=lambda step: seen.append(step.records))
    assert (done.pages, done.records) == (3, HOLDERS)
    assert seen == [500, 1000, HOLDERS]
    assert len(replica) == HOLDERS and replica.checkpoint() == HOLDERS
    assert replica.sync(client).records == 0

    holder = whole(client.roster_page(0))[0]
    found = replica.lookup(holder.cert_type, holder.cert_no, holder.cert_name)
    assert len(found) == 1 and found[0].kind == glorycard.MatchKind.EXACT
    assert found[0].record == holder
    assert replica.lookup("0", "110105194912310000") == []

    def fails(_: glorycard.SyncProgress) -> None:
        raise KeyError("from the callback")

    with pytest.raises(KeyError):
        glorycard.Replica(tmp_path / "other.db").sync(client, progress=fails)
    assert len(glorycard.Replica(tmp_path / "other.db")) == HOLDERS, "the pages stay applied"


def test_the_native_log_reaches_python_logging_without_personal_data(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="glorycard")
    client = sandbox.client()
    holder = whole(client.roster_page(0))[0]
    client.deduct(deduction(holder, "PY-LOGGED"))
    lines = [(r.name, r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith("glorycard.")]
    finished = [line for line in lines if "call finished" in line[2] and "/store/deduct" in line[2]]
    assert finished, lines
    assert finished[0][:2] == ("glorycard.glorycard_client.client", "INFO")
    assert "attempt=1" in finished[0][2] and "latency_ms=" in finished[0][2]
    for _, _, message in lines:
        assert holder.cert_no not in message and holder.cert_name not in message and KEY not in message


def test_httpx_auth_signs_what_httpx_sends_sync_and_async(sandbox: Sandbox) -> None:
    import asyncio

    import httpx

    context = ssl.create_default_context(cadata=sandbox.ca.decode())
    body = {"dataID": 0, "orgCode": ORG}
    auth = glorycard.HttpxAuth(glorycard.Signer(SID, KEY))
    answer = httpx.post(sandbox.url + "/glorycard/store/all", json=body, auth=auth, verify=context)
    assert answer.json()["responseFlag"] == "1" and len(answer.json()["data"]) == 500
    wrong = httpx.post(sandbox.url + "/glorycard/store/all", json=body, auth=glorycard.HttpxAuth(glorycard.Signer(SID, "x")), verify=context)
    assert wrong.json()["responseFlag"] == "0"
    assert "key=***" in repr(auth) and KEY not in repr(auth)

    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient(verify=context) as client:
            reply = await client.post(sandbox.url + "/glorycard/store/all", content=b'{"dataID":500,"orgCode":"106607"}', auth=auth)
            result: dict[str, Any] = reply.json()
            return result

    assert len(asyncio.run(fetch())["data"]) == 500


def test_a_replica_sync_killed_with_sigkill_resumes_to_the_whole_roster(sandbox: Sandbox, tmp_path: Path) -> None:
    import signal
    import sys

    path = tmp_path / "roster.db"
    script = (
        "import sys, glorycard\n"
        "client = glorycard.Client(sys.argv[1], sid=sys.argv[2], key=sys.argv[3], org_code=sys.argv[4],\n"
        "                          ca_cert=open(sys.argv[5], 'rb').read())\n"
        "def step(progress):\n"
        "    print(progress.records, flush=True)\n"
        "    if progress.pages == 1:\n"
        "        import time; time.sleep(60)\n"
        "glorycard.Replica(sys.argv[6]).sync(client, progress=step)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, sandbox.url, SID, KEY, ORG, str(sandbox.pem), str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "500", "the first page was applied"
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    assert child.returncode == -signal.SIGKILL

    replica = glorycard.Replica(path)
    assert replica.checkpoint() == 500 and len(replica) == 500
    # One client for what follows: it never sends identical headers twice in one second
    # (the platform would refuse the second as a replay); two clients would not know.
    client = sandbox.client()
    done = replica.sync(client)
    assert done.records == HOLDERS - 500
    assert len(replica) == HOLDERS and replica.checkpoint() == HOLDERS
    for page in client.roster_updates(0):
        for holder in whole(page)[:3]:
            assert [m.record for m in replica.lookup(holder.cert_type, holder.cert_no)] == [holder]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of this test's own on the server GLORYCARD_TEST_DATABASE_URL names
    (tests/postgres.sh starts a throwaway one; the test command runs every suite under it),
    dropped after."""
    server = os.environ.get("GLORYCARD_TEST_DATABASE_URL")
    if not server:
        raise RuntimeError(
            "GLORYCARD_TEST_DATABASE_URL is not set: run `bash tests/postgres.sh run bash bindings-python/test.sh`"
        )
    name = f"gc_py_{os.getpid()}_{threading.get_ident() % 100000}"
    subprocess.run(["psql", server, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {name}"], check=True)
    base, _, _ = server.rpartition("/")
    yield f"{base}/{name}"
    subprocess.run(["psql", server, "-X", "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


def test_an_outbox_and_a_replica_on_postgres_are_shared_by_two_handles(
    sandbox: Sandbox, postgres_url: str
) -> None:
    """Two handles stand for two nodes: what one enqueued the other drains alongside it,
    each deduction reaching the platform once; one syncs the replica, the other looks up."""
    client = sandbox.client()
    holders = whole(client.roster_page(0))
    node_a, node_b = glorycard.Outbox(postgres_url), glorycard.Outbox(postgres_url)
    node_a.enqueue_all([deduction(holders[i], f"PY-PG-{i}") for i in range(40)])
    node_b.enqueue(glorycard.Cancellation(org_code=ORG, deduction_id="PY-PG-0", cancel_time="2026-11-30 10:00:00"))
    assert node_b.status().pending == 41
    reports: list[glorycard.DrainReport] = []
    drainers = [
        threading.Thread(target=lambda node=node: reports.append(node.drain(client, concurrency=4)))
        for node in (node_a, node_b)
    ]
    for drainer in drainers:
        drainer.start()
    for drainer in drainers:
        drainer.join(120)
    assert sum(report.acknowledged for report in reports) == 41 and len(reports) == 2
    held = sandbox.admin("/admin/deductions")
    ids = [record["deductionID"] for record in held]
    assert len(ids) == len(set(ids)) == 40
    assert [record["status"] for record in held if record["deductionID"] == "PY-PG-0"] == ["0"]
    records = node_b.deductions_between(ORG, "2026-11-30 00:00:00", "2026-11-30 23:59:59")
    assert len(records) == 40

    done = glorycard.Replica(postgres_url).sync(client)
    assert done.records == HOLDERS
    other = glorycard.Replica(postgres_url)
    assert len(other) == HOLDERS and other.checkpoint() == HOLDERS
    found = other.lookup(holders[0].cert_type, holders[0].cert_no, holders[0].cert_name)
    assert [match.record for match in found] == [holders[0]]
    password = postgres_url.split("@")[0].split(":")[-1]
    user_host = postgres_url.replace(":" + password + "@", "@")
    assert repr(other) == f'Replica("{user_host}")' and password not in repr(other)
    assert repr(node_a) == f'Outbox("{user_host}")'
