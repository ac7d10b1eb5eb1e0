"""The WSGI application of the example HIS: ``gunicorn his_site.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "his_site.settings")
application = get_wsgi_application()
