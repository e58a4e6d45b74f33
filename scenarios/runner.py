"""Load a scenario file and run it with the module of its kind (see ``scenarios.registry``)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from rich.console import Console

from scenarios.errors import ScenarioError
from scenarios.registry import KINDS
from scenarios.result import ScenarioResult


def load_scenario(path: str | Path) -> dict[str, Any]:
    """Parse a scenario YAML file and check its ``kind``; the kind's module checks the rest."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(path, "(file)", f"not valid YAML: {exc}") from exc
    if not isinstance(spec, dict):
        raise ScenarioError(path, "(file)", "a scenario file is a mapping of keys such as kind, name, region")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ScenarioError(path, "kind", f"expected one of {', '.join(sorted(KINDS))}, got {kind!r}")
    spec.setdefault("name", path.stem)
    return spec


def kind_module(kind: str):
    """The module that runs scenarios of ``kind``."""
    if kind not in KINDS:
        raise ScenarioError(None, "kind", f"expected one of {', '.join(sorted(KINDS))}, got {kind!r}")
    return importlib.import_module(KINDS[kind])


def run_scenario(
    spec: dict[str, Any], *, base_dir: Path, out_dir: Path, console: Console | None = None
) -> ScenarioResult:
    """Run one scenario; its maps, plots and tables are written under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    module = kind_module(spec["kind"])
    return module.run(spec, base_dir=base_dir, out_dir=out_dir, console=console or Console())


def compare_summaries(named: dict[str, ScenarioResult]) -> pd.DataFrame:
    """Headline numbers of several scenarios side by side: one row per measure, one column per scenario."""
    return pd.DataFrame({name: result.summary for name, result in named.items()})
