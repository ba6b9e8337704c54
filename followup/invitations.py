"""Cascade invitations in the registry: the pure planner (followup.cascade) fed
from the database, run whenever a family's facts change; invitation states; the
relative's answer.

Every invitation is also work in the coordinators' queue (a `cascade_invitation`
task); an accepted one opens a care episode for the relative.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
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
from screening import services as screening_services
from screening.imports.set_based import insert_rows, without_jit
from screening.models import (
    PSEUDONYM_ALPHABET,
    Assessment,
    Consent,
    ConsentScope,
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
# (A proposed relative found a non-carrier, or affected, by a result of their
# own needs no letter any more.)
_AWAITING_RESULT = ("proposed", "invited", "accepted", "tested", "unreachable")


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


def _genetics(person_ids: set[int] | None) -> dict[int, cascade.Genetic]:
    """Per person the result that matters: a P/LP variant, else a negative
    family test, else a VUS (benign findings are ignored). None: everyone's."""
    rank = {"plp": 0, "non_carrier": 1, "vus": 2}
    chosen: dict[int, tuple[int, cascade.Genetic]] = {}
    results = GeneticResult.objects.all()
    if person_ids is not None:
        results = results.filter(person_id__in=person_ids)
    for person_id, finding, gene, hgvs, acmg in results.values_list(
        "person_id", "finding", "gene", "hgvs_c", "acmg_class"
    ).iterator(chunk_size=20_000):
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


def _latest_outcomes(person_ids: set[int] | None) -> dict[int, str]:
    """The outcome of each person's current assessment: that of their newest
    sample (any rule set; where several assessed it, an affected one wins).
    None: everyone's."""
    latest: dict[int, tuple[int, str]] = {}
    assessments = Assessment.objects.all()
    if person_ids is not None:
        assessments = assessments.filter(person_id__in=person_ids)
    rows = (
        assessments.order_by(
            "person_id", "-lab_result__sample_date", "-lab_result_id", "-pk"
        )
        .values_list("person_id", "lab_result_id", "outcome")
        .iterator(chunk_size=20_000)
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
        # An import's batch: both questions asked of the database.
        affected = set(
            assessments.filter(outcome__in=cascade.AFFECTED_OUTCOMES).values_list(
                "person_id", flat=True
            )
        )
        concerned: Any = assessments.values("person_id")
    else:
        rows = [(a.person_id, a.outcome) for a in assessments]
        affected = {
            pid for pid, outcome in rows if outcome in cascade.AFFECTED_OUTCOMES
        }
        concerned = {pid for pid, _ in rows} - affected
    invited = set(
        CascadeInvitation.objects.filter(
            relative_id__in=concerned, state__in=_AWAITING_RESULT
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


# --- Planning the whole registry ------------------------------------------------------

_CHUNK = 10_000


def registry_families(
    linked: list[tuple[Any, ...]] | None = None,
) -> list[list[cascade.Member]]:
    """Every family (connected pedigree) with a member who may be affected, as
    the planner sees them, each ordered as `members_of` orders it.

    Set-based: one pass over each table (persons, consents, genetic results,
    assessments, invitations), whatever the number of families; persons without
    any link are never a family. `linked`: `_linked_persons()`, when the
    caller has read it already."""
    linked = _linked_persons() if linked is None else linked
    linked_ids = {row[0] for row in linked}
    genetic = {pk: g for pk, g in _genetics(None).items() if pk in linked_ids}
    outcome = {pk: o for pk, o in _latest_outcomes(None).items() if pk in linked_ids}
    seeds = {pk for pk, g in genetic.items() if g.is_pathogenic} | {
        pk for pk, o in outcome.items() if o in cascade.AFFECTED_OUTCOMES
    }
    today = timezone.localdate()
    withdrawn = set(
        Consent.objects.filter(
            withdrawn_on__isnull=False, withdrawn_on__lte=today
        ).values_list("person_id", flat=True)
    )
    invited = dict(
        CascadeInvitation.objects.values_list("relative_id", "state").iterator(
            chunk_size=20_000
        )
    )
    families: list[list[cascade.Member]] = []
    for component in _families_of(seeds, linked):
        ordered = sorted((linked[at] for at in component), key=lambda r: (r[2], r[0]))
        families.append(
            [
                cascade.Member(
                    id=str(pk),
                    sex=_SEX.get(sex),
                    birth_date=born,
                    mother=str(mother) if mother else None,
                    father=str(father) if father else None,
                    deceased=deceased,
                    consent_withdrawn=pk in withdrawn,
                    genetic=genetic.get(pk),
                    outcome=outcome.get(pk),
                    invitation=invited.get(pk),
                )
                for pk, sex, born, mother, father, deceased, _practice in ordered
            ]
        )
    return families


def _linked() -> Q:
    """Persons with a parent link, or someone's mother or father (EXISTS probes
    the partial indexes on mother and father; an IN subquery over the whole
    table would not be hashed)."""
    return (
        Q(mother__isnull=False)
        | Q(father__isnull=False)
        | Q(Exists(Person.objects.filter(mother_id=OuterRef("pk"))))
        | Q(Exists(Person.objects.filter(father_id=OuterRef("pk"))))
    )


def _linked_persons() -> list[tuple[Any, ...]]:
    """(pk, sex, birth date, mother, father, deceased, practice) of every
    linked person."""
    return list(
        Person.objects.filter(_linked()).values_list(
            "pk",
            "sex",
            "birth_date",
            "mother_id",
            "father_id",
            "deceased",
            "practice_id",
        )
    )


def _families_of(seeds: set[int], linked: list[tuple[Any, ...]]) -> list[list[int]]:
    """The connected pedigrees (by parent links) holding a seed, as lists of
    positions in `linked`. Components by label propagation over arrays: each
    person takes the smallest label of a parent or child until nothing changes
    (as many rounds as a pedigree is deep); only seeded labels are grouped."""
    if not linked or not seeds:
        return []
    pks = np.fromiter((row[0] for row in linked), dtype=np.int64, count=len(linked))
    order = np.argsort(pks)
    children, parents = [], []
    for column in (3, 4):  # mother, father
        linked_parent = np.fromiter(
            (row[column] or -1 for row in linked), dtype=np.int64, count=len(linked)
        )
        at = np.searchsorted(pks, linked_parent, sorter=order).clip(0, len(pks) - 1)
        known = pks[order[at]] == linked_parent
        children.append(np.flatnonzero(known))
        parents.append(order[at[known]])
    child, parent = np.concatenate(children), np.concatenate(parents)
    label = np.arange(len(pks))
    while True:
        smaller = np.minimum(label[child], label[parent])
        before = label.copy()
        np.minimum.at(label, child, smaller)
        np.minimum.at(label, parent, smaller)
        label = label[label]  # a label points at a person: jump to its label
        if np.array_equal(label, before):
            break
    seeded = np.isin(pks, np.fromiter(seeds, dtype=np.int64, count=len(seeds)))
    members = np.flatnonzero(np.isin(label, label[seeded]))
    members = members[np.argsort(label[members], kind="stable")]
    starts = np.flatnonzero(np.diff(label[members], prepend=-1))
    return [group.tolist() for group in np.split(members, starts[1:])]


@transaction.atomic
def plan_all(*, acting_user: User | None = None) -> list[int]:
    """Run the cascade for every family of the registry at once: what `replan`
    does per family (settle invitations the relatives' own results answer,
    create the new invitations with a task each), in one set-based pass.
    Returns the ids of the invitations created. Idempotent: run again, it
    creates nothing."""
    if connection.vendor == "postgresql":
        without_jit()
    linked = _linked_persons()
    families = registry_families(linked)
    settle: dict[int, str] = {}
    planned: list[dict[str, Any]] = []
    for members in families:
        if any(m.invitation in _AWAITING_RESULT for m in members):
            settle.update(_settled(members))
        planned.extend(
            {
                "relative_id": int(p.person),
                "because_id": int(p.because),
                "relation": p.relation,
                "test": p.test,
                "variant": p.variant or "",
                "due_by": p.due_by,
            }
            for p in cascade.plan(members)
        )
    _settle_states(settle, acting_user)
    # A relative is a linked person: their tasks' practice is read already.
    practice_of = {row[0]: row[6] for row in linked}
    return _create_invitations(planned, practice_of, acting_user)


def _settled(members: list[cascade.Member]) -> dict[int, str]:
    status = cascade.statuses(members)
    return {
        int(m.id): InvitationState.POSITIVE
        if status[m.id] == cascade.AFFECTED
        else InvitationState.NEGATIVE
        for m in members
        if m.invitation in _AWAITING_RESULT and status[m.id] != cascade.UNKNOWN
    }


def _settle_states(settle: dict[int, str], acting_user: User | None) -> None:
    changed = []
    relatives = list(settle)
    for start in range(0, len(relatives), _CHUNK):
        for invitation in CascadeInvitation.objects.filter(
            relative_id__in=relatives[start : start + _CHUNK]
        ):
            invitation.state = settle[invitation.relative_id]
            changed.append(invitation)
    CascadeInvitation.objects.bulk_update(changed, ["state"], batch_size=2000)
    services.bulk_history(CascadeInvitation, changed, acting_user, update=True)


def _create_invitations(
    planned: list[dict[str, Any]],
    practice_of: dict[int, int],
    acting_user: User | None,
) -> list[int]:
    """Insert the planned invitations (a relative already invited meanwhile is
    left alone), their history and a queue task each; the ids of those added."""
    if not set_based_writes():
        return _create_invitations_by_orm(planned, acting_user)
    written = insert_rows(
        CascadeInvitation,
        planned,
        acting_user=acting_user,
        returning=("id", "relative_id", "due_by"),
    )
    today = timezone.localdate()
    insert_rows(
        Task,
        [
            _invitation_task(pk, relative_id, due_by, today, acting_user)
            | {"practice_id": practice_of[relative_id]}
            for pk, relative_id, due_by in written
        ],
        acting_user=acting_user,
        # Keyed by invitations this transaction made: nothing can be there.
        skip_conflicts=False,
    )
    return sorted(pk for pk, _relative, _due in written)


def set_based_writes() -> bool:
    """Whole-registry planning writes in SQL statements on PostgreSQL; through
    the ORM elsewhere (SQLite for `bin/run`)."""
    return connection.vendor == "postgresql"


def _invitation_task(
    invitation_id: int,
    relative_id: int,
    due_by: date | None,
    today: date,
    acting_user: User | None,
) -> dict[str, Any]:
    """The queue task of a new invitation, as Task field values."""
    return {
        "person_id": relative_id,
        "kind": TaskKind.CASCADE_INVITATION,
        "due_date": _task_due(due_by, today),
        "origin": TaskOrigin.CASCADE,
        "dedupe_key": f"cascade:{invitation_id}",
        "created_by_id": acting_user.pk if acting_user else None,
    }


def _create_invitations_by_orm(
    planned: list[dict[str, Any]], acting_user: User | None
) -> list[int]:
    CascadeInvitation.objects.bulk_create(
        [CascadeInvitation(**row) for row in planned],
        ignore_conflicts=True,
        batch_size=5000,
    )
    created: list[int] = []
    today = timezone.localdate()
    relatives = [row["relative_id"] for row in planned]
    for start in range(0, len(relatives), _CHUNK):
        chunk = services.without_history(
            CascadeInvitation,
            list(
                CascadeInvitation.objects.filter(
                    relative_id__in=relatives[start : start + _CHUNK]
                )
            ),
        )
        services.bulk_history(CascadeInvitation, chunk, acting_user)
        services.create_tasks(
            [
                Task(
                    **_invitation_task(
                        i.pk, i.relative_id, i.due_by, today, acting_user
                    )
                )
                for i in chunk
            ],
            acting_user=acting_user,
        )
        created.extend(i.pk for i in chunk)
    return sorted(created)


# --- Answer codes: the relative's answer without an account -------------------------

ANSWER_CODE_LENGTH = 10  # 50 random bits in the pseudonyms' read-aloud alphabet
# States in which a relative may still answer with a code, and in which a letter
# may be written (a proposed invitation becomes invited with its letter).
ANSWERABLE = (InvitationState.INVITED, InvitationState.UNREACHABLE)
LETTER_STATES = (InvitationState.PROPOSED, *ANSWERABLE)
# The channels a relative may name on the answer page.
ANSWER_CHANNELS = ("phone", "email", "letter")
# Who gave a consent recorded from the answer page: the relative (or a parent).
_ANSWER_PAGE = "answer page"


def normalise_answer_code(typed: str) -> str:
    """The code as stored: upper case, without the spaces and hyphens that a
    letter groups it with or a reader types."""
    return "".join(typed.split()).replace("-", "").upper()


def answer_code_digest(code: str) -> str:
    return hashlib.sha256(
        normalise_answer_code(code).encode("ascii", "replace")
    ).hexdigest()


def _new_answer_code() -> str:
    return "".join(
        secrets.choice(PSEUDONYM_ALPHABET) for _position in range(ANSWER_CODE_LENGTH)
    )


def _refuse_letter(invitation: CascadeInvitation) -> services.FollowUpError:
    return services.FollowUpError(
        "invitation_answered",
        _("An invitation that is %(current)s gets no new letter.")
        % {"current": invitation.get_state_display()},
    )


@transaction.atomic
def issue_answer_code(invitation: CascadeInvitation, acting_user: User | None) -> str:
    """A fresh single-use answer code for the invitation's letter, valid for
    FOLLOWUP_ANSWER_CODE_DAYS; only its digest is kept, and an earlier code of
    the invitation stops working. Returns the code (to print, never to store)."""
    current = CascadeInvitation.objects.select_for_update().get(pk=invitation.pk)
    if current.state not in LETTER_STATES:
        raise _refuse_letter(current)
    code = _new_answer_code()
    current.answer_code_digest = answer_code_digest(code)
    current.answer_code_expires_on = timezone.localdate() + timedelta(
        days=settings.FOLLOWUP_ANSWER_CODE_DAYS
    )
    audited_save(current, acting_user=acting_user)
    invitation.answer_code_digest = current.answer_code_digest
    invitation.answer_code_expires_on = current.answer_code_expires_on
    return code


@transaction.atomic
def issue_letters(
    invitations: list[CascadeInvitation], *, acting_user: User | None
) -> dict[int, str]:
    """What printing letters does to a batch of invitations: each gets a fresh
    answer code (as `issue_answer_code`), and a proposed one becomes invited,
    its queue task completed (the step `set_state` takes). Set-based, with one
    history row per invitation: a batch of a thousand letters is a handful of
    statements, not a dozen per letter. Returns the codes by invitation id;
    the objects passed in are updated to match."""
    rows = list(
        CascadeInvitation.objects.select_for_update()
        .filter(pk__in=[invitation.pk for invitation in invitations])
        .order_by("pk")  # locked in one order: no deadlock between batches
    )
    refused = [row for row in rows if row.state not in LETTER_STATES]
    if refused:
        raise _refuse_letter(refused[0])
    expires_on = timezone.localdate() + timedelta(
        days=settings.FOLLOWUP_ANSWER_CODE_DAYS
    )
    codes: dict[int, str] = {}
    invited: list[int] = []
    for row in rows:
        codes[row.pk] = _new_answer_code()
        row.answer_code_digest = answer_code_digest(codes[row.pk])
        row.answer_code_expires_on = expires_on
        if row.state == InvitationState.PROPOSED:
            assert InvitationState.INVITED in TRANSITIONS[row.state]
            row.state = InvitationState.INVITED
            invited.append(row.pk)
    # The rows just locked, written back in one upsert (INSERT ... ON CONFLICT
    # (id) DO UPDATE): bulk_update builds a CASE branch per row and field in
    # Python, which outweighs the rest of the batch's writing.
    CascadeInvitation.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["answer_code_digest", "answer_code_expires_on", "state"],
        batch_size=2000,
    )
    services.bulk_history(CascadeInvitation, rows, acting_user, update=True)
    services.complete_active_tasks(
        Task.objects.filter(dedupe_key__in=[f"cascade:{pk}" for pk in invited]),
        acting_user,
    )
    by_id = {row.pk: row for row in rows}
    for invitation in invitations:
        for field in ("answer_code_digest", "answer_code_expires_on", "state"):
            setattr(invitation, field, getattr(by_id[invitation.pk], field))
    return codes


def _by_code(code: str) -> QuerySet[CascadeInvitation]:
    """The invitation a code answers today: known, unexpired, unanswered."""
    normalised = normalise_answer_code(code)
    if len(normalised) != ANSWER_CODE_LENGTH:
        return CascadeInvitation.objects.none()
    return CascadeInvitation.objects.filter(
        answer_code_digest=answer_code_digest(normalised),
        answer_code_expires_on__gte=timezone.localdate(),
        state__in=ANSWERABLE,
    )


def invitation_for_code(code: str) -> CascadeInvitation | None:
    """The invitation `code` answers, with the relative's practice; None for a
    code unknown, expired, used or belonging to an invitation already settled
    (the answer page says the same for each)."""
    return _by_code(code).select_related("relative__practice").first()


@transaction.atomic
def answer_invitation(
    *, code: str, accept: bool, consent: bool, channel: str
) -> CascadeInvitation:
    """The relative's own answer (or a parent's, for a child) on the public
    page: accepted (with screening consent, which opens the care episode) or
    declined (which cancels the queue task); the code is used up."""
    invitation = _by_code(code).select_for_update().first()
    if invitation is None:
        raise services.FollowUpError("unknown_code", _("Unknown or expired code."))
    if channel and channel not in ANSWER_CHANNELS:
        raise services.FollowUpError(
            "channel", _("Choose phone, e-mail or letter to be contacted by.")
        )
    if accept and not consent:
        raise services.FollowUpError(
            "consent_required", _("Please give your consent to take part.")
        )
    today = timezone.localdate()
    if accept:
        screening_services.record_consent(
            person=invitation.relative,
            scope=ConsentScope.SCREENING,
            given_on=today,
            given_by=_ANSWER_PAGE,
            acting_user=None,
        )
    state = InvitationState.ACCEPTED if accept else InvitationState.DECLINED
    invitation = set_state(invitation, state=state, acting_user=None)
    invitation.answered_at = timezone.now()
    invitation.preferred_channel = channel
    invitation.answer_code_digest = ""  # single use
    audited_save(invitation, acting_user=None)
    return invitation
