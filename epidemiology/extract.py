"""Record-level extracts: one k-anonymous row per screened child (DOMAIN §7).

What is read: each child's current assessment under one rule set (newest sample
first, as everywhere), the age at that sample, sex, the practice, the sample's
quarter, the outcome and LDL-C. Children whose screening consent was withdrawn
are left out. No pseudonym, practice patient number, postcode of a person, name
or free text is read; the birth date is read only to work out the age at the
sample, and goes no further.

Study ids are HMAC-SHA256 of the person's row id under a fresh random key per
extract, so two extracts never link (HMAC written out over hashlib's SHA-256,
byte for byte `hmac.digest`, because the stdlib's per-call overhead doubled the
extract's time at a million rows). The key lives in memory only; the operator
may have it written to a key file (0600) for the study team to re-link rows of
that one extract where the law allows, and it is never stored in the database.

k-anonymity is done here with numpy, not with anjana: every anjana (and pycanon)
release pins pandas 2.x and numpy 2.0.2 exactly, and the registry runs pandas 3.
Each row starts at the finest generalisation; rows whose class is smaller than k
climb a fixed ladder of coarser ones (quarter to year, 3- to 2-digit region,
wider age bands, ...) together with the other rows that failed, and rows still
in a class under k are suppressed. Every class of the released table has at
least k rows, which is checked again before anything is written.
"""

from __future__ import annotations

import getpass
import hashlib
import itertools
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.utils import timezone

from epidemiology.models import ExportChannel, ExportKind, ExportRecord
from fh_registry.models import Practice, User
from screening.models import (
    Assessment,
    Consent,
    ConsentScope,
    LabResult,
    Outcome,
    Person,
    Sex,
)

QUASI_IDENTIFIERS = ("age_band", "sex", "region", "screening_quarter")
COLUMNS = ("study_id", *QUASI_IDENTIFIERS, "outcome", "ldl_mmol_l")
SUPPRESSED = "*"
STUDY_ID_BYTES = 10  # 80 bits: two 1,000,000-row extracts collide with p < 1e-12

# One generalisation hierarchy: per level, (code per row, label per code).
Level = tuple[np.ndarray, list[str]]
Hierarchy = list[Level]

# Levels per quasi-identifier (age band, sex, region, quarter), finest first.
# A row in a class under k moves to the next rung; the order spends the least
# useful detail first: the quarter, then the third postcode digit, ...
LADDER: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),  # quarter -> year
    (0, 0, 1, 1),  # 3-digit -> 2-digit region
    (1, 0, 1, 1),  # age bands 0-9, 10-17, 18-39, ...
    (1, 0, 2, 1),  # 1-digit region
    (2, 0, 2, 1),  # 0-17, 18+
    (2, 0, 3, 1),  # any region
    (2, 0, 3, 2),  # any year
)

# Age bands (DOMAIN §7: 0-4, 5-9, 10-14, 15-17, adults by decade), then wider.
AGE_EDGES: tuple[tuple[int, ...], ...] = (
    (0, 5, 10, 15, 18, 30, 40, 50, 60, 70, 80),
    (0, 10, 18, 40, 60),
    (0, 18),
)


# --- Generalisation and k-anonymity (no database) ---------------------------------


def _band_labels(edges: Sequence[int]) -> list[str]:
    inner = [f"{low}-{high - 1}" for low, high in itertools.pairwise(edges)]
    return [*inner, f"{edges[-1]}+"]


def age_hierarchy(age_years: np.ndarray) -> Hierarchy:
    ages = np.clip(age_years.astype(np.int64), 0, None)
    levels: Hierarchy = [
        (np.searchsorted(np.array(edges), ages, side="right") - 1, _band_labels(edges))
        for edges in AGE_EDGES
    ]
    return [*levels, (np.zeros(len(ages), dtype=np.int64), [SUPPRESSED])]


def sex_hierarchy(sex: np.ndarray) -> Hierarchy:
    codes, labels = pd.factorize(sex, sort=True)
    return [(codes, list(labels)), (np.zeros(len(sex), dtype=np.int64), [SUPPRESSED])]


def region_label(postcode_prefix: str, district: str, level: int) -> str:
    """A practice's region at `level`: its 3-digit postcode area (its district
    where it has no postcode), then 2 and 1 digits, then any region."""
    digits = "".join(ch for ch in postcode_prefix if ch.isdigit())
    if level == 0:
        return digits[:3] or district.strip() or SUPPRESSED
    width = {1: 2, 2: 1}.get(level, 0)
    return digits[:width] or SUPPRESSED


def region_hierarchy(
    practice_ids: np.ndarray, practices: dict[int, tuple[str, str]]
) -> Hierarchy:
    """`practices`: id -> (postcode prefix, district), for every id in the rows."""
    known = pd.Index(list(practices))
    row_practice = known.get_indexer(pd.Index(practice_ids))
    levels: Hierarchy = []
    for level in range(4):
        per_practice = [region_label(*practices[pk], level) for pk in known]
        codes, labels = pd.factorize(pd.Index(per_practice))
        levels.append((codes[row_practice], list(labels)))
    return levels


def quarter_hierarchy(years: np.ndarray, quarters: np.ndarray) -> Hierarchy:
    first = int(years.min()) if len(years) else 0
    span = (int(years.max()) - first + 1) if len(years) else 1
    year_codes = years.astype(np.int64) - first
    return [
        (
            year_codes * 4 + quarters.astype(np.int64) - 1,
            [f"{first + i // 4}-Q{i % 4 + 1}" for i in range(span * 4)],
        ),
        (year_codes, [str(first + i) for i in range(span)]),
        (np.zeros(len(years), dtype=np.int64), [SUPPRESSED]),
    ]


def k_anonymous_rungs(hierarchies: Sequence[Hierarchy], *, k: int) -> np.ndarray:
    """The LADDER rung each row is released at (-1: suppressed).

    On each rung the rows still pending are grouped by their generalised values;
    rows in classes of at least k are released there, the rest climb on.
    """
    rows = len(hierarchies[0][0][0])
    rung_of = np.full(rows, -1, dtype=np.int8)
    pending = np.arange(rows)
    for rung, levels in enumerate(LADDER):
        if pending.size == 0:
            break
        key = np.zeros(pending.size, dtype=np.int64)
        for hierarchy, level in zip(hierarchies, levels, strict=True):
            codes, labels = hierarchy[level]
            key = key * len(labels) + codes[pending]
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        released = counts[inverse] >= k
        rung_of[pending[released]] = rung
        pending = pending[~released]
    return rung_of


def released_values(
    hierarchy: Hierarchy, rung_of: np.ndarray, position: int
) -> pd.Categorical:
    """The labels of the kept rows (rung >= 0) at their rung's level."""
    kept = rung_of >= 0
    level_of_row = np.array([levels[position] for levels in LADDER])[rung_of[kept]]
    labels: list[str] = []
    codes = np.empty(int(kept.sum()), dtype=np.int64)
    for level, (level_codes, level_labels) in enumerate(hierarchy):
        chosen = level_of_row == level
        codes[chosen] = len(labels) + level_codes[kept][chosen]
        labels.extend(level_labels)
    # A label may stand at two levels ("*", or a 2-digit postcode area that is
    # also a practice's finest region): one category each.
    categories, remap = np.unique(np.array(labels, dtype=object), return_inverse=True)
    values = pd.Categorical.from_codes(remap[codes], categories=pd.Index(categories))
    return values.remove_unused_categories()


def smallest_class(frame: pd.DataFrame) -> int:
    """The size of the smallest equivalence class over the quasi-identifiers."""
    if frame.empty:
        return 0
    sizes = frame.groupby(list(QUASI_IDENTIFIERS), observed=True).size()
    return int(sizes.min())


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def study_id_digests(person_ids: np.ndarray, key: bytes) -> np.ndarray:
    """HMAC-SHA256(key, id as 8 bytes big-endian), first 10 bytes, per id.

    HMAC written out (RFC 2104) over one-shot SHA-256 calls: the same bytes as
    `hmac.digest` (tested), at half its cost per id, which is most of the
    extract's time at a million rows.
    """
    block = (key if len(key) <= 64 else hashlib.sha256(key).digest()).ljust(64, b"\0")
    inner = bytes(byte ^ 0x36 for byte in block)
    outer = bytes(byte ^ 0x5C for byte in block)
    sha256 = hashlib.sha256
    message = person_ids.astype(">u8").tobytes()
    digests = b"".join(
        sha256(outer + sha256(inner + message[at : at + 8]).digest()).digest()[
            :STUDY_ID_BYTES
        ]
        for at in range(0, len(message), 8)
    )
    return np.frombuffer(digests, dtype=np.uint8).reshape(-1, STUDY_ID_BYTES)


def study_ids(person_ids: np.ndarray, key: bytes) -> pd.Series:
    """The study ids of `person_ids`: 20 lower-case hex digits each, all distinct."""
    digests = study_id_digests(person_ids, key)
    # The first 8 of the 10 bytes decide quickly; a clash there is compared whole.
    prefix = np.sort(np.ascontiguousarray(digests[:, :8]).view(">u8").ravel())
    if bool((prefix[1:] == prefix[:-1]).any()) and len(
        {row.tobytes() for row in digests}
    ) < len(digests):
        raise RuntimeError("study ids collided; run the extract again")
    text = np.empty((len(digests), 2 * STUDY_ID_BYTES), dtype=np.uint8)
    text[:, 0::2] = _HEX[digests >> 4]
    text[:, 1::2] = _HEX[digests & 0x0F]
    binary = pa.array(text.view(f"S{2 * STUDY_ID_BYTES}").ravel(), pa.binary())
    return pd.Series(binary.cast(pa.string()), dtype=pd.ArrowDtype(pa.string()))


# --- Reading -------------------------------------------------------------------

# What is read, one row per child; LDL-C rounded to 0.1 mmol/L.
_COLUMNS = (
    "person_id",
    "practice_id",
    "sex",
    "age_years",
    "sample_year",
    "sample_quarter",
    "outcome",
    "ldl_mmol_l",
)


def _columns(query: str, params: dict[str, Any], count: int) -> list[np.ndarray]:
    """A query's one row of array_agg columns, as numpy arrays (binary transfer).

    One row of arrays instead of a row per child: a COPY of a million rows
    spends seconds in the driver's per-row loop.
    """
    # A server-binding cursor: Django's client-side cursors cannot fetch binary.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(query, params, binary=True)
        row = cursor.fetchone()
    if row is None or row[0] is None:  # array_agg of no rows is NULL
        return [np.array([], dtype=np.int64) for _ in range(count)]
    return [
        np.array(values, dtype=object if isinstance(values[0], str) else None)
        for values in row
    ]


def _lookup(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions of `keys` in the unique `ids` (each key is present)."""
    order = np.argsort(ids)
    return order[np.searchsorted(ids, keys, sorter=order)]


def _parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of datetime64[D] values."""
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    return year, month, day


def _children_by_arrays(*, ruleset_id: str, today: date) -> pd.DataFrame:
    """PostgreSQL: three narrow reads (assessments, samples, persons) joined and
    reduced to the current assessment per child in numpy; the same join in SQL
    took most of the extract's time budget. Dates travel as days since 1970."""
    connection.ensure_connection()
    # Table names come from the models; the one value is bound.
    assessment_id, person_id, result_id, created_us, outcome, ldl = _columns(
        "SELECT array_agg(id), array_agg(person_id), array_agg(lab_result_id),"  # noqa: S608
        " array_agg(date_part('epoch', created_at)),"
        " array_agg(coalesce(array_position(%(outcomes)s::text[], outcome::text), 0)),"
        " array_agg(round(ldl_mmol_l, 1)::float8)"
        f" FROM {Assessment._meta.db_table} WHERE ruleset_id = %(ruleset)s",
        {"ruleset": ruleset_id, "outcomes": list(Outcome.values)},
        6,
    )
    sample_ids, sample_days = _columns(
        "SELECT array_agg(id), array_agg(sample_date - DATE '1970-01-01')"  # noqa: S608
        f" FROM {LabResult._meta.db_table}",
        {},
        2,
    )
    person_ids, practice_ids, sexes, birth_days = _columns(
        "SELECT array_agg(id), array_agg(practice_id),"  # noqa: S608
        " array_agg(coalesce(array_position(%(sexes)s::text[], sex::text), 0)),"
        f" array_agg(birth_date - DATE '1970-01-01') FROM {Person._meta.db_table}",
        {"sexes": list(Sex.values)},
        4,
    )
    sampled = sample_days[_lookup(result_id, sample_ids)].astype("datetime64[D]")
    # Newest sample first, then the newest assessment of it (newest_sample_first).
    order = np.lexsort(
        (-assessment_id, -created_us, -result_id, -sampled.astype(np.int64), person_id)
    )
    first = np.ones(len(order), dtype=bool)
    first[1:] = person_id[order][1:] != person_id[order][:-1]
    current = order[first]
    withdrawn = np.fromiter(_withdrawn_ids(today), dtype=np.int64)
    current = current[~np.isin(person_id[current], withdrawn)]
    person_at = _lookup(person_id[current], person_ids)
    sample_year, sample_month, sample_day = _parts(sampled[current])
    birth_year, birth_month, birth_day = _parts(
        birth_days[person_at].astype("datetime64[D]")
    )
    before_birthday = sample_month * 100 + sample_day < birth_month * 100 + birth_day
    return pd.DataFrame(
        {
            "person_id": person_id[current].astype(np.int64),
            "practice_id": practice_ids[person_at].astype(np.int64),
            # Codes travel as positions (1-based, 0: unknown): no string per row.
            "sex": pd.Categorical.from_codes(
                sexes[person_at].astype(np.int64) - 1, categories=pd.Index(Sex.values)
            ),
            "age_years": sample_year - birth_year - before_birthday,
            "sample_year": sample_year,
            "sample_quarter": (sample_month - 1) // 3 + 1,
            "outcome": pd.Categorical.from_codes(
                outcome[current].astype(np.int64) - 1,
                categories=pd.Index(Outcome.values),
            ),
            "ldl_mmol_l": ldl[current].astype(np.float64),
        },
        columns=list(_COLUMNS),
    )


def _withdrawn_ids(today: date) -> set[int]:
    """Children with a withdrawn screening consent and none in force today."""
    screening = Consent.objects.filter(scope=ConsentScope.SCREENING)
    withdrawn = screening.filter(withdrawn_on__lte=today).values_list(
        "person_id", flat=True
    )
    in_force = screening.in_force(on=today).values_list("person_id", flat=True)
    return set(withdrawn) - set(in_force)


def _full_years(born: date, on: date) -> int:
    """Completed years, as PostgreSQL's age() counts them."""
    return on.year - born.year - int((on.month, on.day) < (born.month, born.day))


def _children_by_orm(*, ruleset_id: str, today: date) -> pd.DataFrame:
    """Any database (the embedded SQLite default): the same rows by the ORM."""
    rows = (
        Assessment.objects.filter(ruleset_id=ruleset_id)
        .exclude(person_id__in=_withdrawn_ids(today))
        .order_by(
            "person_id",
            "-lab_result__sample_date",
            "-lab_result_id",
            "-created_at",
            "-pk",
        )
        .values_list(
            "person_id",
            "person__practice_id",
            "person__sex",
            "person__birth_date",
            "lab_result__sample_date",
            "outcome",
            "ldl_mmol_l",
        )
    )
    records: dict[int, dict[str, Any]] = {}
    for person_id, practice_id, sex, born, sampled, outcome, ldl in rows.iterator():
        if person_id in records:
            continue  # an older sample or assessment of a child already read
        records[person_id] = {
            "person_id": person_id,
            "practice_id": practice_id,
            "sex": sex,
            "age_years": _full_years(born, sampled),
            "sample_year": sampled.year,
            "sample_quarter": (sampled.month - 1) // 3 + 1,
            "outcome": outcome,
            "ldl_mmol_l": None
            if ldl is None
            else float(Decimal(ldl).quantize(Decimal("0.1"), ROUND_HALF_UP)),
        }
    return pd.DataFrame(list(records.values()), columns=list(_COLUMNS))


def read_children(*, ruleset_id: str, today: date | None = None) -> pd.DataFrame:
    """One row per screened child (see _COLUMNS), never an identifier."""
    today = today or timezone.localdate()
    if connection.vendor == "postgresql":
        return _children_by_arrays(ruleset_id=ruleset_id, today=today)
    return _children_by_orm(ruleset_id=ruleset_id, today=today)


# --- Building, writing and recording an extract --------------------------------


@dataclass(frozen=True)
class Extract:
    frame: pd.DataFrame  # COLUMNS, one row per released child, in random order
    k: int
    ruleset_id: str
    suppressed: int
    generalised: int  # released rows coarser than the finest level
    key: bytes = field(repr=False)

    @property
    def released(self) -> int:
        return len(self.frame)


def anonymise(
    children: pd.DataFrame, *, k: int, key: bytes, ruleset_id: str
) -> Extract:
    """Generalise, enforce k-anonymity, add study ids, shuffle."""
    practices = {
        pk: (prefix, district)
        for pk, prefix, district in Practice.objects.filter(
            pk__in=children["practice_id"].unique().tolist()
        ).values_list("pk", "postcode_prefix", "district")
    }
    hierarchies = [
        age_hierarchy(children["age_years"].to_numpy()),
        sex_hierarchy(children["sex"].to_numpy()),
        region_hierarchy(children["practice_id"].to_numpy(), practices),
        quarter_hierarchy(
            children["sample_year"].to_numpy(), children["sample_quarter"].to_numpy()
        ),
    ]
    rung_of = k_anonymous_rungs(hierarchies, k=k)
    kept = rung_of >= 0
    frame = pd.DataFrame(
        {
            "study_id": study_ids(children["person_id"].to_numpy()[kept], key),
            **{
                name: released_values(hierarchy, rung_of, position)
                for position, (name, hierarchy) in enumerate(
                    zip(QUASI_IDENTIFIERS, hierarchies, strict=True)
                )
            },
            "outcome": pd.Categorical(children["outcome"].to_numpy()[kept]),
            "ldl_mmol_l": children["ldl_mmol_l"].to_numpy()[kept],
        }
    )
    # Row order would tell the order of registration: shuffle it.
    order = np.random.default_rng(secrets.randbits(128)).permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    if not frame.empty and smallest_class(frame) < k:  # a bug, never a release
        raise RuntimeError("extract is not k-anonymous; nothing written")
    return Extract(
        frame=frame,
        k=k,
        ruleset_id=ruleset_id,
        suppressed=int((~kept).sum()),
        generalised=int((rung_of > 0).sum()),
        key=key,
    )


def build_extract(*, ruleset_id: str, k: int, today: date | None = None) -> Extract:
    """The k-anonymous extract of `ruleset_id`'s screened children, fresh key."""
    children = read_children(ruleset_id=ruleset_id, today=today)
    return anonymise(children, k=k, key=secrets.token_bytes(32), ruleset_id=ruleset_id)


def write_parquet(frame: pd.DataFrame, path: Path) -> str:
    """Write atomically (a partial file never has the final name); its SHA-256."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False),
            partial,
            compression="zstd",
        )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    digest = hashlib.sha256()
    with path.open("rb") as written:
        for block in iter(lambda: written.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_key_file(path: Path, extract: Extract, *, extract_name: str) -> None:
    """The study-id key, readable by the owner only (0600); never overwritten."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(
            f"# Study-id key of {extract_name} (rule set {extract.ruleset_id}).\n"
            "# study_id = first 10 bytes of HMAC-SHA256(key, person id as 8-byte\n"
            "# big-endian), in hex. Re-link only where the law and the approval\n"
            "# allow; destroy with the extract.\n"
            f"{extract.key.hex()}\n"
        )


@dataclass(frozen=True)
class ExtractExport:
    record: ExportRecord
    released: int
    suppressed: int
    generalised: int


def export_extract(
    *,
    output: Path,
    k: int,
    ruleset_id: str,
    channel: ExportChannel,
    acting_user: User | None = None,
    key_file: Path | None = None,
) -> ExtractExport:
    """Build and write an extract, its key file if asked, and its ExportRecord."""
    extract = build_extract(ruleset_id=ruleset_id, k=k)
    sha256 = write_parquet(extract.frame, output)
    if key_file is not None:
        write_key_file(key_file, extract, extract_name=output.name)
    record = ExportRecord.objects.create(
        user=acting_user,
        actor=acting_user.username if acting_user else getpass.getuser(),
        channel=channel,
        kind=ExportKind.EXTRACT,
        name=output.name,
        file_format="parquet",
        parameters={
            "ruleset_id": ruleset_id,
            "columns": list(COLUMNS),
            "quasi_identifiers": list(QUASI_IDENTIFIERS),
            "generalised_rows": extract.generalised,
            "key_file_written": key_file is not None,
        },
        small_cell_minimum=settings.SMALL_CELL_MINIMUM,
        k_anonymity=k,
        rows=extract.released,
        rows_suppressed=extract.suppressed,
        sha256=sha256,
    )
    return ExtractExport(
        record=record,
        released=extract.released,
        suppressed=extract.suppressed,
        generalised=extract.generalised,
    )
