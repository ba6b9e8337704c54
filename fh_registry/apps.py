"""App configuration of the project package."""

from django.apps import AppConfig


class FhRegistryConfig(AppConfig):
    name = "fh_registry"
    verbose_name = "FH registry"
