"""Screening: who is screened and what was measured."""

from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
