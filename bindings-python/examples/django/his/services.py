"""The glorycard objects the example HIS shares: one client (safe across threads), the
outbox and the replica, and the /deductCheck handler reading the outbox."""

from django.conf import settings

import glorycard

# [readme:django-services]
config = settings.GLORYCARD
client = glorycard.Client(
    config["BASE_URL"], sid=config["SID"], key=config["KEY"], org_code=config["ORG_CODE"],
    ca_cert=config["CA_CERT"],
)
outbox = glorycard.Outbox(config["DATA_DIR"] / "outbox.db")
replica = glorycard.Replica(config["DATA_DIR"] / "roster.db")
handler = glorycard.DeductCheckHandler({config["SID"]: config["KEY"]}, config["ORG_CODE"], outbox)
# [/readme:django-services]
