"""Many rows into a few tables in one statement, in the order given.

On PostgreSQL each table's rows travel as one JSON array parameter, unpacked by
``json_populate_recordset`` into the table's own row type and inserted in array order (``WITH
ORDINALITY ... ORDER BY``, so serial ids follow the order given); the tables of one call are the
parts of one statement (data-modifying ``WITH``), so a write is one round trip that the driver
and the server parse once, where a multi-row ``VALUES`` statement is a new long text for every
row count and an ``executemany`` is one statement per row. Elsewhere (SQLite) it is an
``executemany`` per table.

Columns left out get their Python-side defaults, as ``insert()`` gives them. Values are bound as
the columns bind them (a ``TypeDecorator``'s ``process_bind_param``, e.g. ``UTCDateTime``'s naive
UTC), then written as JSON: dates and times in ISO format, JSON columns as nested JSON. A time
with a UTC offset left for a plain column (an appointment time given with its offset) sends that
table's rows through the driver's ``executemany`` instead, which converts it as it always has
(each table then in its own statement, in order).
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


def _json_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], str] | None:
    """The column names and the JSON array of ``rows`` as :func:`insert_tables` writes them on
    PostgreSQL; None when a value is a time with a UTC offset for a plain column."""
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
            return None
        payload.append(item)
    return names, json.dumps(payload, default=_plain, allow_nan=False)


def _from_json(table: Table, names: list[str], param: str) -> str:
    columns = ", ".join(f'"{n}"' for n in names)
    return (
        f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM '
        f'json_populate_recordset(NULL::"{table.name}", CAST(:{param} AS json)) WITH ORDINALITY AS r '
        "ORDER BY r.ordinality"
    )


def insert_tables(connection: Connection, batches: list[tuple[type[DeclarativeBase], list[dict[str, Any]]]]) -> None:
    """Insert each (model, rows) of ``batches`` (column name -> value; a table's rows name the same
    columns), in that order: on PostgreSQL all in one statement (data-modifying ``WITH`` parts; a
    row may name a row of an earlier table, as foreign keys are checked at the statement's end)."""
    tables = [(cast(Table, model.__table__), rows) for model, rows in batches if rows]
    if connection.dialect.name != "postgresql":
        for table, rows in tables:
            connection.execute(insert(table), rows)
        return
    written = [_json_rows(connection, table, rows) for table, rows in tables]
    if None in written:  # a time with an offset: the driver's own conversion, table by table in order
        for (table, rows), json_rows in zip(tables, written):
            if json_rows is None:
                connection.execute(insert(table), rows)
            else:
                connection.execute(text(_from_json(table, json_rows[0], "rows")), {"rows": json_rows[1]})
        return
    ready = [(table, json_rows) for (table, _), json_rows in zip(tables, written) if json_rows is not None]
    parts = [_from_json(table, names, f"rows{k}") for k, (table, (names, _)) in enumerate(ready)]
    if parts:
        head = ", ".join(f"part{k} AS ({part})" for k, part in enumerate(parts[:-1]))
        params = {f"rows{k}": payload for k, (_, (_, payload)) in enumerate(ready)}
        connection.execute(text((f"WITH {head} " if head else "") + parts[-1]), params)


def insert_rows(connection: Connection, model: type[DeclarativeBase], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (column name -> value; every row names the same columns) into ``model``'s table."""
    insert_tables(connection, [(model, rows)])
