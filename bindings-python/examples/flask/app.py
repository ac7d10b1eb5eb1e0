"""An example HIS on Flask, served by gunicorn: ``gunicorn --threads 4 app:app``.

Its configuration comes from the environment (``GLORYCARD_BASE_URL``, ``GLORYCARD_SID``,
``GLORYCARD_KEY_FILE``, ``GLORYCARD_ORG_CODE``, ``GLORYCARD_CA_CERT``,
``GLORYCARD_DATA_DIR``). The regions between ``# [readme:...]`` markers are the Python
README's recipes, word for word (tests/test_readme_examples.py keeps them equal).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from pathlib import Path

from flask import Flask, Response, jsonify, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import glorycard

BASE_URL = os.environ["GLORYCARD_BASE_URL"]
SID = os.environ["GLORYCARD_SID"]
KEY = Path(os.environ["GLORYCARD_KEY_FILE"]).read_text(encoding="utf-8").strip()
ORG_CODE = os.environ["GLORYCARD_ORG_CODE"]
CA_CERT = os.environ["GLORYCARD_CA_CERT"]  # a path (ca_cert also takes PEM bytes or str)
DATA = Path(os.environ["GLORYCARD_DATA_DIR"])

# [readme:flask]
from glorycard.institution import wsgi_app

client = glorycard.Client(BASE_URL, sid=SID, key=KEY, org_code=ORG_CODE, ca_cert=CA_CERT)
outbox = glorycard.Outbox(DATA / "outbox.db")
replica = glorycard.Replica(DATA / "roster.db")
replica.sync(client)  # the roster, before the first request

# The drain delivers what is pending and returns; a thread runs it every 2 s.
stopping = threading.Event()


def drain_until_stopped() -> None:
    while not stopping.wait(2):
        try:
            outbox.drain(client)
        except glorycard.GlorycardError:  # the platform or the disk: again in 2 s
            logging.getLogger("his").exception("outbox drain failed")


drainer = threading.Thread(target=drain_until_stopped, daemon=True)
drainer.start()


@atexit.register
def stop_draining() -> None:
    stopping.set()
    outbox.stop_draining()  # a drain in flight finishes its calls and returns
    drainer.join()


app = Flask(__name__)
handler = glorycard.DeductCheckHandler({SID: KEY}, ORG_CODE, outbox)
app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/deductCheck": wsgi_app(handler)})
# [/readme:flask]


@app.post("/holders/lookup")
def lookup_holder() -> Response:
    holder = request.get_json()
    found = replica.lookup(holder["certType"], holder["certNo"], holder.get("certName"))
    exact = sum(1 for match in found if match.kind == glorycard.MatchKind.EXACT)
    return jsonify(matches=len(found), exact=exact)


@app.post("/visits/<visit_id>/deduction")
def record_deduction(visit_id: str) -> Response:
    visit = request.get_json()
    deduction = glorycard.Deduction(
        org_code=ORG_CODE, cert_type=visit["certType"], cert_no=visit["certNo"],
        cert_name=visit["certName"], glory_type=visit["gloryType"],
        deduction_id=f"HIS-{visit_id}", total_fee=visit["fee"], deduction_fee=visit["fee"],
        deduction_time=glorycard.china_time_now(), deduction_type="0",
    )
    enqueued = outbox.enqueue(deduction)  # committed: the drain delivers it
    return jsonify(seq=enqueued.seq, newlyAdded=enqueued.newly_added)


@app.post("/visits/<visit_id>/cancellation")
def cancel_deduction(visit_id: str) -> Response:
    cancellation = glorycard.Cancellation(
        org_code=ORG_CODE, deduction_id=f"HIS-{visit_id}", cancel_time=glorycard.china_time_now(),
    )
    enqueued = outbox.enqueue(cancellation)
    return jsonify(seq=enqueued.seq, newlyAdded=enqueued.newly_added)
