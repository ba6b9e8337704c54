"""Cascade planning: from a pedigree and what is known of each member, who is
invited next, with which test, because of whom (DOMAIN §5; issue rules 1–6).

Pure Python, no Django: the registry feeds it families from the database, the
`cascade_plan` command from a JSON file, the benchmark 100,000 families.

1. Affected: a P/LP variant, or a latest outcome `definite`/`positive`.
   Unaffected: `non_carrier` of the family's variant; or, where the family has
   no known P/LP variant, a latest outcome `negative`. Otherwise unknown.
2. Obligate carrier: a P/LP carrier with one parent a `non_carrier` makes the
   other parent a carrier (affected, living or deceased); a living one not yet
   tested is invited (`genetic`).
3. Each first-degree relative (parents, full siblings, children) of an affected
   person is invited when living, of unknown status, never invited, consent not
   withdrawn. Half-siblings only when the shared parent is affected. Where one
   parent carries the affected person's P/LP variant, the other parent is not
   invited for it. The cascade runs on only through affected persons.
4. Test: `genetic` (naming the variant) through a P/LP or obligate carrier;
   through a VUS carrier (no P/LP), `segregation` for the parents (naming the
   VUS) and `lipids` for the others; `lipids` otherwise.
5. Order: parents, then siblings, then children; younger before older.
   Children of an affected parent are due by age 10, by 5 when both parents are
   affected (NICE).
6. Persons with any invitation are never proposed again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

PATHOGENIC_CLASSES = frozenset({"pathogenic", "likely_pathogenic"})
VUS = "vus"
ACMG_CLASSES = frozenset({*PATHOGENIC_CLASSES, VUS, "likely_benign", "benign"})
AFFECTED_OUTCOMES = frozenset({"definite", "positive"})
OUTCOMES = frozenset(
    {
        "rejected",
        "not_eligible",
        "definite",
        "deferred",
        "needs_direct_ldl",
        "positive",
        "repeat_needed",
        "negative",
    }
)
INVITATION_STATES = (
    "proposed",
    "invited",
    "accepted",
    "tested",
    "positive",
    "negative",
    "declined",
    "unreachable",
)
CARRIER = "carrier"
NON_CARRIER = "non_carrier"

GENETIC = "genetic"
LIPIDS = "lipids"
SEGREGATION = "segregation"

MOTHER, FATHER, SIBLING, HALF_SIBLING, CHILD = (
    "mother",
    "father",
    "sibling",
    "half_sibling",
    "child",
)
# Rule 5: parents, then siblings (full or half), then children.
_RANK = {MOTHER: 0, FATHER: 0, SIBLING: 1, HALF_SIBLING: 1, CHILD: 2}

CHILD_DUE_AGE = 10
CHILD_DUE_AGE_BOTH_PARENTS = 5


@dataclass(frozen=True, slots=True)
class Genetic:
    result: str  # "carrier" | "non_carrier"
    gene: str = ""
    hgvs: str = ""
    acmg_class: str = ""

    @property
    def is_pathogenic(self) -> bool:
        return self.result == CARRIER and self.acmg_class in PATHOGENIC_CLASSES

    @property
    def is_vus(self) -> bool:
        return self.result == CARRIER and self.acmg_class == VUS


@dataclass(frozen=True, slots=True)
class Member:
    """One person of a family, as the planner needs them."""

    id: str
    sex: str | None = None  # "female" | "male"
    birth_date: date | None = None
    mother: str | None = None
    father: str | None = None
    deceased: bool = False
    consent_withdrawn: bool = False
    genetic: Genetic | None = None
    outcome: str | None = None  # latest assessment's outcome code
    invitation: str | None = None  # state of an existing invitation


@dataclass(frozen=True, slots=True)
class Invitation:
    person: str
    test: str  # genetic | lipids | segregation
    variant: str | None
    because: str
    relation: str  # of `person` to `because`
    due_by: date | None = None  # children: by age 10 (5 if both parents affected)

    def as_dict(self) -> dict[str, str | None]:
        """The five keys of the `cascade_plan` output, in their order."""
        return {
            "person": self.person,
            "test": self.test,
            "variant": self.variant,
            "because": self.because,
            "relation": self.relation,
        }


@dataclass(slots=True)
class _Family:
    members: dict[str, Member]
    children: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for m in self.members.values():
            for parent in (m.mother, m.father):
                if parent is not None:
                    self.children.setdefault(parent, []).append(m.id)

    def parents(self, pid: str) -> list[tuple[str, str]]:
        m = self.members[pid]
        return [(p, rel) for p, rel in ((m.mother, MOTHER), (m.father, FATHER)) if p]

    def siblings(self, pid: str) -> Iterable[tuple[str, str, str | None]]:
        """(sibling, relation, shared parent or None for full siblings)."""
        m = self.members[pid]
        seen: set[str] = set()
        for parent in (m.mother, m.father):
            for other in self.children.get(parent or "", ()):
                if other == pid or other in seen:
                    continue
                seen.add(other)
                o = self.members[other]
                full = (
                    m.mother is not None
                    and m.father is not None
                    and (o.mother, o.father) == (m.mother, m.father)
                )
                shared = (
                    None if full else (m.mother if o.mother == m.mother else m.father)
                )
                yield other, SIBLING if full else HALF_SIBLING, shared


def _carried_variants(family: _Family) -> tuple[dict[str, str], set[str]]:
    """Each carrier's P/LP variant (HGVS), tested or obligate (rule 2), and the
    obligate carriers among them. Obligate carriers are found to a fixpoint:
    an untested grandparent can be one through an obligate parent."""
    carried = {
        pid: m.genetic.hgvs
        for pid, m in family.members.items()
        if m.genetic is not None and m.genetic.is_pathogenic
    }
    obligate: set[str] = set()
    changed = True
    while changed:
        changed = False
        for pid, variant in list(carried.items()):
            m = family.members[pid]
            if m.mother is None or m.father is None:
                continue
            for tested, other in ((m.mother, m.father), (m.father, m.mother)):
                g = family.members[tested].genetic
                if g is None or g.result != NON_CARRIER or other in carried:
                    continue
                other_genetic = family.members[other].genetic
                if other_genetic is not None and other_genetic.result == NON_CARRIER:
                    continue  # both parents non-carriers: a de novo variant
                carried[other] = variant
                obligate.add(other)
                changed = True
    return carried, obligate


def _components(family: _Family) -> dict[str, int]:
    """Which family (connected pedigree) each member belongs to: a walk over
    parent and child links, numbering each connected part by its first member."""
    members, children = family.members, family.children
    component: dict[str, int] = {}
    for label, start in enumerate(members):
        if start in component:
            continue
        component[start] = label
        stack = [start]
        while stack:
            pid = stack.pop()
            m = members[pid]
            for other in (m.mother, m.father, *children.get(pid, ())):
                if other is not None and other not in component:
                    component[other] = label
                    stack.append(other)
    return component


AFFECTED = "affected"
UNAFFECTED = "unaffected"
UNKNOWN = "unknown"


def statuses(members: Iterable[Member]) -> dict[str, str]:
    """Each member's status by rule 1 (obligate carriers count as affected)."""
    planner = _Planner(_Family({m.id: m for m in members}))
    return {
        pid: AFFECTED
        if planner.affected(pid)
        else UNAFFECTED
        if planner.unaffected(pid)
        else UNKNOWN
        for pid in planner.members
    }


def plan(members: Iterable[Member]) -> list[Invitation]:
    """The invitations to create now, in the order of rule 5."""
    return _Planner(_Family({m.id: m for m in members})).invitations()


class _Planner:
    def __init__(self, family: _Family) -> None:
        self.family = family
        self.members = family.members
        self.carried, self.obligate = _carried_variants(family)
        self.component = _components(family)
        self.with_variant = {self.component[pid] for pid in self.carried}
        # Per invitee, the best offer so far: (rank of rule 5, affected's order).
        self.best: dict[str, tuple[tuple[int, int], Invitation]] = {}

    def affected(self, pid: str) -> bool:
        return pid in self.carried or self.members[pid].outcome in AFFECTED_OUTCOMES

    def unaffected(self, pid: str) -> bool:
        m = self.members[pid]
        if m.genetic is not None and m.genetic.result == NON_CARRIER:
            return True
        return self.component[pid] not in self.with_variant and m.outcome == "negative"

    def invitable(self, pid: str) -> bool:
        """Living, never invited, consent not withdrawn, status unknown."""
        m = self.members[pid]
        return (
            not m.deceased
            and m.invitation is None
            and not m.consent_withdrawn
            and not self.affected(pid)
            and not self.unaffected(pid)
        )

    def offer(self, order: int, invitation: Invitation) -> None:
        key = (_RANK[invitation.relation], order)
        current = self.best.get(invitation.person)
        if current is None or key < current[0]:
            self.best[invitation.person] = (key, invitation)

    def test_for(self, pid: str, relation: str) -> tuple[str, str | None]:
        """Rule 4: the test for a relative invited because of `pid`."""
        variant = self.carried.get(pid)
        if variant is not None:
            return GENETIC, variant
        g = self.members[pid].genetic
        if g is not None and g.is_vus and relation in (MOTHER, FATHER):
            return SEGREGATION, g.hgvs
        return LIPIDS, None

    def invitations(self) -> list[Invitation]:
        for order, pid in enumerate(self.members):
            if self.affected(pid):
                self.parents_of(order, pid)
                self.siblings_of(order, pid)
                self.children_of(order, pid)
        return [inv for _, inv in sorted(self.best.values(), key=self.order_key)]

    def parents_of(self, order: int, pid: str) -> None:
        variant = self.carried.get(pid)
        parents = self.family.parents(pid)
        origin_found = variant is not None and any(
            self.carried.get(parent) == variant for parent, _ in parents
        )
        for parent, relation in parents:
            m = self.members[parent]
            if parent in self.obligate and self.carried[parent] == variant:
                # Rule 2: an untested living obligate carrier, to confirm and
                # to start care.
                if not m.deceased and m.invitation is None and not m.consent_withdrawn:
                    self.offer(
                        order, Invitation(parent, GENETIC, variant, pid, relation)
                    )
            elif not origin_found and self.invitable(parent):
                test, named = self.test_for(pid, relation)
                self.offer(order, Invitation(parent, test, named, pid, relation))

    def siblings_of(self, order: int, pid: str) -> None:
        for sibling, relation, shared in self.family.siblings(pid):
            if relation == HALF_SIBLING and (
                shared is None or not self.affected(shared)
            ):
                continue
            if self.invitable(sibling):
                test, named = self.test_for(pid, relation)
                self.offer(order, Invitation(sibling, test, named, pid, relation))

    def children_of(self, order: int, pid: str) -> None:
        for child in self.family.children.get(pid, ()):
            if not self.invitable(child):
                continue
            c = self.members[child]
            both = all(p is not None and self.affected(p) for p in (c.mother, c.father))
            due_age = CHILD_DUE_AGE_BOTH_PARENTS if both else CHILD_DUE_AGE
            due = _birthday(c.birth_date, due_age) if c.birth_date else None
            test, named = self.test_for(pid, CHILD)
            self.offer(order, Invitation(child, test, named, pid, CHILD, due))

    def order_key(
        self, item: tuple[tuple[int, int], Invitation]
    ) -> tuple[int, int, str]:
        (rank, _), invitation = item
        born = self.members[invitation.person].birth_date
        # Younger first: later birth dates first; unknown birth dates last.
        return (rank, -born.toordinal() if born else 0, invitation.person)


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # 29 February
        return date(born.year + age, 2, 28)


# --- The family file (cascade_plan) -------------------------------------------


class FamilyFileError(ValueError):
    """A malformed family file; the message names the bad entry."""


_SEXES = frozenset({"female", "male"})


def members_from_json(data: object) -> list[Member]:
    """Members from the parsed family file; `FamilyFileError` names what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("persons"), list):
        raise FamilyFileError('The file must be an object with a "persons" list.')
    members: list[Member] = []
    ids: set[str] = set()
    for index, entry in enumerate(data["persons"]):
        where = f"persons[{index}]"
        if not isinstance(entry, dict):
            raise FamilyFileError(f"{where}: each person must be an object.")
        pid = entry.get("id")
        if not isinstance(pid, str) or not pid:
            raise FamilyFileError(f'{where}: "id" must be a non-empty string.')
        where = f"{where} (id {pid!r})"
        if pid in ids:
            raise FamilyFileError(f"{where}: the id is used twice.")
        ids.add(pid)
        members.append(_member(entry, pid, where))
    _check_parents(members)
    _refuse_cycles(members)
    return members


def _check_parents(members: list[Member]) -> None:
    by_id = {m.id: m for m in members}
    for index, m in enumerate(members):
        where = f"persons[{index}] (id {m.id!r})"
        for key, parent in (("mother", m.mother), ("father", m.father)):
            if parent is None:
                continue
            if parent not in by_id:
                raise FamilyFileError(f"{where}: {key} {parent!r} is not in the file.")
            if parent == m.id:
                raise FamilyFileError(f"{where}: a person cannot be their own {key}.")
            expected = "female" if key == "mother" else "male"
            sex = by_id[parent].sex
            if sex is not None and sex != expected:
                raise FamilyFileError(
                    f"{where}: {key} {parent!r} is recorded as {sex}."
                )
        if m.mother is not None and m.mother == m.father:
            raise FamilyFileError(f"{where}: mother and father are the same person.")


def _member(entry: dict[str, object], pid: str, where: str) -> Member:
    def text(key: str, allowed: Iterable[str] | None = None) -> str | None:
        value = entry.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            choices = f" (one of {', '.join(sorted(allowed))})" if allowed else ""
            raise FamilyFileError(f'{where}: "{key}" {value!r} is not valid{choices}.')
        return value

    def flag(key: str) -> bool:
        value = entry.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise FamilyFileError(f'{where}: "{key}" must be true or false.')
        return value

    born = text("birth_date")
    birth_date = None
    if born is not None:
        try:
            birth_date = date.fromisoformat(born)
        except ValueError:
            raise FamilyFileError(
                f'{where}: "birth_date" {born!r} is not a date (YYYY-MM-DD).'
            ) from None
    return Member(
        id=pid,
        sex=text("sex", _SEXES),
        birth_date=birth_date,
        mother=text("mother"),
        father=text("father"),
        deceased=flag("deceased"),
        consent_withdrawn=flag("consent_withdrawn"),
        genetic=_genetic(entry.get("genetic"), where),
        outcome=text("outcome", OUTCOMES),
        invitation=text("invitation", INVITATION_STATES),
    )


def _genetic(value: object, where: str) -> Genetic | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FamilyFileError(f'{where}: "genetic" must be null or an object.')
    result = value.get("result")
    if result not in (CARRIER, NON_CARRIER):
        raise FamilyFileError(
            f'{where}: genetic "result" {result!r} is not valid '
            f"(one of {CARRIER}, {NON_CARRIER})."
        )
    strings = {}
    for key in ("gene", "hgvs", "acmg_class"):
        item = value.get(key)
        if item is not None and not isinstance(item, str):
            raise FamilyFileError(f'{where}: genetic "{key}" must be a string.')
        strings[key] = item or ""
    if result == CARRIER:
        if strings["acmg_class"] not in ACMG_CLASSES:
            raise FamilyFileError(
                f'{where}: genetic "acmg_class" {strings["acmg_class"]!r} is not '
                f"valid (one of {', '.join(sorted(ACMG_CLASSES))})."
            )
        if strings["acmg_class"] in PATHOGENIC_CLASSES | {VUS} and not strings["hgvs"]:
            raise FamilyFileError(f'{where}: a carrier\'s genetic "hgvs" is required.')
    return Genetic(result=result, **strings)


def _refuse_cycles(members: list[Member]) -> None:
    """Nobody is their own ancestor."""
    by_id = {m.id: m for m in members}
    state: dict[str, int] = {}  # 1 = on the path, 2 = done

    for start in by_id:
        if state.get(start) == 2:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            pid, step = stack.pop()
            if step == 0:
                if pid in state:
                    continue
                state[pid] = 1
                stack.append((pid, 1))
                m = by_id[pid]
                for parent in (m.mother, m.father):
                    if parent is None:
                        continue
                    if state.get(parent) == 1:
                        raise FamilyFileError(
                            f"id {pid!r}: the pedigree is a loop (an ancestor of "
                            f"{pid!r} descends from them)."
                        )
                    if state.get(parent) != 2:
                        stack.append((parent, 0))
            else:
                state[pid] = 2
