"""A family with cascade invitations, for the letter and answer-page tests: Anna
Huber (DEMO-A) carries LDLR c.681C>G; her parents Maria and Josef are invited
for a genetic test."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from pypdf import PdfReader

from fh_registry.models import Practice, User
from followup.models import CascadeInvitation
from screening import services as screening
from screening.models import Person
from tests.personas import record_result

HIGH_LDL = {"total_cholesterol": Decimal("7.0"), "ldl_cholesterol": Decimal("5.2")}
LETTERHEAD = "Angerstraße 7\n80331 München"
PHONE = "089 123 45 67"
CODE_PATTERN = re.compile(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b")


@dataclass(frozen=True)
class Family:
    child: Person
    mother: Person
    father: Person

    def invitation_of(self, relative: Person) -> CascadeInvitation:
        return CascadeInvitation.objects.get(relative=relative)


def with_letterhead(code: str = "DEMO-A") -> Practice:
    practice = Practice.objects.get(code=code)
    practice.letterhead_address = LETTERHEAD
    practice.phone = PHONE
    practice.email = "praxis@example.org"
    practice.save()
    return practice


def huber_family(user: User, child: Person) -> Family:
    """`child` (Anna Huber) affected by a pathogenic LDLR variant, her
    parents registered with addresses: both are proposed for a genetic test."""
    record_result(user, child, **HIGH_LDL)
    screening.record_genetic_result(
        acting_user=user,
        person=child,
        gene="LDLR",
        hgvs_c="c.681C>G",
        acmg_class="pathogenic",
        lab="Genetics lab",
        report_date=timezone.localdate() - timedelta(days=1),
    )
    parents = {}
    for sex, given, born in (("F", "Maria", 1985), ("M", "Josef", 1983)):
        parents[sex] = screening.register_parent(
            acting_user=user,
            child=child,
            sex=sex,
            birth_date=date(born, 1, 1),
            identity=screening.IdentityEntry(
                given_name=given,
                family_name="Huber",
                street="Lindenweg 3",
                postcode="80333",
                city="München",
            ),
        )
    return Family(child=child, mother=parents["F"], father=parents["M"])


def pdf_pages(content: bytes) -> list[str]:
    """Each page's text, whitespace folded (lines wrap where the layout says)."""
    reader = PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(content: bytes) -> str:
    return " ".join(pdf_pages(content))


def printed_codes(text: str) -> list[str]:
    return CODE_PATTERN.findall(text)
