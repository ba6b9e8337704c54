"""Epidemiology: anonymised statistics, never a person."""

from django.apps import AppConfig


class EpidemiologyConfig(AppConfig):
    name = "epidemiology"
