"""`manage.py classify`: classify a CSV of children with one rule set, no database."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError

from screening.rules.csvio import CsvFormatError, classify_csv
from screening.rules.reasons import LANGUAGES
from screening.rules.registry import RULESETS, UnknownRuleSet


class Command(BaseCommand):
    help = (
        "Classify INPUT.csv with a rule set and write one result row per input "
        "row (to stdout unless --output). Touches no database."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("input", help="INPUT.csv (UTF-8, header row)")
        parser.add_argument("--ruleset", required=True, choices=sorted(RULESETS))
        parser.add_argument("--output", help="OUT.csv (default: stdout)")
        parser.add_argument("--lang", default="en", choices=LANGUAGES)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with Path(options["input"]).open(encoding="utf-8-sig", newline="") as src:
                count = self._classify(src, options)
        except (OSError, UnicodeDecodeError, CsvFormatError, UnknownRuleSet) as error:
            msg = f"cannot read {options['input']}: {error}"
            raise CommandError(msg) from error
        self.stderr.write(f"{count} row(s) classified with {options['ruleset']}")

    def _classify(self, source: TextIO, options: dict[str, Any]) -> int:
        ruleset, lang = options["ruleset"], options["lang"]
        if options["output"]:
            with Path(options["output"]).open("w", encoding="utf-8", newline="") as out:
                return classify_csv(source, out, ruleset, lang)
        return classify_csv(source, _Stdout(self), ruleset, lang)  # type: ignore[arg-type]


class _Stdout:
    """csv.writer target writing through the command's self.stdout, verbatim."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command

    def write(self, text: str) -> int:
        self.command.stdout.write(text, ending="")
        return len(text)
