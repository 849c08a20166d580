"""Writing a value per row for many rows in one statement: UPDATE … FROM (VALUES …).

The clock writes a new due time for every mentorship of a batch, and the outbox a platform's
reference for every message it delivered. Through the ORM that is one UPDATE per row; here it is one
statement per batch, the same on PostgreSQL and SQLite (the VALUES are a named CTE, which both
accept; SQLite has no column list on a VALUES alias), joined on the primary key so the plan is a
primary-key look-up per row whatever the table's statistics say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Column, column, update, values
from sqlalchemy.orm import InstrumentedAttribute, Session

ROWS = 1000  # rows per statement: well inside both databases' limits on bound parameters


def set_each(
    session: Session, target: InstrumentedAttribute[Any], by_id: Mapping[int, Any], **also: Any
) -> None:
    """Set `target` to `by_id[row id]` on each row named, and the columns in `also` to one value."""
    attribute: Column[Any] = target.expression  # type: ignore[assignment]
    table = attribute.table
    key = table.c.id
    # A NULL in VALUES has no type (a chunk of only NULLs is text on PostgreSQL): a plain IN instead.
    nulls = [row_id for row_id, value in by_id.items() if value is None]
    for start in range(0, len(nulls), ROWS):
        chunk = nulls[start : start + ROWS]
        session.execute(update(table).where(key.in_(chunk)).values({attribute.name: None, **also}))
    given = [(row_id, value) for row_id, value in by_id.items() if value is not None]
    for start in range(0, len(given), ROWS):
        rows = (
            values(column("id", key.type), column("value", attribute.type), name=f"new_{attribute.name}")
            .data(given[start : start + ROWS])
            .cte()
        )
        session.execute(update(table).where(key == rows.c.id).values({attribute.name: rows.c.value, **also}))
