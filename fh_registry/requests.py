"""Request types for views behind login: `request.user` is a registry User."""

from django.http import HttpRequest

from fh_registry.models import User


class AuthenticatedRequest(HttpRequest):
    user: User
