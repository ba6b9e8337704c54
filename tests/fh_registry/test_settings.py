"""The suite runs on the real services it is meant for."""

import os

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_postgresql_when_database_url_is_set() -> None:
    if "DATABASE_URL" not in os.environ:
        pytest.fail("bin/test sets DATABASE_URL; the suite must not run on SQLite")
    assert connection.vendor == "postgresql"


def test_celery_uses_the_redis_broker_and_is_not_eager() -> None:
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
