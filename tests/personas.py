"""The cast, named as in seed_demo: ped_a, ped_b, coord, epi, admin; and lab
systems' tokens."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fh_registry.demo import ensure_demo_cast
from fh_registry.models import Practice, User
from fh_registry.services import IssuedLabToken, issue_lab_token
from screening import services
from screening.models import Person

PASSWORD = "demo"


def cast() -> dict[str, User]:
    return ensure_demo_cast(password=PASSWORD)


def register_child(
    user: Any,
    *,
    practice_code: str = "DEMO-A",
    number: str = "A-1",
    sex: str = "F",
    birth_date: date = date(2016, 3, 1),
    given_name: str = "Anna",
    family_name: str = "Huber",
    consent_given_on: date | None = None,
) -> Person:
    return services.register_child(
        acting_user=user,
        practice=Practice.objects.get(code=practice_code),
        sex=sex,
        birth_date=birth_date,
        practice_patient_number=number,
        identity=services.IdentityEntry(given_name=given_name, family_name=family_name),
        consent_given_on=consent_given_on or timezone.localdate() - timedelta(days=30),
    )


def lab_entry(**overrides: Any) -> services.LabEntry:
    values: dict[str, Any] = {
        "sample_date": timezone.localdate() - timedelta(days=1),
        "sample_type": "capillary",
        "unit": "mmol/L",
        "fasting": False,
        "total_cholesterol": Decimal("4.2"),
        "hdl_cholesterol": Decimal("1.4"),
        "ldl_cholesterol": Decimal("2.4"),
        "ldl_method": "direct",
        "triglycerides": Decimal("0.9"),
    }
    values.update(overrides)
    return services.LabEntry(**values)


def api_lab_result(pseudonym: str) -> dict[str, Any]:
    """The body of POST /api/v1/lab-results/ for today's plain venous sample."""
    return {
        "person": pseudonym,
        "sample_date": str(timezone.localdate()),
        "sample_type": "venous",
        "fasting": True,
        "unit": "mmol/L",
        "total_cholesterol": "4.2",
        "hdl_cholesterol": "1.4",
        "ldl_cholesterol": "2.4",
        "ldl_method": "direct",
        "triglycerides": "0.9",
    }


def client_for(user: User | None, lang: str = "en") -> Client:
    """A browser-like client signed in as `user` (None: signed out), asking for
    pages in `lang`."""
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    if user is not None:
        client.force_login(user)
    return client


def child_page(user: User, child: Person, lang: str = "en") -> str:
    """The child's page as `user` reads it."""
    response = client_for(user, lang).get(f"/screening/children/{child.pseudonym}/")
    assert response.status_code == 200
    return response.content.decode()


def api_client_for(user: User) -> APIClient:
    """An API client sending `user`'s token, as a lab system does."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def lab_token(practice_code: str = "DEMO-A", name: str = "Lab A") -> IssuedLabToken:
    """A lab system's token for the practice, issued by the demo administrator."""
    return issue_lab_token(
        acting_user=User.objects.get(username="admin"),
        practice=Practice.objects.get(code=practice_code),
        name=name,
    )


def lab_client(key: str) -> APIClient:
    """An API client sending a lab-system key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def record_result(user: User, child: Person, **values: Any) -> services.RecordedResult:
    """A result for `child` entered by `user`: `lab_entry` with `values`."""
    return services.record_lab_result(
        acting_user=user, person=child, entry=lab_entry(**values)
    )
