"""FHIR R4 exchange: lab systems send results, data integration centres receive
pseudonymised cohorts."""

from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"

    def ready(self) -> None:
        # The outbox relay looks tasks up by name in this process too.
        from interop import tasks  # noqa: F401, PLC0415
