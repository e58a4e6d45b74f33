"""What a scenario run returns: tables to print, headline numbers, and the files it wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


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
