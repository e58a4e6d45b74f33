"""Coverage-hours pricing: which weekly hours a cohort staffs, what they capture, who pays what.

Modules: ``demand`` (eligible encounters by area and hour of week), ``staffing`` (Erlang A/B/C),
``costs`` (shifts, wages, overtime), ``schedule`` (the CP-SAT model and frontier), ``value``
(diversions and avoided justice costs), ``game`` and ``sharing`` (the cost game, Shapley value,
nucleolus, core), ``spec`` and ``scenario`` (the ``kind: coverage`` scenario). See docs/coverage.md.
"""

from __future__ import annotations

from scenarios.faces import lazy_face

EXPORTS = {
    "demo_spec": "scenarios.coverage.scenario",
    "Shift": "scenarios.coverage.costs",
    "parse_days": "scenarios.coverage.costs",
    "DEFAULT_OFFENCES": "scenarios.coverage.demand",
}
__all__ = sorted(EXPORTS)
__getattr__ = lazy_face(__name__, EXPORTS)
