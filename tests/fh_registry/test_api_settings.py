"""The API settings' classes import in any order: DRF resolves some of them
while it defines its views, so none of their modules may need those views
first. A process of its own, so that nothing is imported yet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "first",
    [
        "fh_registry.api",
        "fh_registry.api_schema",
        "fh_registry.parsers",
        "rest_framework.generics",
    ],
)
def test_each_api_setting_module_imports_first(first: str) -> None:
    script = f"import django; django.setup(); import {first}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fh_registry.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
