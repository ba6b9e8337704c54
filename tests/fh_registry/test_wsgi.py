"""The WSGI entry point loads the URL map and freezes start-up objects."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import gc, json, sys
before = gc.get_freeze_count()
import fh_registry.wsgi as wsgi
print(json.dumps({
    "frozen_before": before,
    "frozen": gc.get_freeze_count(),
    "threshold": gc.get_threshold(),
    "urls_loaded": "fh_registry.urls" in sys.modules,
    "young": wsgi.GC_YOUNG_THRESHOLD,
}))
"""


def test_serving_process_freezes_what_start_up_loaded() -> None:
    # A process of its own: freezing the test process would change the suite's GC.
    done = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["frozen_before"] == 0
    # Django, DRF and the views: tens of thousands of objects, all out of the
    # collector's sight.
    assert found["frozen"] > 20_000
    assert found["urls_loaded"] is True
    assert found["threshold"] == [found["young"], 10, 10]
    assert found["young"] > 700  # Python's default, which the module raises
