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
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, NotSupportedError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import Model

M = TypeVar("M", bound=Model)
K = TypeVar("K")
P = TypeVar("P")
Params = Sequence[Any] | Mapping[str, Any]
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]
PlanKey = tuple[type[Model], str, BaseDatabaseWrapper]


def fetch(model: type[M], sql: str, params: Params) -> list[M]:
    """The rows of `sql` as instances of `model`; the query selects its primary key."""
    with _executed(sql, params) as (cursor, db):
        return _instances(model, sql, cursor, db)


def fetch_row(sql: str, params: Params) -> tuple[Any, ...] | None:
    """The first row of `sql` as a plain tuple (e.g. an INSERT's RETURNING)."""
    with _executed(sql, params) as (cursor, _):
        return cursor.fetchone()


@contextmanager
def _executed(sql: str, params: Params) -> Iterator[tuple[Any, BaseDatabaseWrapper]]:
    """A cursor that has run `sql`, prepared where `prepares_statements`."""
    db = connections[DEFAULT_DB_ALIAS]  # this thread's connection, not the proxy
    if prepares_statements(db):
        with prepared(db, [(sql, params)]) as (cursor,):
            yield cursor, db
        return
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        yield cursor, db


def prepares_statements(db: BaseDatabaseWrapper) -> bool:
    """Whether the hot reads and writes run as prepared statements: PostgreSQL
    with `prepare_threshold` set (settings: DATABASE_PREPARED_STATEMENTS) and
    Django's default client-side binding for everything else."""
    options = db.settings_dict["OPTIONS"]
    return (
        db.vendor == "postgresql"
        and options.get("prepare_threshold") is not None
        and not options.get("server_side_binding")
    )


@contextmanager
def prepared(
    db: BaseDatabaseWrapper, statements: Sequence[tuple[str, Params]]
) -> Iterator[list[Any]]:
    """Each statement on a server-binding psycopg cursor of its own, prepared
    once per connection (psycopg keeps the names; a rollback drops them), all
    in one round trip (pipeline mode); yields the cursors, results read.

    Written out for the capture and the child page: PostgreSQL parsed and
    planned their statements afresh on every request, about half of its CPU
    per capture (the audited insert alone took 0.4 to 0.5 ms of planning).
    Django's own queries keep client-side binding (no prepared statements),
    as Django sets them up. The statements are logged as Django logs its own
    (connection.queries, query counts), errors come as Django's exceptions.
    """
    import psycopg  # noqa: PLC0415 - PostgreSQL only

    with db.cursor() as wrapper:  # connects, checks the transaction is usable
        raw = db.connection
        cursors = [psycopg.Cursor(raw) for _ in statements]
        try:
            try:
                _send(db, wrapper, cursors, statements)
            except NotSupportedError as error:
                if db.in_atomic_block or not _stale_plan(error):
                    raise  # in a transaction: its rollback drops the statements
                # Another connection changed a table under a prepared statement
                # (a migration added a column that a SELECT * returns): drop
                # this connection's statements (psycopg forgets their names on
                # seeing the command) and send once more.
                with psycopg.Cursor(raw) as cursor:
                    cursor.execute("DEALLOCATE ALL")
                _send(db, wrapper, cursors, statements)
            yield cursors
        finally:
            for cursor in cursors:
                cursor.close()


def _send(
    db: BaseDatabaseWrapper,
    wrapper: Any,
    cursors: list[Any],
    statements: Sequence[tuple[str, Params]],
) -> None:
    logged = (
        wrapper.debug_sql(";\n".join(sql for sql, _ in statements), None)
        if isinstance(wrapper, CursorDebugWrapper)
        else nullcontext()
    )
    with logged, db.wrap_database_errors:
        if len(statements) == 1:
            ((sql, params),) = statements
            cursors[0].execute(sql, params, prepare=True)
            return
        with db.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params, prepare=True)


def _stale_plan(error: NotSupportedError) -> bool:
    """PostgreSQL's "cached plan must not change result type" (0A000)."""
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "0A000" and "cached plan" in str(cause)


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

    With prepared statements on (see `prepared`) they go as one pipeline;
    without, psycopg sends them as one query with the values bound client-side
    and reads their results one after another; elsewhere (SQLite, Django's
    server-side binding) they run one by one. All share the named `params`.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if prepares_statements(db):
        with prepared(db, [(sql, params) for _, sql in queries]) as cursors:
            return [
                _results(model, sql, cursor, db)
                for (model, sql), cursor in zip(queries, cursors, strict=True)
            ]
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
            results.append(_results(model, sql, cursor, db))
    return results


def _results(
    model: type[Model] | RowsOf | None, sql: str, cursor: Any, db: BaseDatabaseWrapper
) -> list[Any]:
    if model is None:
        return cursor.fetchall()
    if isinstance(model, RowsOf):
        return _named_rows(model.model, sql, cursor, db)
    return _instances(model, sql, cursor, db)


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
