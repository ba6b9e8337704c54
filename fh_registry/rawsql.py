"""Model instances from written-out SQL, with the row plan worked out once.

Django's `Manager.raw()` works out for every query which column feeds which
field and which converters apply (`RawQuerySet.resolve_model_init_order`,
`columns`, `get_converters`); on an API capture and a child page that planning
cost more Python than reading the rows. `fetch` maps columns to fields the same
way (extra columns become attributes, unconverted, as with `raw()`), builds the
instances with `Model.from_db` as `raw()` does, and keeps the plan per model,
SQL text and connection. Tests check it returns what `raw()` returns.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

M = TypeVar("M", bound=Model)
K = TypeVar("K")
P = TypeVar("P")
Params = Sequence[Any] | Mapping[str, Any]
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]
PlanKey = tuple[type[Model], str, BaseDatabaseWrapper]


def fetch(model: type[M], sql: str, params: Params) -> list[M]:
    """The rows of `sql` as instances of `model`; the query selects its primary key."""
    db = connections[DEFAULT_DB_ALIAS]  # this thread's connection, not the proxy
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return _instances(model, sql, cursor, db)


def fetch_one(model: type[M], sql: str, params: Params) -> M | None:
    """The first row of `sql` as a `model` instance, or None."""
    found = fetch(model, sql, params)
    return found[0] if found else None


@dataclass(frozen=True)
class RowsOf:
    """A read whose rows come back as named tuples (one name per column), the
    values converted as `model`'s fields convert them, without building model
    instances: for long lists that are only shown."""

    model: type[Model]


def fetch_sets(
    queries: Sequence[tuple[type[Model] | RowsOf | None, str]],
    params: Mapping[str, Any],
) -> list[list[Any]]:
    """Several reads, each as `fetch` gives it (plain tuples where the model is
    None, named tuples for `RowsOf`), in one round trip to PostgreSQL.

    With Django's default client-side binding, psycopg sends the statements as
    one query and reads their results one after another; elsewhere (SQLite,
    server-side binding) they run one by one. All share the named `params`.
    """
    db = connections[DEFAULT_DB_ALIAS]
    one_trip = db.vendor == "postgresql" and not db.settings_dict["OPTIONS"].get(
        "server_side_binding"
    )
    results: list[list[Any]] = []
    with db.cursor() as cursor:
        if one_trip:
            cursor.execute(";\n".join(sql for _, sql in queries), params)
        for index, (model, sql) in enumerate(queries):
            if not one_trip:
                cursor.execute(sql, params)
            elif index:
                cursor.nextset()
            if model is None:
                results.append(cursor.fetchall())
            elif isinstance(model, RowsOf):
                results.append(_named_rows(model.model, sql, cursor, db))
            else:
                results.append(_instances(model, sql, cursor, db))
    return results


def _instances(
    model: type[M], sql: str, cursor: Any, db: BaseDatabaseWrapper
) -> list[M]:
    rows = cursor.fetchall()
    key: PlanKey = (model, sql, db)
    plan = _plans.get(key)
    # The same SQL selects the same columns; the row width guards against a
    # schema changed under a running process. (Reading the description builds
    # a column object per column, per query.)
    if plan is None or (rows and len(rows[0]) != plan.width):
        plan = _remember(_plans, key, _RowPlan(model, _columns(cursor, db), db))
    return [plan.build(row) for row in rows]


def _named_rows(
    model: type[Model], sql: str, cursor: Any, db: BaseDatabaseWrapper
) -> list[Any]:
    rows = cursor.fetchall()
    key = (RowsOf(model), sql, db)
    plan = _row_plans.get(key)
    if plan is None or (rows and len(rows[0]) != len(plan.row_type._fields)):
        plan = _remember(_row_plans, key, _TuplePlan(model, _columns(cursor, db), db))
    return [plan.build(row) for row in rows]


def _columns(cursor: Any, db: BaseDatabaseWrapper) -> tuple[str, ...]:
    to_column = db.introspection.identifier_converter
    return tuple(to_column(column[0]) for column in cursor.description)


def _converters(
    model: type[Model], columns: tuple[str, ...], db: BaseDatabaseWrapper
) -> list[tuple[int, list[Converter], Any]]:
    """The database's and the fields' converters for each column that is a field."""
    to_column = db.introspection.identifier_converter
    by_column = {to_column(field.column): field for field in model._meta.fields}
    converters = []
    for position, column in enumerate(columns):
        field = by_column.get(column)
        if field is None:
            continue
        expression = field.get_col(model._meta.db_table)
        found = db.ops.get_db_converters(expression) + expression.get_db_converters(db)
        if found:
            converters.append((position, found, expression))
    return converters


def _convert(
    row: Sequence[Any],
    converters: list[tuple[int, list[Converter], Any]],
    db: BaseDatabaseWrapper,
) -> Sequence[Any]:
    if not converters:
        return row
    values = list(row)
    for position, found, expression in converters:
        value = values[position]
        for convert in found:
            value = convert(value, expression, db)
        values[position] = value
    return values


class _TuplePlan:
    """The named tuple type of a query's columns and their converters."""

    __slots__ = ("converters", "db", "row_type")

    def __init__(
        self, model: type[Model], columns: tuple[str, ...], db: BaseDatabaseWrapper
    ) -> None:
        self.db = db
        self.converters = _converters(model, columns, db)
        # rename: a column without a usable name (an unnamed expression) is _<n>.
        self.row_type: Any = namedtuple(  # type: ignore[misc]
            f"{model.__name__}Row", columns, rename=True
        )

    def build(self, row: Sequence[Any]) -> Any:
        return self.row_type._make(_convert(row, self.converters, self.db))


class _RowPlan:
    """Which columns feed which fields, their converters, and the extra columns."""

    __slots__ = (
        "alias",
        "converters",
        "db",
        "extras",
        "model",
        "names",
        "positions",
        "width",
    )

    def __init__(
        self, model: type[Model], columns: tuple[str, ...], db: BaseDatabaseWrapper
    ) -> None:
        to_column = db.introspection.identifier_converter
        by_column = {to_column(field.column): field for field in model._meta.fields}
        fields = [
            field for field in model._meta.fields if to_column(field.column) in columns
        ]
        if model._meta.pk not in fields:
            raise FieldDoesNotExist("Raw query must include the primary key")
        self.model = model
        self.width = len(columns)
        self.alias = db.alias
        self.db = db
        names = [field.attname for field in fields]
        # Model.from_db only asks `name in field_names` of each model field when
        # some are deferred: a set answers at once. A model overriding from_db
        # (Django's documented pattern zips the names with the values) gets the
        # ordered list.
        overridden = model.from_db.__func__ is not Model.from_db.__func__  # type: ignore[attr-defined]
        self.names: Collection[str] = names if overridden else frozenset(names)
        self.positions = [columns.index(to_column(field.column)) for field in fields]
        self.extras = [
            (column, position)
            for position, column in enumerate(columns)
            if column not in by_column
        ]
        self.converters = _converters(model, columns, db)

    def build(self, row: Sequence[Any]) -> Any:
        row = _convert(row, self.converters, self.db)
        instance = self.model.from_db(
            self.alias, self.names, [row[position] for position in self.positions]
        )
        for column, position in self.extras:
            setattr(instance, column, row[position])
        return instance


# Keyed by model, SQL text and connection (converters are bound to its
# operations); the written-out queries are few, the bound is a safety net.
_plans: dict[PlanKey, _RowPlan] = {}
_row_plans: dict[tuple[RowsOf, str, BaseDatabaseWrapper], _TuplePlan] = {}
_MAX_PLANS = 512


def _remember(store: dict[K, P], key: K, plan: P) -> P:
    if len(store) >= _MAX_PLANS:
        store.clear()
    store[key] = plan
    return plan
