"""Cascade invitations in the registry: the pure planner (followup.cascade) fed
from the database, run whenever a family's facts change; invitation states; the
relative's answer.

Every invitation is also work in the coordinators' queue (a `cascade_invitation`
task); an accepted one opens a care episode for the relative.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fh_registry.auditing import audited_save
from fh_registry.models import User
from followup import cascade, pathway, services
from followup.models import (
    CareEpisode,
    CascadeInvitation,
    CascadeTest,
    EpisodeOrigin,
    InvitationState,
    Task,
    TaskKind,
    TaskOrigin,
)
from screening.models import (
    Assessment,
    Consent,
    GeneticFinding,
    GeneticResult,
    Person,
    Sex,
)

_SEX = {Sex.FEMALE: "female", Sex.MALE: "male"}
_PATHOGENIC = ("pathogenic", "likely_pathogenic")

# The states an invitation may move to from each state.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    InvitationState.PROPOSED: ("invited", "declined", "unreachable"),
    InvitationState.INVITED: ("accepted", "declined", "unreachable"),
    InvitationState.UNREACHABLE: ("invited", "accepted", "declined"),
    InvitationState.ACCEPTED: ("tested", "positive", "negative", "declined"),
    InvitationState.TESTED: ("positive", "negative"),
    InvitationState.POSITIVE: (),
    InvitationState.NEGATIVE: (),
    InvitationState.DECLINED: (),
}
# States in which a relative's own result settles the invitation.
_AWAITING_RESULT = ("invited", "accepted", "tested", "unreachable")


# --- From the database to the planner -------------------------------------------


def family_of(person_ids: Iterable[int]) -> set[int]:
    """Everyone linked to `person_ids` by parent links, however far."""
    family = set(person_ids)
    frontier = set(family)
    while frontier:
        linked: set[int] = set()
        for mother, father in Person.objects.filter(pk__in=frontier).values_list(
            "mother_id", "father_id"
        ):
            linked.update(p for p in (mother, father) if p is not None)
        linked.update(
            Person.objects.filter(
                Q(mother_id__in=frontier) | Q(father_id__in=frontier)
            ).values_list("pk", flat=True)
        )
        frontier = linked - family
        family |= frontier
    return family


def members_of(person_ids: set[int]) -> list[cascade.Member]:
    """The planner's view of these persons (a handful of queries)."""
    today = timezone.localdate()
    withdrawn = set(
        Consent.objects.filter(
            person_id__in=person_ids,
            withdrawn_on__isnull=False,
            withdrawn_on__lte=today,
        ).values_list("person_id", flat=True)
    )
    genetic = _genetics(person_ids)
    outcome = _latest_outcomes(person_ids)
    invited = dict(
        CascadeInvitation.objects.filter(relative_id__in=person_ids).values_list(
            "relative_id", "state"
        )
    )
    return [
        cascade.Member(
            id=str(pk),
            sex=_SEX.get(sex),
            birth_date=birth_date,
            mother=str(mother) if mother else None,
            father=str(father) if father else None,
            deceased=deceased,
            consent_withdrawn=pk in withdrawn,
            genetic=genetic.get(pk),
            outcome=outcome.get(pk),
            invitation=invited.get(pk),
        )
        for pk, sex, birth_date, mother, father, deceased in Person.objects.filter(
            pk__in=person_ids
        )
        .order_by("birth_date", "pk")
        .values_list("pk", "sex", "birth_date", "mother_id", "father_id", "deceased")
    ]


def _genetics(person_ids: set[int]) -> dict[int, cascade.Genetic]:
    """Per person the result that matters: a P/LP variant, else a negative
    family test, else a VUS (benign findings are ignored)."""
    rank = {"plp": 0, "non_carrier": 1, "vus": 2}
    chosen: dict[int, tuple[int, cascade.Genetic]] = {}
    for person_id, finding, gene, hgvs, acmg in GeneticResult.objects.filter(
        person_id__in=person_ids
    ).values_list("person_id", "finding", "gene", "hgvs_c", "acmg_class"):
        if finding == GeneticFinding.NON_CARRIER:
            kind = "non_carrier"
        elif acmg in _PATHOGENIC:
            kind = "plp"
        elif acmg == "vus":
            kind = "vus"
        else:
            continue
        genetic = cascade.Genetic(
            result=cascade.NON_CARRIER if kind == "non_carrier" else cascade.CARRIER,
            gene=gene,
            hgvs=hgvs,
            acmg_class=acmg,
        )
        if person_id not in chosen or rank[kind] < chosen[person_id][0]:
            chosen[person_id] = (rank[kind], genetic)
    return {person_id: genetic for person_id, (_, genetic) in chosen.items()}


def _latest_outcomes(person_ids: set[int]) -> dict[int, str]:
    """The outcome of each person's current assessment: that of their newest
    sample (any rule set; where several assessed it, an affected one wins)."""
    latest: dict[int, tuple[int, str]] = {}
    rows = (
        Assessment.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "-lab_result__sample_date", "-lab_result_id", "-pk")
        .values_list("person_id", "lab_result_id", "outcome")
    )
    for person_id, lab_result_id, outcome in rows:
        if person_id not in latest or (
            latest[person_id][0] == lab_result_id
            and outcome in cascade.AFFECTED_OUTCOMES
            and latest[person_id][1] not in cascade.AFFECTED_OUTCOMES
        ):
            latest[person_id] = (lab_result_id, outcome)
    return {person_id: outcome for person_id, (_, outcome) in latest.items()}


# --- Planning ---------------------------------------------------------------------


@transaction.atomic
def replan(
    person_ids: Iterable[int], *, acting_user: User | None
) -> list[CascadeInvitation]:
    """Run the cascade for the families of `person_ids`: settle invitations that
    the relatives' own results answer, and create the new invitations with a task
    each. Idempotent: run again, it creates nothing."""
    seeds = set(person_ids)
    if not seeds:
        return []
    family = family_of(seeds)
    members = members_of(family)
    if not any(m.mother or m.father for m in members):
        return []  # nobody linked: no relative to invite
    _settle_by_results(members, acting_user)
    invitations = [
        CascadeInvitation(
            relative_id=int(planned.person),
            because_id=int(planned.because),
            relation=planned.relation,
            test=planned.test,
            variant=planned.variant or "",
            due_by=planned.due_by,
        )
        for planned in cascade.plan(members)
    ]
    if not invitations:
        return []
    CascadeInvitation.objects.bulk_create(invitations, ignore_conflicts=True)
    created = services.without_history(
        CascadeInvitation,
        list(
            CascadeInvitation.objects.filter(
                relative_id__in=[i.relative_id for i in invitations]
            )
        ),
    )
    services.bulk_history(CascadeInvitation, created, acting_user)
    today = timezone.localdate()
    services.create_tasks(
        [
            Task(
                person_id=invitation.relative_id,
                kind=TaskKind.CASCADE_INVITATION,
                due_date=_task_due(invitation.due_by, today),
                origin=TaskOrigin.CASCADE,
                dedupe_key=f"cascade:{invitation.pk}",
            )
            for invitation in created
        ],
        acting_user=acting_user,
    )
    return created


def _task_due(due_by: date | None, today: date) -> date:
    """Invite within FOLLOWUP_INVITATION_DUE_DAYS; a young child whose test is due
    by an age far off is invited INVITATION_LEAD_DAYS before it."""
    soon = today + timedelta(days=settings.FOLLOWUP_INVITATION_DUE_DAYS)
    if due_by is None:
        return soon
    return max(soon, due_by - timedelta(days=settings.FOLLOWUP_INVITATION_LEAD_DAYS))


def _settle_by_results(members: list[cascade.Member], acting_user: User | None) -> None:
    """An invited relative whose own results now say affected or unaffected:
    the invitation is positive or negative."""
    status = cascade.statuses(members)
    settle = {
        int(m.id): InvitationState.POSITIVE
        if status[m.id] == cascade.AFFECTED
        else InvitationState.NEGATIVE
        for m in members
        if m.invitation in _AWAITING_RESULT and status[m.id] != cascade.UNKNOWN
    }
    if not settle:
        return
    changed = []
    for invitation in CascadeInvitation.objects.filter(relative_id__in=settle):
        invitation.state = settle[invitation.relative_id]
        changed.append(invitation)
    CascadeInvitation.objects.bulk_update(changed, ["state"])
    services.bulk_history(CascadeInvitation, changed, acting_user, update=True)


def affected_in(assessments: Iterable[Assessment]) -> set[int]:
    """The persons an assessment event concerns for the cascade: those now
    affected, and relatives with an open invitation (their result answers it)."""
    if isinstance(assessments, QuerySet):
        rows = list(assessments.values_list("person_id", "outcome"))
    else:
        rows = [(a.person_id, a.outcome) for a in assessments]
    affected = {pid for pid, outcome in rows if outcome in cascade.AFFECTED_OUTCOMES}
    others = {pid for pid, _ in rows} - affected
    invited = set(
        CascadeInvitation.objects.filter(
            relative_id__in=others, state__in=_AWAITING_RESULT
        ).values_list("relative_id", flat=True)
    )
    return affected | invited


# --- States and answers -------------------------------------------------------------


@transaction.atomic
def set_state(
    invitation: CascadeInvitation, *, state: str, acting_user: User | None
) -> CascadeInvitation:
    """Move an invitation on; a step the states do not allow is refused."""
    invitation = CascadeInvitation.objects.select_for_update().get(pk=invitation.pk)
    if state == invitation.state:
        return invitation
    if state not in TRANSITIONS.get(invitation.state, ()):
        raise services.FollowUpError(
            "invitation_state",
            _("An invitation that is %(current)s cannot become %(target)s.")
            % {
                "current": invitation.get_state_display(),
                "target": dict(InvitationState.choices).get(state, state),
            },
        )
    invitation.state = state
    audited_save(invitation, acting_user=acting_user)
    if state == InvitationState.ACCEPTED:
        _open_relative_episode(invitation, acting_user)
    if state in (InvitationState.DECLINED, InvitationState.UNREACHABLE):
        _close_invitation_task(invitation, acting_user, cancel=True)
    if state == InvitationState.INVITED:
        _close_invitation_task(invitation, acting_user, cancel=False)
    if state in (InvitationState.POSITIVE,):
        replan([invitation.relative_id], acting_user=acting_user)
    return invitation


def _open_relative_episode(
    invitation: CascadeInvitation, acting_user: User | None
) -> None:
    stage = (
        pathway.GENETIC_TESTING
        if invitation.test in (CascadeTest.GENETIC, CascadeTest.SEGREGATION)
        else pathway.REPEAT_LIPIDS
    )
    if CareEpisode.objects.filter(
        person_id=invitation.relative_id, closed_on__isnull=True
    ).exists():
        return
    services.open_episode(
        person=invitation.relative,
        origin=EpisodeOrigin.CASCADE,
        acting_user=acting_user,
        stage=stage,
        note=_("Cascade invitation: %(test)s")
        % {"test": invitation.get_test_display()},
    )


def _close_invitation_task(
    invitation: CascadeInvitation, acting_user: User | None, *, cancel: bool
) -> None:
    """The queue's invitation task ends with the invitation's step."""
    tasks = Task.objects.filter(dedupe_key=f"cascade:{invitation.pk}")
    if cancel:
        services.cancel_active_tasks(tasks, acting_user)
    else:
        services.complete_active_tasks(tasks, acting_user)


def invitations_by_because(person_ids: set[int]) -> dict[int, list[CascadeInvitation]]:
    """The invitations each of these persons gave rise to (for the family page)."""
    found: dict[int, list[CascadeInvitation]] = defaultdict(list)
    for invitation in CascadeInvitation.objects.filter(
        because_id__in=person_ids
    ).select_related("relative"):
        found[invitation.because_id].append(invitation)
    return found
