"""Set-based inserts keep the audit: every row written has its "+" history row
naming the acting user; a row that conflicts is neither written nor recorded,
or, where no conflict can be, fails the insert whole."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from followup.models import Task, TaskKind, TaskOrigin
from screening.imports.set_based import insert_rows

pytestmark = pytest.mark.django_db


def _task(child: Any, key: str, coord: Any) -> dict[str, Any]:
    """Task field values; status, priority and creation time left to defaults."""
    return {
        "person_id": child.pk,
        "practice_id": child.practice_id,
        "kind": TaskKind.REPEAT_LIPIDS,
        "due_date": date(2027, 1, 15),
        "origin": TaskOrigin.MANUAL,
        "dedupe_key": key,
        "created_by_id": coord.pk,
        "note": "call the family",
    }


def test_rows_and_their_history_are_written_and_conflicts_skipped(
    coord: Any, child_a: Any
) -> None:
    first = insert_rows(Task, [_task(child_a, "k:1", coord)], acting_user=coord)
    again = insert_rows(
        Task,
        [_task(child_a, "k:1", coord), _task(child_a, "k:2", coord)],
        acting_user=coord,
    )

    assert (len(first), len(again)) == (1, 1)
    second = Task.objects.get(pk=again[0][0])
    assert second.dedupe_key == "k:2"
    assert (second.note, second.status, second.created_by) == (
        "call the family",
        "open",
        coord,
    )
    assert Task.objects.filter(dedupe_key="k:1").count() == 1
    assert second.priority == "routine"
    assert second.created_at is not None
    for task in Task.objects.filter(pk__in=[pk for (pk,) in first + again]):
        (row,) = task.history.all()
        assert (row.history_type, row.history_user, row.dedupe_key) == (
            "+",
            coord,
            task.dedupe_key,
        )


def test_nothing_to_insert_writes_nothing(coord: Any) -> None:
    assert insert_rows(Task, [], acting_user=coord) == []


def test_without_skipping_a_conflict_is_an_error_and_nothing_is_written(
    coord: Any, child_a: Any
) -> None:
    insert_rows(Task, [_task(child_a, "k:1", coord)], acting_user=coord)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(
            Task,
            [_task(child_a, "k:2", coord), _task(child_a, "k:1", coord)],
            acting_user=coord,
            skip_conflicts=False,
        )
    assert list(Task.objects.values_list("dedupe_key", flat=True)) == ["k:1"]
    assert Task.history.count() == 1
