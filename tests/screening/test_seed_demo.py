"""seed_demo: the cast, hand-entered children, and a lab file for larger numbers."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from screening.models import Assessment, ImportBatch, LabResult, Person, PersonIdentity

pytestmark = pytest.mark.django_db


def test_seed_demo_scales_through_the_import_and_is_idempotent(
    settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("seed_demo", "--children", "320", stdout=out)
    assert "320 children created, 320 in DEMO-A and DEMO-B." in out.getvalue()

    children = Person.objects.exclude(practice_patient_number="")
    assert children.count() == 320
    # 150 per practice entered as by hand (with names); the other 20 by lab file.
    assert PersonIdentity.objects.filter(person__in=children).count() == 300
    assert ImportBatch.objects.filter(status="completed").count() == 2
    assert LabResult.objects.filter(source="import").count() == 20
    assert not LabResult.objects.filter(assessments__isnull=True).exists()
    assert Assessment.objects.filter(outcome="positive").exists()

    again = StringIO()
    call_command("seed_demo", "--children", "320", stdout=again)
    assert "0 children created, 320 in DEMO-A and DEMO-B." in again.getvalue()
    assert Person.objects.exclude(practice_patient_number="").count() == 320
