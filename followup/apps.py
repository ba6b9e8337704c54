"""Follow-up: what happens after a positive screen."""

from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"
