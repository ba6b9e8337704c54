"""No page of the demo registry shows an outcome, alert, criterion, ACMG or
import code where a reader expects words, in German or in English. Codes may
stay in attributes (data-outcome, class) for styling and tests, never in text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import OuterRef, Subquery
from django.test import Client

from screening import rules
from screening.models import (
    AcmgClass,
    Alert,
    Assessment,
    ImportBatch,
    Outcome,
    Person,
)

pytestmark = pytest.mark.django_db

# Codes that are not also plain words in the page's language.
CODES = sorted(
    {code for code in Outcome.values if "_" in code}
    | set(Alert.values)
    | {code for code in AcmgClass.values if "_" in code}
    | {"calculated_ldl", "needs_direct_ldl", "no_values", "out_of_range"}
)
WORD_CRITERIA = sorted(rules.NAMED_CRITERIA)


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _pages(registry: dict[str, Any]) -> list[tuple[str, str]]:
    """(user, path) for each role's main pages over the demo data."""
    current = Assessment.objects.filter(person=OuterRef("pk")).newest_sample_first()
    persons = Person.objects.annotate(
        current=Subquery(current.values("pk")[:1])
    ).select_related("practice")
    # Children with an assessment of every outcome the demo data hold, and
    # children whose current assessment carries each alert.
    chosen: dict[int, Person] = {}
    for outcome in Outcome.values:
        having = Assessment.objects.filter(outcome=outcome).values("person")
        for child in persons.filter(pk__in=having)[:2]:
            chosen[child.pk] = child
    for alert in Alert.values:
        with_alert = Assessment.objects.filter(alerts__contains=[alert])
        for child in persons.filter(current__in=with_alert.values("pk"))[:2]:
            chosen[child.pk] = child
    children = list(chosen.values())
    batch = ImportBatch.objects.filter(practice__code="DEMO-A").first()
    pages = [("ped_a", "/screening/children/"), ("ped_a", "/screening/imports/")]
    pages += [
        ("ped_a" if child.practice.code == "DEMO-A" else "ped_b", child_url)
        for child in children
        for child_url in (f"/screening/children/{child.pseudonym}/",)
    ]
    if batch is not None:
        pages.append(("ped_a", f"/screening/imports/{batch.pk}/"))
    pages += [("coord", "/followup/queue/"), ("epi", "/statistics/")]
    return pages


@pytest.fixture
def registry(settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--children", "340", verbosity=0)
    return {}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_demo_pages_speak_words_not_codes(registry: dict[str, Any], lang: str) -> None:
    from fh_registry.models import User  # noqa: PLC0415

    clients: dict[str, Client] = {}
    shown_outcomes: set[str] = set()
    shown_alerts: set[str] = set()
    for username, path in _pages(registry):
        if username not in clients:
            clients[username] = Client(HTTP_ACCEPT_LANGUAGE=lang)
            clients[username].force_login(User.objects.get(username=username))
        response = clients[username].get(path)
        assert response.status_code == 200, (username, path)
        html = response.content.decode()
        if path.startswith("/screening/children/FH-"):
            shown_outcomes |= set(re.findall(r'data-outcome="(\w+)"', html))
        for alerts in re.findall(r'data-alerts="([\w ]+)"', html):
            shown_alerts |= set(alerts.split())
        text = _visible(html)
        for code in CODES:
            assert not re.search(rf"\b{code}\b", text), (lang, path, code)
        for code in WORD_CRITERIA:
            assert not re.search(rf"(?i)(criterion|kriterium) {code}\b", text), (
                lang,
                path,
                code,
            )
    # The demo data exercise the codes most likely to leak.
    held = set(Assessment.objects.values_list("outcome", flat=True))
    assert shown_outcomes >= held >= {"positive", "negative", "needs_direct_ldl"}
    assert shown_alerts >= {"calculated_ldl", "family_history_unknown"}
