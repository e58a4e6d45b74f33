"""Reading the files programs keep (CSV or an .xlsx spreadsheet) as rows, with errors naming the
file, the row (as a spreadsheet numbers it: the header is row 1) and the column.

Cells are turned into the JSON types the API's schemas take (strict: no silent coercion there):
integers, numbers, booleans, JSON objects, ``;``-separated lists and ISO dates or datetimes. A
spreadsheet's own numbers, booleans and dates are taken as they are.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath

from api.errors import ApiError

SHOWN_ERRORS = 20


@dataclass(frozen=True)
class RowError:
    """One bad cell (or row, when ``column`` is empty) of an imported file."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """An import with bad rows: nothing was changed."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:SHOWN_ERRORS])
        more = f" (and {len(errors) - SHOWN_ERRORS} more)" if len(errors) > SHOWN_ERRORS else ""
        super().__init__(f"{len(errors)} bad cell(s), nothing imported: {shown}{more}")

    def problem(self) -> ApiError:
        """The 422 problem details naming each bad file, row and column."""
        return ApiError(
            422,
            "Import refused",
            f"{self}. Fix the rows and import the file again.",
            slug="import-refused",
            errors=[
                (f"file.{e.file}.row{e.row}" + (f".{e.column}" if e.column else ""), e.message)
                for e in self.errors[:SHOWN_ERRORS]
            ],
        )


@dataclass
class Table:
    """A file's header and its data rows as (row number, {column: cell}) with empty cells left out."""

    name: str
    columns: list[str]
    rows: list[tuple[int, dict]]


def read_table(name: str, data: bytes) -> Table:
    """Parse ``data`` as CSV or .xlsx (by ``name``'s suffix; first sheet); raises
    :class:`ImportRejected` when it cannot be read."""
    suffix = PurePath(name).suffix.lower()
    try:
        if suffix == ".xlsx":
            grid = _xlsx_rows(data)
        elif suffix == ".csv":
            grid = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        else:
            raise ImportRejected([RowError(name, 0, "", "give a .csv or .xlsx file")])
    except (UnicodeDecodeError, csv.Error, ValueError, KeyError, OSError) as exc:
        raise ImportRejected([RowError(name, 0, "", f"cannot be read as {suffix or 'a table'}: {exc}")]) from None
    if not grid:
        raise ImportRejected([RowError(name, 1, "", "the file is empty; the first row must name the columns")])
    columns = [str(c).strip() if c is not None else "" for c in grid[0]]
    rows = []
    for number, cells in enumerate(grid[1:], start=2):
        row = {col: cell for col, cell in zip(columns, cells) if col and not _empty(cell)}
        if row:
            rows.append((number, row))
    return Table(name, columns, rows)


def frame_table(name: str, records: list[dict]) -> Table:
    """A table from records already read (a region's files through geodata), numbered as the file's rows."""
    columns = list(dict.fromkeys(k for r in records for k in r))
    rows = [(i + 2, {k: v for k, v in r.items() if not _empty(v)}) for i, r in enumerate(records)]
    return Table(name, columns, rows)


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _empty(cell) -> bool:
    return (
        cell is None
        or (isinstance(cell, str) and not cell.strip())
        or (isinstance(cell, float) and math.isnan(cell))
        or (isinstance(cell, (list, tuple, dict)) and not cell)
    )


def to_int(cell) -> int:
    """A whole number from a cell (``"12"``, 12, 12.0)."""
    value = float(cell) if not isinstance(cell, bool) else None
    if value is None or not value.is_integer():
        raise ValueError(f"{cell!r} is not a whole number")
    return int(value)


def to_float(cell) -> float:
    """A number from a cell."""
    if isinstance(cell, bool):
        raise ValueError(f"{cell!r} is not a number")
    return float(cell)


def to_bool(cell) -> bool:
    """true/false, yes/no, 1/0 from a cell."""
    if isinstance(cell, bool):
        return cell
    text = str(cell).strip().lower()
    if text in ("true", "yes", "1", "y"):
        return True
    if text in ("false", "no", "0", "n"):
        return False
    raise ValueError(f"{cell!r} is not true or false")


def to_object(cell) -> dict:
    """A JSON object from a cell (already a dict when read from a region)."""
    value = cell if isinstance(cell, dict) else json.loads(str(cell))
    if not isinstance(value, dict):
        raise ValueError(f'{cell!r} is not a JSON object such as {{"min_age": 18}}')
    return value


def to_times(cell) -> list[str]:
    """ISO datetimes from a ``;``-separated cell (or a list, or one spreadsheet datetime)."""
    items = cell if isinstance(cell, (list, tuple)) else [cell] if isinstance(cell, datetime) else str(cell).split(";")
    return [t.isoformat() if isinstance(t, datetime) else str(t).strip() for t in items if str(t).strip()]


def to_day(cell) -> str:
    """An ISO date from a cell (a spreadsheet date or datetime, or text)."""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()[:10]


def to_text(cell) -> str:
    """Text from a cell (numbers as a spreadsheet shows them: 12, not 12.0)."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def convert(table: Table, number: int, row: dict, kinds: dict[str, Callable], errors: list[RowError]) -> dict:
    """The row's cells converted by column (``kinds``: column -> converter); a cell that does not
    convert is added to ``errors`` and left out."""
    out = {}
    for column, cell in row.items():
        try:
            out[column] = kinds[column](cell)
        except (ValueError, TypeError) as exc:
            errors.append(RowError(table.name, number, column, str(exc)))
    return out


def check_columns(table: Table, known: set[str], required: set[str]) -> list[RowError]:
    """Errors for unknown and missing columns (row 1)."""
    errors = [
        RowError(table.name, 1, c, f"unknown column; known: {', '.join(sorted(known))}")
        for c in table.columns
        if c and c not in known
    ]
    missing = sorted(required - set(table.columns))
    if missing:
        errors.append(RowError(table.name, 1, "", f"missing column(s): {', '.join(missing)}"))
    return errors
