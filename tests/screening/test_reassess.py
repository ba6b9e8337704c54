"""reassess: a what-if of another rule set that writes new assessments only."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import CommandError, call_command

from fh_registry.celery import app
from screening import services
from screening.models import Assessment
from screening.reassessment import reassess
from screening.tasks import reassess_all
from tests.personas import lab_entry, register_child


@pytest.fixture
def three_children(ped_a: Any) -> list[Any]:
    """LDL-C 4.2, 4.6 and 2.0 mmol/L: EAS 2026 A (>4.5) flags only the 4.6."""
    children = []
    for number, ldl in (("R-1", "4.2"), ("R-2", "4.6"), ("R-3", "2.0")):
        child = register_child(ped_a, number=number)
        services.record_lab_result(
            acting_user=ped_a,
            person=child,
            entry=lab_entry(
                total_cholesterol=Decimal("6.5"), ldl_cholesterol=Decimal(ldl)
            ),
        )
        children.append(child)
    return children


@pytest.mark.django_db
def test_what_if_counts_changes_and_writes_new_assessments(
    ped_a: Any, three_children: list[Any]
) -> None:
    before = list(Assessment.objects.order_by("pk").values_list("pk", "outcome"))

    what_if = reassess(ruleset_id="vroni", acting_user=ped_a)

    # VRONI (>= 3.36 mmol/L) flags 4.2 too: one child changes, negative -> positive.
    assert what_if.children == 3
    assert what_if.changed == 1
    assert ("negative", "positive", 1) in what_if.table()
    assert what_if.written == 3
    # Old assessments are untouched; new ones carry the new rule set.
    assert (
        list(
            Assessment.objects.filter(pk__in=[pk for pk, _ in before])
            .order_by("pk")
            .values_list("pk", "outcome")
        )
        == before
    )
    new = Assessment.objects.filter(ruleset_id="vroni")
    assert new.count() == 3
    assert {a.created_by for a in new} == {ped_a}


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_rerun_is_idempotent(
    ped_a: Any, three_children: list[Any]
) -> None:
    count = Assessment.objects.count()
    assert reassess(ruleset_id="vroni", acting_user=ped_a, dry_run=True).written == 0
    assert Assessment.objects.count() == count
    reassess(ruleset_id="vroni", acting_user=ped_a)
    again = reassess(ruleset_id="vroni", acting_user=ped_a)
    assert again.written == 0
    assert again.children == 3
    assert Assessment.objects.count() == count + 3


@pytest.mark.django_db
def test_command_prints_the_table(three_children: list[Any]) -> None:
    out = StringIO()
    call_command("reassess", "--ruleset", "vroni", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "3 children evaluated, 1 change outcome." in text
    assert "negative          positive                  1" in text
    assert "Dry run: no assessments written." in text


@pytest.mark.django_db
def test_command_refuses_an_unknown_rule_set() -> None:
    with pytest.raises(CommandError, match="eas2026"):
        call_command("reassess", "--ruleset", "nice2030")


@pytest.fixture
def celery_worker(transactional_db: Any) -> Iterator[None]:
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        yield


@pytest.mark.celery_worker
def test_reassess_task_runs_in_a_worker(
    celery_worker: None, ped_a: Any, three_children: list[Any]
) -> None:
    result = reassess_all.delay(ruleset_id="vroni", user_id=ped_a.pk).get(timeout=60)
    assert result["changed"] == 1
    assert result["written"] == 3
    assert Assessment.objects.filter(ruleset_id="vroni").count() == 3
