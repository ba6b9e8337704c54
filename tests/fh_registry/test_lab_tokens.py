"""Lab-system tokens: one practice, results and imports only, revocable, the key
never stored; issued and revoked in the admin and by `manage.py lab_token`.

The story: DEMO-A's lab ("Lab A") sends Anna's result and a lab file for DEMO-A;
it cannot send Ben's (DEMO-B), read anything back but its own imports, sign in,
or keep working once revoked.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from fh_registry import services
from fh_registry.models import LabSystemToken, Membership, Role, User
from screening.imports.pipeline import run_import
from screening.models import ImportBatch, LabResult, Person
from tests import personas
from tests.interop.test_bundles import lab_message
from tests.personas import lab_client, lab_token

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data"
FORBIDDEN = "A lab-system token may only submit lab results and imports."


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """The wrong-token counter lives in the cache."""
    cache.clear()


@pytest.fixture
def lab_a(cast: Any) -> services.IssuedLabToken:
    """DEMO-A's lab system."""
    return lab_token("DEMO-A", "Lab A")


def _upload(practice: str, name: str = "import_sample.csv") -> dict[str, Any]:
    return {
        "file": SimpleUploadedFile(name, (DATA / name).read_bytes(), "text/csv"),
        "practice": practice,
    }


# --- What a token is ---------------------------------------------------------------


def test_a_token_has_its_own_user_of_its_practice_who_cannot_sign_in(
    lab_a: services.IssuedLabToken,
) -> None:
    token = lab_a.token
    user = token.user
    assert (user.role, user.is_staff, user.is_superuser) == (
        Role.LAB_SYSTEM,
        False,
        False,
    )
    assert not user.has_usable_password()
    assert list(
        Membership.objects.filter(user=user).values_list("practice__code", "role")
    ) == [("DEMO-A", "lab_system")]
    assert token.created_by.username == "admin"
    assert user.history.get().history_user.username == "admin"


def test_the_key_is_stored_only_as_its_digest(lab_a: services.IssuedLabToken) -> None:
    assert lab_a.key.startswith("fhlab_")
    assert len(lab_a.key) > 40
    row = LabSystemToken.objects.filter(pk=lab_a.token.pk).values().get()
    assert row["key_digest"] == hashlib.sha256(lab_a.key.encode()).hexdigest()
    assert all(lab_a.key not in str(value) for value in row.values())
    user_row = User.objects.filter(pk=lab_a.token.user_id).values().get()
    assert all(lab_a.key not in str(value) for value in user_row.values())


def test_only_administrators_issue_tokens(cast: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        services.issue_lab_token(
            acting_user=cast["coord"],
            practice=cast["ped_a"].memberships.get().practice,
            name="Lab A",
        )
    assert refused.value.error_list[0].code == "not_administrator"
    assert not LabSystemToken.objects.exists()


def test_a_token_needs_a_name(cast: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        lab_token("DEMO-A", "   ")
    assert refused.value.error_dict["name"][0].code == "blank"
    assert not User.objects.filter(role=Role.LAB_SYSTEM).exists()


# --- Writing results ---------------------------------------------------------------


def test_the_lab_records_a_result_for_its_practice_s_child_under_its_own_user(
    lab_a: services.IssuedLabToken, child_a: Any
) -> None:
    response = lab_client(lab_a.key).post(
        "/api/v1/lab-results/",
        personas.api_lab_result(child_a.pseudonym),
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["assessment"]["outcome"] == "negative"
    result = LabResult.objects.get(person=child_a)
    assert (result.source, result.entered_by) == ("api", lab_a.token.user)
    assert result.history.get().history_user == lab_a.token.user
    lab_a.token.refresh_from_db()
    assert lab_a.token.last_used_at is not None


def test_a_retry_with_the_same_idempotency_key_records_nothing_twice(
    lab_a: services.IssuedLabToken, child_a: Any
) -> None:
    client = lab_client(lab_a.key)
    first = client.post(
        "/api/v1/lab-results/",
        personas.api_lab_result(child_a.pseudonym),
        format="json",
        HTTP_IDEMPOTENCY_KEY="L-77",
    )
    again = client.post(
        "/api/v1/lab-results/",
        personas.api_lab_result(child_a.pseudonym),
        format="json",
        HTTP_IDEMPOTENCY_KEY="L-77",
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert LabResult.objects.filter(person=child_a).count() == 1


def test_a_result_for_another_practice_s_child_is_not_found(
    lab_a: services.IssuedLabToken, child_b: Any
) -> None:
    response = lab_client(lab_a.key).post(
        "/api/v1/lab-results/",
        personas.api_lab_result(child_b.pseudonym),
        format="json",
    )

    assert response.status_code == 404
    assert not LabResult.objects.exists()


# --- Nothing else ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/"),
        ("get", "/api/v1/persons/"),
        ("get", "/api/v1/persons/{child}/"),
        ("post", "/api/v1/persons/"),
        ("get", "/api/v1/lab-results/"),
        ("get", "/api/v1/lab-results/{result}/"),
        ("get", "/api/v1/assessments/"),
        ("get", "/api/v1/genetic-results/"),
        ("post", "/api/v1/genetic-results/"),
        ("get", "/api/v1/tasks/"),
        ("get", "/api/v1/care-episodes/"),
        ("get", "/api/v1/contact-attempts/"),
        ("get", "/api/v1/statistics/"),
        ("get", "/api/v1/fhir/metadata"),
        ("get", "/api/v1/fhir/Patient/{child}/$everything"),
        ("post", "/api/v1/fhir/$export"),
        ("get", "/api/schema/"),
    ],
)
def test_every_other_endpoint_is_forbidden(
    lab_a: services.IssuedLabToken, child_a: Any, method: str, path: str
) -> None:
    result = personas.record_result(personas.cast()["ped_a"], child_a).lab_result
    url = path.format(child=child_a.pseudonym, result=result.pk)

    response = getattr(lab_client(lab_a.key), method)(url, {}, format="json")

    assert response.status_code == 403, (method, url)
    # JSON, a FHIR OperationOutcome or the schema's media type: the same reason.
    assert FORBIDDEN.encode() in response.content
    assert child_a.pseudonym.encode() not in response.content


@pytest.mark.parametrize(
    "path", ["/", "/screening/children/", "/screening/imports/", "/followup/queue/"]
)
def test_pages_do_not_take_a_token(lab_a: services.IssuedLabToken, path: str) -> None:
    response = Client().get(path, HTTP_AUTHORIZATION=f"Token {lab_a.key}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_lab_system_user_never_signs_in_even_with_a_password(
    lab_a: services.IssuedLabToken,
) -> None:
    user = lab_a.token.user
    user.set_password("a long enough passphrase")
    user.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    login = client.post(
        "/accounts/login/",
        {"username": user.username, "password": "a long enough passphrase"},
    )
    assert login.status_code == 200  # the form again, no session
    client.force_login(user)  # a session made behind the login page's back
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith("/accounts/login/")


def test_a_user_token_for_the_lab_system_user_is_refused(
    lab_a: services.IssuedLabToken, child_a: Any
) -> None:
    """Only its lab key authenticates it (a DRF token could be made in the admin)."""
    token = Token.objects.create(user=lab_a.token.user)

    response = lab_client(token.key).post(
        "/api/v1/lab-results/",
        personas.api_lab_result(child_a.pseudonym),
        format="json",
    )

    assert response.status_code == 401
    assert not LabResult.objects.exists()


# --- Revocation and guessing -------------------------------------------------------


def test_a_revoked_token_is_refused_at_once(
    lab_a: services.IssuedLabToken, child_a: Any, cast: Any
) -> None:
    client = lab_client(lab_a.key)
    assert (
        client.post(
            "/api/v1/lab-results/",
            personas.api_lab_result(child_a.pseudonym),
            format="json",
        )
    ).status_code == 201

    services.revoke_lab_token(acting_user=cast["admin"], token=lab_a.token)

    response = client.post(
        "/api/v1/lab-results/",
        personas.api_lab_result(child_a.pseudonym),
        format="json",
        HTTP_IDEMPOTENCY_KEY="after-revocation",
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}
    assert LabResult.objects.count() == 1
    lab_a.token.refresh_from_db()
    assert lab_a.token.revoked_by == cast["admin"]
    assert not lab_a.token.user.is_active
    assert lab_a.token.user.history.latest().history_user == cast["admin"]


def test_wrong_lab_keys_are_throttled_like_user_tokens(
    lab_a: services.IssuedLabToken, child_a: Any, settings: Any
) -> None:
    settings.API_TOKEN_FAILURE_LIMIT = 3
    for attempt in range(3):
        guess = lab_client(f"fhlab_guess{attempt}").post(
            "/api/v1/lab-results/",
            personas.api_lab_result(child_a.pseudonym),
            format="json",
        )
        assert guess.status_code == 401
    right = lab_client(lab_a.key).post(
        "/api/v1/lab-results/",
        personas.api_lab_result(child_a.pseudonym),
        format="json",
    )

    assert right.status_code == 429
    assert not LabResult.objects.exists()


def test_a_forbidden_call_is_not_counted_as_a_wrong_key(
    lab_a: services.IssuedLabToken, child_a: Any, settings: Any
) -> None:
    settings.API_TOKEN_FAILURE_LIMIT = 2
    client = lab_client(lab_a.key)
    for _ in range(3):
        assert client.get("/api/v1/persons/").status_code == 403
    assert (
        client.post(
            "/api/v1/lab-results/",
            personas.api_lab_result(child_a.pseudonym),
            format="json",
        )
    ).status_code == 201


# --- Imports -----------------------------------------------------------------------


def test_the_lab_imports_a_file_into_its_practice_and_follows_it(
    lab_a: services.IssuedLabToken, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = lab_client(lab_a.key)

    response = client.post("/api/v1/imports/", _upload("DEMO-A"), format="multipart")

    assert response.status_code == 202, response.json()
    batch = ImportBatch.objects.get()
    assert (batch.practice.code, batch.uploaded_by) == ("DEMO-A", lab_a.token.user)
    run_import(batch.pk)
    listed = client.get("/api/v1/imports/").json()["results"]
    assert [row["id"] for row in listed] == [batch.pk]
    detail = client.get(f"/api/v1/imports/{batch.pk}/").json()
    assert (detail["status"], detail["rows_imported"]) == ("completed", 6)
    assert "row_errors" in detail
    imported = Person.objects.get(practice_patient_number="P-1001")
    assert imported.history.get().history_user == lab_a.token.user
    assert imported.lab_results.get().history.get().history_user == lab_a.token.user


def test_the_lab_cannot_import_into_another_practice(
    lab_a: services.IssuedLabToken, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path

    response = lab_client(lab_a.key).post(
        "/api/v1/imports/", _upload("DEMO-B"), format="multipart"
    )

    assert response.status_code == 404
    assert not ImportBatch.objects.exists()


def test_the_lab_posts_a_fhir_bundle_for_its_practice_only(
    lab_a: services.IssuedLabToken,
) -> None:
    client = lab_client(lab_a.key)

    def post(query: str, number: str) -> Any:
        return client.post(
            f"/api/v1/fhir/{query}",
            json.dumps(lab_message(number=number)),
            content_type="application/fhir+json",
        )

    assert post("", "P-3001").status_code == 200  # its one practice, unnamed
    stored = LabResult.objects.get(person__practice_patient_number="P-3001")
    assert stored.person.practice.code == "DEMO-A"
    assert stored.history.get().history_user == lab_a.token.user
    assert post("?practice=DEMO-B", "P-3002").status_code == 404
    assert not Person.objects.filter(practice_patient_number="P-3002").exists()


def test_the_lab_sees_only_the_imports_it_sent(
    lab_a: services.IssuedLabToken, cast: Any, settings: Any, tmp_path: Path
) -> None:
    """A pediatrician's import of the same practice is not the lab's to read."""
    settings.MEDIA_ROOT = tmp_path
    by_hand = ImportBatch.objects.create(
        practice=lab_a.token.practice,
        file_name="by-hand.csv",
        sha256="a" * 64,
        uploaded_by=cast["ped_a"],
        status="completed",
    )
    client = lab_client(lab_a.key)

    assert client.get("/api/v1/imports/").json()["results"] == []
    assert client.get(f"/api/v1/imports/{by_hand.pk}/").status_code == 404


# --- Management --------------------------------------------------------------------


def test_the_command_issues_lists_and_revokes(cast: Any, child_a: Any) -> None:
    out = io.StringIO()
    call_command("lab_token", "create", "DEMO-A", "Lab A", stdout=out)
    key = out.getvalue().splitlines()[-1]
    token = LabSystemToken.objects.get()
    assert token.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert token.created_by.username == "registry-system"
    client = lab_client(key)
    assert (
        client.post(
            "/api/v1/lab-results/",
            personas.api_lab_result(child_a.pseudonym),
            format="json",
        )
    ).status_code == 201

    listing = io.StringIO()
    call_command("lab_token", "list", stdout=listing)
    lines = listing.getvalue().splitlines()
    assert lines[0] == "id\tpractice\tname\tuser\tcreated\tlast used\trevoked"
    assert lines[1].split("\t")[:4] == [
        str(token.pk),
        "DEMO-A",
        "Lab A",
        token.user.username,
    ]
    assert lines[1].split("\t")[-1] == "-"
    assert key not in listing.getvalue()

    revoked = io.StringIO()
    call_command(
        "lab_token", "revoke", str(token.pk), "--user", "admin", stdout=revoked
    )
    assert revoked.getvalue().startswith(
        f"Token {token.pk} 'Lab A' (DEMO-A) revoked at "
    )
    assert client.get("/api/v1/imports/").status_code == 401


def test_the_admin_issues_a_token_shows_its_key_once_and_revokes_it(
    cast: Any,
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast["admin"])
    practice = cast["ped_a"].memberships.get().practice

    issued = client.post(
        "/admin/fh_registry/labsystemtoken/add/",
        {"practice": practice.pk, "name": "Lab A"},
    )

    assert issued.status_code == 200
    token = LabSystemToken.objects.get()
    key = issued.context["key"]
    assert token.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert f'<code id="lab-key">{key}</code>' in issued.content.decode()
    assert token.created_by == cast["admin"]

    changelist = client.get("/admin/fh_registry/labsystemtoken/").content.decode()
    detail = client.get(
        f"/admin/fh_registry/labsystemtoken/{token.pk}/change/"
    ).content.decode()
    for page in (changelist, detail):
        assert "Lab A" in page
        assert key not in page
        assert token.key_digest not in page
    assert 'name="name"' not in detail  # read-only

    client.post(
        "/admin/fh_registry/labsystemtoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_by == cast["admin"]
    assert lab_client(key).get("/api/v1/imports/").status_code == 401
