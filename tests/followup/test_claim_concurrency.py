"""Coordinators claiming one task at the same moment on PostgreSQL: one
conditional UPDATE decides, exactly one wins, the others are told another
coordinator holds it, and the task's history records one claim."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from fh_registry.models import Role, User
from followup import services
from followup.models import Task, TaskKind, TaskStatus
from screening import services as screening_services
from tests.personas import lab_entry, register_child

pytestmark = pytest.mark.django_db(transaction=True)

COORDINATORS = 8
ROUNDS = 5  # tasks, each claimed by all coordinators at once


def claims_at_once(
    tasks: list[Task], coordinators: list[User]
) -> dict[int, list[User | str]]:
    """Every coordinator claims every task, all threads released together; per
    task, what each claim gave: the winner's user or the refusal's code."""
    barrier = threading.Barrier(len(coordinators))
    results: dict[int, list[User | str]] = {t.pk: [] for t in tasks}
    lock = threading.Lock()

    def claim_all(user: User) -> None:
        try:
            for task in tasks:
                barrier.wait(timeout=30)
                try:
                    held = services.claim(task, acting_user=user)
                    outcome: User | str = held.assignee or "no assignee"
                except services.TaskConflictError as refusal:
                    outcome = refusal.code
                with lock:
                    results[task.pk].append(outcome)
        finally:
            connection.close()  # each thread had a connection of its own

    run_threads([lambda u=u: claim_all(u) for u in coordinators])  # type: ignore[misc]
    return results


def run_threads(targets: list[Callable[[], None]]) -> None:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)


def test_of_eight_coordinators_claiming_at_once_exactly_one_wins(
    ped_a: User,
) -> None:
    coordinators = [
        User.objects.create_user(
            username=f"coord_{n}", role=Role.COORDINATOR, covers_all_practices=True
        )
        for n in range(COORDINATORS)
    ]
    tasks = []
    for n in range(ROUNDS):
        person = register_child(ped_a, number=f"A-{n}", birth_date=date(2014, 5, 1))
        screening_services.record_lab_result(
            acting_user=ped_a,
            person=person,
            entry=lab_entry(
                sample_date=timezone.localdate() - timedelta(days=3),
                total_cholesterol=Decimal("7.0"),
                ldl_cholesterol=Decimal("5.2"),
            ),
        )
        tasks.append(Task.objects.get(person=person, kind=TaskKind.REPEAT_LIPIDS))

    results = claims_at_once(tasks, coordinators)

    for task in tasks:
        outcomes = results[task.pk]
        winners = [o for o in outcomes if isinstance(o, User)]
        assert len(outcomes) == COORDINATORS
        assert len(winners) == 1
        assert sorted(o for o in outcomes if isinstance(o, str)) == ["held"] * (
            COORDINATORS - 1
        )
        task.refresh_from_db()
        assert (task.status, task.assignee) == (TaskStatus.CLAIMED, winners[0])
        claims = task.history.filter(status=TaskStatus.CLAIMED)
        assert claims.count() == 1
        claim = claims.get()
        assert (claim.history_user, claim.assignee, claim.history_type) == (
            winners[0],
            winners[0],
            "~",  # a change of the task, not a second creation
        )
        assert task.history.count() == 2  # created, claimed
