"""gunicorn's settings for the registry (read from the working directory).

Sync workers, one per core plus one: a request is CPU-bound Python between short
database round trips, so more workers only contend for the cores. On a 2-core
machine 4 workers served fewer lab result POSTs than 2 or 3, and 2 and 3 did not
separate beyond the machine's run-to-run noise (benchmarks/api_capture.py
--workers N). With the database on another host, raise WEB_CONCURRENCY to cover
the network waits.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
