"""Operators see the outbox in the admin, read-only, and run a given-up message
again once its cause is removed; nothing else about a message changes there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fh_registry.models import OutboxMessage

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/fh_registry/outboxmessage/"
EXPORT = "epidemiology.tasks.run_export"


def _admin_client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _message(job_id: str, **state: Any) -> OutboxMessage:
    return OutboxMessage.objects.create(
        task_name=EXPORT,
        kwargs={"job_id": job_id},
        published_at=timezone.now() - timedelta(hours=2),
        attempts=5,
        **state,
    )


def test_a_given_up_message_runs_again_and_only_it(
    administrator: Any, django_capture_on_commit_callbacks: Any
) -> None:
    given_up = _message(
        "a1", failures=5, given_up_at=timezone.now(), last_error="ValueError()"
    )
    waiting = _message("b2", failures=2)
    finished = _message("c3", done_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = _admin_client(administrator).post(
            CHANGELIST,
            {
                "action": "run_again",
                "_selected_action": [given_up.pk, waiting.pk, finished.pk],
            },
            follow=True,
        )

    assert "1 given-up message will run again." in response.content.decode()
    given_up.refresh_from_db()
    assert (given_up.given_up_at, given_up.failures) == (None, 0)
    assert given_up.attempts == 6  # published again by the relay, after commit
    assert given_up.published_at is not None
    assert given_up.last_error == "ValueError()"  # the cause stays readable
    for other in (waiting, finished):
        before = (other.failures, other.attempts, other.published_at, other.done_at)
        other.refresh_from_db()
        assert (
            other.failures,
            other.attempts,
            other.published_at,
            other.done_at,
        ) == before


def test_the_changelist_filters_given_up_messages(administrator: Any) -> None:
    _message("a1", failures=5, given_up_at=timezone.now())
    _message("b2")

    page = _admin_client(administrator).get(CHANGELIST, {"state": "given_up"})

    text = page.content.decode()
    assert page.status_code == 200
    assert "a1" in text
    assert "b2" not in text


def test_messages_are_neither_added_changed_nor_deleted_there(
    administrator: Any,
) -> None:
    message = _message("a1")
    client = _admin_client(administrator)

    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(f"{CHANGELIST}{message.pk}/delete/").status_code == 403
    client.post(f"{CHANGELIST}{message.pk}/change/", {"task_name": "other"})
    message.refresh_from_db()
    assert message.task_name == EXPORT


def test_a_pediatrician_does_not_reach_it(ped_a: Any) -> None:
    response = _admin_client(ped_a).get(CHANGELIST)

    assert response.status_code == 302  # to the admin login
    assert "/admin/login/" in response["Location"]
