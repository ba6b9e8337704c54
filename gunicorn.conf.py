"""gunicorn's settings for the registry (read from the working directory).

Sync workers, one per core plus one: a request is CPU-bound Python between short
database round trips, so more workers only contend for the cores
(benchmarks/api_capture.py --workers N compares counts). With the database on
another host, raise WEB_CONCURRENCY to cover the network waits.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
