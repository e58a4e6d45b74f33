"""What a scenario run returns: tables to print, headline numbers, and the files it wrote."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


def folder_name(name: object) -> str:
    """A scenario's name as a file-system-safe name for its folder or files: lower case, runs of
    anything but letters, digits, ``_``, ``.`` and ``-`` replaced by one ``-`` ("City of
    Pittsburgh" -> "city-of-pittsburgh"); "scenario" when nothing is left."""
    safe = re.sub(r"[^\w.-]+", "-", str(name).lower()).strip("-.")
    return safe or "scenario"


@dataclass
class ScenarioResult:
    """The outcome of one scenario.

    ``tables`` are printed in order by the CLI; ``summary`` holds the headline numbers (used by
    ``scenario compare`` and sweeps); ``files`` are the maps, plots and CSVs written; ``notes`` are
    plain-language remarks for the planner (infeasibility explanations, caveats).
    """

    title: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict[str, float] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
