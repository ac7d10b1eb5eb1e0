"""A process that used the AsyncClient exits cleanly: the runtime's threads, still
waking coroutines or logging as the interpreter finalizes, must not abort it (CPython
ends a thread that asks for the GIL then, which aborted the process in 6 runs of 10)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from test_client import HOLDERS, KEY, ORG, SID, Sandbox, sandbox, whole  # noqa: F401 - the fixture

SCRIPT = textwrap.dedent(
    """
    import asyncio, logging, sys
    import glorycard

    url, ca, run = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3]
    # A page of its own per run: the same request signed in the same second is a replay.
    holders = [h for h in glorycard.Client(url, sid=SID, key=KEY, org_code=ORG, ca_cert=ca).roster_page(int(run))
               if "*" not in h.cert_no][:20]
    # The runtime's threads log too: every record crosses into Python.
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)

    async def main():
        async with glorycard.AsyncClient(url, sid=SID, key=KEY, org_code=ORG, ca_cert=ca) as client:
            await asyncio.gather(*(client.deduct(glorycard.Deduction(
                org_code=ORG, cert_type=h.cert_type, cert_no=h.cert_no, cert_name=h.cert_name,
                deduction_id=f"PY-EXIT-{run}-{n}", total_fee="1.00", deduction_fee="1.00",
                deduction_time="2026-11-30 09:15:00", glory_type=h.glory_type, deduction_type="0",
            )) for n, h in enumerate(holders)))

    asyncio.run(main())
    """
).replace("SID", repr(SID)).replace("KEY", repr(KEY)).replace("ORG", repr(ORG))


def test_a_process_exits_cleanly_right_after_many_async_calls(sandbox: Sandbox, tmp_path: Path) -> None:
    script = tmp_path / "exit_after_calls.py"
    script.write_text(SCRIPT, encoding="utf-8")
    ca = tmp_path / "ca.pem"
    ca.write_bytes(sandbox.ca)
    # Before the fix, 6 runs in 10 aborted: 10 clean runs in a row leave a chance of
    # about 1 in 10,000 that the abort is still there.
    for run in range(10):
        done = subprocess.run(
            [sys.executable, str(script), sandbox.url, str(ca), str(run)],
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, f"run {run} ended with {done.returncode}: {done.stderr[-2000:]}"
    assert sandbox.admin("/admin/stats")["deductions"] == 10 * 20


LATE_HOOK = textwrap.dedent(
    """
    import asyncio, atexit, sys

    def late():
        # Registered before glorycard's own hook, so it runs after it.
        async def call():
            async with glorycard.AsyncClient(sys.argv[1], sid=SID, key=KEY, org_code=ORG,
                                             ca_cert=open(sys.argv[2], "rb").read()) as client:
                await client.roster_page(0)
        try:
            asyncio.run(call())
        except RuntimeError as refused:
            print("refused:", refused)

    atexit.register(late)
    import glorycard
    """
).replace("SID", repr(SID)).replace("KEY", repr(KEY)).replace("ORG", repr(ORG))


def test_a_call_awaited_after_glorycards_exit_hook_fails_instead_of_hanging(sandbox: Sandbox, tmp_path: Path) -> None:
    script = tmp_path / "late_hook.py"
    script.write_text(LATE_HOOK, encoding="utf-8")
    ca = tmp_path / "ca.pem"
    ca.write_bytes(sandbox.ca)
    done = subprocess.run([sys.executable, str(script), sandbox.url, str(ca)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused: the interpreter is exiting" in done.stdout, (done.stdout, done.stderr[-2000:])
