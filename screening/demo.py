"""Demo children with plausible lipids and some families (deterministic, idempotent)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fh_registry.demo import ensure_demo_cast
from fh_registry.models import Practice, User
from screening import services
from screening.imports.formats import COLUMNS
from screening.imports.pipeline import run_import, start_import
from screening.models import Outcome, Person

GIVEN_NAMES_F = ("Anna", "Lena", "Mia", "Sophie", "Emilia", "Hannah", "Lea", "Marie")
GIVEN_NAMES_M = ("Ben", "Paul", "Jonas", "Felix", "Leon", "Noah", "Elias", "Luis")
FAMILY_NAMES = (
    "Müller", "Schmidt", "Huber", "Wagner", "Bauer", "Fischer", "Weber", "Mayer",
    "Hofmann", "Schneider", "Becker", "Gruber", "Lang", "Winkler", "Brandl", "Ritter",
)  # fmt: skip
CHOLESTEROL_MG_PER_MMOL = Decimal("38.67")
#: Children per practice entered as by hand (with names and families); the rest of
#: a larger `--children N` arrive as a lab file through the import pipeline.
HAND_ENTERED_PER_PRACTICE = 150


@dataclass(frozen=True, slots=True)
class DemoSummary:
    children_created: int
    children_total: int


def draw_ldl_mmol_l(rng: random.Random) -> float:
    """Mostly normal, some high (VRONI: 6.6 % at or above 3.36), a few FH-like."""
    draw = rng.random()
    if draw < 0.02:
        return rng.uniform(4.5, 8.0)
    if draw < 0.08:
        return rng.uniform(3.3, 4.8)
    return max(1.0, rng.gauss(2.4, 0.55))


def _lipids(
    rng: random.Random, ldl: float
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """TC, HDL-C, LDL-C, TG in mmol/L around the given LDL-C."""
    hdl = max(0.8, rng.gauss(1.5, 0.3))
    tg = max(0.4, rng.gauss(0.9, 0.35))
    tc = ldl + hdl + tg / 2.2 + rng.uniform(-0.1, 0.1)
    return tuple(  # type: ignore[return-value]
        Decimal(f"{value:.2f}") for value in (tc, hdl, ldl, tg)
    )


def _entry(
    rng: random.Random, *, sample_date: date, in_mg_dl: bool, ldl_mmol_l: float
) -> services.LabEntry:
    tc, hdl, measured, tg = _lipids(rng, ldl_mmol_l)
    ldl: Decimal | None = measured
    # Some labs report no LDL-C: the registry calculates it (Friedewald), or,
    # with TG too high for the formula, asks for a direct measurement.
    report = rng.random()
    method = "direct"
    if report < 0.12:
        ldl, method = None, "unknown"
        if report < 0.03:
            tg = Decimal("5.2")
    unit = "mmol/L"
    if in_mg_dl:
        unit = "mg/dL"
        tc, hdl = (
            (v * CHOLESTEROL_MG_PER_MMOL).quantize(Decimal("1")) for v in (tc, hdl)
        )
        if ldl is not None:
            ldl = (ldl * CHOLESTEROL_MG_PER_MMOL).quantize(Decimal("1"))
        tg = (tg * Decimal("88.57")).quantize(Decimal("1"))
    return services.LabEntry(
        sample_date=sample_date,
        sample_type="capillary",
        unit=unit,
        fasting=rng.random() < 0.3,
        total_cholesterol=tc,
        hdl_cholesterol=hdl,
        ldl_cholesterol=ldl,
        ldl_method=method,
        triglycerides=tg,
    )


def _identity(rng: random.Random, sex: str, family_name: str) -> services.IdentityEntry:
    names = GIVEN_NAMES_F if sex == "F" else GIVEN_NAMES_M
    return services.IdentityEntry(
        given_name=rng.choice(names),
        family_name=family_name,
        street=f"Hauptstraße {rng.randint(1, 120)}",
        postcode=f"{rng.randint(80000, 97999)}",
        city="Demostadt",
        phone=f"+49 89 {rng.randint(100000, 999999)}",
    )


def seed_children(
    *, children: int, password: str, today: date | None = None
) -> DemoSummary:
    """Create demo children until each demo practice has its share (idempotent)."""
    users = ensure_demo_cast(password=password)
    today = today or timezone.localdate()
    demo_children = Person.objects.filter(
        practice__code__in=("DEMO-A", "DEMO-B")
    ).exclude(practice_patient_number="")
    before = demo_children.count()
    for index, (code, username) in enumerate(
        (("DEMO-A", "ped_a"), ("DEMO-B", "ped_b"))
    ):
        practice = Practice.objects.get(code=code)
        share = children // 2 + (children % 2 if index == 0 else 0)
        by_hand = min(share, HAND_ENTERED_PER_PRACTICE)
        _seed_practice(
            practice=practice, user=users[username], share=by_hand, today=today
        )
        if share > by_hand:
            _import_lab_children(
                practice=practice,
                user=users[username],
                numbers=range(by_hand + 1, share + 1),
                today=today,
            )
    total = demo_children.count()
    return DemoSummary(children_created=total - before, children_total=total)


def _import_lab_children(
    *, practice: Practice, user: User, numbers: range, today: date
) -> None:
    """Children beyond the hand-entered ones arrive as a lab file, through the
    import pipeline: pseudonymous, assessed and audited, and fast at any scale."""
    started = start_import(
        acting_user=user,
        practice=practice,
        file_name=f"demo-{practice.code}-{numbers.start}-{numbers.stop - 1}.csv",
        chunks=_lab_file(practice=practice, numbers=numbers, today=today),
        enqueue=False,
    )
    if not started.duplicate:  # the same demo file again: already imported
        run_import(started.batch.pk)


def _lab_file(*, practice: Practice, numbers: range, today: date) -> Iterator[bytes]:
    yield (",".join(COLUMNS) + "\n").encode()
    lines: list[str] = []
    for number in numbers:
        patient_number = f"{practice.code}-{number:05d}"
        rng = random.Random(patient_number)  # noqa: S311 - demo data, not secrets
        tc, hdl, ldl, tg = _lipids(rng, draw_ldl_mmol_l(rng))
        birth = today - timedelta(days=rng.randint(5 * 365 + 2, 14 * 365))
        sample = today - timedelta(days=rng.randint(1, 60))
        values = [patient_number, rng.choice("FM"), str(birth), str(sample)]
        values += ["capillary", "no", "mmol/L", str(tc), str(hdl), str(ldl), "direct"]
        values += [str(tg), f"{patient_number}-1", ""]
        lines.append(",".join(values))
        if len(lines) == 5000:
            yield ("\n".join(lines) + "\n").encode()
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def _seed_practice(*, practice: Practice, user: User, share: int, today: date) -> int:
    """Hand-entered children (names, consent, some parents), through the services."""
    existing = set(
        Person.objects.filter(practice=practice)
        .exclude(practice_patient_number="")
        .values_list("practice_patient_number", flat=True)
    )
    created = 0
    for number in range(1, share + 1):
        patient_number = f"{practice.code}-{number:05d}"
        if patient_number in existing:
            continue
        # One generator per child keeps each child the same however many exist.
        rng = random.Random(patient_number)  # noqa: S311 - demo data, not secrets
        _seed_child(
            rng, practice=practice, user=user, number=patient_number, today=today
        )
        created += 1
    return created


@transaction.atomic
def _seed_child(
    rng: random.Random, *, practice: Practice, user: User, number: str, today: date
) -> None:
    sex = rng.choice("FM")
    birth_date = today - timedelta(days=rng.randint(5 * 365 + 2, 14 * 365))
    family_name = rng.choice(FAMILY_NAMES)
    child = services.register_child(
        acting_user=user,
        practice=practice,
        sex=sex,
        birth_date=birth_date,
        practice_patient_number=number,
        identity=_identity(rng, sex, family_name),
        consent_given_on=today - timedelta(days=rng.randint(30, 400)),
        consent_given_by="Elternteil",
    )
    # Some mothers are registered, and with some of them the father too.
    for sex, chance, older_years in (("F", 0.12, (24, 40)), ("M", 0.6, (25, 45))):
        if rng.random() >= chance:
            break
        low, high = older_years
        services.register_parent(
            acting_user=user,
            child=child,
            sex=sex,
            birth_date=birth_date - timedelta(days=rng.randint(low * 365, high * 365)),
            identity=_identity(rng, sex, family_name),
        )
    first = today - timedelta(days=rng.randint(1, 25))
    in_mg_dl = practice.code == "DEMO-B" and rng.random() < 0.5
    if rng.random() < 0.15:
        services.record_family_history(
            acting_user=user,
            person=child,
            code=rng.choice(("parent_high_cholesterol", "parent_premature_chd")),
            detail="Angabe der Eltern",
        )
    ldl = draw_ldl_mmol_l(rng)
    recorded = services.record_lab_result(
        acting_user=user,
        person=child,
        entry=_entry(rng, sample_date=first, in_mg_dl=in_mg_dl, ldl_mmol_l=ldl),
        confirm_extreme=True,
    )
    if (
        recorded.assessment.outcome in (Outcome.POSITIVE, Outcome.REPEAT_NEEDED)
        and rng.random() < 0.5
    ):
        # Some flagged children already have a repeat sample.
        services.record_lab_result(
            acting_user=user,
            person=child,
            entry=_entry(
                rng,
                sample_date=today,
                in_mg_dl=in_mg_dl,
                ldl_mmol_l=ldl * rng.uniform(0.9, 1.08),  # a repeat stays close
            ),
            confirm_extreme=True,
        )
