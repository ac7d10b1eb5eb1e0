"""The front desk's endpoints: a lookup in the replica, deductions and cancellations into
the outbox (the ``drain_outbox`` command delivers them)."""

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

import glorycard

from .services import config, outbox, replica


# The front desk's calls come from the HIS's own pages with its own authentication (not
# shown): exempt from the CSRF token here only to keep the example short.
@csrf_exempt
@require_POST
def lookup_holder(request: HttpRequest) -> JsonResponse:
    holder = json.loads(request.body)
    found = replica.lookup(holder["certType"], holder["certNo"], holder.get("certName"))
    exact = sum(1 for match in found if match.kind == glorycard.MatchKind.EXACT)
    return JsonResponse({"matches": len(found), "exact": exact})


@csrf_exempt
@require_POST
def record_deduction(request: HttpRequest, visit_id: str) -> JsonResponse:
    visit = json.loads(request.body)
    deduction = glorycard.Deduction(
        org_code=config["ORG_CODE"], cert_type=visit["certType"], cert_no=visit["certNo"],
        cert_name=visit["certName"], glory_type=visit["gloryType"],
        deduction_id=f"HIS-{visit_id}", total_fee=visit["fee"], deduction_fee=visit["fee"],
        deduction_time=glorycard.china_time_now(), deduction_type="0",
    )
    enqueued = outbox.enqueue(deduction)  # committed: drain_outbox delivers it
    return JsonResponse({"seq": enqueued.seq, "newlyAdded": enqueued.newly_added})


@csrf_exempt
@require_POST
def cancel_deduction(request: HttpRequest, visit_id: str) -> JsonResponse:
    cancellation = glorycard.Cancellation(
        org_code=config["ORG_CODE"], deduction_id=f"HIS-{visit_id}", cancel_time=glorycard.china_time_now(),
    )
    enqueued = outbox.enqueue(cancellation)
    return JsonResponse({"seq": enqueued.seq, "newlyAdded": enqueued.newly_added})
