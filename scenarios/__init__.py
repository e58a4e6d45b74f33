"""Planners' what-ifs: facility siting, coverage-hours pricing, capacity-gap reports, sweeps."""

from __future__ import annotations

from scenarios.faces import lazy_face

EXPORTS = {
    "ScenarioError": "scenarios.errors",
    "lazy_face": "scenarios.faces",
    "ScenarioResult": "scenarios.result",
    "folder_name": "scenarios.result",
    "compare_summaries": "scenarios.runner",
    "load_scenario": "scenarios.runner",
    "run_scenario": "scenarios.runner",
    "external_references": "scenarios.leaflet_offline",
    "offline_map": "scenarios.leaflet_offline",
    "add_water": "scenarios.leaflet_offline",
    "save_offline": "scenarios.leaflet_offline",
}
__all__ = sorted(EXPORTS)
__getattr__ = lazy_face(__name__, EXPORTS)
