"""Several statements on PostgreSQL in one round trip: psycopg 3 pipeline mode, on the
connection of the session's transaction.

Each INSERT takes its rows as one JSON parameter (`INSERT ... SELECT ... FROM
json_to_recordset(%s)`), so its SQL text is the same for any number of rows: psycopg converts it
once, PostgreSQL prepares and plans it once, instead of a new multi-row VALUES statement for
every batch size; and the rows are encoded by the json module's C encoder in one call, instead
of a parameter (or an array element) at a time.
PostgreSQL only; the caller owns the transaction, as with the helpers in `statements`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Select as CoreSelect
from sqlmodel import Session, SQLModel

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Insert:
    """Rows for one table; the `returning` columns of the rows that went in (none hit
    `conflict`, whose rows are skipped)."""

    model: type[SQLModel]
    rows: list[dict[str, Any]]
    conflict: tuple[str, ...] = ()
    returning: tuple[str, ...] = ()


@dataclass(frozen=True)
class Read:
    """A Core SELECT without parameters."""

    statement: CoreSelect[Any]


def driver_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection of the session's transaction (begun here if it was not yet)."""
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, psycopg.Connection)
    return connection


def allocate_ids(session: Session, models: tuple[type[SQLModel], ...], n: int) -> list[list[int]]:
    """`n` new primary keys from each model's sequence, so that rows referring to each other
    can be sent together; with the transaction's BEGIN, one round trip."""
    connection = driver_connection(session)
    with connection.pipeline():
        cursor = connection.execute(_allocate_sql(tuple(_table(m).name for m in models)), (n,))
    rows = cursor.fetchall()
    return [[int(row[i]) for row in rows] for i in range(len(models))]


class IdPool:
    """Primary keys taken from the sequences ahead of use, `size` at a time, so that most
    batches need not wait for theirs. Keys a process took but never used are gaps, as those of
    a rolled-back insert are; across processes keys follow the order they were taken in, not
    the order rows were written in (as with a sequence's own CACHE)."""

    def __init__(self, models: tuple[type[SQLModel], ...], size: int) -> None:
        self.models = models
        self.size = size
        self._ids: list[list[int]] = [[] for _ in models]
        self._lock = threading.Lock()

    def take(self, session: Session, n: int) -> list[list[int]]:
        """`n` keys of each model, from the pool (refilled first if it holds fewer)."""
        with self._lock:
            if len(self._ids[0]) < n:
                fresh = allocate_ids(session, self.models, max(n, self.size))
                for held, more in zip(self._ids, fresh, strict=True):
                    held.extend(more)
            taken = [held[:n] for held in self._ids]
            for held in self._ids:
                del held[:n]
            return taken


@lru_cache(maxsize=8)
def _allocate_sql(tables: tuple[str, ...]) -> str:
    keys = ", ".join(f"nextval(pg_get_serial_sequence('{name}', 'id'))" for name in tables)
    return f"SELECT {keys} FROM generate_series(1, %s)"


def run(session: Session, statements: list[Insert | Read]) -> list[list[tuple[Any, ...]]]:
    """Send every statement, then wait once; each statement's rows, in order. A failing
    statement raises its psycopg error (the transaction is then aborted: roll it back)."""
    connection = driver_connection(session)
    cursors = []
    with connection.pipeline():
        for statement in statements:
            cursor = connection.cursor()
            sql, params = _compiled(statement)
            if sql:
                cursor.execute(sql, params)
            cursors.append((cursor, bool(sql) and _returns(statement)))
    return [cursor.fetchall() if returns else [] for cursor, returns in cursors]


def _returns(statement: Insert | Read) -> bool:
    return isinstance(statement, Read) or bool(statement.returning)


def _compiled(statement: Insert | Read) -> tuple[str, list[Any]]:
    if isinstance(statement, Read):
        return _read_sql(statement.statement), []
    if not statement.rows:
        return "", []
    table = _table(statement.model)
    given = frozenset().union(*(row.keys() for row in statement.rows))
    rows = _with_defaults(table, given, statement.rows)
    sql = _insert_sql(table, _columns(table, given), statement.conflict, statement.returning)
    return sql, [json.dumps(rows, default=_json_value)]


@lru_cache(maxsize=16)
def _read_sql(statement: CoreSelect[Any]) -> str:
    return str(statement.compile(dialect=_DIALECT))


def _columns(table: Table, given: frozenset[str]) -> tuple[str, ...]:
    """The columns given in any row, and those with a Python-side default (which the Core
    INSERT helpers would fill in too); the others take the database's default."""
    return tuple(c.name for c in table.columns if c.name in given or c.default is not None)


def _with_defaults(
    table: Table, given: frozenset[str], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    missing = {c.name: c.default for c in table.columns if c.name not in given and c.default}
    if not missing:
        return rows
    filled = {name: _default(column_default) for name, column_default in missing.items()}
    return [row | filled for row in rows]


def _default(column_default: Any) -> Any:
    if column_default.is_scalar:
        return column_default.arg
    return column_default.arg(None)  # SQLAlchemy wraps a default function to take a context


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


@lru_cache(maxsize=32)
def _insert_sql(
    table: Table, columns: tuple[str, ...], conflict: tuple[str, ...], returning: tuple[str, ...]
) -> str:
    """INSERT ... SELECT from the rows given as one JSON array of objects, whose keys are the
    column names; the same text for any number of rows."""
    types = ", ".join(f"{_quoted(name)} {_type(table.c[name])}" for name in columns)
    names = _names(columns)
    sql = (
        f"INSERT INTO {_quoted(table.name)} ({names}) "
        f"SELECT {names} FROM json_to_recordset(%s::json) AS r({types})"
    )
    if conflict:
        sql += f" ON CONFLICT ({_names(conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {_names(returning)}"
    return sql


def _type(column: Column[Any]) -> str:
    return str(column.type.compile(dialect=_DIALECT))


def _quoted(name: str) -> str:
    return str(_DIALECT.identifier_preparer.quote(name))


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(_quoted(name) for name in names)


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]
