"""Core statement helpers for hot paths: cached compiled INSERT/UPDATE, no ORM flushes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.instrumentation import ClassManager, manager_of_class
from sqlmodel import Session, SQLModel

M = TypeVar("M", bound=SQLModel)


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


@lru_cache(maxsize=32)
def _insert_ignore_statement(dialect: str, table: Table, conflict: tuple[str, ...]) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    first_key = next(iter(table.primary_key.columns))
    # rowcount is -1 for this statement on psycopg; RETURNING says reliably whether a row went in.
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(first_key)


def insert_ignore_id(
    session: Session, model: type[SQLModel], values: dict[str, Any], conflict: list[str]
) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING on either dialect; the new row's id, None on conflict.

    Under concurrency PostgreSQL makes the second inserter wait for the first to commit, so the
    loser sees the winner's row afterwards: this is what keeps redelivered webhooks idempotent.
    The statement is built once per table (Core, values as parameters) so its compiled form is
    cached: this runs several times in every webhook request.
    """
    stmt = _insert_ignore_statement(session.get_bind().dialect.name, _table(model), tuple(conflict))
    row = session.connection().execute(stmt, values).first()
    return None if row is None else int(row[0])


@lru_cache(maxsize=32)
def _insert_statement(table: Table) -> Any:
    return insert(table).returning(next(iter(table.primary_key.columns)))


def insert_row(session: Session, model: type[SQLModel], values: dict[str, Any]) -> int:
    """One Core INSERT ... RETURNING id: no ORM object, no flush, a cached compiled statement.

    For hot paths only; `values` must name every NOT NULL column, since Python-side defaults
    of SQLModel fields (default_factory) do not apply to Core statements.
    """
    return int(session.connection().execute(_insert_statement(_table(model)), values).scalar_one())


@lru_cache(maxsize=32)
def _update_statement(table: Table) -> Any:
    key = next(iter(table.primary_key.columns))
    return update(table).where(key == bindparam("row_id"))


def update_row(
    session: Session, model: type[SQLModel], row_id: int, values: dict[str, Any]
) -> None:
    """UPDATE one row by primary key with Core; the columns set are the keys of `values`."""
    session.connection().execute(_update_statement(_table(model)), {**values, "row_id": row_id})


@lru_cache(maxsize=32)
def _insert_ignore_many_statement(
    dialect: str, table: Table, conflict: tuple[str, ...], returning: tuple[str, ...]
) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    columns = [table.c[name] for name in returning]
    return insert(table).on_conflict_do_nothing(index_elements=list(conflict)).returning(*columns)


def insert_ignore_many(
    session: Session,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    conflict: list[str],
    returning: tuple[str, ...],
) -> list[Any]:
    """`insert_ignore_id` for many rows in one statement (SQLAlchemy's "insertmanyvalues"):
    the `returning` columns of the rows that went in, in no particular order, so callers match
    them by a natural key. Nothing is returned for rows that hit the conflict."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    stmt = _insert_ignore_many_statement(dialect, _table(model), tuple(conflict), returning)
    return list(session.connection().execute(stmt, rows).all())


@lru_cache(maxsize=32)
def _insert_many_statement(table: Table, returning: tuple[str, ...]) -> Any:
    statement = insert(table)
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


def insert_many(
    session: Session,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    returning: tuple[str, ...] = (),
) -> list[Any]:
    """Many rows in one INSERT; the `returning` columns of each, in no particular order."""
    if not rows:
        return []
    result = session.connection().execute(_insert_many_statement(_table(model), returning), rows)
    return list(result.all()) if returning else []


def update_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """`update_row` for many rows (each dict names its `row_id`), sent as one executemany."""
    if rows:
        session.connection().execute(_update_statement(_table(model)), rows)


def detached(model: type[M], values: Mapping[Any, Any]) -> M:
    """A detached `model` holding a row's values, built the way the ORM builds a row it loads.
    `model(**values)` would validate every field and fire an attribute event per column (about
    90 us for a ticket) for values that are already the row's. Fields missing from `values`
    take their defaults, as in the constructor."""
    row: M = _class_manager(model).new_instance()
    fields = model.model_fields
    missing = fields.keys() - values.keys()
    row.__dict__.update(
        {name: fields[name].get_default(call_default_factory=True) for name in missing}
    )
    row.__dict__.update(values)
    return row


@cache
def _class_manager(model: type[M]) -> ClassManager[M]:
    # The constructor configures the mappers on first use; building rows this way must too.
    configure_mappers()
    return manager_of_class(model)
