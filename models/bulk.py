"""Handing a batch of rows to one statement, and writing a value per row with it.

The clock writes a new due time for every mentorship of a batch, and the outbox a platform's
reference for every message it delivered; it records a batch's prompts and looks back at each
mentorship's latest ones. Through the ORM that is a statement per row; here it is one per batch.

The rows go in as a table the statement joins (`given`): on PostgreSQL `unnest` of one array per
column, so the statement's text never changes with the batch (compiled once, two or three
parameters, planned as primary-key look-ups); on SQLite, which has no arrays, a VALUES list named
as a CTE (SQLite takes no column names on a VALUES alias).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    FromClause,
    Text,
    bindparam,
    cast,
    column,
    func,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import TypeEngine

ROWS = 1000  # rows per statement on SQLite: well inside its limit on bound parameters


def chunks(session: Session, rows: Sequence[Any]) -> list[Sequence[Any]]:
    """The batch in one piece on PostgreSQL (its arrays have no limit), in ROWS-sized pieces on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return [rows] if rows else []
    return [rows[start : start + ROWS] for start in range(0, len(rows), ROWS)]


def given(
    session: Session, name: str, columns: Mapping[str, TypeEngine[Any]], rows: Sequence[Sequence[Any]]
) -> tuple[FromClause, dict[str, Any]]:
    """`rows` as a table named `name` with `columns`, and the parameters to execute it with."""
    if session.get_bind().dialect.name == "postgresql":
        arrays: list[ColumnElement[Any]] = []
        parameters: dict[str, Any] = {}
        for place, (key, kind) in enumerate(columns.items()):
            column_values = [row[place] for row in rows]
            if isinstance(kind, JSON):
                # A list of lists would be sent as a two-dimensional array: JSON goes as text.
                text_array = bindparam(f"{name}_{key}", type_=ARRAY(Text()))
                arrays.append(cast(text_array, ARRAY(kind)))
                column_values = [None if value is None else json.dumps(value) for value in column_values]
            else:
                arrays.append(bindparam(f"{name}_{key}", type_=ARRAY(kind)))
            parameters[f"{name}_{key}"] = column_values
        return func.unnest(*arrays).table_valued(*columns).render_derived(name=name), parameters
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
