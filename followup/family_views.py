"""The family page (pedigree, invitations, adding relatives) and the cascade's
yield page.

Thin: the forms check shape, `screening.services` registers relatives,
`followup.invitations.set_state` moves invitations, `followup.family` reads.
The family page is for the person's practice's pediatricians and coordinators
in scope; the yield page for coordinators. Everyone else gets a 404, as for a
record out of scope. The forms live here: they exist only for this page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fh_registry.models import Role
from fh_registry.requests import AuthenticatedRequest
from followup import family, invitations, services
from followup.models import CascadeInvitation, InvitationState
from screening import services as screening
from screening.forms import DateInput, IdentityFields, ParentForm
from screening.models import Person, PersonIdentity, Sex
from screening.views import submitted

FAMILY_ROLES = (Role.PEDIATRICIAN, Role.COORDINATOR)


# --- Forms ----------------------------------------------------------------------------


class _MemberChoices:
    """Forms whose fields name members of the family (by pseudonym)."""

    def set_members(
        self, field: str, members: list[tuple[str, str]], *, blank: bool
    ) -> None:
        choices = [("", "–")] if blank else []
        self.fields[field].choices = choices + members  # type: ignore[attr-defined]


class AddParentForm(_MemberChoices, ParentForm):
    child = forms.ChoiceField(label=gettext_lazy("Parent of"))
    deceased = forms.BooleanField(label=gettext_lazy("Deceased"), required=False)
    field_order = ["child", "parent", "birth_date"]


class AddChildForm(_MemberChoices, IdentityFields):
    mother = forms.ChoiceField(label=gettext_lazy("Mother"), required=False)
    father = forms.ChoiceField(label=gettext_lazy("Father"), required=False)
    sex = forms.ChoiceField(
        label=gettext_lazy("Sex"), choices=[("", "–"), *Sex.choices]
    )
    birth_date = forms.DateField(label=gettext_lazy("Date of birth"), widget=DateInput)
    deceased = forms.BooleanField(label=gettext_lazy("Deceased"), required=False)
    field_order = ["mother", "father", "sex", "birth_date"]


class VitalStatusForm(_MemberChoices, forms.Form):
    member = forms.ChoiceField(label=gettext_lazy("Family member"))
    deceased = forms.BooleanField(label=gettext_lazy("Deceased"), required=False)


class InvitationStateForm(forms.Form):
    state = forms.ChoiceField(choices=InvitationState.choices)


# --- Pages ----------------------------------------------------------------------------


def _require_family_reader(request: AuthenticatedRequest) -> None:
    if request.user.role not in FAMILY_ROLES:
        raise Http404


def _person_in_scope(request: AuthenticatedRequest, pseudonym: str) -> Person:
    return get_object_or_404(
        Person.objects.for_user(request.user).select_related("practice"),
        pseudonym=pseudonym,
    )


@login_required
def family_page(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    _require_family_reader(request)
    person = _person_in_scope(request, pseudonym)
    return _render_family(request, person)


def _render_family(
    request: AuthenticatedRequest,
    person: Person,
    bound: forms.Form | None = None,
    status: int = 200,
    found: family.Family | None = None,
) -> HttpResponse:
    found = found or family.family_around(person, user=request.user)
    names = _names(request, found)
    forms_by_name: dict[str, forms.Form] = {
        "parent_form": AddParentForm(prefix="parent"),
        "child_form": AddChildForm(prefix="child"),
        "vital_form": VitalStatusForm(prefix="vital"),
    }
    if bound is not None:
        forms_by_name[f"{bound.prefix}_form"] = bound
    _offer_members(forms_by_name, found, names)
    is_coordinator = request.user.role == Role.COORDINATOR
    rows = [
        {
            "invitation": i,
            "name": names.get(i.relative.pk, ""),
            "steps": _steps(i) if is_coordinator else [],
        }
        for i in found.invitations
    ]
    return render(
        request,
        "followup/family.html",
        {
            "person": person,
            "family": found,
            "drawing": family.pedigree(found),
            "member_rows": [(m, names.get(m.pk, "")) for m in found.members],
            "invitation_rows": rows,
            "is_coordinator": is_coordinator,
            "can_enter": request.user.role == Role.PEDIATRICIAN,
            **forms_by_name,
        },
        status=status,
    )


def _names(request: AuthenticatedRequest, found: family.Family) -> dict[int, str]:
    identities = PersonIdentity.objects.for_user(request.user).filter(
        person_id__in=[m.pk for m in found.members]
    )
    return {i.person_id: f"{i.family_name}, {i.given_name}" for i in identities}


def _offer_members(
    forms_by_name: dict[str, Any], found: family.Family, names: dict[int, str]
) -> None:
    def label(m: family.Relative) -> str:
        name = names.get(m.pk)
        return f"{m.pseudonym} · {name}" if name else m.pseudonym

    everyone = [(m.pseudonym, label(m)) for m in found.members]
    women = [(m.pseudonym, label(m)) for m in found.members if m.sex == Sex.FEMALE]
    men = [(m.pseudonym, label(m)) for m in found.members if m.sex == Sex.MALE]
    offers = {
        "parent_form": [("child", everyone, False)],
        "child_form": [("mother", women, True), ("father", men, True)],
        "vital_form": [("member", everyone, False)],
    }
    for name, fields in offers.items():
        if name in forms_by_name:
            for field, members, blank in fields:
                forms_by_name[name].set_members(field, members, blank=blank)


def _steps(invitation: CascadeInvitation) -> list[tuple[str, str]]:
    labels = dict(InvitationState.choices)
    return [
        (state, str(labels[state]))
        for state in invitations.TRANSITIONS.get(invitation.state, ())
    ]


def _member(request: AuthenticatedRequest, pseudonym: str) -> Person | None:
    if not pseudonym:
        return None
    return _person_in_scope(request, pseudonym)


def _relative_added(
    request: AuthenticatedRequest,
    person: Person,
    form: forms.Form,
    register: Any,
    done: str,
) -> HttpResponse:
    """Register through `register` (a service call) for a valid form; back to
    the family page, or the page again with the errors by their fields."""
    found = family.family_around(person, user=request.user)
    _offer_members({f"{form.prefix}_form": form}, found, {})
    if form.is_valid() and submitted(request, form, register) is not None:
        messages.success(request, done)
        return redirect("followup:family", pseudonym=person.pseudonym)
    return _render_family(request, person, bound=form, status=400, found=found)


@login_required
@require_POST
def parent_add(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    """A mother or father of any member (grandparents are a parent's parents)."""
    _require_family_reader(request)
    person = _person_in_scope(request, pseudonym)
    form = AddParentForm(request.POST, prefix="parent")

    def register() -> Person:
        data = form.cleaned_data
        return screening.register_parent(
            acting_user=request.user,
            child=_person_in_scope(request, data["child"]),
            sex=data["parent"],
            birth_date=data["birth_date"],
            identity=_identity(data),
            deceased=data["deceased"],
        )

    return _relative_added(request, person, form, register, _("Parent added."))


@login_required
@require_POST
def child_add(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    """A child of one or two members: a sibling, half-sibling, aunt or uncle
    is the child of the right parents."""
    _require_family_reader(request)
    person = _person_in_scope(request, pseudonym)
    form = AddChildForm(request.POST, prefix="child")

    def register() -> Person:
        data = form.cleaned_data
        return screening.register_child_of(
            acting_user=request.user,
            mother=_member(request, data["mother"]),
            father=_member(request, data["father"]),
            sex=data["sex"],
            birth_date=data["birth_date"],
            identity=_identity(data),
            deceased=data["deceased"],
        )

    return _relative_added(request, person, form, register, _("Relative added."))


@login_required
@require_POST
def vital_status(request: AuthenticatedRequest, pseudonym: str) -> HttpResponse:
    _require_family_reader(request)
    person = _person_in_scope(request, pseudonym)
    form = VitalStatusForm(request.POST, prefix="vital")

    def record() -> Person:
        data = form.cleaned_data
        return screening.record_vital_status(
            acting_user=request.user,
            person=_person_in_scope(request, data["member"]),
            deceased=data["deceased"],
        )

    return _relative_added(request, person, form, record, _("Vital status saved."))


def _identity(data: dict[str, Any]) -> screening.IdentityEntry:
    return screening.IdentityEntry(
        **{name: data[name] for name in screening.IdentityEntry.__slots__}
    )


@login_required
@require_POST
def invitation_state(request: AuthenticatedRequest, invitation_id: int) -> HttpResponse:
    """Coordinators move an invitation on; a refused step shows why."""
    if request.user.role != Role.COORDINATOR:
        raise Http404
    invitation = get_object_or_404(
        CascadeInvitation.objects.for_user(request.user).select_related("relative"),
        pk=invitation_id,
    )
    form = InvitationStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the invitation's new state."))
    else:
        try:
            invitations.set_state(
                invitation, state=form.cleaned_data["state"], acting_user=request.user
            )
        except services.FollowUpError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The invitation moved on."))
    back = request.POST.get("family") or invitation.relative.pseudonym
    if not Person.objects.for_user(request.user).filter(pseudonym=back).exists():
        back = invitation.relative.pseudonym
    return redirect("followup:family", pseudonym=back)


@login_required
def cascade_yield(request: AuthenticatedRequest) -> HttpResponse:
    """Per index case and overall: identified, invited, answered, tested,
    newly affected; new cases per index case."""
    if request.user.role != Role.COORDINATOR:
        raise Http404
    rows = family.cascade_yield(request.user)
    return render(
        request,
        "followup/family_yield.html",
        {"rows": rows[:-1], "total": rows[-1]},
    )
