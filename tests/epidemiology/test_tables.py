"""The standard tables on a tiny registry: small cells hidden, a second cell
hidden to protect the first, and a table whose source is missing says so."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from django.db import connection

from epidemiology import tables
from epidemiology.disclosure import TOTAL
from epidemiology.frames import FrameCache
from screening.models import Person
from tests.personas import record_result, register_child

pytestmark = pytest.mark.django_db

OPTIONS = tables.Options(minimum=10, today=date(2026, 12, 31))


def children(user: Any, practice: str, sex: str, how_many: int) -> list[Person]:
    made = []
    for n in range(how_many):
        child = register_child(
            user,
            practice_code=practice,
            number=f"{practice}-{sex}-{n}",
            sex=sex,
            birth_date=date(2018, 1, 1),
        )
        record_result(user, child)
        made.append(child)
    return made


@pytest.fixture
def tiny_registry(ped_a: Any, ped_b: Any) -> None:
    """München (DEMO-A): 12 girls, 3 boys; Nürnberg (DEMO-B): 11 girls, 14 boys;
    all aged 5–9, screened in the same quarter."""
    children(ped_a, "DEMO-A", "F", 12)
    children(ped_a, "DEMO-A", "M", 3)
    children(ped_b, "DEMO-B", "F", 11)
    children(ped_b, "DEMO-B", "M", 14)


def published(frame: pd.DataFrame, dims: list[str]) -> dict[tuple[str, ...], Any]:
    return {
        tuple(row[d] for d in dims): (None if pd.isna(row["count"]) else row["count"])
        for _at, row in frame.iterrows()
    }


def test_a_small_cell_and_its_complements_are_hidden(tiny_registry: None) -> None:
    table = tables.build(
        tables.TABLES_BY_NAME["screenings_by_quarter_district_age_sex"],
        FrameCache(using=connection),
        OPTIONS,
    )
    (quarter,) = set(table["quarter"]) - {TOTAL}
    cells = published(
        table[(table["quarter"] == quarter) & (table["age_band"] == "5–9")],
        ["district", "sex"],
    )
    # The 3 boys are hidden; 12 girls of München (the smaller partner in its
    # row) and 14 boys of Nürnberg (its column) go with them, and the 11 girls
    # of Nürnberg close the rectangle. The margins stay shown: every hidden
    # cell has a hidden partner in each line, so no subtraction gives it.
    assert cells == {
        ("München", "F"): None,
        ("München", "M"): None,
        ("München", TOTAL): 15,
        ("Nürnberg", "F"): None,
        ("Nürnberg", "M"): None,
        ("Nürnberg", TOTAL): 25,
        (TOTAL, "F"): 23,
        (TOTAL, "M"): 17,
        (TOTAL, TOTAL): 40,
    }
    assert not ((table["count"] > 0) & (table["count"] < 10)).fillna(False).any()


def test_percentiles_are_published_only_for_groups_of_the_minimum(
    tiny_registry: None,
) -> None:
    table = tables.build(
        tables.TABLES_BY_NAME["ldl_percentiles_by_age_sex"],
        FrameCache(using=connection),
        OPTIONS,
    ).set_index(["age_band", "sex"])
    assert table.loc[("5–9", "F"), "count"] == 23
    assert table.loc[("5–9", "F"), "median_mmol_l"] == 2.4
    # 17 boys: enough for percentiles.
    assert table.loc[("5–9", "M"), "count"] == 17
    assert table.loc[("5–9", "M"), "p95_mmol_l"] == 2.4


def test_the_tables_name_no_person(tiny_registry: None) -> None:
    frames = FrameCache(using=connection)
    pseudonyms = set(Person.objects.values_list("pseudonym", flat=True))
    for table in tables.STANDARD_TABLES:
        frame = tables.build(table, frames, OPTIONS)
        text = frame.to_csv(index=False)
        assert not any(p in text for p in pseudonyms), table.name
        assert "Huber" not in text
        assert "DEMO-A-" not in text


def test_a_missing_source_says_so_instead_of_showing_zeros() -> None:
    frames = {"screenings": None, "assessments": None, "episodes": None}
    frames["cascade"] = None
    table = tables.build(tables.TABLES_BY_NAME["cascade_yield"], frames, OPTIONS)
    assert table.to_dict("list") == {"note": ["Source not available yet: cascade."]}


def test_an_empty_registry_publishes_zeros(db: Any) -> None:
    frames = FrameCache(using=connection)
    prevalence = tables.build(tables.TABLES_BY_NAME["fh_prevalence"], frames, OPTIONS)
    assert prevalence["screened_count"].tolist() == [0]
    assert prevalence["prevalence_per_1000"].isna().all()


@pytest.mark.django_db(transaction=True)
def test_frames_read_at_once_on_their_own_connections_match_one_by_one(
    ped_a: Any, ped_b: Any
) -> None:
    children(ped_a, "DEMO-A", "F", 3)
    children(ped_b, "DEMO-B", "M", 2)
    names = tables.sources(tables.STANDARD_TABLES)
    at_once = FrameCache(using=connection)
    at_once.prefetch(names)
    assert set(at_once._frames) == set(names)  # read already, not on demand
    one_by_one = FrameCache(using=connection)
    for name in names:
        fetched, read = at_once[name], one_by_one[name]
        assert fetched is not None
        assert read is not None
        pd.testing.assert_frame_equal(fetched, read)
    assert len(at_once["screenings"]) == 5  # type: ignore[arg-type]


def test_inside_a_transaction_frames_are_read_on_its_connection(
    tiny_registry: None,
) -> None:
    """Another connection would not see these uncommitted children: the frames
    are read on demand on the transaction's own connection."""
    frames = FrameCache(using=connection)
    frames.prefetch(tables.sources(tables.STANDARD_TABLES))
    screenings = frames["screenings"]
    assert screenings is not None
    assert len(screenings) == 40
