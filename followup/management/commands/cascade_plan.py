"""Print the cascade invitations a family file calls for, as JSON Lines.

Runs the pure planner (followup.cascade) and needs no database. One object per
invitation, in the order of rule 5, with exactly the keys person, test,
variant, because, relation. A malformed file: a message naming the bad entry
on stderr and exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from followup import cascade


class Command(BaseCommand):
    help = "Plan the cascade invitations of a family file (JSON) without a database."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("family_file", help="the family as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["family_file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            members = cascade.members_from_json(data)
        except OSError as error:
            self._refuse(f"{path}: cannot be read ({error.strerror or error}).")
        except UnicodeDecodeError:
            self._refuse(f"{path}: is not UTF-8 text.")
        except json.JSONDecodeError as error:
            self._refuse(
                f"{path}: not valid JSON at line {error.lineno}, column "
                f"{error.colno}: {error.msg}."
            )
        except cascade.FamilyFileError as error:
            self._refuse(f"{path}: {error}")
        for invitation in cascade.plan(members):
            self.stdout.write(json.dumps(invitation.as_dict(), ensure_ascii=False))

    def _refuse(self, message: str) -> None:
        self.stderr.write(message)
        sys.exit(2)
