"""`manage.py fhir_import BUNDLE.json --practice CODE --user USERNAME`: a FHIR
transaction or batch Bundle of lab results into a practice, as
`POST /api/v1/fhir/` takes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from interop import queries, receiving, services
from screening.management.importing import importing_user, practice_by_code


class Command(BaseCommand):
    help = (
        "Read a FHIR R4 Bundle (transaction or batch) of Patients, lab and variant "
        "Observations and family findings into a practice, through the same "
        "checks and lab-file pipeline as POST /api/v1/fhir/, and print the "
        "answer: the transaction-response or batch-response Bundle, or the "
        "OperationOutcome of a refused Bundle (exit status 1, nothing stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", type=Path, help="The Bundle, as FHIR JSON.")
        parser.add_argument("--practice", required=True, help="Practice code")
        parser.add_argument(
            "--user",
            required=True,
            help="Username of the pediatrician or coordinator recorded as sender.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        practice = practice_by_code(options["practice"])
        user = importing_user(options["user"], practice)
        reading = receiving.read_bundle(
            self._bundle(options["bundle"]),
            known=queries.known_children(user, practice),
        )
        reception = services.receive_bundle(
            acting_user=user,
            practice=practice,
            reading=reading,
            lang=settings.LANGUAGE_CODE[:2],
        )
        if reception.refused:
            self.stdout.write(
                json.dumps(reception.outcome(), indent=2, ensure_ascii=False)
            )
            raise CommandError("The Bundle was refused; nothing was stored.")
        self.stdout.write(
            json.dumps(reception.response_bundle(), indent=2, ensure_ascii=False)
        )

    def _bundle(self, path: Path) -> Any:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if path.stat().st_size > settings.IMPORT_MAX_FILE_BYTES:
            raise CommandError("The Bundle is larger than a lab file may be.")
        try:
            return json.loads(path.read_bytes())
        except (ValueError, RecursionError) as error:
            raise CommandError(f"{path} is not JSON.") from error
