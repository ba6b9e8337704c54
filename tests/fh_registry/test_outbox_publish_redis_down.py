"""The outbox's publish in a request with Redis down, configured as in production
(README: the result store defaults to the broker's Redis): it gives up at once
and leaves the message pending for the beat's relay."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from fh_registry import outbox
from fh_registry.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

# Nothing listens there: every connection is refused, as with Redis stopped.
UNREACHABLE = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(monkeypatch: pytest.MonkeyPatch) -> None:
    # Celery reads these from the environment first, on every use.
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE)
    monkeypatch.setenv("CELERY_RESULT_BACKEND", UNREACHABLE)


def in_a_request(ids: list[int]) -> Any:
    """The publish a request makes after commit, in a thread of its own: Celery
    keeps its result store per thread, so this one is made from the settings
    above."""
    answer: list[int] = []

    def run() -> None:
        try:
            answer.append(outbox.relay_pending(ids=ids, retry=False))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert answer, "the publish did not return"
    return answer[0]


def test_with_redis_down_the_publish_in_a_request_gives_up_at_once(
    redis_down: None,
) -> None:
    message = OutboxMessage.objects.create(
        task_name="screening.imports.tasks.run_import_batch", kwargs={"batch_id": 1}
    )

    began = time.monotonic()
    published = in_a_request([message.pk])
    seconds = time.monotonic() - began

    assert published == 0
    # Subscribing to the task's result would retry for some 20 s first.
    assert seconds < 5
    message.refresh_from_db()
    assert message.published_at is None
    assert message.last_error == (
        "Error 111 connecting to 127.0.0.1:1. Connection refused."
    )
