"""One error type for every input problem, naming the file, row and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class DataError(ValueError):
    """An input file is malformed or inconsistent.

    ``file`` is the path as given, ``row`` the 1-based data row (header excluded) or ``None``
    when the problem is not in one row, ``field`` the column, key or attribute at fault.
    """

    file: str | Path
    message: str
    row: int | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.file)
        if self.row is not None:
            where += f", row {self.row}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"
