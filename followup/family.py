"""A family as the pages and the API show it: the pedigree around a person
(within the reader's scope), its drawing as plain coordinates for the SVG
template, and the cascade's yield per index case.

Reads only; the cascade's facts come from `followup.invitations` (the same
loaders the planner uses), statuses from the pure `followup.cascade`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from fh_registry.access import Viewer
from followup import cascade, invitations
from followup.models import CascadeInvitation, InvitationState
from screening.models import Person

# --- The pedigree around a person ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Relative:
    """One member of a family as shown: pseudonym, links, status, invitation."""

    pk: int
    pseudonym: str
    sex: str  # "F" | "M"
    birth_date: date
    mother: str | None  # pseudonyms, only of members the reader may see
    father: str | None
    deceased: bool
    status: str  # affected | unaffected | unknown (cascade rule 1)
    obligate_carrier: bool  # affected only as an obligate carrier (rule 2)
    invitation: CascadeInvitation | None

    @property
    def birth_year(self) -> int:
        return self.birth_date.year

    @property
    def shown_affected(self) -> bool:
        """Filled symbol: affected on their own results (an obligate carrier
        is drawn with a dot instead)."""
        return self.status == cascade.AFFECTED and not self.obligate_carrier


@dataclass(frozen=True, slots=True)
class Family:
    subject: Person  # whose family page it is
    index: Relative  # the arrow: see `_index`
    members: list[Relative]  # the reader's scope only, oldest first
    invitations: list[CascadeInvitation]  # of those members, in planner order

    def member(self, pseudonym: str) -> Relative | None:
        return next((m for m in self.members if m.pseudonym == pseudonym), None)


def family_around(person: Person, *, user: Viewer) -> Family:
    """The pedigree `person` belongs to, as far as `user` may see it.

    Statuses are decided on the whole family (an obligate carrier may be
    known only through a relative); members outside the reader's scope are
    left out, and links to them with them. A fixed number of queries per
    generation of the pedigree, however many members."""
    ids = invitations.family_of([person.pk])
    planner_view = invitations.members_of(ids)
    statuses = cascade.statuses(planner_view)
    by_id = {int(m.id): m for m in planner_view}
    visible = dict(
        Person.objects.for_user(user).filter(pk__in=ids).values_list("pk", "pseudonym")
    )
    invited = {
        i.relative_id: i
        for i in CascadeInvitation.objects.filter(relative_id__in=visible)
        .select_related("relative", "because")
        .order_by("created_at", "pk")
    }
    members = [
        _relative(by_id[pk], visible, statuses, invited.get(pk))
        for pk in (int(m.id) for m in planner_view)
        if pk in visible
    ]
    return Family(
        subject=person,
        index=_index(person, members),
        members=members,
        invitations=list(invited.values()),
    )


def _relative(
    member: cascade.Member,
    visible: dict[int, str],
    statuses: dict[str, str],
    invitation: CascadeInvitation | None,
) -> Relative:
    def shown(link: str | None) -> str | None:
        return visible.get(int(link)) if link else None

    status = statuses[member.id]
    return Relative(
        pk=int(member.id),
        pseudonym=visible[int(member.id)],
        sex="F" if member.sex == "female" else "M",
        birth_date=member.birth_date or date.min,
        mother=shown(member.mother),
        father=shown(member.father),
        deceased=member.deceased,
        status=status,
        obligate_carrier=status == cascade.AFFECTED and not _own_affected(member),
        invitation=invitation,
    )


def _own_affected(member: cascade.Member) -> bool:
    """Affected on their own results: a P/LP variant or an affected outcome
    (not only inferred as an obligate carrier)."""
    own_variant = member.genetic is not None and member.genetic.is_pathogenic
    return own_variant or member.outcome in cascade.AFFECTED_OUTCOMES


def _index(person: Person, members: list[Relative]) -> Relative:
    """The arrow: the page's person when they are an index case (affected, not
    an invited relative) or the family has none; else the first index case."""
    cases = [m for m in members if _is_index_case(m)]
    subject = next(m for m in members if m.pk == person.pk)
    if subject in cases or not cases:
        return subject
    return min(cases, key=lambda m: m.pk)


def _is_index_case(member: Relative) -> bool:
    """Affected on their own results and not an invited relative (an obligate
    carrier, known only through relatives, is no index case)."""
    return member.shown_affected and member.invitation is None


# --- Drawing: generations as rows, couples joined, children under them -----------

SLOT = 110  # px between symbol centres in a row
ROW = 130  # px between generations
HALF = 15  # half a symbol's size
MARGIN_X = 60  # room for the index arrow
MARGIN_TOP = 30
LABEL_DEPTH = 55  # pseudonym and state under the lowest row


@dataclass(frozen=True, slots=True)
class Symbol:
    member: Relative
    x: int
    y: int
    index: bool
    current: bool  # the page's person

    @property
    def left(self) -> int:
        return self.x - HALF

    @property
    def top(self) -> int:
        return self.y - HALF

    @property
    def slash(self) -> tuple[int, int, int, int]:
        return (self.x - 22, self.y + 22, self.x + 22, self.y - 22)

    @property
    def label_y(self) -> int:
        return self.y + HALF + 14

    @property
    def state_y(self) -> int:
        return self.y + HALF + 28

    @property
    def arrow(self) -> tuple[int, int, int, int]:
        """The arrow's shaft, from the left below the symbol's centre (clear of
        the labels under it) towards the symbol."""
        return (self.x - 50, self.y + 24, self.x - 24, self.y + 9)

    @property
    def arrow_head(self) -> str:
        tip_x, tip_y = self.x - 17, self.y + 5
        return f"{tip_x},{tip_y} {tip_x - 6},{tip_y + 9} {tip_x - 11},{tip_y + 2}"


@dataclass(frozen=True, slots=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True, slots=True)
class Pedigree:
    width: int
    height: int
    symbols: list[Symbol]
    lines: list[Line]


def pedigree(family: Family) -> Pedigree:
    """Coordinates for the pedigree of `family` (pixels, whole numbers)."""
    members = family.members
    generation = _generations(members)
    slots = _slots(members, generation)
    left = min(slots.values(), default=0)
    symbols = [
        Symbol(
            member=m,
            x=MARGIN_X + round((slots[m.pseudonym] - left) * SLOT),
            y=MARGIN_TOP + HALF + generation[m.pseudonym] * ROW,
            index=m.pk == family.index.pk,
            current=m.pk == family.subject.pk,
        )
        for m in sorted(
            members, key=lambda m: (generation[m.pseudonym], slots[m.pseudonym])
        )
    ]
    at = {s.member.pseudonym: s for s in symbols}
    width = max((s.x for s in symbols), default=0) + MARGIN_X
    height = max((s.y for s in symbols), default=0) + HALF + LABEL_DEPTH
    return Pedigree(width, height, symbols, _lines(members, at))


def _couples(
    members: Iterable[Relative],
) -> dict[tuple[str | None, str | None], list[str]]:
    """Each set of parents (mother, father; one may be unknown) with their
    children, oldest first."""
    sibships: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    for m in sorted(members, key=lambda m: (m.birth_date, m.pk)):
        if m.mother or m.father:
            sibships[(m.mother, m.father)].append(m.pseudonym)
    return sibships


def _generations(members: list[Relative]) -> dict[str, int]:
    """Rows: a child one below its lowest parent, partners on one row, persons
    without known parents just above their eldest-row child."""
    gen = {m.pseudonym: 0 for m in members}
    children: dict[str, list[str]] = defaultdict(list)
    for m in members:
        for parent in (m.mother, m.father):
            if parent:
                children[parent].append(m.pseudonym)
    for _ in range(len(members) + 1):
        changed = False
        for m in members:
            parents = [p for p in (m.mother, m.father) if p]
            if parents and gen[m.pseudonym] <= max(gen[p] for p in parents):
                gen[m.pseudonym] = max(gen[p] for p in parents) + 1
                changed = True
            if m.mother and m.father and gen[m.mother] != gen[m.father]:
                gen[m.mother] = gen[m.father] = max(gen[m.mother], gen[m.father])
                changed = True
            if not parents and children[m.pseudonym]:
                wanted = min(gen[c] for c in children[m.pseudonym]) - 1
                if gen[m.pseudonym] < wanted:
                    gen[m.pseudonym] = wanted
                    changed = True
        if not changed:
            break
    return gen


def _slots(members: list[Relative], gen: dict[str, int]) -> dict[str, float]:
    """Horizontal places (in slots): rows from the top, each block of partners
    kept together and centred under its parents where the row leaves room. Run
    twice: the second pass centres the top rows over their children."""
    hint: dict[str, float] = {}
    placed: dict[str, float] = {}
    for _ in range(2):
        placed = _place_rows(members, gen, hint)
        hint = _children_centres(members, placed)
    return placed


def _place_rows(
    members: list[Relative], gen: dict[str, int], hint: dict[str, float]
) -> dict[str, float]:
    partners = _partners(members)
    rows: dict[int, list[Relative]] = defaultdict(list)
    for m in sorted(members, key=lambda m: (m.birth_date, m.pk)):
        rows[gen[m.pseudonym]].append(m)
    x: dict[str, float] = {}
    for row in (rows[g] for g in sorted(rows)):
        keys = {m.pseudonym: k for m in row if (k := _key(m, x, hint)) is not None}
        cursor = 0.0
        for key, block in _blocks(row, partners, keys):
            start = cursor if key is None else max(cursor, key - (len(block) - 1) / 2)
            for offset, pseudonym in enumerate(block):
                x[pseudonym] = start + offset
            cursor = start + len(block)
    return x


def _key(m: Relative, x: dict[str, float], hint: dict[str, float]) -> float | None:
    parents = [x[p] for p in (m.mother, m.father) if p and p in x]
    if parents:
        return sum(parents) / len(parents)
    return hint.get(m.pseudonym)


def _partners(members: list[Relative]) -> dict[str, set[str]]:
    partners: dict[str, set[str]] = defaultdict(set)
    for m in members:
        if m.mother and m.father:
            partners[m.mother].add(m.father)
            partners[m.father].add(m.mother)
    return partners


def _blocks(
    row: list[Relative], partners: dict[str, set[str]], keys: dict[str, float]
) -> list[tuple[float | None, list[str]]]:
    """Partners side by side (a chain for someone with two partners), the
    blocks in the order of their parents' places; placeless blocks last."""
    in_row = {m.pseudonym for m in row}
    seen: set[str] = set()
    blocks: list[tuple[float | None, list[str]]] = []
    sex = {m.pseudonym: m.sex for m in row}
    for m in row:
        if m.pseudonym in seen:
            continue
        chain = _chain(m.pseudonym, partners, in_row)
        seen.update(chain)
        known = [keys[p] for p in chain if p in keys]
        if len(chain) == 2 and len(known) < 2:  # a couple
            chain.sort(key=lambda p: sex[p] != "M")  # father left, mother right
        elif len(known) == len(chain):
            chain.sort(key=lambda p: keys[p])
        blocks.append((sum(known) / len(known) if known else None, chain))
    with_key = sorted(
        (b for b in blocks if b[0] is not None), key=lambda b: b[0] or 0.0
    )
    return with_key + [b for b in blocks if b[0] is None]


def _chain(start: str, partners: dict[str, set[str]], in_row: set[str]) -> list[str]:
    """`start`'s partners on its row, as a chain: a person with two partners
    between them."""
    group = {start}
    frontier = [start]
    while frontier:
        for other in partners.get(frontier.pop(), ()):
            if other in in_row and other not in group:
                group.add(other)
                frontier.append(other)
    ends = sorted(p for p in group if len(partners[p] & group) <= 1)
    chain: list[str] = []
    current: str | None = ends[0] if ends else sorted(group)[0]
    while current is not None:
        chain.append(current)
        current = next(iter(sorted((partners[current] & group) - set(chain))), None)
    return chain + sorted(group - set(chain))


def _children_centres(members: list[Relative], x: dict[str, float]) -> dict[str, float]:
    """For each parent, the centre of their children's places."""
    placed: dict[str, list[float]] = defaultdict(list)
    for m in members:
        for parent in (m.mother, m.father):
            if parent:
                placed[parent].append(x[m.pseudonym])
    return {p: sum(xs) / len(xs) for p, xs in placed.items()}


def _lines(members: list[Relative], at: dict[str, Symbol]) -> list[Line]:
    """Partners joined at symbol height; from their line's middle (or beside
    a single known parent) a drop to the sibship line; a stem to each child."""
    lines: list[Line] = []
    for (mother, father), children in _couples(members).items():
        parents = [at[p] for p in (mother, father) if p]
        if len(parents) == 2:
            a, b = sorted(parents, key=lambda s: s.x)
            lines.append(Line(a.x + HALF, a.y, b.x - HALF, b.y))
            drop_x, drop_y = (a.x + b.x) // 2, a.y
        else:
            (parent,) = parents
            drop_x, drop_y = parent.x + SLOT // 2 - 10, parent.y
            lines.append(Line(parent.x + HALF, drop_y, drop_x, drop_y))
        stems = [at[c] for c in children]
        bar_y = stems[0].y - HALF - 20
        lines.append(Line(drop_x, drop_y, drop_x, bar_y))
        xs = [s.x for s in stems] + [drop_x]
        lines.append(Line(min(xs), bar_y, max(xs), bar_y))
        lines.extend(Line(s.x, bar_y, s.x, s.y - HALF) for s in stems)
    return lines


# --- Yield of the cascade ---------------------------------------------------------

ANSWERED = frozenset(
    {
        InvitationState.ACCEPTED,
        InvitationState.DECLINED,
        InvitationState.TESTED,
        InvitationState.POSITIVE,
        InvitationState.NEGATIVE,
    }
)
TESTED = frozenset(
    {InvitationState.TESTED, InvitationState.POSITIVE, InvitationState.NEGATIVE}
)

YIELD_COLUMNS = (
    "index_case",
    "relatives_identified",
    "invited",
    "answered",
    "tested",
    "newly_affected",
    "new_cases_per_index",
)


@dataclass(frozen=True, slots=True)
class YieldRow:
    """The cascade's figures for one index case, or all (`index_case` None).

    Identified: the pedigree's other members (not index cases themselves).
    Invited: invitations past `proposed`. Answered: accepted, declined or
    further. Tested: tested, positive or negative. Newly affected: positive.
    An invitation counts for the index case its `because` chain leads back to.
    """

    index_case: str | None
    index_cases: int
    relatives_identified: int
    invited: int
    answered: int
    tested: int
    newly_affected: int

    @property
    def new_cases_per_index(self) -> Decimal:
        if not self.index_cases:
            return Decimal("0.00")
        return (Decimal(self.newly_affected) / self.index_cases).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def as_dict(self) -> dict[str, object]:
        """A plain row for the statistics side (YIELD_COLUMNS)."""
        return {name: getattr(self, name) for name in YIELD_COLUMNS}


def cascade_yield(user: Viewer) -> list[YieldRow]:
    """Per index case in `user`'s scope, then the overall row."""
    return yield_rows(Person.objects.for_user(user))


def yield_rows(persons: QuerySet[Person]) -> list[YieldRow]:
    """The yield over the families among `persons` (the caller decides whose:
    a user's scope for the pages, the whole registry for statistics)."""
    in_scope = dict(persons.values_list("pk", "pseudonym"))
    invited = {
        i.relative_id: i
        for i in CascadeInvitation.objects.only("relative_id", "because_id", "state")
    }
    by_index: dict[int, list[CascadeInvitation]] = defaultdict(list)
    for invitation in invited.values():
        by_index[_index_of(invitation, invited)].append(invitation)
    rows: list[YieldRow] = []
    identified_all: set[int] = set()
    for family in invitations.registry_families():
        statuses = cascade.statuses(family)
        shown = [m for m in family if int(m.id) in in_scope]
        cases = [
            int(m.id)
            for m in shown
            if statuses[m.id] == cascade.AFFECTED
            and _own_affected(m)
            and int(m.id) not in invited
        ]
        others = {int(m.id) for m in shown} - set(cases)
        if cases:
            identified_all |= others
        rows.extend(_row(in_scope[c], len(others), by_index[c]) for c in cases)
    rows.sort(key=lambda r: r.index_case or "")
    total = YieldRow(
        index_case=None,
        index_cases=len(rows),
        relatives_identified=len(identified_all),
        invited=sum(r.invited for r in rows),
        answered=sum(r.answered for r in rows),
        tested=sum(r.tested for r in rows),
        newly_affected=sum(r.newly_affected for r in rows),
    )
    return [*rows, total]


def _index_of(
    invitation: CascadeInvitation, invited: dict[int, CascadeInvitation]
) -> int:
    """Follow `because` back to a person who was not invited: the index case."""
    seen = {invitation.relative_id}
    because = invitation.because_id
    while because in invited and because not in seen:
        seen.add(because)
        because = invited[because].because_id
    return because


def _row(pseudonym: str, identified: int, found: list[CascadeInvitation]) -> YieldRow:
    states = [i.state for i in found]
    return YieldRow(
        index_case=pseudonym,
        index_cases=1,
        relatives_identified=identified,
        invited=sum(s != InvitationState.PROPOSED for s in states),
        answered=sum(s in ANSWERED for s in states),
        tested=sum(s in TESTED for s in states),
        newly_affected=sum(s == InvitationState.POSITIVE for s in states),
    )
