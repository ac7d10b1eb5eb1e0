"""An example HIS on FastAPI, served by uvicorn: ``uvicorn app:app``.

Its configuration comes from the environment (``GLORYCARD_BASE_URL``, ``GLORYCARD_SID``,
``GLORYCARD_KEY_FILE``, ``GLORYCARD_ORG_CODE``, ``GLORYCARD_CA_CERT``,
``GLORYCARD_DATA_DIR``). The regions between ``# [readme:...]`` markers are the Python
README's recipes, word for word (tests/test_readme_examples.py keeps them equal).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path
from typing import AsyncIterator, Dict, Optional

from fastapi import FastAPI
from pydantic import BaseModel

import glorycard

BASE_URL = os.environ["GLORYCARD_BASE_URL"]
SID = os.environ["GLORYCARD_SID"]
KEY = Path(os.environ["GLORYCARD_KEY_FILE"]).read_text(encoding="utf-8").strip()
ORG_CODE = os.environ["GLORYCARD_ORG_CODE"]
CA_CERT = os.environ["GLORYCARD_CA_CERT"]  # a path (ca_cert also takes PEM bytes or str)
DATA = Path(os.environ["GLORYCARD_DATA_DIR"])

# [readme:fastapi]
from glorycard.institution import add_deduct_check_route

outbox = glorycard.Outbox(DATA / "outbox.db")
replica = glorycard.Replica(DATA / "roster.db")
handler = glorycard.DeductCheckHandler({SID: KEY}, ORG_CODE, outbox)


async def drain_until_stopped(client: glorycard.AsyncClient, stopping: asyncio.Event) -> None:
    # The drain delivers what is pending and returns: again every 2 s until shutdown.
    while not stopping.is_set():
        try:
            await outbox.drain_async(client)
        except glorycard.GlorycardError:  # the platform or the disk: again in 2 s
            logging.getLogger("his").exception("outbox drain failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=2)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with glorycard.AsyncClient(BASE_URL, sid=SID, key=KEY, org_code=ORG_CODE, ca_cert=CA_CERT) as client:
        await replica.sync_async(client)  # the roster, before the first request
        stopping = asyncio.Event()
        drain = asyncio.create_task(drain_until_stopped(client, stopping))
        try:
            yield
        finally:
            stopping.set()
            outbox.stop_draining()  # a drain in flight finishes its calls and returns
            await drain


app = FastAPI(lifespan=lifespan)
add_deduct_check_route(app, handler)  # answers exactly POST /deductCheck
# [/readme:fastapi]


class Holder(BaseModel):
    certType: str
    certNo: str
    certName: Optional[str] = None


class Visit(BaseModel):
    certType: str
    certNo: str
    certName: str
    gloryType: str
    fee: str


# [readme:fastapi-routes]
@app.post("/holders/lookup")
async def lookup_holder(holder: Holder) -> Dict[str, int]:
    found = await replica.lookup_async(holder.certType, holder.certNo, holder.certName)
    exact = sum(1 for match in found if match.kind == glorycard.MatchKind.EXACT)
    return {"matches": len(found), "exact": exact}


@app.post("/visits/{visit_id}/deduction")
async def record_deduction(visit_id: str, visit: Visit) -> Dict[str, object]:
    deduction = glorycard.Deduction(
        org_code=ORG_CODE, cert_type=visit.certType, cert_no=visit.certNo,
        cert_name=visit.certName, glory_type=visit.gloryType,
        deduction_id=f"HIS-{visit_id}", total_fee=visit.fee, deduction_fee=visit.fee,
        deduction_time=glorycard.china_time_now(), deduction_type="0",
    )
    enqueued = await outbox.enqueue_async(deduction)  # committed: the drain delivers it
    return {"seq": enqueued.seq, "newlyAdded": enqueued.newly_added}


@app.post("/visits/{visit_id}/cancellation")
async def cancel_deduction(visit_id: str) -> Dict[str, object]:
    cancellation = glorycard.Cancellation(
        org_code=ORG_CODE, deduction_id=f"HIS-{visit_id}", cancel_time=glorycard.china_time_now(),
    )
    enqueued = await outbox.enqueue_async(cancellation)
    return {"seq": enqueued.seq, "newlyAdded": enqueued.newly_added}
# [/readme:fastapi-routes]
