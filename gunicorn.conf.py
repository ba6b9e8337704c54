"""gunicorn's settings for the registry (read from the working directory).

One sync worker per core: a request is CPU-bound Python between short database
round trips, and on a 2-core machine 2 workers served more lab result POSTs than
3 or 4 (benchmarks/api_capture.py --workers N compares). With the database on
another host, raise WEB_CONCURRENCY to cover the network waits.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
