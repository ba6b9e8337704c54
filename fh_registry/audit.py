"""New clinical rows with their simple-history "+" row, in one statement.

`obj.save()` on an audited model runs the ORM insert and then simple-history's
post_save receiver, which builds a second model instance and inserts it: two
compiled statements and about 2 ms of Python per row, a large part of an API
capture. On PostgreSQL `insert_with_history` writes the same two rows with one
precompiled `WITH … INSERT … RETURNING` statement (the bulk import's shape);
elsewhere it is that save. A test checks that both write equal rows.

`insert_pair_with_history` does the same for a new row and a second one that
points to it (a lab result and its assessment): four rows, one statement.

Only for new rows of models whose history is plain simple-history (no extra
history fields) and that have no post_save receivers of their own.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from fh_registry.rawsql import fetch_row

_STATEMENT = """
WITH written AS (
    INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {pk}, {columns}
)
INSERT INTO {history} ({pk}, {columns}, history_date, history_change_reason,
    history_type, history_user_id)
SELECT {pk}, {columns}, %s, NULL, '+', %s FROM written
RETURNING {pk}
"""
_HISTORY_COLUMNS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
}


def insert_with_history(obj: Model, *, acting_user: Any) -> None:
    """Insert the new `obj` and its history row naming `acting_user`."""
    if connection.vendor != "postgresql":
        save_with_receiver(obj, acting_user=acting_user)
        return
    statement, fields = _insert_statement(type(obj))
    (obj.pk,) = _written(
        statement, [*_values(obj, fields), timezone.now(), acting_user.pk]
    )
    _stored(obj)


def save_with_receiver(obj: Model, *, acting_user: Any) -> None:
    """The portable way: the ORM save, simple-history's receiver writes history."""
    obj._history_user = acting_user  # type: ignore[attr-defined]
    obj.save()


def insert_pair_with_history(
    parent: Model, child: Model, *, link: str, acting_user: Any
) -> None:
    """Insert the new `parent`, then the new `child` whose foreign key `link`
    points to it, each with its history row naming `acting_user`."""
    if connection.vendor != "postgresql":
        save_with_receiver(parent, acting_user=acting_user)
        setattr(child, link, parent)
        save_with_receiver(child, acting_user=acting_user)
        return
    statement, parent_fields, child_fields = _pair_statement(
        type(parent), type(child), link
    )
    when = timezone.now()
    values = [
        *_values(parent, parent_fields),
        when,
        acting_user.pk,
        *_values(child, child_fields),
        when,
        acting_user.pk,
    ]
    parent.pk, child.pk = _written(statement, values)
    setattr(child, link, parent)
    _stored(parent)
    _stored(child)


def _written(statement: str, values: list[Any]) -> tuple[Any, ...]:
    row = fetch_row(statement, values)
    assert row is not None  # an INSERT … RETURNING of one row returns it
    return row


def _stored(obj: Model) -> None:
    """Mark `obj` as a saved row, as Model.save does."""
    obj._state.adding = False
    obj._state.db = connection.alias


def _values(obj: Model, fields: list[Field]) -> list[Any]:
    return [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for field in fields
    ]


class _Table:
    """A model's table and its simple-history table, names quoted."""

    def __init__(self, model: type[Model], *, leave_out: str = "") -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        history = model.history.model  # type: ignore[attr-defined]
        mirrored = {field.column for field in history._meta.concrete_fields}
        if mirrored - _HISTORY_COLUMNS != {f.column for f in meta.concrete_fields}:
            raise ImproperlyConfigured(
                f"{history.__name__} is not a plain copy of {meta}"
            )
        self.fields = [
            field
            for field in meta.concrete_fields
            if field is not meta.pk and field.name != leave_out
        ]
        self.table = quote(meta.db_table)
        self.history = quote(history._meta.db_table)
        self.pk = quote(meta.pk.column)
        self.columns = ", ".join(quote(field.column) for field in self.fields)
        self.values = ", ".join(["%s"] * len(self.fields))


_PAIR = """
WITH parent AS (
    INSERT INTO {p.table} ({p.columns}) VALUES ({p.values})
    RETURNING {p.pk}, {p.columns}
), parent_history AS (
    INSERT INTO {p.history} ({p.pk}, {p.columns}, history_date,
        history_change_reason, history_type, history_user_id)
    SELECT {p.pk}, {p.columns}, %s, NULL, '+', %s FROM parent
), child AS (
    INSERT INTO {c.table} ({link}, {c.columns})
    VALUES ((SELECT {p.pk} FROM parent), {c.values})
    RETURNING {c.pk}, {link}, {c.columns}
), child_history AS (
    INSERT INTO {c.history} ({c.pk}, {link}, {c.columns}, history_date,
        history_change_reason, history_type, history_user_id)
    SELECT {c.pk}, {link}, {c.columns}, %s, NULL, '+', %s FROM child
)
SELECT parent.{p.pk}, child.{c.pk} FROM parent, child
"""


@cache
def _pair_statement(
    parent: type[Model], child: type[Model], link: str
) -> tuple[str, list[Field], list[Field]]:
    p = _Table(parent)
    c = _Table(child, leave_out=link)
    (link_field,) = [f for f in child._meta.concrete_fields if f.name == link]
    column = connection.ops.quote_name(link_field.column)
    return _PAIR.format(p=p, c=c, link=column), p.fields, c.fields


@cache
def _insert_statement(model: type[Model]) -> tuple[str, list[Field]]:
    table = _Table(model)
    statement = _STATEMENT.format(
        table=table.table,
        history=table.history,
        pk=table.pk,
        columns=table.columns,
        values=table.values,
    )
    return statement, table.fields
