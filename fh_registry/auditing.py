"""Every write of clinical data goes through `audited_save`: validated, saved, and
recorded by django-simple-history with the acting user; a service writing a
large batch set-based (planning the whole registry) uses `insert_with_history`,
which writes the same history rows in the same statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from psycopg import sql

from fh_registry.models import User


def audited_save(obj: Model, *, acting_user: User | None) -> None:
    """Validate and save `obj`; simple-history's row names `acting_user` (None:
    a scheduled job of the registry itself).

    Field validation is Django's; related rows and the unique and check
    constraints are left to the database (a foreign key's check and a
    constraint's check would each cost a query, for rows the service holds or
    has just checked itself with a clear message; a lost race ends in an
    IntegrityError that the service turns into the same message).
    """
    obj._history_user = acting_user  # type: ignore[attr-defined]  # who, for the audit
    related = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=related, validate_constraints=False)
    obj.save()


# History rows written by the database beside the rows they record: the "+"
# rows of exactly the rows the INSERT returns (a conflicting row is skipped and
# gets none), in one statement; what simple-history's bulk_history_create does
# row object by row object, for the set-based writers of large batches.
_INSERT_WITH_HISTORY = """
WITH written AS (
    INSERT INTO {table} ({columns}) SELECT {columns} FROM {staged}
    ON CONFLICT DO NOTHING RETURNING *
), recorded AS (
    INSERT INTO {history} ({tracked}, history_date, history_change_reason,
        history_type, history_user_id)
    SELECT {tracked}, %(now)s, NULL, '+', %(user)s FROM written
)
SELECT {returning} FROM written
"""
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
_HISTORY_OWN_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
}


def insert_with_history(
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    acting_user: User | None,
    returning: Sequence[str] = ("id",),
) -> list[tuple[Any, ...]]:
    """Insert `rows` (field attnames to values; a field left out takes its
    default, computed once for the batch) and their history rows (PostgreSQL),
    leaving out any row that conflicts with a unique constraint. Returns the
    `returning` columns of the rows written, in no particular order. Runs inside
    the caller's transaction."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    history = model.history.model  # type: ignore[attr-defined]
    tracked = [
        f.column
        for f in history._meta.concrete_fields
        if f.name not in _HISTORY_OWN_FIELDS
    ]
    # Plain values (text, numbers, dates, aware datetimes) go to COPY as they
    # are; only fields whose database form differs (JSON) are prepared by Django.
    prepared = [
        None if f.get_internal_type() in _COPIED_AS_THEY_ARE else f.get_db_prep_save
        for f in fields
    ]
    names = [f.attname for f in fields]
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    staged = f"staged_{model._meta.db_table}"
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        columns = sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)
        cursor.execute(
            sql.SQL(
                "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} "
                "WITH NO DATA"
            ).format(
                sql.Identifier(staged), columns, sql.Identifier(model._meta.db_table)
            )
        )
        with cursor.copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(staged), columns)
        ) as copy:
            for row in rows:
                values = [row.get(name, defaults[name]) for name in names]
                copy.write_row(
                    [
                        value if prepare is None else prepare(value, connection)
                        for value, prepare in zip(values, prepared, strict=True)
                    ]
                )
        cursor.execute(
            sql.SQL(_INSERT_WITH_HISTORY).format(
                table=sql.Identifier(model._meta.db_table),
                staged=sql.Identifier(staged),
                columns=columns,
                history=sql.Identifier(history._meta.db_table),
                tracked=sql.SQL(", ").join(map(sql.Identifier, tracked)),
                returning=sql.SQL(", ").join(
                    [sql.Identifier(column_of[name]) for name in returning]
                ),
            ),
            {"now": timezone.now(), "user": acting_user.pk if acting_user else None},
        )
        written = [tuple(found) for found in cursor.fetchall()]
        cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(staged)))
    return written
