"""The platform client without a framework: pages the roster, deducts and cancels
directly, then sends deductions concurrently with ``AsyncClient``. Its configuration comes
from the environment, as the applications' does; run.sh runs it against the sandbox.

Deductions sent this way are not in any outbox: ``/deductCheck`` answered from an
``Outbox`` does not know them (see the README). The regions between ``# [readme:...]``
markers are the Python README's recipes, word for word.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import List

import glorycard

BASE_URL = os.environ["GLORYCARD_BASE_URL"]
SID = os.environ["GLORYCARD_SID"]
KEY = Path(os.environ["GLORYCARD_KEY_FILE"]).read_text(encoding="utf-8").strip()
ORG_CODE = os.environ["GLORYCARD_ORG_CODE"]
CA_CERT = os.environ["GLORYCARD_CA_CERT"]  # a path (ca_cert also takes PEM bytes or str)


def deduction_for(holder: glorycard.RosterRecord, deduction_id: str) -> glorycard.Deduction:
    return glorycard.Deduction(
        org_code=ORG_CODE, cert_type=holder.cert_type, cert_no=holder.cert_no,
        cert_name=holder.cert_name, glory_type=holder.glory_type, deduction_id=deduction_id,
        total_fee="10.00", deduction_fee="10.00", deduction_time=glorycard.china_time_now(), deduction_type="0",
    )


def send_directly() -> List[glorycard.RosterRecord]:
    # [readme:client]
    with glorycard.Client(BASE_URL, sid=SID, key=KEY, org_code=ORG_CODE, ca_cert=CA_CERT) as client:
        holders = [holder for page in client.roster_updates(0) for holder in page]  # RosterRecord
        deduction = deduction_for(holders[0], "DIRECT-1")
        deduction.validate()  # raises glorycard.ValidationError naming the field (.field)
        ack = client.deduct(deduction)  # an AckResponse, or an exception (see Errors)
        client.cancel(glorycard.Cancellation(
            org_code=ORG_CODE, deduction_id="DIRECT-1", cancel_time=glorycard.china_time_now(),
        ))
    # [/readme:client]
    if ack.response_flag != "1":
        raise SystemExit(f"FAIL (client): the platform answered {ack.response_message}")
    return holders


async def send_concurrently(deductions: List[glorycard.Deduction]) -> List[glorycard.AckResponse]:
    # [readme:async-client]
    async with glorycard.AsyncClient(BASE_URL, sid=SID, key=KEY, org_code=ORG_CODE, ca_cert=CA_CERT) as client:
        acks = await asyncio.gather(*(client.deduct(d) for d in deductions))
    # [/readme:async-client]
    return acks


if __name__ == "__main__":
    roster = send_directly()
    whole = [holder for holder in roster if "*" not in holder.cert_no]
    answers = asyncio.run(send_concurrently([deduction_for(h, f"DIRECT-ASYNC-{i}") for i, h in enumerate(whole[1:21])]))
    if len(answers) != 20 or any(ack.response_flag != "1" for ack in answers):
        raise SystemExit("FAIL (client): the platform did not accept the 20 concurrent deductions")
    print(f"client: {len(roster)} roster records paged; 1 deduction and its cancellation sent "
          f"directly; {len(answers)} deductions acknowledged through AsyncClient")
