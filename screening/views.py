"""Pediatricians' pages: find and register children, see a child's record."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fh_registry.access import can_enter_results, is_administrator
from fh_registry.models import Role, User
from fh_registry.requests import AuthenticatedRequest
from screening import services
from screening.forms import (
    NO_FAMILY_FINDING,
    FamilyHistoryForm,
    FindChildForm,
    GeneticResultForm,
    LabResultForm,
    RegisterChildForm,
)
from screening.models import Person, PersonIdentity, ResultSource
from screening.queries import child_history, child_page_context


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's field-keyed errors next to the fields of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _require_pediatrician(request: AuthenticatedRequest) -> None:
    if not can_enter_results(request.user):
        raise Http404


@login_required
def person_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_pediatrician(request)
    form = FindChildForm(request.GET or None)
    persons = Person.objects.for_user(request.user).select_related(
        "practice", "identity"
    )
    query = form.data.get("q", "").strip() if form.is_bound else ""
    if query:
        names = PersonIdentity.objects.for_user(request.user).filter(
            Q(family_name__icontains=query) | Q(given_name__icontains=query)
        )
        persons = persons.filter(
            Q(practice_patient_number__iexact=query) | Q(pk__in=names.values("pk"))
        )
    persons = persons.order_by("-created_at", "-pk")[:100]
    return render(
        request,
        "screening/person_list.html",
        {"form": form, "persons": persons, "query": query},
    )


@login_required
def person_register(request: AuthenticatedRequest) -> HttpResponse:
    _require_pediatrician(request)
    form = RegisterChildForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.register_child(
                acting_user=request.user,
                practice=data["practice"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                practice_patient_number=data["practice_patient_number"],
                identity=services.IdentityEntry(
                    **{name: data[name] for name in services.IdentityEntry.__slots__}
                ),
                consent_given_on=data["consent_given_on"],
                consent_given_by=data["consent_given_by"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Child registered."))
            return redirect("screening:person-detail", pseudonym=person.pseudonym)
    return render(request, "screening/person_register.html", {"form": form})


def _child_in_scope(request: AuthenticatedRequest, pseudonym: str) -> Person:
    """The person if this user may see them; a 404 otherwise, as for no person."""
    return get_object_or_404(
        Person.objects.for_user(request.user).select_related("practice"),
        pseudonym=pseudonym,
    )


def _identity(request: AuthenticatedRequest, person: Person) -> PersonIdentity | None:
    """The person's name and contact, where this user may read them."""
    return PersonIdentity.objects.for_user(request.user).filter(person=person).first()


@login_required
def person_detail(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    person = _child_in_scope(request, pseudonym)
    context = child_page_context(
        person=person, user=request.user, lang=request.LANGUAGE_CODE
    )
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
        try:
            recorded = services.record_lab_result(
                acting_user=request.user,
                person=person,
                entry=services.LabEntry(**data),
                source=ResultSource.FORM,
                confirm_extreme=confirm,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            needs_confirmation = _asks_confirmation(error)
        else:
            messages.success(
                request,
                _("Result saved. Assessment: %(outcome)s")
                % {"outcome": recorded.assessment.get_outcome_display()},
            )
            return redirect("screening:person-detail", pseudonym=person.pseudonym)
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


def _asks_confirmation(error: ValidationError) -> bool:
    return any(
        e.code == "needs_confirmation"
        for errors in getattr(error, "error_dict", {}).values()
        for e in errors
    )


def _record_for_child(
    request: AuthenticatedRequest,
    pseudonym: str,
    *,
    form_class: type[Form],
    record: Callable[..., object],
    title: str,
    saved: str,
) -> HttpResponse:
    """A small form whose data go to one service, then back to the child's page."""
    _require_pediatrician(request)
    person = _child_in_scope(request, pseudonym)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record(acting_user=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved)
            return redirect("screening:person-detail", pseudonym=person.pseudonym)
    return render(
        request,
        "screening/simple_form.html",
        {
            "form": form,
            "person": person,
            "identity": _identity(request, person),
            "title": title,
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
    return render(
        request,
        "screening/person_history.html",
        {"person": person, "changes": child_history(person=person, user=request.user)},
    )
