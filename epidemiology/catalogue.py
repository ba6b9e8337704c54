"""The catalogue of standard statistics tables: each one's stable name (its file
name in an export, its API path), title and the source frames it reads.

Kept apart from `epidemiology.tables`, which computes them with pandas and
pyarrow (about 100 MB): the API lists and documents the tables from here, so a
process that never builds one (a Celery worker importing lab files, a web
worker that serves no statistics) never loads that stack.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TableEntry:
    name: str
    title: str
    sources: tuple[str, ...]


CATALOGUE = (
    TableEntry(
        "screenings_by_quarter_district_age_sex",
        "Persons screened (first sample) by quarter, district, age band and sex",
        ("screenings",),
    ),
    TableEntry(
        "ldl_percentiles_by_age_sex",
        "LDL-C (mmol/L) at the first sample: percentiles by age band and sex",
        ("screenings",),
    ),
    TableEntry(
        "ldl_histogram_by_age_sex",
        "LDL-C at the first sample in 0.25 mmol/L bins by age band and sex",
        ("screenings",),
    ),
    TableEntry(
        "outcomes_by_ruleset",
        "Persons by current outcome, per rule set",
        ("assessments",),
    ),
    TableEntry(
        "flagged_and_confirmed_by_ruleset",
        "Persons flagged per rule set and FH confirmed among them",
        ("assessments",),
    ),
    TableEntry(
        "fh_prevalence",
        "FH prevalence among screened children per 1,000 (Wilson 95 % interval)",
        ("screenings",),
    ),
    TableEntry(
        "cascade_by_relation",
        "Relatives identified by the cascade, by relation and result",
        ("cascade",),
    ),
    TableEntry(
        "cascade_yield",
        "Cascade yield per index case",
        ("cascade",),
    ),
    TableEntry(
        "followup_times",
        "Days from a positive screen to the lipid clinic and to a genetic result",
        ("episodes",),
    ),
    TableEntry(
        "loss_to_follow_up",
        "Care episodes by origin and outcome",
        ("episodes",),
    ),
)
NAMES = tuple(entry.name for entry in CATALOGUE)
