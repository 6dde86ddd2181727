"""executemany straight to the driver, for the bulk paths (import, undo of an import).

SQLAlchemy's Core insert costs several microseconds a row in parameter processing, and with
RETURNING it falls back to one statement per row on SQLite; at 100k rows that is most of an
import. Here rows go to the DBAPI cursor as tuples, with the few conversions SQLAlchemy would
have made done once per value in plain Python, in the same storage format SQLAlchemy reads back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Table


def sqlite_value(value: Any) -> Any:
    # SQLAlchemy's SQLite DATE/DATETIME are ISO strings; DATETIME without offset, in UTC.
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _needs_converting(table: Table, column: str) -> bool:
    kind = table.c[column].type
    kind = getattr(kind, "impl", kind)  # TypeDecorators (sqlmodel's UTCDateTime) wrap one
    return isinstance(kind, Date | DateTime | Boolean)


def placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT many rows given as tuples in ``columns`` order."""
    if not rows:
        return
    mark = placeholder(conn)
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join([mark] * len(columns))})'
    if conn.dialect.name == "sqlite":
        # Only date, datetime and boolean columns need converting; the rest pass as they are.
        typed = [n for n, c in enumerate(columns) if _needs_converting(table, c)]
        if typed:
            # The same day and the same timestamp recur on most rows: convert each once.
            seen: dict[Any, Any] = {None: None}
            converted = []
            for row in rows:
                out = list(row)
                for n in typed:
                    value = out[n]
                    try:
                        out[n] = seen[value]
                    except KeyError:
                        out[n] = seen[value] = sqlite_value(value)
                converted.append(out)
            rows = converted
    conn.exec_driver_sql(sql, [tuple(r) for r in rows])


def driver_value(conn: Connection, value: Any) -> Any:
    """``value`` as :func:`insert_rows` would hand it to the driver."""
    return sqlite_value(value) if conn.dialect.name == "sqlite" else value


def allocate_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """``n`` primary keys for rows about to be inserted, so that the rows that refer to them
    (entries, audit) can be written without reading the new rows back.

    SQLite: the caller holds the write lock (BEGIN IMMEDIATE), so nobody else can take an id
    until we commit; ids continue from the largest. PostgreSQL: taken from the table's own
    sequence, which is safe with concurrent writers."""
    if n <= 0:
        return []
    if conn.dialect.name == "sqlite":
        top = conn.exec_driver_sql(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"').scalar()
        first = int(top or 0) + 1
        return list(range(first, first + n))
    seq = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table.name}', 'id')").scalar_one()
    rows = conn.exec_driver_sql(
        f"SELECT nextval('{seq}') FROM generate_series(1, {int(n)})"
    ).scalars()
    return [int(r) for r in rows]
