"""The bulk writer's set-based inserts and their history rows, in SQL.

simple-history's own bulk path builds a history object per row; here the
database writes the "+" history rows of exactly the rows an INSERT … SELECT
returns, in the same statement (a conflicting row is skipped and gets none).
The lab-file import writes persons and results this way; whole-registry
cascade planning writes its invitations and tasks with `insert_rows`, staging
the rows by COPY first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from psycopg import sql

from fh_registry.models import User

_WITH_HISTORY = """
WITH written AS ({insert} RETURNING *), recorded AS (
    INSERT INTO {history} ({tracked}, history_date, history_change_reason,
        history_type, history_user_id)
    SELECT {tracked}, %(now)s, %(reason)s, '+', %(user)s FROM written
)
SELECT {returning} FROM written
"""
_HISTORY_OWN_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}
# Fields whose Python values COPY takes as they are (text, numbers, dates,
# aware datetimes); any other (JSON) is prepared by Django first.
_COPIED_AS_THEY_ARE = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def without_jit() -> None:
    """JIT compilation off for the rest of the caller's transaction (PostgreSQL):
    whole-table reads and bulk inserts cost more to compile than they save."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")


def with_history(
    model: type[Model], insert: sql.Composable, *, returning: Sequence[str] = ()
) -> sql.Composed:
    """`insert` (an INSERT … SELECT into model's table, without RETURNING) and
    the history rows of what it wrote; the statement answers the `returning`
    columns of the rows written (their count when none is asked). Parameters:
    `now`, `reason` (the change reason or None) and `user` (a user id or None)."""
    history = model.history.model  # type: ignore[attr-defined]
    tracked = [
        f.column
        for f in history._meta.concrete_fields
        if f.name not in _HISTORY_OWN_FIELDS
    ]
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    answer = (
        sql.SQL(", ").join([sql.Identifier(column_of[name]) for name in returning])
        if returning
        else sql.SQL("count(*)")
    )
    return sql.SQL(_WITH_HISTORY).format(
        insert=insert,
        history=sql.Identifier(history._meta.db_table),
        tracked=sql.SQL(", ").join(map(sql.Identifier, tracked)),
        returning=answer,
    )


def insert_rows(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    acting_user: User | None,
    returning: Sequence[str] = ("id",),
    skip_conflicts: bool = True,
) -> list[tuple[Any, ...]]:
    """Insert `rows` (field attnames to values; a field left out takes its
    default, computed once for the batch) and their history rows, leaving out
    any row that conflicts with a unique constraint (with `skip_conflicts`;
    without it, for rows that cannot conflict, a conflict is an error and the
    insert spares the conflict checks). Returns the `returning` columns of the
    rows written, in no particular order. PostgreSQL, inside the caller's
    transaction."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    # Per row, only the fields COPY cannot take as they are go through Django.
    to_prepare = [
        (at, f.get_db_prep_save)
        for at, f in enumerate(fields)
        if f.get_internal_type() not in _COPIED_AS_THEY_ARE
    ]
    names = [f.attname for f in fields]
    default_values = [f.get_default() for f in fields]
    staged = sql.Identifier(f"staged_{model._meta.db_table}")
    columns = sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
    connection.ensure_connection()
    # (Errors as Django's, e.g. IntegrityError, as from any ORM write.)
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} "
                "WITH NO DATA"
            ).format(staged, columns, sql.Identifier(model._meta.db_table))
        )
        copying = sql.SQL("COPY {} ({}) FROM STDIN").format(staged, columns)
        with cursor.copy(copying) as copy:
            for row in rows:
                values = list(map(row.get, names, default_values))
                for at, prepare in to_prepare:
                    values[at] = prepare(values[at], connection)
                copy.write_row(values)
        insert = sql.SQL(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {staged}{skip}"
        ).format(
            table=sql.Identifier(model._meta.db_table),
            columns=columns,
            staged=staged,
            skip=sql.SQL(" ON CONFLICT DO NOTHING" if skip_conflicts else ""),
        )
        cursor.execute(
            with_history(model, insert, returning=returning),
            {
                "now": timezone.now(),
                "reason": None,
                "user": acting_user.pk if acting_user else None,
            },
        )
        written = [tuple(found) for found in cursor.fetchall()]
        cursor.execute(sql.SQL("DROP TABLE {}").format(staged))
    return written
