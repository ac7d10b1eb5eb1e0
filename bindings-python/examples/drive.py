"""Drives one running example HIS as the front desk and the platform would (run.sh runs it):

    python drive.py NAME APP_URL PLATFORM_URL SANDBOX_PEM

Through the application's own HTTP endpoints only: a lookup in the replica (synced at
start-up) finds a sandbox holder; three deductions and the cancellation of one go into the
outbox; the application's drain delivers them; the sandbox then reconciles against the
application's ``/deductCheck``: 3 records on each side, the cancelled one included, and
0 differences. Prints one result line; exits non-zero with the reason on any failure.
Personal data never reaches the output (certNo and certName stay in memory).
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from typing import Any, NoReturn

import glorycard

NAME, APP, PLATFORM, PEM = sys.argv[1:5]
SID = os.environ["GLORYCARD_SID"]
KEY = os.environ["GLORYCARD_KEY"]
ORG_CODE = os.environ["GLORYCARD_ORG_CODE"]
CA = open(PEM, "rb").read()
TLS = ssl.create_default_context(cadata=CA.decode())
PATIENCE = 60.0


def fail(reason: str) -> NoReturn:
    sys.exit(f"FAIL ({NAME}): {reason}")


def call(url: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    context = TLS if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        # The sandbox's admin answers say what failed; an application's answer may echo
        # the request (a framework's 422 does), and with it a certNo: not shown.
        told = error.read()[:300].decode(errors="replace") if "/admin/" in url else "(body not shown)"
        fail(f"{url} answered HTTP {error.code}: {told}")


def until(what: str, check: Any) -> Any:
    """check() until it returns something true, at most PATIENCE seconds."""
    deadline = time.monotonic() + PATIENCE
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            fail(f"{what}: not within {PATIENCE:.0f} s")
        time.sleep(0.3)


# Three holders the platform serves unmasked, as the front desk would type them. Paged
# after dataID 1, not 0: the application's start-up sync asks for page 0, and the same
# body signed in the same second is the same (sid, timestamp, sign), refused as a replay.
with glorycard.Client(PLATFORM, sid=SID, key=KEY, org_code=ORG_CODE, ca_cert=CA) as platform:
    holders = [h for h in platform.roster_page(1) if "*" not in h.cert_no][:3]
visits = [
    {"certType": h.cert_type, "certNo": h.cert_no, "certName": h.cert_name, "gloryType": h.glory_type, "fee": fee}
    for h, fee in zip(holders, ["12.00", "30.50", "8.00"])
]

found = call(f"{APP}/holders/lookup", {k: visits[0][k] for k in ("certType", "certNo", "certName")})
if (found["matches"], found["exact"]) != (1, 1):
    fail(f"the replica's lookup of a sandbox holder answered {found}, expected one exact match")
for number, visit in enumerate(visits, 1):
    call(f"{APP}/visits/{number}/deduction", visit)
call(f"{APP}/visits/2/cancellation", {})


def delivered() -> Any:
    stored = call(f"{PLATFORM}/admin/deductions")
    statuses = {s["deductionID"]: s["status"] for s in stored}
    return statuses if statuses == {"HIS-1": "1", "HIS-2": "0", "HIS-3": "1"} else None


until("the drain delivering 3 deductions and 1 cancellation", delivered)
report = call(f"{PLATFORM}/admin/reconcile")
counts = (report["platformCount"], report["institutionCount"], report["differences"])
if counts != (3, 3, []):
    fail(f"reconciliation against {APP}/deductCheck: {report}")
print(f"{NAME}: lookup 1 exact; 3 deductions and 1 cancellation delivered by the drain; "
      f"the sandbox reconciled 3 records against /deductCheck: 0 differences")
