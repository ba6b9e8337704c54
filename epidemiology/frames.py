"""The statistics reader: source frames for the standard tables, one per function.

On PostgreSQL a frame is `COPY (SELECT …) TO STDOUT` read by pyarrow's CSV
reader; on SQLite (`bin/run`) the same SELECT through `pandas.read_sql`. Either
way the columns come out as Arrow-backed pandas dtypes of one schema per frame.
The frames hold no pseudonym, name, free text or practice patient number: only
the columns the tables count. A frame whose source tables or columns do not
exist yet is None, and its tables say so.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pyarrow as pa
from django.db import connections, transaction
from pyarrow import csv as pa_csv

Schema = dict[str, pa.DataType]
Database = Any  # a Django connection (django.db.backends.base.BaseDatabaseWrapper)

# Codes written out (followup.models.EpisodeOutcome.CONFIRMED_FH, screening's
# FOLLOW_UP_OUTCOMES and Alert.HOFH_SUSPECTED; tested against them): the
# statements are constants, with nothing interpolated.
# A person's first sample: where, when and at what age they were screened.
SCREENINGS_SQL = """
SELECT p.sex, p.birth_date, r.sample_date, r.ldl_mmol_l,
    pr.district, pr.postcode_prefix,
    EXISTS (SELECT 1 FROM followup_cascadeinvitation c WHERE c.relative_id = p.id)
        AS cascade_relative,
    EXISTS (SELECT 1 FROM followup_careepisode e
        WHERE e.person_id = p.id AND e.outcome = 'confirmed_fh')
        AS confirmed_fh
FROM (
    SELECT person_id, sample_date, ldl_mmol_l,
        row_number() OVER (PARTITION BY person_id ORDER BY sample_date, id) AS n
    FROM screening_labresult
) r
JOIN screening_person p ON p.id = r.person_id
JOIN fh_registry_practice pr ON pr.id = p.practice_id
WHERE r.n = 1
"""
SCREENINGS_SCHEMA: Schema = {
    "sex": pa.string(),
    "birth_date": pa.date32(),
    "sample_date": pa.date32(),
    "ldl_mmol_l": pa.float64(),
    "district": pa.string(),
    "postcode_prefix": pa.string(),
    "cascade_relative": pa.bool_(),
    "confirmed_fh": pa.bool_(),
}

# Persons per rule set by their current outcome (newest sample, as on the
# children's pages), whether any assessment flagged them, and whether FH was
# confirmed: counted in the database, since the tables need only these counts.
ASSESSMENTS_SQL = """
SELECT a.ruleset_id, a.outcome, a.flagged = 1 AS flagged,
    EXISTS (SELECT 1 FROM followup_careepisode e
        WHERE e.person_id = a.person_id AND e.outcome = 'confirmed_fh')
        AS confirmed_fh,
    count(*) AS persons
FROM (
    SELECT s.person_id, s.ruleset_id, s.outcome,
        row_number() OVER (
            PARTITION BY s.person_id, s.ruleset_id
            ORDER BY r.sample_date DESC, s.lab_result_id DESC, s.created_at DESC,
                s.id DESC
        ) AS n,
        max(CASE WHEN s.outcome IN ('definite', 'positive', 'repeat_needed')
            OR CAST(s.alerts AS text) LIKE '%hofh_suspected%'
            THEN 1 ELSE 0 END)
            OVER (PARTITION BY s.person_id, s.ruleset_id) AS flagged
    FROM screening_assessment s
    JOIN screening_labresult r ON r.id = s.lab_result_id
) a
WHERE a.n = 1
GROUP BY 1, 2, 3, 4
"""
ASSESSMENTS_SCHEMA: Schema = {
    "ruleset_id": pa.string(),
    "outcome": pa.string(),
    "flagged": pa.bool_(),
    "confirmed_fh": pa.bool_(),
    "persons": pa.int64(),
}

# Care episodes with the dates their intervals run between; the genetic result
# is the person's first report on or after the flagged sample.
EPISODES_SQL = """
SELECT e.origin, e.outcome, e.opened_on, e.screened_on, e.lipid_clinic_on,
    e.closed_on,
    (SELECT min(g.report_date) FROM screening_geneticresult g
        WHERE g.person_id = e.person_id AND g.report_date >= e.screened_on)
        AS genetic_result_on
FROM followup_careepisode e
"""
EPISODES_SCHEMA: Schema = {
    "origin": pa.string(),
    "outcome": pa.string(),
    "opened_on": pa.date32(),
    "screened_on": pa.date32(),
    "lipid_clinic_on": pa.date32(),
    "closed_on": pa.date32(),
    "genetic_result_on": pa.date32(),
}

# One row per invited relative; the index case as a number local to this frame
# (its rank), only to count index cases.
CASCADE_SQL = """
SELECT dense_rank() OVER (ORDER BY c.because_id) AS index_case, c.relation, c.state
FROM followup_cascadeinvitation c
"""
CASCADE_SCHEMA: Schema = {
    "index_case": pa.int64(),
    "relation": pa.string(),
    "state": pa.string(),
}

#: Each frame: its SQL, schema, and the tables and columns it reads.
FRAMES: dict[str, tuple[str, Schema, dict[str, set[str]]]] = {
    "screenings": (
        SCREENINGS_SQL,
        SCREENINGS_SCHEMA,
        {
            "screening_labresult": {"person_id", "sample_date", "ldl_mmol_l"},
            "screening_person": {"sex", "birth_date", "practice_id"},
            "fh_registry_practice": {"district", "postcode_prefix"},
            "followup_cascadeinvitation": {"relative_id"},
            "followup_careepisode": {"person_id", "outcome"},
        },
    ),
    "assessments": (
        ASSESSMENTS_SQL,
        ASSESSMENTS_SCHEMA,
        {
            "screening_assessment": {"ruleset_id", "outcome", "alerts"},
            "followup_careepisode": {"person_id", "outcome"},
        },
    ),
    "episodes": (
        EPISODES_SQL,
        EPISODES_SCHEMA,
        {
            "followup_careepisode": {
                "origin",
                "outcome",
                "screened_on",
                "lipid_clinic_on",
                "closed_on",
            },
            "screening_geneticresult": {"person_id", "report_date"},
        },
    ),
    "cascade": (
        CASCADE_SQL,
        CASCADE_SCHEMA,
        {"followup_cascadeinvitation": {"because_id", "relation", "state"}},
    ),
}


def read_frame(name: str, *, using: Database) -> pd.DataFrame | None:
    """The source frame `name`, or None while its source does not exist."""
    sql, schema, source = FRAMES[name]
    if not source_exists(source, using=using):
        return None
    if using.vendor == "postgresql":
        return read_by_copy(sql, schema, using=using)
    return read_by_pandas(sql, schema, using=using)


def source_exists(source: dict[str, set[str]], *, using: Database) -> bool:
    with using.cursor() as cursor:
        tables = set(using.introspection.table_names(cursor))
        for table, columns in source.items():
            if table not in tables:
                return False
            found = {
                column.name
                for column in using.introspection.get_table_description(cursor, table)
            }
            if not columns <= found:
                return False
    return True


# A statistics read is one long scan, sort and join: compiling it (JIT) costs
# PostgreSQL seconds it never wins back, and sorts of a million rows should not
# spill to disk at the default 4 MB.
READ_SETTINGS = {"jit": "off", "work_mem": "64MB"}


def read_by_copy(sql: str, schema: Schema, *, using: Database) -> pd.DataFrame:
    """COPY the query's result as CSV into pyarrow, then Arrow-backed pandas."""
    using.ensure_connection()
    buffer = io.BytesIO()
    with (
        transaction.atomic(using=using.alias),
        using.connection.cursor() as cursor,
    ):
        for name, value in READ_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
        with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER true)") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    table = pa_csv.read_csv(
        buffer,
        convert_options=pa_csv.ConvertOptions(
            column_types=schema,
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=False,
            null_values=[""],
        ),
    )
    return _arrow_frame(table, schema)


def read_by_pandas(sql: str, schema: Schema, *, using: Database) -> pd.DataFrame:
    """`pandas.read_sql` of the same query (SQLite, and the benchmark's baseline)."""
    using.ensure_connection()
    with warnings.catch_warnings():
        # pandas names only SQLAlchemy and sqlite3; a psycopg connection works.
        warnings.simplefilter("ignore", UserWarning)
        frame = pd.read_sql(sql, using.connection)
    columns = {
        name: pa.array(frame[name].astype(object).where(frame[name].notna(), None))
        for name in schema
    }
    table = pa.table(
        {name: _cast(columns[name], kind) for name, kind in schema.items()}
    )
    return _arrow_frame(table, schema)


def _cast(values: pa.Array, kind: pa.DataType) -> pa.Array:
    if pa.types.is_boolean(kind) and pa.types.is_integer(values.type):
        return values.cast(pa.bool_())
    if pa.types.is_date32(kind) and pa.types.is_timestamp(values.type):
        return values.cast(pa.date32())
    if pa.types.is_floating(kind) and pa.types.is_string(values.type):
        return values.cast(pa.float64())
    return values.cast(kind)


def _arrow_frame(table: pa.Table, schema: Schema) -> pd.DataFrame:
    table = table.select(list(schema)).cast(pa.schema(list(schema.items())))
    frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
    return frame


class FrameCache:
    """Frames read once per export, on demand: a table reads only its sources."""

    def __init__(self, *, using: Database, reader: Callable[..., Any] = read_frame):
        self.using = using
        self._reader = reader
        self._frames: dict[str, pd.DataFrame | None] = {}

    def __getitem__(self, name: str) -> pd.DataFrame | None:
        if name not in self._frames:
            self._frames[name] = self._reader(name, using=self.using)
        return self._frames[name]

    def prefetch(self, names: Iterable[str]) -> None:
        """Read several frames at once, each on a connection of its own, where
        that is sound: on PostgreSQL, outside a transaction (another connection
        would not see what this one has not committed). Elsewhere on demand."""
        wanted = [name for name in dict.fromkeys(names) if name not in self._frames]
        if (
            len(wanted) < 2
            or self.using.vendor != "postgresql"
            or self.using.in_atomic_block
        ):
            return
        alias = self.using.alias

        def read(name: str) -> pd.DataFrame | None:
            try:
                return self._reader(name, using=connections[alias])
            finally:
                connections[alias].close()  # this thread's own connection

        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            self._frames.update(zip(wanted, pool.map(read, wanted), strict=True))
