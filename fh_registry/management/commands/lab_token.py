"""`manage.py lab_token create PRACTICE NAME | revoke ID | list`: lab-system tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fh_registry import services
from fh_registry.access import is_administrator
from fh_registry.models import LabSystemToken, Practice, User, get_system_user


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


class Command(BaseCommand):
    help = (
        "Issue a lab-system token for a practice (the key is printed once), revoke "
        "one, or list them (no keys)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Issue a token; prints its key once")
        create.add_argument("practice", help="Practice code")
        create.add_argument("name", help="The lab system's name")
        revoke = actions.add_parser("revoke", help="Revoke a token at once")
        revoke.add_argument("id", type=int, help="Token id (see list)")
        for sub in (create, revoke):
            sub.add_argument(
                "--user",
                help="Administrator recorded as acting (default: the registry-system "
                "user).",
            )
        listing = actions.add_parser("list", help="List tokens, without keys")
        listing.add_argument("--practice", help="Only this practice's tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(options["practice"], options["name"], options["user"])
        elif options["action"] == "revoke":
            self._revoke(options["id"], options["user"])
        else:
            self._list(options["practice"])

    def _acting_user(self, username: str | None) -> User:
        if not username:
            return get_system_user()
        user = User.objects.filter(username=username).first()
        if user is None or not is_administrator(user):
            raise CommandError(f"{username!r} is not an administrator.")
        return user

    def _create(self, code: str, name: str, username: str | None) -> None:
        practice = Practice.objects.filter(code=code).first()
        if practice is None:
            raise CommandError(f"No practice {code!r}.")
        try:
            issued = services.issue_lab_token(
                acting_user=self._acting_user(username), practice=practice, name=name
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        token = issued.token
        self.stdout.write(
            f"Issued token {token.pk} {token.name!r} for {practice.code}, acting as "
            f"{token.user.username}.\n"
            "The key is shown only now (the registry keeps only its digest):"
        )
        self.stdout.write(issued.key)

    def _revoke(self, token_id: int, username: str | None) -> None:
        token = LabSystemToken.objects.filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"No lab-system token {token_id}.")
        was_revoked = token.revoked_at is not None
        token = services.revoke_lab_token(
            acting_user=self._acting_user(username), token=token
        )
        state = "was already revoked" if was_revoked else "revoked"
        self.stdout.write(
            f"Token {token.pk} {token.name!r} ({token.practice.code}) {state} at "
            f"{_when(token.revoked_at)}."
        )

    def _list(self, code: str | None) -> None:
        tokens = LabSystemToken.objects.select_related("practice", "user")
        if code:
            tokens = tokens.filter(practice__code=code)
        self.stdout.write("id\tpractice\tname\tuser\tcreated\tlast used\trevoked")
        for token in tokens:
            self.stdout.write(
                "\t".join(
                    (
                        str(token.pk),
                        token.practice.code,
                        token.name,
                        token.user.username,
                        _when(token.created_at),
                        _when(token.last_used_at),
                        _when(token.revoked_at),
                    )
                )
            )
