"""Coverage-hours pricing: which weekly hours a cohort staffs, what they capture, who pays what.

Modules: ``demand`` (eligible encounters by area and hour of week), ``staffing`` (Erlang A/B/C),
``costs`` (shifts, wages, overtime), ``schedule`` (the CP-SAT model and frontier), ``value``
(diversions and avoided justice costs), ``game`` and ``sharing`` (the cost game, Shapley value,
nucleolus, core), ``spec`` and ``scenario`` (the ``kind: coverage`` scenario). See docs/coverage.md.
"""
