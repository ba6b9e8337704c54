"""WSGI entry point (gunicorn fh_registry.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fh_registry.settings")
application = get_wsgi_application()
