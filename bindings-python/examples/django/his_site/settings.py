"""Settings of the example HIS on Django: glorycard's come from the environment
(``GLORYCARD_BASE_URL``, ``GLORYCARD_SID``, ``GLORYCARD_KEY_FILE``, ``GLORYCARD_ORG_CODE``,
``GLORYCARD_CA_CERT``, ``GLORYCARD_DATA_DIR``)."""

import os
from pathlib import Path

# Django's own signing secret for this example only; a deployment sets its own.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["his"]
# CSRF protection stays on: the platform's POST /deductCheck passes it because
# django_view is exempt (the platform signs its calls instead).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "his_site.urls"
WSGI_APPLICATION = "his_site.wsgi.application"
DATABASES: dict = {}
USE_TZ = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"glorycard": {"handlers": ["console"], "level": "WARNING"}},
}

GLORYCARD = {
    "BASE_URL": os.environ["GLORYCARD_BASE_URL"],
    "SID": os.environ["GLORYCARD_SID"],
    "KEY": Path(os.environ["GLORYCARD_KEY_FILE"]).read_text(encoding="utf-8").strip(),
    "ORG_CODE": os.environ["GLORYCARD_ORG_CODE"],
    "CA_CERT": os.environ["GLORYCARD_CA_CERT"],  # a path (ca_cert also takes PEM bytes or str)
    "DATA_DIR": Path(os.environ["GLORYCARD_DATA_DIR"]),
}
