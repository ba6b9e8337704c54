"""Fixtures for import tests: a private MEDIA_ROOT and a one-call import helper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from fh_registry.models import Practice
from screening.imports.pipeline import run_import, start_import
from screening.models import ImportBatch

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(autouse=True)
def media(tmp_path: Path, settings: Any) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english(settings: Any) -> Iterator[None]:
    """These tests read the English texts; the registry's default is German."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def register(user: Any, source: Path, *, practice_code: str = "DEMO-A") -> Any:
    return start_import(
        acting_user=user,
        practice=Practice.objects.get(code=practice_code),
        file_name=source.name,
        chunks=[source.read_bytes()],
        language="en",
        enqueue=False,
    )


def import_file(
    user: Any, source: Path, *, practice_code: str = "DEMO-A", **options: Any
) -> ImportBatch:
    """Register and run an import synchronously, as the command does."""
    started = register(user, source, practice_code=practice_code)
    assert not started.duplicate
    return run_import(started.batch.pk, **options)


HEADER = (
    "practice_patient_id,sex,birth_date,sample_date,sample_type,fasting,unit,"
    "total_cholesterol,hdl_cholesterol,ldl_cholesterol,ldl_method,triglycerides,"
    "lab_sample_id,lipoprotein_a"
)


def mixed_rows(count: int, *, seed: int = 7, prefix: str = "M") -> list[str]:
    """Rows for about count/3 children in shuffled order, with bad and odd rows.

    Children recur with other dates (series), some LDL-C values are blank
    (Friedewald), some are calculated, units vary, and every 25th row is bad.
    """
    import random  # noqa: PLC0415

    rng = random.Random(seed)
    rows = []
    for index in range(count):
        child = rng.randrange(max(count // 3, 1))
        sex = "FM"[child % 2]
        birth = f"{2012 + child % 9}-0{1 + child % 9}-1{child % 10}"
        day = f"2025-{1 + index % 12:02d}-{1 + index % 28:02d}"
        ldl = rng.choice([2.1, 3.2, 3.6, 4.2, 4.6, 5.1, 5.6])
        hdl, tg = 1.3, rng.choice([0.8, 1.4, 5.0])
        tc = round(ldl + hdl + tg / 2.2 + 0.3, 2)
        unit, values = "mmol/L", [tc, hdl, ldl, tg]
        if index % 4 == 0:
            unit = "mg/dL"
            values = [round(tc * 38.67), round(hdl * 38.67), round(ldl * 38.67, 1)]
            values.append(round(tg * 88.57))
        text = [str(value) for value in values]
        method = rng.choice(["direct", "direct", "calculated", ""])
        if index % 7 == 0:
            text[2], method = "", ""
        if index % 25 == 0:
            text[0] = "abc"
        fasting = rng.choice(["yes", "no", "ja", "0"])
        sample_id = f"S{index}" if index % 11 else ""
        rows.append(
            f"{prefix}{child},{sex},{birth},{day},venous,{fasting},{unit},"
            f"{text[0]},{text[1]},{text[2]},{method},{text[3]},{sample_id},"
        )
    return rows


def write_file(path: Path, rows: list[str], *, trailer: str = "") -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n" + trailer)
    return path
