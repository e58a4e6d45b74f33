"""A provider's wait list from an uploaded CSV file: one person a row, ahead first.

Columns (header row, any order): ``person_id`` (required), ``lead`` (yes/no, true/false, 1/0),
``added`` (YYYY-MM-DD), and optionally ``gender``, ``age``, ``insurance``, ``language``, ``moud``,
``pets`` (what the provider knows for eligibility). Other columns are ignored. Rows become
:class:`api.schemas.providers.WaitListEntryIn` bodies, checked by the API's own model."""
from __future__ import annotations

import csv
import io

from api.errors import ApiError

TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}
ATTRIBUTES = ("gender", "age", "insurance", "language", "moud", "pets")
FLAGS = ("lead", "moud", "pets")


def _bad(detail: str, field: str = "spreadsheet") -> ApiError:
    return ApiError(422, "Please check the spreadsheet", detail, slug="validation", errors=[(field, detail)])


def _flag(value: str, row: int, column: str) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise _bad(f"row {row}, column {column}: {value!r} is not yes or no", f"spreadsheet.{row}.{column}")


def wait_list_rows(filename: str, content: bytes) -> list[dict]:
    """The entries of an uploaded CSV wait list, ahead first, as dicts for ``WaitListImport``
    (422 naming the row and column of the first unreadable value)."""
    if not filename.lower().endswith((".csv", ".txt")):
        raise _bad("Upload the wait list as a .csv file (in a spreadsheet program: Save as, CSV).")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad("The file is not UTF-8 text; save it as CSV UTF-8.") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower(): c for c in reader.fieldnames or []}
    if "person_id" not in columns:
        raise _bad("The first row must name the columns, with at least person_id.")
    rows = []
    for number, raw in enumerate(reader, start=2):
        cell = {key: (raw.get(original) or "").strip() for key, original in columns.items()}
        entry: dict = {"person_id": cell["person_id"], "lead": _flag(cell.get("lead", ""), number, "lead")}
        if cell.get("added"):
            entry["added"] = cell["added"]
        attributes = {}
        for key in ATTRIBUTES:
            if cell.get(key):
                attributes[key] = _flag(cell[key], number, key) if key in FLAGS else cell[key]
        entry["attributes"] = attributes
        rows.append(entry)
    return rows
