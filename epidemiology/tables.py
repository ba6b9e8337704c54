"""The standard statistics tables: source frames in, published tables out.

Each table has a stable name (its file name in an export, its API path) and is
built from the frames of `epidemiology.frames` with generalisation (age band,
quarter, district or 3-digit postcode region, gene level only) and disclosure
control (`epidemiology.disclosure`) applied. Counts are `count` or `*_count`
columns, nullable: null is a hidden cell. A rate, percentile or median is
published only beside a published group count of at least the minimum.

A table whose source does not exist yet is published as one row with a single
`note` column saying which source is missing: an export always holds every
table, and an absent source never reads as zeros.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from epidemiology.catalogue import CATALOGUE
from epidemiology.disclosure import (
    TOTAL,
    kaplan_meier_quantile,
    protect_frame,
    publishable,
    wilson_interval,
)
from followup.models import EpisodeOutcome, Relation
from screening.models import Outcome, Sex


class Frames(Protocol):
    """Source frames by name (a dict, or `frames.FrameCache`); None: no source."""

    def __getitem__(self, name: str, /) -> pd.DataFrame | None: ...


# DOMAIN §7: children in five-year bands up to 17, adults (relatives) by decade.
AGE_BANDS = [(0, "0–4"), (5, "5–9"), (10, "10–14"), (15, "15–17"), (18, "18–29")]
AGE_BANDS += [(age, f"{age}–{age + 9}") for age in range(30, 80, 10)]
AGE_BANDS += [(80, "80+")]
LDL_BIN_MMOL_L = 0.25
LDL_BIN_FLOOR, LDL_BIN_CEILING = 1.0, 8.0  # open-ended tails: extremes identify
SEXES = [str(sex) for sex in Sex.values]
CASCADE_RESULTS = {
    "proposed": "not_tested",
    "invited": "not_tested",
    "accepted": "not_tested",
    "declined": "declined_or_unreachable",
    "unreachable": "declined_or_unreachable",
    "tested": "tested_pending",
    "negative": "tested_negative",
    "positive": "new_case",
}
CASCADE_COLUMNS = list(dict.fromkeys(CASCADE_RESULTS.values()))
TESTED = ["tested_pending", "tested_negative", "new_case"]


@dataclass(frozen=True, slots=True)
class Options:
    minimum: int
    today: date
    round5: bool = False


@dataclass(frozen=True, slots=True)
class StandardTable:
    name: str
    title: str
    sources: tuple[str, ...]
    build: Callable[[Frames, Options], pd.DataFrame]


# --- Generalisation ------------------------------------------------------------


def _ymd(dates: pd.Series) -> np.ndarray:
    values = pa.array(dates)
    return (
        pc.year(values).to_numpy(zero_copy_only=False) * 10000
        + pc.month(values).to_numpy(zero_copy_only=False) * 100
        + pc.day(values).to_numpy(zero_copy_only=False)
    )


def _labelled(codes: np.ndarray, labels: list[str], index: pd.Index) -> pd.Series:
    """Labels as a categorical: a million rows group and compare as integer
    codes, not strings. Code -1 is a missing value; repeated labels merge."""
    unique, at = np.unique(np.array(labels, dtype=object), return_inverse=True)
    remapped = np.where(codes < 0, -1, at[np.maximum(codes, 0)])
    return pd.Series(
        pd.Categorical.from_codes(remapped, categories=pd.Index(unique)), index=index
    )


def _factorised(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct values of a column (Arrow-backed or not); None → -1."""
    array = pa.array(values.astype(object) if values.dtype == object else values)
    if isinstance(array, pa.ChunkedArray):  # as a frame read in blocks arrives
        array = array.combine_chunks()
    encoded = array.dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return codes.astype(np.int64), [str(v) for v in encoded.dictionary.to_pylist()]


def categorical(values: pd.Series) -> pd.Series:
    codes, labels = _factorised(values)
    return _labelled(codes, labels, values.index)


def age_band(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Completed years on `on`, as DOMAIN's age band."""
    years = (_ymd(on) - _ymd(birth)) // 10000
    starts = [start for start, _label in AGE_BANDS]
    index = np.searchsorted(starts, np.maximum(years, 0), side="right") - 1
    return _labelled(index, [label for _start, label in AGE_BANDS], birth.index)


def quarter(dates: pd.Series) -> pd.Series:
    values = pa.array(dates)
    years = pc.year(values).to_numpy(zero_copy_only=False)
    quarters = pc.quarter(values).to_numpy(zero_copy_only=False)
    codes, found = pd.factorize(years * 10 + quarters)
    return _labelled(codes, [f"{c // 10}-Q{c % 10}" for c in found], dates.index)


def quarters_between(found: pd.Series) -> list[str]:
    """Every quarter from the first found to the last, empty ones included."""
    present = sorted(str(value) for value in found.dropna().unique())
    if not present:
        return []
    first, last = present[0], present[-1]
    year, q = int(first[:4]), int(first[-1])
    out = []
    while f"{year}-Q{q}" <= last:
        out.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def region(district: pd.Series, postcode_prefix: pd.Series) -> pd.Series:
    """The practice's district, else its 3-digit postcode region, else unknown."""
    # Labelled per distinct (district, postcode) pair: a registry has few.
    districts, district_found = _factorised(district.fillna(""))
    prefixes, prefix_found = _factorised(postcode_prefix.fillna(""))
    width = len(prefix_found) + 1
    pairs, pair_found = pd.factorize((districts + 1) * width + prefixes + 1)
    labels = [
        _region_label(
            district_found[pair // width - 1] if pair // width else "",
            prefix_found[pair % width - 1] if pair % width else "",
        )
        for pair in pair_found
    ]
    return _labelled(pairs, labels, district.index)


def _region_label(district: str, postcode_prefix: str) -> str:
    if district.strip():
        return district.strip()
    if postcode_prefix.strip():
        return f"postcode {postcode_prefix.strip()[:3]}"
    return "unknown"


def ldl_bin(ldl: pd.Series) -> pd.Series:
    values = ldl.astype("float64").to_numpy(na_value=np.nan)
    labels = ldl_bins()
    steps = np.floor((values - LDL_BIN_FLOOR) / LDL_BIN_MMOL_L)
    index = np.clip(np.nan_to_num(steps, nan=-1) + 1, 0, len(labels) - 1)
    codes = np.where(np.isnan(values), -1, index.astype(int))
    return _labelled(codes, labels, ldl.index)


def ldl_bins() -> list[str]:
    edges = np.arange(LDL_BIN_FLOOR, LDL_BIN_CEILING + 1e-9, LDL_BIN_MMOL_L)
    inner = [f"{lo:.2f}–{hi:.2f}" for lo, hi in itertools.pairwise(edges)]
    return [f"< {LDL_BIN_FLOOR:.2f}", *inner, f"≥ {LDL_BIN_CEILING:.2f}"]


def _ordered(found: pd.Series, order: list[str]) -> list[str]:
    present = set(found.dropna().unique())
    return [value for value in order if value in present]


def _counts(
    frame: pd.DataFrame, dims: list[str], *, weight: str | None = None
) -> pd.DataFrame:
    """Rows per combination of `dims`; with `weight`, the sum of that column
    (a frame counted in the database already)."""
    groups = frame.groupby(dims, observed=True)
    sizes = groups.size() if weight is None else groups[weight].sum()
    counts = sizes.rename("count").reset_index()
    return counts.astype(dict.fromkeys(dims, object) | {"count": "int64"})


class _Groups:
    """Select the rows of `frame` a published row describes (TOTAL matches every
    value), by integer codes per dimension: one factorisation, then cheap masks."""

    def __init__(self, frame: pd.DataFrame, dims: list[str]) -> None:
        self.frame = frame
        self.codes = {}
        for dim in dims:
            codes, found = pd.factorize(frame[dim])
            self.codes[dim] = (codes, {value: at for at, value in enumerate(found)})

    def rows(self, row: pd.Series) -> pd.DataFrame:
        mask = np.ones(len(self.frame), dtype=bool)
        for dim, (codes, index) in self.codes.items():
            if row[dim] != TOTAL:
                mask &= codes == index.get(row[dim], -2)
        return self.frame[mask]


def _count(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[call-overload]


def _share(part: object, whole: object, minimum: int, scale: float) -> float | None:
    """part/whole × scale, published when both are and the whole is large enough."""
    if not publishable(_count(whole), minimum=minimum) or _count(part) is None:
        return None
    return round(scale * int(part) / int(whole), 2)  # type: ignore[call-overload]


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """Statistics as nullable floats: an unpublished value is null, not NaN."""
    for column in frame.columns:
        if frame[column].dtype == object and column not in ("note",):
            values = [v for v in frame[column] if v is not None and not pd.isna(v)]
            if all(isinstance(v, int | float) for v in values):
                frame[column] = pd.array(
                    [None if v is None or pd.isna(v) else v for v in frame[column]],
                    dtype="Float64",
                )
    return frame


# --- Screening ---------------------------------------------------------------------


_derived: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}


def _screened(frames: Frames) -> pd.DataFrame:
    """The screenings frame generalised: built once per source frame, since four
    tables read it."""
    frame = frames["screenings"]
    assert frame is not None
    cached = _derived.get("screenings")
    if cached is not None and cached[0] is frame:
        return cached[1]
    out = pd.DataFrame(
        {
            "quarter": quarter(frame["sample_date"]),
            "district": region(frame["district"], frame["postcode_prefix"]),
            "age_band": age_band(frame["birth_date"], frame["sample_date"]),
            "sex": categorical(frame["sex"]),
            "ldl_mmol_l": frame["ldl_mmol_l"].astype("Float64"),
            "cascade_relative": frame["cascade_relative"].astype(bool),
            "confirmed_fh": frame["confirmed_fh"].astype(bool),
        }
    )
    out["ldl_bin"] = ldl_bin(out["ldl_mmol_l"])
    _derived["screenings"] = (frame, out)
    return out


def screenings(frames: Frames, options: Options) -> pd.DataFrame:
    """Persons screened (their first sample) by quarter, district, age band, sex."""
    frame = _screened(frames)
    dims = ["quarter", "district", "age_band", "sex"]
    categories = {
        "quarter": quarters_between(frame["quarter"]),
        "district": sorted(frame["district"].unique()),
        "age_band": _ordered(frame["age_band"], [label for _a, label in AGE_BANDS]),
        "sex": SEXES,
    }
    return protect_frame(
        _counts(frame, dims),
        dims=dims,
        categories=categories,
        minimum=options.minimum,
        round5=options.round5,
    )


def ldl_percentiles(frames: Frames, options: Options) -> pd.DataFrame:
    """LDL-C at the first sample: percentiles by age band and sex."""
    frame = _screened(frames).dropna(subset=["ldl_mmol_l"])
    dims = ["age_band", "sex"]
    table = protect_frame(
        _counts(frame, dims),
        dims=dims,
        categories={
            "age_band": _ordered(frame["age_band"], [b for _a, b in AGE_BANDS]),
            "sex": SEXES,
        },
        minimum=options.minimum,
        round5=options.round5,
    )
    columns = {"p05": 5, "p25": 25, "median": 50, "p75": 75, "p95": 95}
    for column in columns:
        table[f"{column}_mmol_l"] = None
    groups = _Groups(frame, dims)
    for at, row in table.iterrows():
        if not publishable(_count(row["count"]), minimum=options.minimum):
            continue
        values = groups.rows(row)["ldl_mmol_l"].to_numpy(dtype=float)
        for column, percent in columns.items():
            table.at[at, f"{column}_mmol_l"] = round(
                float(np.percentile(values, percent)), 2
            )
    return _nullable(table)


def ldl_histogram(frames: Frames, options: Options) -> pd.DataFrame:
    """LDL-C at the first sample in bins of 0.25 mmol/L, by age band and sex."""
    frame = _screened(frames).dropna(subset=["ldl_mmol_l"])
    dims = ["age_band", "sex", "ldl_bin"]
    return protect_frame(
        _counts(frame, dims),
        dims=dims,
        categories={
            "age_band": _ordered(frame["age_band"], [b for _a, b in AGE_BANDS]),
            "sex": SEXES,
            "ldl_bin": ldl_bins(),
        },
        minimum=options.minimum,
        round5=options.round5,
    )


def fh_prevalence(frames: Frames, options: Options) -> pd.DataFrame:
    """Confirmed FH among children screened (not relatives found by the cascade),
    per 1,000, with a Wilson 95 % interval."""
    frame = _screened(frames)
    children = frame[
        ~frame["cascade_relative"]
        & frame["age_band"].isin([label for start, label in AGE_BANDS if start < 18])
    ]
    status = children["confirmed_fh"].map({True: "confirmed", False: "not_confirmed"})
    counts = status.value_counts().rename_axis("status").rename("count").reset_index()
    table = protect_frame(
        counts,
        dims=["status"],
        categories={"status": ["confirmed", "not_confirmed"]},
        minimum=options.minimum,
        round5=options.round5,
    ).set_index("status")["count"]
    screened, confirmed = table[TOTAL], table["confirmed"]
    row: dict[str, object] = {
        "screened_count": screened,
        "confirmed_count": confirmed,
        "not_confirmed_count": table["not_confirmed"],
        "prevalence_per_1000": _share(confirmed, screened, options.minimum, 1000),
        "ci_low_per_1000": None,
        "ci_high_per_1000": None,
    }
    if row["prevalence_per_1000"] is not None and not options.round5:
        low, high = wilson_interval(int(confirmed), int(screened))
        row["ci_low_per_1000"] = round(1000 * low, 2)
        row["ci_high_per_1000"] = round(1000 * high, 2)
    return _wide([row])


def _wide(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if column == "count" or column.endswith("_count"):
            frame[column] = pd.array([_count(v) for v in frame[column]], dtype="Int64")
    return _nullable(frame)


# --- Rule sets -----------------------------------------------------------------------


def _percent_of_total(table: pd.DataFrame, dim: str, minimum: int) -> pd.Series:
    """Each count as a percentage of its line's total along `dim`."""
    others = [c for c in table.columns if c not in (dim, "count")]
    totals = table[table[dim] == TOTAL].set_index(others)["count"]
    return pd.Series(
        [
            _share(row["count"], totals.loc[tuple(row[others])], minimum, 100)
            if others
            else None
            for _at, row in table.iterrows()
        ],
        index=table.index,
        dtype=object,
    )


def outcomes_by_ruleset(frames: Frames, options: Options) -> pd.DataFrame:
    """Persons by their current outcome, one rule set at a time (a person is
    assessed by several rule sets, so rule sets have no common total)."""
    frame = frames["assessments"]
    assert frame is not None
    parts = []
    for ruleset_id in sorted(frame["ruleset_id"].astype(str).unique()):
        rows = frame[frame["ruleset_id"] == ruleset_id]
        table = protect_frame(
            _counts(rows.astype({"outcome": object}), ["outcome"], weight="persons"),
            dims=["outcome"],
            categories={"outcome": [str(o) for o in Outcome.values]},
            minimum=options.minimum,
            round5=options.round5,
        )
        table.insert(0, "ruleset_id", ruleset_id)
        table["percent"] = _percent_of_total(table, "outcome", options.minimum)
        parts.append(table)
    if not parts:
        return pd.DataFrame(
            {"ruleset_id": [], "outcome": [], "count": [], "percent": []}
        ).astype({"count": "Int64", "percent": "Float64"})
    return _nullable(pd.concat(parts, ignore_index=True))


def flagged_and_confirmed(frames: Frames, options: Options) -> pd.DataFrame:
    """Per rule set: persons ever flagged for follow-up, and of them how many
    have FH confirmed (a positive predictive value with a Wilson interval)."""
    frame = frames["assessments"]
    assert frame is not None
    rows = []
    for ruleset_id in sorted(frame["ruleset_id"].astype(str).unique()):
        flagged = frame[(frame["ruleset_id"] == ruleset_id) & frame["flagged"]]
        status = (
            flagged["confirmed_fh"]
            .astype(bool)
            .map({True: "confirmed", False: "not_confirmed"})
        )
        counts = _counts(flagged.assign(status=status), ["status"], weight="persons")
        table = protect_frame(
            counts,
            dims=["status"],
            categories={"status": ["confirmed", "not_confirmed"]},
            minimum=options.minimum,
            round5=options.round5,
        ).set_index("status")["count"]
        rows.append(
            {
                "ruleset_id": ruleset_id,
                "flagged_count": table[TOTAL],
                "confirmed_count": table["confirmed"],
                "not_confirmed_count": table["not_confirmed"],
                **_proportion(table["confirmed"], table[TOTAL], options, "percent"),
            }
        )
    if not rows:
        rows = []
        return _wide(rows).reindex(
            columns=[
                "ruleset_id",
                "flagged_count",
                "confirmed_count",
                "not_confirmed_count",
                "confirmed_percent",
                "ci_low_percent",
                "ci_high_percent",
            ]
        )
    return _wide(rows)


def _proportion(
    part: object, whole: object, options: Options, unit: str
) -> dict[str, float | None]:
    scale = {"percent": 100.0, "per_1000": 1000.0}[unit]
    share = _share(part, whole, options.minimum, scale)
    low = high = None
    if share is not None:
        interval = wilson_interval(int(part), int(whole))  # type: ignore[call-overload]
        low, high = (round(scale * bound, 2) for bound in interval)
    name = "confirmed_percent" if unit == "percent" else "prevalence_per_1000"
    return {name: share, f"ci_low_{unit}": low, f"ci_high_{unit}": high}


# --- Cascade -------------------------------------------------------------------------


def cascade_by_relation(frames: Frames, options: Options) -> pd.DataFrame:
    """Relatives identified by the cascade, by relation and how far they got."""
    frame = frames["cascade"]
    assert frame is not None
    relatives = pd.DataFrame(
        {
            "relation": frame["relation"].astype(object),
            "result": frame["state"].astype(object).map(CASCADE_RESULTS),
        }
    )
    return protect_frame(
        _counts(relatives, ["relation", "result"]),
        dims=["relation", "result"],
        categories={
            "relation": [str(r) for r in Relation.values],
            "result": CASCADE_COLUMNS,
        },
        minimum=options.minimum,
        round5=options.round5,
    )


def cascade_yield(frames: Frames, options: Options) -> pd.DataFrame:
    """Per index case: relatives identified, tested and found affected.

    The relatives' counts are the margins of `cascade_by_relation` as published
    there (so the two tables agree and hide the same); tested is their sum over
    the tested results, hidden if any part is.
    """
    frame = frames["cascade"]
    assert frame is not None
    by_relation = cascade_by_relation(frames, options)
    margins = by_relation[by_relation["relation"] == TOTAL].set_index("result")["count"]
    tested_parts = [_count(margins[result]) for result in TESTED]
    tested = None if None in tested_parts else sum(p or 0 for p in tested_parts)
    index_cases = protect_frame(
        pd.DataFrame({"cases": ["index"], "count": [frame["index_case"].nunique()]}),
        dims=["cases"],
        minimum=options.minimum,
        round5=options.round5,
    )["count"].iloc[0]
    row: dict[str, object] = {
        "index_cases_count": index_cases,
        "relatives_identified_count": margins[TOTAL],
        "relatives_tested_count": tested,
        "new_cases_count": margins["new_case"],
    }
    for name, count in (
        ("identified_per_index", margins[TOTAL]),
        ("tested_per_index", tested),
        ("new_cases_per_index", margins["new_case"]),
    ):
        row[name] = _share(count, index_cases, options.minimum, 1.0)
    return _wide([row])


# --- Follow-up -----------------------------------------------------------------------


def _intervals(frames: Frames, options: Options) -> dict[str, pd.DataFrame]:
    """Days from a positive screen to each milestone, censored at the episode's
    close (or today while open) where the milestone was not reached."""
    frame = frames["episodes"]
    assert frame is not None
    episodes = frame[frame["screened_on"].notna()]
    start = pa.array(episodes["screened_on"])
    today = pa.scalar(options.today, pa.date32())
    censor = pc.fill_null(pa.array(episodes["closed_on"]), today)
    out = {}
    for name, column in (
        ("screen_to_lipid_clinic", "lipid_clinic_on"),
        ("screen_to_genetic_result", "genetic_result_on"),
    ):
        reached = pa.array(episodes[column])
        end = pc.if_else(pc.is_null(reached), censor, reached)
        days = pc.days_between(start, end).to_numpy(zero_copy_only=False)
        out[name] = pd.DataFrame(
            {
                "days": np.maximum(days, 0),
                "reached": pc.is_valid(reached).to_numpy(zero_copy_only=False),
            }
        )
    return out


def followup_times(frames: Frames, options: Options) -> pd.DataFrame:
    """Time from a positive screen to the lipid clinic and to a genetic result:
    Kaplan–Meier median and quartiles (open and closed-without episodes are
    censored), and the plain median of those reached."""
    rows = []
    for name, spans in _intervals(frames, options).items():
        status = spans["reached"].map({True: "reached", False: "censored"})
        counts = status.value_counts().rename_axis("status").rename("count")
        table = protect_frame(
            counts.reset_index(),
            dims=["status"],
            categories={"status": ["reached", "censored"]},
            minimum=options.minimum,
            round5=options.round5,
        ).set_index("status")["count"]
        row: dict[str, object] = {
            "interval": name,
            "episodes_count": table[TOTAL],
            "reached_count": table["reached"],
            "censored_count": table["censored"],
        }
        whole = publishable(_count(table[TOTAL]), minimum=options.minimum)
        for column, q in (("p25_days", 0.25), ("median_days", 0.5), ("p75_days", 0.75)):
            row[column] = (
                kaplan_meier_quantile(
                    spans["days"].to_numpy(dtype=np.float64),
                    spans["reached"].to_numpy(dtype=bool),
                    quantile=q,
                )
                if whole
                else None
            )
        reached = spans.loc[spans["reached"], "days"]
        row["median_days_reached"] = (
            float(np.median(reached))
            if publishable(_count(table["reached"]), minimum=options.minimum)
            else None
        )
        rows.append(row)
    return _wide(rows)


def loss_to_follow_up(frames: Frames, options: Options) -> pd.DataFrame:
    """Care episodes by origin and outcome (open ones as `open`), with the share
    of each outcome in its origin."""
    frame = frames["episodes"]
    assert frame is not None
    episodes = pd.DataFrame(
        {
            "origin": frame["origin"].astype(object),
            "outcome": frame["outcome"].astype(object).replace("", "open"),
        }
    )
    table = protect_frame(
        _counts(episodes, ["origin", "outcome"]),
        dims=["origin", "outcome"],
        categories={"outcome": ["open", *[str(o) for o in EpisodeOutcome.values]]},
        minimum=options.minimum,
        round5=options.round5,
    )
    table["percent"] = _percent_of_total(table, "outcome", options.minimum)
    return _nullable(table)


# --- The set -------------------------------------------------------------------------

_BUILDERS: dict[str, Callable[[Frames, Options], pd.DataFrame]] = {
    "screenings_by_quarter_district_age_sex": screenings,
    "ldl_percentiles_by_age_sex": ldl_percentiles,
    "ldl_histogram_by_age_sex": ldl_histogram,
    "outcomes_by_ruleset": outcomes_by_ruleset,
    "flagged_and_confirmed_by_ruleset": flagged_and_confirmed,
    "fh_prevalence": fh_prevalence,
    "cascade_by_relation": cascade_by_relation,
    "cascade_yield": cascade_yield,
    "followup_times": followup_times,
    "loss_to_follow_up": loss_to_follow_up,
}
STANDARD_TABLES = [
    StandardTable(entry.name, entry.title, entry.sources, _BUILDERS[entry.name])
    for entry in CATALOGUE
]
TABLES_BY_NAME = {table.name: table for table in STANDARD_TABLES}


def sources(chosen: Iterable[StandardTable]) -> list[str]:
    """The source frames the chosen tables read, each once."""
    return list(dict.fromkeys(source for table in chosen for source in table.sources))


def build(table: StandardTable, frames: Frames, options: Options) -> pd.DataFrame:
    """The published table, or its one-row note while a source is missing."""
    missing = [source for source in table.sources if frames[source] is None]
    if missing:
        return pd.DataFrame(
            {"note": [f"Source not available yet: {', '.join(missing)}."]}
        )
    return table.build(frames, options)


def count_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c == "count" or c.endswith("_count")]


def hidden_cells(frame: pd.DataFrame) -> int:
    """How many counts the table hides (for the export record)."""
    return int(sum(frame[column].isna().sum() for column in count_columns(frame)))


def payload(table: StandardTable, frame: pd.DataFrame) -> dict[str, Any]:
    """The table as JSON-ready data: hidden cells null, numbers plain."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return {
        "name": table.name,
        "title": table.title,
        "columns": [str(column) for column in frame.columns],
        "rows": [{k: _plain(v) for k, v in row.items()} for row in rows],
    }


def _plain(value: object) -> object:
    """numpy and pandas scalars as JSON's own."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
