"""WSGI entry point (gunicorn fh_registry.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fh_registry.settings")
application = get_wsgi_application()

# A request's objects die young; what start-up loads (Django, DRF, the URL map and
# every view: about 100,000 objects) lives as long as the worker. Python's cyclic
# collector still walked all of it in each full collection: in a gunicorn worker
# under the capture benchmark, two or three full collections of 50 to 100 ms each,
# in the middle of a request, and up to a tenth of the worker's time spent
# collecting. So the
# URL map is imported now rather than on the first request, the start-up objects
# are frozen out of the collector's sight (gc.freeze), and the youngest generation
# is collected every 10,000 net allocations instead of 700, which makes the older
# generations' collections rarer in step (their ratios stay Python's defaults).
GC_YOUNG_THRESHOLD = 10_000
get_resolver().url_patterns  # noqa: B018 - imports the URL map and the views
gc.collect()
gc.freeze()
gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
