"""Record-level extracts: k-anonymous by pycanon's count, free of every identifier,
unlinkable across extracts, and written by `extract_records` with its record."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pycanon import anonymity

from epidemiology import extract
from epidemiology.models import ExportRecord
from fh_registry.models import Practice, User
from screening.models import (
    Assessment,
    Consent,
    LabResult,
    Person,
    PersonIdentity,
)

ROOT = Path(__file__).resolve().parents[2]
QI = list(extract.QUASI_IDENTIFIERS)


# --- The ladder alone (no database) ------------------------------------------------


def test_rows_in_small_classes_climb_the_ladder_and_the_rest_are_suppressed() -> None:
    # k = 5: 12 children of 7 years in 2025-Q1 and 6 of 8 years in 2025-Q3 form
    # classes at the finest level; 3 of 7 years in 2025-Q2 and a 16-year-old in
    # Q4 do not, and climb the ladder together, never more than 3 and 1 or 4.
    ages = np.array([7] * 12 + [7] * 3 + [8] * 6 + [16])
    years = np.full(len(ages), 2025)
    quarters = np.array([1] * 12 + [2] * 3 + [3] * 6 + [4])
    same = np.zeros(len(ages), dtype=np.int64)
    hierarchies = [
        extract.age_hierarchy(ages),
        [(same, ["F"]), (same, ["*"])],
        [(same, ["803"]), (same, ["80"]), (same, ["8"]), (same, ["*"])],
        extract.quarter_hierarchy(years, quarters),
    ]

    rungs = extract.k_anonymous_rungs(hierarchies, k=5)

    assert rungs[:12].tolist() == [0] * 12
    # At the year (rung 1) they are 5-9 and 15-17 (3 and 1); at 0-9 and 10-17
    # (rung 3) still; at 0-17 (rung 5) one class of 4 < 5: suppressed.
    assert rungs[12:15].tolist() == [-1] * 3
    assert rungs[15:21].tolist() == [0] * 6
    assert rungs[21] == -1


def test_released_values_name_each_row_at_its_rungs_level() -> None:
    ages = np.array([3, 3, 12])
    hierarchy = extract.age_hierarchy(ages)
    rungs = np.array([0, 3, -1], dtype=np.int8)  # rung 3: the wider age bands

    values = extract.released_values(hierarchy, rungs, position=0)

    assert list(values) == ["0-4", "0-9"]


def test_age_bands_follow_domain_7() -> None:
    codes, labels = extract.age_hierarchy(np.array([0, 4, 5, 9, 10, 14, 15, 17, 18]))[0]
    assert [labels[c] for c in codes] == [
        "0-4",
        "0-4",
        "5-9",
        "5-9",
        "10-14",
        "10-14",
        "15-17",
        "15-17",
        "18-29",
    ]


@pytest.mark.parametrize(
    ("prefix", "district", "levels"),
    [
        ("80331", "München", ["803", "80", "8", "*"]),
        ("90", "Nürnberg", ["90", "90", "9", "*"]),
        ("", "Landkreis Fürth", ["Landkreis Fürth", "*", "*", "*"]),
    ],
)
def test_regions_coarsen_from_three_postcode_digits(
    prefix: str, district: str, levels: list[str]
) -> None:
    assert [extract.region_label(prefix, district, level) for level in range(4)] == (
        levels
    )


# --- Extracts from the registry -------------------------------------------------

PRACTICES = (  # code, postcode prefix, district
    ("P-803", "80331", "München"),
    ("P-804", "80469", "München"),
    ("P-900", "90402", "Nürnberg"),
)


@pytest.fixture
def registry(cast: dict[str, Any]) -> dict[str, Any]:
    """120 screened children in three practices, plus outliers that a k of 10
    cannot release as they are; identities carry names and postcodes that must
    never appear in an extract."""
    practices = [
        Practice.objects.create(
            code=code, name=f"Praxis {code}", district=d, postcode_prefix=p
        )
        for code, p, d in PRACTICES
    ]
    author: User = cast["ped_a"]
    rows: list[tuple[Practice, str, date, date, str, str | None]] = []
    for i in range(120):
        rows.append(
            (
                practices[i % 3],
                "FM"[i % 2],
                date(2016, 1 + i % 12, 1 + i % 28),  # 8-9 years at the sample
                date(2025, 3 + 3 * (i % 2), 10),  # 2025-Q1 or Q2
                "positive" if i % 7 == 0 else "negative",
                f"{3.0 + (i % 30) / 10:.4f}",
            )
        )
    # Outliers: a lone 16-year-old, a lone child sampled in 2024, a child of a
    # practice of its own region.
    rows.append(
        (practices[0], "F", date(2009, 1, 5), date(2025, 3, 1), "positive", "5.2549")
    )
    rows.append(
        (practices[1], "M", date(2016, 5, 5), date(2024, 11, 1), "negative", None)
    )
    lonely = Practice.objects.create(
        code="P-010", name="Praxis Nord", district="Berlin", postcode_prefix="10115"
    )
    rows.append((lonely, "F", date(2016, 5, 5), date(2025, 3, 1), "negative", "2.0"))
    persons = seed_children(rows, author)
    return {"persons": persons, "practices": [*practices, lonely]}


def seed_children(rows: list[tuple[Any, ...]], author: User) -> list[Person]:
    """Volume without the services: persons, identities, results, assessments."""
    persons = Person.objects.bulk_create(
        Person(
            sex=sex,
            birth_date=born,
            practice=practice,
            practice_patient_number=f"PPN-{n:05d}",
        )
        for n, (practice, sex, born, *_rest) in enumerate(rows)
    )
    PersonIdentity.objects.bulk_create(
        PersonIdentity(
            person=person,
            given_name=f"Quirina{n}",
            family_name="Zwerenz",
            street="Geheimweg 7",
            postcode="12345",
            city="Irgendwo",
        )
        for n, person in enumerate(persons)
    )
    results = LabResult.objects.bulk_create(
        LabResult(
            person=person,
            sample_date=sampled,
            sample_type="capillary",
            entered_unit="mmol/L",
            ldl_cholesterol_entered=ldl,
            ldl_mmol_l=ldl,
            secondary_cause="free text that must never leave",
            source="form",
            entered_by=author,
        )
        for person, (_p, _s, _b, sampled, _o, ldl) in zip(persons, rows, strict=True)
    )
    Assessment.objects.bulk_create(
        Assessment(
            person=person,
            lab_result=result,
            ruleset_id="eas2026",
            ruleset_version="2026.1",
            outcome=outcome,
            ldl_mmol_l=ldl,
            created_by=author,
        )
        for person, result, (_p, _s, _b, _d, outcome, ldl) in zip(
            persons, results, rows, strict=True
        )
    )
    return persons


def _extract(k: int = 10) -> extract.Extract:
    return extract.build_extract(ruleset_id="eas2026", k=k)


@pytest.mark.django_db
def test_an_extract_is_k_anonymous_by_pycanon_and_counts_what_it_suppressed(
    registry: dict[str, Any],
) -> None:
    made = _extract(k=10)

    assert anonymity.k_anonymity(made.frame.astype(str), QI) >= 10
    assert made.released + made.suppressed == len(registry["persons"])
    # The lone 16-year-old, the 2024 sample and the Berlin child cannot join a
    # class of 10 on any rung but the coarsest; the rest is released.
    assert made.suppressed == 3
    assert made.released == 120
    assert list(made.frame.columns) == list(extract.COLUMNS)


@pytest.mark.django_db
def test_small_classes_are_generalised_before_anything_is_suppressed(
    registry: dict[str, Any],
) -> None:
    made = _extract(k=25)  # 20 per practice and sex (= quarter): too few

    assert anonymity.k_anonymity(made.frame.astype(str), QI) >= 25
    # München's two 3-digit areas make classes of 40 as "80" in 2025; Nürnberg's
    # 20 + 20 never reach 25 on any rung (sex is never generalised), nor do the
    # outliers: 43 suppressed.
    assert (made.released, made.generalised, made.suppressed) == (80, 80, 43)
    assert set(made.frame["region"]) == {"80"}
    assert set(made.frame["screening_quarter"]) == {"2025"}


@pytest.mark.django_db
def test_an_extract_holds_no_identifier(
    registry: dict[str, Any], tmp_path: Path
) -> None:
    made = _extract()
    path = tmp_path / "extract.parquet"
    extract.write_parquet(made.frame, path)
    written = pd.read_parquet(path)
    raw = path.read_bytes()

    cells = {str(value) for column in written for value in written[column].tolist()}
    forbidden = set()
    for person in registry["persons"]:
        forbidden |= {
            person.pseudonym,
            person.practice_patient_number,
            person.birth_date.isoformat(),
            str(person.pk),
        }
        identity = PersonIdentity.objects.get(person=person)
        forbidden |= {identity.given_name, identity.family_name, identity.postcode}
    for practice in registry["practices"]:
        forbidden |= {practice.code, practice.name, practice.postcode_prefix}
    forbidden |= {"Geheimweg 7", "Irgendwo", "free text that must never leave"}

    assert cells & forbidden == set()
    # In the file's bytes: every identifier except those made only of hex
    # digits (person ids, a postcode prefix), which a random study id holds
    # by chance now and then; the cells above are checked for them exactly.
    for text in forbidden:
        if set(text.lower()) <= set("0123456789abcdef"):
            continue
        assert text.encode() not in raw, text
    assert list(written.columns) == list(extract.COLUMNS)
    assert written["ldl_mmol_l"].dropna().map(lambda v: round(v, 1) == v).all()


def test_study_ids_are_the_first_ten_bytes_of_hmac_sha256() -> None:
    key = bytes(range(32))
    ids = np.array([1, 2, 10**12], dtype=np.int64)

    found = extract.study_ids(ids, key).tolist()

    assert found == [
        hmac.digest(key, int(i).to_bytes(8, "big"), "sha256")[:10].hex() for i in ids
    ]


@pytest.mark.django_db
def test_two_extracts_have_disjoint_study_ids(registry: dict[str, Any]) -> None:
    first, second = _extract(), _extract()

    assert first.released == second.released == 120
    assert set(first.frame["study_id"]).isdisjoint(second.frame["study_id"])
    assert first.frame["study_id"].is_unique
    assert first.key != second.key


@pytest.mark.django_db
def test_children_with_withdrawn_consent_are_left_out(
    registry: dict[str, Any],
) -> None:
    withdrawn = registry["persons"][0]
    Consent.objects.create(
        person=withdrawn,
        scope="screening",
        given_on=date(2024, 1, 1),
        withdrawn_on=date(2025, 1, 1),
    )

    children = extract.read_children(ruleset_id="eas2026")

    assert withdrawn.pk not in set(children["person_id"])
    assert len(children) == len(registry["persons"]) - 1


@pytest.mark.django_db
def test_the_fast_and_the_orm_reader_read_the_same_children(
    registry: dict[str, Any],
) -> None:
    # A later sample of the first child: the current assessment is the later one.
    person = registry["persons"][0]
    later = LabResult.objects.create(
        person=person,
        sample_date=date(2025, 9, 1),
        sample_type="venous",
        entered_unit="mmol/L",
        ldl_mmol_l=Decimal("4.25"),
        source="form",
        entered_by=User.objects.get(username="ped_a"),
    )
    Assessment.objects.create(
        person=person,
        lab_result=later,
        ruleset_id="eas2026",
        ruleset_version="2026.1",
        outcome="repeat_needed",
        ldl_mmol_l=Decimal("4.25"),
        created_by=later.entered_by,
    )
    today = date(2026, 1, 1)

    by_arrays = extract._children_by_arrays(ruleset_id="eas2026", today=today)
    by_orm = extract._children_by_orm(ruleset_id="eas2026", today=today)

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.sort_values("person_id").reset_index(drop=True)
        return frame.astype({"sex": str, "outcome": str, "age_years": "int64"})

    pd.testing.assert_frame_equal(plain(by_arrays), plain(by_orm), check_dtype=False)
    first = by_arrays.set_index("person_id").loc[person.pk]
    assert (first["outcome"], first["ldl_mmol_l"]) == ("repeat_needed", 4.3)
    assert (first["sample_year"], first["sample_quarter"]) == (2025, 3)


# --- The command ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_writes_the_extract_its_key_and_its_record(
    registry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output, key_file = tmp_path / "study.parquet", tmp_path / "study.key"

    call_command(
        "extract_records", "--output", str(output), "--key-file", str(key_file)
    )

    printed = capsys.readouterr().out
    assert "Released 120 rows, suppressed 3 (k = 10, rule set eas2026)" in printed
    record = ExportRecord.objects.get()
    assert (record.kind, record.channel, record.user) == ("extract", "command", None)
    assert (record.rows, record.rows_suppressed, record.k_anonymity) == (120, 3, 10)
    assert record.name == "study.parquet"
    assert record.actor
    assert record.sha256 == hashlib.sha256(output.read_bytes()).hexdigest()
    assert "key" not in str(record.parameters).replace("key_file_written", "")
    # The key file is the owner's alone, and re-links rows of this extract only.
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    key = bytes.fromhex(key_file.read_text().splitlines()[-1])
    written = pd.read_parquet(output)
    person_ids = np.array([p.pk for p in registry["persons"]])
    assert set(written["study_id"]) <= set(extract.study_ids(person_ids, key).tolist())


@pytest.mark.django_db
def test_the_command_takes_k_and_a_rule_set(
    registry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "vroni.parquet"

    call_command(
        "extract_records", "--output", str(output), "--k", "3", "--ruleset", "vroni"
    )

    assert (
        "Released 0 rows, suppressed 0 (k = 3, rule set vroni)"
        in capsys.readouterr().out
    )
    assert pd.read_parquet(output).empty
    assert ExportRecord.objects.get().k_anonymity == 3


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--output", "x.csv"], "--output must name a .parquet file, not x.csv."),
        (
            ["--output", "/nonexistent/x.parquet"],
            "--output: no such directory /nonexistent.",
        ),
        (["--output", "x.parquet", "--k", "1"], "--k must be at least 2, not 1."),
        (
            ["--output", "x.parquet", "--ruleset", "dlcn"],
            "--ruleset 'dlcn' is not a paediatric rule set; use one of: "
            "vroni, eas2015, eas2026, simon-broome-paediatric.",
        ),
    ],
)
def test_bad_options_are_refused_with_status_2(
    arguments: list[str], message: str
) -> None:
    with pytest.raises(
        CommandError, match="^" + message.replace(".", r"\.") + "$"
    ) as refused:
        call_command("extract_records", *arguments)
    assert refused.value.returncode == 2


def test_the_command_line_exits_2_on_a_bad_option(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    for arguments, expected in (
        (["--output", str(tmp_path / "x.csv")], "--output must name a .parquet file"),
        (["--output", "x.parquet", "--k", "ten"], "argument --k: invalid int value"),
    ):
        done = subprocess.run(
            [sys.executable, "manage.py", "extract_records", *arguments],
            check=False,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert expected in done.stderr
