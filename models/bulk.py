"""Handing a batch of rows to one statement, and writing a value per row with it.

The clock writes a new due time for every mentorship of a batch, and the outbox a platform's
reference for every message it delivered; it records a batch's prompts and looks back at each
mentorship's latest ones. Through the ORM that is a statement per row; here it is one per batch.

The rows go in as a table the statement joins (`given`): on PostgreSQL `json_to_recordset` of one
JSON parameter, so the statement's text never changes with the batch (compiled and prepared once,
planned as primary-key look-ups; the rows are serialised by the C JSON encoder, where arrays were
dumped element by element); on SQLite a VALUES list named as a CTE (SQLite takes no column names
on a VALUES alias).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    FromClause,
    Text,
    bindparam,
    cast,
    column,
    func,
    update,
    values,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import TypeEngine


def _iso(value: date) -> str:
    """Dates and aware datetimes as PostgreSQL reads them (ISO 8601, with the offset)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("naive datetime given; store aware UTC datetimes only")
    return value.isoformat()


ROWS = 1000  # rows per statement on SQLite: well inside its limit on bound parameters


def chunks(session: Session, rows: Sequence[Any]) -> list[Sequence[Any]]:
    """The batch in one piece on PostgreSQL (one JSON parameter), in ROWS-sized pieces on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return [rows] if rows else []
    return [rows[start : start + ROWS] for start in range(0, len(rows), ROWS)]


def given(
    session: Session, name: str, columns: Mapping[str, TypeEngine[Any]], rows: Sequence[Sequence[Any]]
) -> tuple[FromClause, dict[str, Any]]:
    """`rows` as a table named `name` with `columns`, and the parameters to execute it with."""
    if session.get_bind().dialect.name == "postgresql":
        # One JSON document for the whole batch, serialised in C (arrays were dumped an element at a time).
        document = json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=_iso)
        typed = (column(key, kind) for key, kind in columns.items())
        table = func.json_to_recordset(cast(bindparam(f"{name}_rows", type_=Text()), JSON))
        return table.table_valued(*typed).render_derived(name=name, with_types=True), {
            f"{name}_rows": document
        }
    listed = values(*(column(key, kind) for key, kind in columns.items()), name=name).data(list(rows))
    return listed.cte(name), {}


def set_each(
    session: Session, target: InstrumentedAttribute[Any], by_id: Mapping[int, Any], **also: Any
) -> None:
    """Set `target` to `by_id[row id]` on each row named, and the columns in `also` to one value:
    UPDATE … FROM (the given rows) WHERE id = given.id."""
    attribute: Column[Any] = target.expression  # type: ignore[assignment]
    table = attribute.table
    key = table.c.id
    if session.get_bind().dialect.name == "sqlite":
        # A NULL in VALUES has no type: those rows get a plain IN (arrays carry their type).
        nulls = [row_id for row_id, value in by_id.items() if value is None]
        for chunk in chunks(session, nulls):
            session.execute(update(table).where(key.in_(chunk)).values({attribute.name: None, **also}))
        by_id = {row_id: value for row_id, value in by_id.items() if value is not None}
    for chunk in chunks(session, list(by_id.items())):
        rows, parameters = given(
            session, f"new_{attribute.name}", {"id": key.type, "value": attribute.type}, chunk
        )
        statement = update(table).where(key == rows.c.id).values({attribute.name: rows.c.value, **also})
        session.execute(statement, parameters)
