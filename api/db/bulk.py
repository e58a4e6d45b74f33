"""Many rows into one table in one statement, in the order given.

On PostgreSQL the rows travel as one JSON array parameter, unpacked by ``json_populate_recordset``
into the table's own row type and inserted in array order (``WITH ORDINALITY ... ORDER BY``, so
serial ids follow the order given): one short statement that the driver and the server parse
once, where a multi-row ``VALUES`` statement is a new long text for every row count and an
``executemany`` is one statement per row. Elsewhere (SQLite) it is an ``executemany``.

Columns left out get their Python-side defaults, as ``insert()`` gives them. Values are bound as the columns bind them (a ``TypeDecorator``'s ``process_bind_param``, e.g.
``UTCDateTime``'s naive UTC), then written as JSON: dates and times in ISO format, JSON columns
as nested JSON. A time with a UTC offset left for a plain column (an appointment time given with
its offset) sends the table's rows through the driver's ``executemany`` instead, which converts it
as it always has.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnDefault, Connection, Table, insert, text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a JSON row")


def insert_rows(connection: Connection, model: type[DeclarativeBase], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (column name -> value; every row names the same columns) into ``model``'s table."""
    table = cast(Table, model.__table__)
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    dialect, names = connection.dialect, list(rows[0])
    defaults = {
        c.name: c.default
        for c in table.columns
        if c.name not in rows[0]
        and isinstance(c.default, ColumnDefault)
        and (c.default.is_scalar or c.default.is_callable)
    }
    names += list(defaults)
    binders = [(n, t.process_bind_param) for n in names if isinstance(t := table.c[n].type, TypeDecorator)]
    payload = []
    for row in rows:
        item = dict(row)
        for name, default in defaults.items():  # the column's Python-side default, as insert() applies it
            item[name] = default.arg(None) if default.is_callable else default.arg
        for name, bind in binders:
            item[name] = bind(item[name], dialect)
        if any(isinstance(v, datetime) and v.tzinfo is not None for v in item.values()):
            connection.execute(insert(table), rows)  # the driver's own conversion of an offset
            return
        payload.append(item)
    columns = ", ".join(f'"{n}"' for n in names)
    statement = text(
        f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM '
        f'json_populate_recordset(NULL::"{table.name}", CAST(:rows AS json)) WITH ORDINALITY AS r '
        "ORDER BY r.ordinality"
    )
    connection.execute(statement, {"rows": json.dumps(payload, default=_plain, allow_nan=False)})
