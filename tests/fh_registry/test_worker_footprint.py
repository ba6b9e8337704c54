"""What a worker loads: the statistics stack only when a statistics job runs.

A Celery worker imports every task module and, through Celery's Django fixup,
runs Django's system checks, which load the URLconf and with it every view; a
management command does the same. pandas and pyarrow (about 100 MB) stay out
until a table, dashboard or export is served, so an importing worker keeps its
memory for the import (issue 17's budget: 300 MB with its forked workers).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

STATISTICS_STACK = ("pandas", "pyarrow")

_AS_A_WORKER_STARTS = """
import sys
import django
django.setup()
from fh_registry.celery import app
app.loader.import_default_modules()
from django.core.checks import run_checks
run_checks()
print(*sorted(sys.modules))
"""


def _modules_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "fh_registry.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(done.stdout.split())


def test_a_starting_worker_loads_no_statistics_stack() -> None:
    loaded = _modules_after(_AS_A_WORKER_STARTS)

    assert "screening.imports.tasks" in loaded  # the task modules and
    assert "epidemiology.api" in loaded  # the views were loaded
    assert not [name for name in STATISTICS_STACK if name in loaded]


def test_the_probe_sees_the_stack_once_a_table_module_loads() -> None:
    loaded = _modules_after(
        _AS_A_WORKER_STARTS.replace(
            "print(", "from epidemiology import tables\nprint(", 1
        )
    )

    assert all(name in loaded for name in STATISTICS_STACK)
