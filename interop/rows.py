"""The registry rows FHIR speaks of, as plain named tuples of the columns the
mapping uses: queries.py reads them with `values_list`, resources.py maps them.

Tuples rather than model instances: building a model instance per row (with
its state, descriptors and field conversions) took about half of the bulk
export's time (benchmarks/fhir.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple


class PersonRow(NamedTuple):
    pk: int
    pseudonym: str
    sex: str
    birth_date: date
    deceased: bool
    mother_id: int | None
    father_id: int | None


class LabRow(NamedTuple):
    pk: int
    person_id: int
    sample_date: date
    sample_type: str
    fasting: bool | None
    lab_sample_id: str
    entered_unit: str
    total_cholesterol_entered: Decimal | None
    hdl_cholesterol_entered: Decimal | None
    ldl_cholesterol_entered: Decimal | None
    triglycerides_entered: Decimal | None
    non_hdl_cholesterol_entered: Decimal | None
    ldl_method: str
    lipoprotein_a: Decimal | None
    lipoprotein_a_unit: str


class AssessmentRow(NamedTuple):
    pk: int
    person_id: int
    lab_result_id: int
    ruleset_id: str
    ruleset_version: str
    outcome: str
    criterion: str
    alerts: list[str]
    reason_codes: list[Any]  # the rule engine's stored reasons
    created_at: datetime


class GeneticRow(NamedTuple):
    pk: int
    person_id: int
    gene: str
    hgvs_c: str
    hgvs_p: str
    transcript: str
    finding: str
    acmg_class: str
    lab: str
    report_date: date


class FindingRow(NamedTuple):
    """A structured family-history finding (FamilyHistoryEntry)."""

    pk: int
    person_id: int
    code: str
    recorded_on: date


@dataclass(frozen=True, slots=True)
class RegisteredRelative:
    """A first-degree relative registered in the registry (their own Patient)."""

    person: PersonRow
    relationship: str  # MTH, FTH, SIB, HSIB, CHILD
    affected: bool  # a P/LP variant of their own or FH confirmed
