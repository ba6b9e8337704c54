"""A child with everything FHIR carries: results in both units, assessments,
a genetic result, family history, registered parents and confirmed FH."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from followup import services as followup_services
from followup.models import CareEpisode
from screening import services
from screening.models import Person
from tests import personas


@pytest.fixture(autouse=True)
def _active_ruleset(settings: Any) -> None:
    settings.ACTIVE_PAEDIATRIC_RULESET = "eas2026"


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture
def rich_child(ped_a: Any, coord: Any) -> Person:
    """Anna (DEMO-A): high cholesterol in a parent, a venous fasting sample in
    mg/dL with Lp(a), a capillary one in mmol/L (positive by EAS 2026), an LDLR
    P variant, her mother and father registered, FH confirmed."""
    child = personas.register_child(ped_a, birth_date=date(2016, 3, 1))
    services.record_family_history(
        acting_user=ped_a, person=child, code="parent_high_cholesterol"
    )
    personas.record_result(
        ped_a,
        child,
        sample_date=days_ago(90),
        sample_type="venous",
        fasting=True,
        unit="mg/dL",
        total_cholesterol=Decimal("245"),
        hdl_cholesterol=Decimal("48"),
        ldl_cholesterol=Decimal("170.5"),
        triglycerides=Decimal("80"),
        lipoprotein_a=Decimal("35"),
        lipoprotein_a_unit="mg/dL",
        lab_sample_id="L-0001",
    )
    personas.record_result(
        ped_a,
        child,
        sample_date=days_ago(30),
        sample_type="capillary",
        fasting=False,
        unit="mmol/L",
        total_cholesterol=Decimal("7.10"),
        hdl_cholesterol=Decimal("1.3"),
        ldl_cholesterol=Decimal("5.3"),
        triglycerides=Decimal("1.1"),
        lab_sample_id="L-0002",
    )
    services.record_genetic_result(
        acting_user=ped_a,
        person=child,
        gene="LDLR",
        hgvs_c="c.1A>G",
        hgvs_p="p.Met1?",
        transcript="NM_000527.5",
        acmg_class="pathogenic",
        lab="Labor Nord",
        report_date=days_ago(20),
    )
    identity = services.IdentityEntry(given_name="Maria", family_name="Huber")
    services.register_parent(
        acting_user=ped_a,
        child=child,
        sex="F",
        birth_date=date(1985, 5, 2),
        identity=identity,
    )
    services.register_parent(
        acting_user=ped_a,
        child=Person.objects.get(pk=child.pk),
        sex="M",
        birth_date=date(1983, 1, 9),
        identity=services.IdentityEntry(given_name="Josef", family_name="Huber"),
    )
    episode = CareEpisode.objects.get(person=child, closed_on__isnull=True)
    followup_services.close(episode, outcome="confirmed_fh", acting_user=coord)
    return Person.objects.get(pk=child.pk)
