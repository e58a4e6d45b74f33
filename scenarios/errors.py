"""The error every scenario kind raises for a bad scenario file: it names the file and the key."""

from __future__ import annotations

from pathlib import Path


class ScenarioError(ValueError):
    """A scenario file that cannot be run, with the offending key (dotted, e.g. ``costs.wage``)."""

    def __init__(self, file: str | Path | None, key: str, message: str):
        self.file = Path(file) if file else None
        self.key = key
        self.message = message
        where = f"{self.file}: " if self.file else ""
        super().__init__(f"{where}{key}: {message}")
