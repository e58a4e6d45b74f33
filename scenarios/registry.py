"""The scenario kinds Handoff knows, by the module that runs them.

Each module provides ``run(spec, *, base_dir, out_dir, console) -> ScenarioResult`` and, for
sweeps, ``prepare(spec, *, base_dir)`` and ``evaluate(spec, *, base_dir, seed, context)``.
"""

from __future__ import annotations

KINDS: dict[str, str] = {
    "siting": "scenarios.siting.scenario",
    "coverage": "scenarios.coverage.scenario",
}
