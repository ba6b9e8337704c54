"""Screening: who is screened and what was measured."""

from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"

    def ready(self) -> None:
        # The outbox relay looks tasks up by name in this process too.
        from screening.imports import tasks  # noqa: F401, PLC0415
