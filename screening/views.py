"""Pediatricians' pages: find and register children, see a child's record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fh_registry.access import can_enter_results, is_administrator
from fh_registry.models import Role, User
from fh_registry.requests import AuthenticatedRequest
from screening import queries, rules, services
from screening.access_log import record_reads
from screening.forms import (
    NO_FAMILY_FINDING,
    CompleteRecordForm,
    FamilyHistoryForm,
    FindChildForm,
    GeneticResultForm,
    LabResultForm,
    ParentForm,
    RegisterChildForm,
)
from screening.models import Person, PersonIdentity, ReadKind, ResultSource
from screening.pages import person_panels
from screening.queries import child_history, child_page_context

T = TypeVar("T")


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's field-keyed errors next to the fields of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def submitted(
    request: AuthenticatedRequest, form: Form, action: Callable[[], T]
) -> T | None:
    """Run the service call `action` for a valid form: its result, or None with
    the service's errors shown on the form."""
    try:
        return action()
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def _require_pediatrician(request: AuthenticatedRequest) -> None:
    if not can_enter_results(request.user):
        raise Http404


PAGE_SIZE = 50


@login_required
def person_list(request: AuthenticatedRequest) -> HttpResponse:
    """The practice's children: search, sort, paging, each with their flag."""
    _require_pediatrician(request)
    form = FindChildForm(request.GET or None)
    query = form.data.get("q", "").strip() if form.is_bound else ""
    adults = request.GET.get("show") == "all"
    order = request.GET.get("sort", "newest")
    if order not in queries.LIST_ORDERS:
        order = "newest"
    persons = queries.practice_persons(
        user=request.user, query=query, adults=adults, order=order
    )
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/person_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "adults": adults,
            "order": order,
            "orders": [(key, label) for key, (label, _) in queries.LIST_ORDERS.items()],
        },
    )


@login_required
def person_register(request: AuthenticatedRequest) -> HttpResponse:
    _require_pediatrician(request)
    form = RegisterChildForm(request.POST or None, user=request.user)
    asks_if_relative = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asks_if_relative = _is_adult(data["birth_date"]) and not data["confirm_adult"]
        if asks_if_relative:
            form.add_error(
                "birth_date",
                ValidationError(
                    _(
                        "This person is %(age)d years old, older than the "
                        "paediatric rule sets (under 18). Is this a relative of a "
                        "child? Add parents from the child's page. To register "
                        "them as a screened person anyway, tick the box below."
                    )
                    % {"age": _age_today(data["birth_date"])},
                    code="adult",
                ),
            )
        else:
            person = submitted(
                request,
                form,
                lambda: services.register_child(
                    acting_user=request.user,
                    practice=data["practice"],
                    sex=data["sex"],
                    birth_date=data["birth_date"],
                    practice_patient_number=data["practice_patient_number"],
                    **_identity_and_consent(data),
                ),
            )
            if person is not None:
                return _back_to(request, person, _("Child registered."))
    return render(
        request,
        "screening/person_register.html",
        {
            "form": form,
            "asks_if_relative": asks_if_relative
            or bool(form.data.get("confirm_adult")),
            "consent_rules": services.CONSENT_RULES,
        },
    )


def _is_adult(birth_date: date) -> bool:
    return _age_today(birth_date) >= queries.ADULT_AGE_YEARS


def _age_today(birth_date: date) -> int:
    """Age in whole years (the form has refused a birth date in the future)."""
    return int(rules.age_in_years(birth_date, timezone.localdate()))


def _back_to(request: AuthenticatedRequest, person: Person, done: str) -> HttpResponse:
    """Say what was saved, on the person's page."""
    messages.success(request, done)
    return redirect("screening:person-detail", pseudonym=person.pseudonym)


def _identity_and_consent(data: dict[str, Any]) -> dict[str, Any]:
    """A form's name, contact and consent as the services take them."""
    return {
        "identity": _identity_entry(data),
        "consent_given_on": data["consent_given_on"],
        "consent_given_by": data["consent_given_by"],
    }


def _identity_entry(data: dict[str, Any]) -> services.IdentityEntry:
    return services.IdentityEntry(
        **{name: data[name] for name in services.IdentityEntry.__slots__}
    )


@login_required
def person_complete(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    """Name, contact and consent of a child that arrived by a lab file."""
    return _record_for_child(
        request,
        pseudonym,
        form_class=CompleteRecordForm,
        record=lambda *, acting_user, person, **data: services.complete_child_record(
            acting_user=acting_user, person=person, **_identity_and_consent(data)
        ),
        title=_("Complete the record"),
        saved=_("Record completed."),
        template="screening/person_complete.html",
        extra={"consent_rules": services.CONSENT_RULES},
    )


@login_required
def parent_create(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    """Register the child's mother or father (parents first in the cascade)."""
    return _record_for_child(
        request,
        pseudonym,
        form_class=ParentForm,
        record=lambda *, acting_user, person, **data: services.register_parent(
            acting_user=acting_user,
            child=person,
            sex=data["parent"],
            birth_date=data["birth_date"],
            identity=_identity_entry(data),
        ),
        title=_("Add a parent"),
        saved=_("Parent added."),
    )


def _child_in_scope(request: AuthenticatedRequest, pseudonym: str) -> Person:
    """The person if this user may see them; a 404 otherwise, as for no person."""
    return get_object_or_404(
        Person.objects.for_user(request.user).select_related(
            "practice", "mother", "father"
        ),
        pseudonym=pseudonym,
    )


def _identity(request: AuthenticatedRequest, person: Person) -> PersonIdentity | None:
    """The person's name and contact, where this user may read them."""
    return PersonIdentity.objects.for_user(request.user).filter(person=person).first()


@login_required
def person_detail(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    person = _child_in_scope(request, pseudonym)
    context = child_page_context(
        person=person,
        user=request.user,
        lang=request.LANGUAGE_CODE,
        all_assessments=request.GET.get("assessments") == "all",
    )
    context["panels"] = person_panels.render(request, person)
    shown = [ReadKind.PAGE, ReadKind.RESULTS]
    if context.get("identity") is not None:
        shown.append(ReadKind.IDENTITY)
    record_reads(request, [person], shown)
    return render(request, "screening/person_detail.html", context)


@login_required
def lab_result_create(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    _require_pediatrician(request)
    person = _child_in_scope(request, pseudonym)
    form = LabResultForm(request.POST or None, display_unit=request.user.preferred_unit)
    needs_confirmation = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirm = data.pop("confirm_extreme")
        recorded = submitted(
            request,
            form,
            lambda: services.record_lab_result(
                acting_user=request.user,
                person=person,
                entry=services.LabEntry(**data),
                source=ResultSource.FORM,
                confirm_extreme=confirm,
            ),
        )
        needs_confirmation = recorded is None and _asks_confirmation(form)
        if recorded is not None:
            saved = _("Result saved. Assessment: %(outcome)s") % {
                "outcome": recorded.assessment.get_outcome_display()
            }
            return _back_to(request, person, saved)
    return render(
        request,
        "screening/lab_result_form.html",
        {
            "form": form,
            "person": person,
            "identity": _identity(request, person),
            "needs_confirmation": needs_confirmation,
        },
    )


def _asks_confirmation(form: Form) -> bool:
    """Whether the service asked to confirm extreme but possible values."""
    return any(
        error.code == "needs_confirmation"
        for errors in form.errors.as_data().values()
        for error in errors
    )


def _record_for_child(
    request: AuthenticatedRequest,
    pseudonym: str,
    *,
    form_class: type[Form],
    record: Callable[..., object],
    title: str,
    saved: str,
    template: str = "screening/simple_form.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A form about one child whose data go to one service, then back to the
    child's page."""
    _require_pediatrician(request)
    person = _child_in_scope(request, pseudonym)
    form = form_class(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submitted(
            request,
            form,
            lambda: record(acting_user=request.user, person=person, **data),
        )
        if done is not None:
            return _back_to(request, person, saved)
    return render(
        request,
        template,
        {
            "form": form,
            "person": person,
            "identity": _identity(request, person),
            "title": title,
            **(extra or {}),
        },
    )


def _record_family_history(
    *, acting_user: User, person: Person, code: str, detail: str
) -> object:
    """The form's "asked, none" choice records that the family was asked."""
    if code == NO_FAMILY_FINDING:
        return services.record_family_history_asked(
            acting_user=acting_user, person=person
        )
    return services.record_family_history(
        acting_user=acting_user, person=person, code=code, detail=detail
    )


@login_required
def family_history_create(
    request: AuthenticatedRequest, pseudonym: str
) -> HttpResponse:
    return _record_for_child(
        request,
        pseudonym,
        form_class=FamilyHistoryForm,
        record=_record_family_history,
        title=_("Add family history"),
        saved=_("Family history saved."),
    )


@login_required
def genetic_result_create(
    request: AuthenticatedRequest, pseudonym: str
) -> HttpResponse:
    return _record_for_child(
        request,
        pseudonym,
        form_class=GeneticResultForm,
        record=services.record_genetic_result,
        title=_("Add genetic result"),
        saved=_("Genetic result saved."),
    )


@login_required
def person_history(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    """Who changed what and when: the practice's pediatricians and administrators."""
    if request.user.role != Role.PEDIATRICIAN and not is_administrator(request.user):
        raise Http404
    person = _child_in_scope(request, pseudonym)
    record_reads(request, [person], [ReadKind.HISTORY])
    return render(
        request,
        "screening/person_history.html",
        {"person": person, "changes": child_history(person=person, user=request.user)},
    )
