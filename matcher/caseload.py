"""Assigning new LEAD participants to case managers (OR-Tools CP-SAT), checked and explained.

Rules: a case manager never goes above their caseload limit (LEAD: never over 25); a participant
whose language some case manager of the cohort speaks goes to one who speaks it; otherwise the
model minimises, in *minute-equivalents*:

- balance: each case manager's caseload costs ``balance x load^2 / target`` plus ``over_target``
  per participant above their target (12-15 is the LEAD standard), so new people go to the
  lightest caseloads relative to each target;
- travel: ``travel`` per minute from the participant's home to the case manager's base;
- continuity: a returning person assigned to their previous case manager saves ``continuity``.

Nobody is assigned when every case manager who may take them is full; they are reported
unassigned (``unassigned`` minute-equivalents each, larger than any other term).

:func:`prepare` turns the instance into integer coefficients, :func:`build_model` is the whole
model, :func:`assign` solves and explains, :func:`check` re-derives every rule independently
and :func:`cost_of` prices any assignment with the same formula (used by the brute force).
Pure: travel minutes come in as numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

SCALE = 10  # integer coefficients are tenths of a minute-equivalent


@dataclass(frozen=True)
class CaseManager:
    """A case manager: current ``caseload`` (participants), ``target`` and ``limit`` (LEAD: 15 and
    25), spoken ``languages`` (lower-case names, English implied only if listed)."""

    id: str
    name: str
    caseload: int
    target: int = 15
    limit: int = 25
    languages: tuple[str, ...] = ("english",)


@dataclass(frozen=True)
class Newcomer:
    """A participant to assign: preferred ``language`` (None: any), ``previous`` case manager id
    of a returning person, and ``travel_minutes`` from home to each case manager's base (by id;
    a missing id means unreachable, so that pair is not allowed)."""

    id: str
    travel_minutes: dict[str, float]
    language: str | None = None
    previous: str | None = None


@dataclass(frozen=True)
class Weights:
    """Objective weights in minute-equivalents (see the module docstring)."""

    balance: float = 10.0
    over_target: float = 30.0
    travel: float = 1.0
    continuity: float = 45.0
    unassigned: float = 100_000.0


@dataclass
class Assignment:
    """One participant's answer: the case manager (None when nobody may take them) and why."""

    participant_id: str
    case_manager_id: str | None
    travel_minutes: float | None
    explanation: str


@dataclass
class Outcome:
    """Every participant's assignment with the solver's status, objective and bound
    (minute-equivalents) and relative gap."""

    assignments: list[Assignment]
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    loads: dict[str, int] = field(default_factory=dict)


@dataclass
class Prepared:
    """Integer data of one assignment problem: allowed pairs and their costs (tenths)."""

    managers: list[CaseManager]
    newcomers: list[Newcomer]
    pair_cost: dict[tuple[int, int], int]  # (newcomer, manager) -> travel minus continuity, tenths
    load_cost: list[list[int]]  # manager -> cost of taking k more participants, tenths
    unassigned_cost: int
    language_rule: dict[int, str]  # newcomer -> language enforced


def _load_cost(manager: CaseManager, load: int, weights: Weights) -> float:
    """Balance cost (minute-equivalents) of ``manager`` carrying ``load`` participants."""
    return weights.balance * load * load / max(manager.target, 1) + weights.over_target * max(0, load - manager.target)


def speaks(manager: CaseManager, language: str | None) -> bool:
    """True when ``language`` is None or among the case manager's languages (case-insensitive)."""
    return language is None or language.lower() in {lang.lower() for lang in manager.languages}


def prepare(managers: list[CaseManager], newcomers: list[Newcomer], weights: Weights = Weights()) -> Prepared:
    """Allowed pairs (reachable, language rule) and integer costs in tenths of a minute-equivalent."""
    language_rule = {
        p: n.language.lower()
        for p, n in enumerate(newcomers)
        if n.language and any(speaks(m, n.language) for m in managers)
    }
    pair_cost = {}
    for p, newcomer in enumerate(newcomers):
        for c, manager in enumerate(managers):
            minutes = newcomer.travel_minutes.get(manager.id)
            if minutes is None or not math.isfinite(minutes):
                continue
            if p in language_rule and not speaks(manager, language_rule[p]):
                continue
            bonus = weights.continuity if newcomer.previous == manager.id else 0.0
            pair_cost[p, c] = round(SCALE * (weights.travel * minutes - bonus))
    load_cost = []
    for manager in managers:
        room = max(0, manager.limit - manager.caseload)
        base = _load_cost(manager, manager.caseload, weights)
        load_cost.append(
            [round(SCALE * (_load_cost(manager, manager.caseload + k, weights) - base)) for k in range(room + 1)]
        )
    return Prepared(managers, newcomers, pair_cost, load_cost, round(SCALE * weights.unassigned), language_rule)


def build_model(prep: Prepared) -> tuple[cp_model.CpModel, dict, dict]:
    """The CP-SAT model: one case manager or none per newcomer, loads within limits, least cost.

    Returns the model, ``assigned[(newcomer, manager)]`` and ``unassigned[newcomer]`` variables."""
    model = cp_model.CpModel()
    assigned = {
        pair: model.new_bool_var(f"assign_{prep.newcomers[pair[0]].id}_to_{prep.managers[pair[1]].id}")
        for pair in prep.pair_cost
    }
    unassigned = {p: model.new_bool_var(f"unassigned_{n.id}") for p, n in enumerate(prep.newcomers)}
    for p in unassigned:
        model.add_exactly_one([unassigned[p]] + [v for (q, _), v in assigned.items() if q == p])
    load_terms = []
    for c, costs in enumerate(prep.load_cost):
        taken = [v for (_, m), v in assigned.items() if m == c]
        if not taken:
            continue
        new_load = model.new_int_var(0, len(costs) - 1, f"new_caseload_{prep.managers[c].id}")
        model.add(new_load == sum(taken))  # the limit: new_load's domain stops at limit - caseload
        balance = model.new_int_var(min(costs), max(costs), f"balance_cost_{prep.managers[c].id}")
        model.add_element(new_load, costs, balance)
        load_terms.append(balance)
    model.minimize(
        sum(load_terms)
        + sum(prep.pair_cost[pair] * v for pair, v in assigned.items())
        + prep.unassigned_cost * sum(unassigned.values())
    )
    return model, assigned, unassigned


def cost_of(prep: Prepared, choice: list[int | None]) -> float | None:
    """Objective (minute-equivalents) of ``choice`` (manager index or None per newcomer), or None
    when it breaks a rule (a pair not allowed, a caseload over its limit)."""
    total, extra = 0, [0] * len(prep.managers)
    for p, c in enumerate(choice):
        if c is None:
            total += prep.unassigned_cost
            continue
        if (p, c) not in prep.pair_cost:
            return None
        total += prep.pair_cost[p, c]
        extra[c] += 1
    for c, k in enumerate(extra):
        if k >= len(prep.load_cost[c]):
            return None
        total += prep.load_cost[c][k]
    return total / SCALE


def _explain(prep: Prepared, p: int, c: int | None, loads: list[int]) -> str:
    newcomer = prep.newcomers[p]
    if c is None:
        reason = (
            f"no case manager who speaks {prep.language_rule[p]} has room"
            if p in prep.language_rule
            else "every case manager who can reach them is at their caseload limit"
        )
        return f"{newcomer.id} is not assigned yet: {reason}. Raise a limit or add a case manager."
    manager = prep.managers[c]
    parts = [f"{newcomer.id} goes to {manager.name}"]
    if newcomer.previous == manager.id:
        parts.append("their previous case manager, so they keep the relationship")
    elif newcomer.previous:
        parts.append("not their previous case manager, who has no room or is not available")
    if p in prep.language_rule:
        parts.append(f"who speaks {prep.language_rule[p]}")
    elif newcomer.language:
        parts.append(f"(nobody in the cohort speaks {newcomer.language})")
    parts.append(f"{newcomer.travel_minutes[manager.id]:.0f} minutes from home")
    parts.append(f"caseload {manager.caseload} -> {loads[c]} (target {manager.target}, limit {manager.limit})")
    return ", ".join(parts) + "."


def assign(
    managers: list[CaseManager],
    newcomers: list[Newcomer],
    weights: Weights = Weights(),
    *,
    time_limit_s: float = 5.0,
    workers: int = 1,
) -> Outcome:
    """Assign ``newcomers`` to ``managers`` (CP-SAT), each answer explained in a sentence."""
    prep = prepare(managers, newcomers, weights)
    model, assigned, unassigned = build_model(prep)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    code = solver.solve(model)
    status = solver.status_name(code)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome([], status, math.nan, math.nan, math.nan, solver.wall_time)
    choice: list[int | None] = [None] * len(newcomers)
    for (p, c), var in assigned.items():
        if solver.boolean_value(var):
            choice[p] = c
    loads = [m.caseload for m in managers]
    for c in choice:
        if c is not None:
            loads[c] += 1
    objective, bound = solver.objective_value / SCALE, solver.best_objective_bound / SCALE
    answers = [
        Assignment(
            n.id,
            None if c is None else managers[c].id,
            None if c is None else n.travel_minutes[managers[c].id],
            _explain(prep, p, c, loads),
        )
        for p, (n, c) in enumerate(zip(newcomers, choice))
    ]
    return Outcome(
        answers,
        status,
        objective,
        bound,
        abs(objective - bound) / max(abs(objective), 1.0),
        solver.wall_time,
        {m.id: load for m, load in zip(managers, loads)},
    )


def check(managers: list[CaseManager], newcomers: list[Newcomer], outcome: Outcome) -> list[str]:
    """Rules broken by ``outcome``, re-derived from the inputs (empty when it is sound)."""
    problems = []
    by_id = {m.id: m for m in managers}
    load = {m.id: m.caseload for m in managers}
    seen = set()
    for answer in outcome.assignments:
        if answer.participant_id in seen:
            problems.append(f"{answer.participant_id} is assigned twice")
        seen.add(answer.participant_id)
        if answer.case_manager_id is None:
            continue
        manager = by_id.get(answer.case_manager_id)
        if manager is None:
            problems.append(f"{answer.participant_id} went to unknown case manager {answer.case_manager_id}")
            continue
        load[manager.id] += 1
        newcomer = next(n for n in newcomers if n.id == answer.participant_id)
        if (
            newcomer.language
            and any(speaks(m, newcomer.language) for m in managers)
            and not speaks(manager, newcomer.language)
        ):
            problems.append(f"{newcomer.id} needs {newcomer.language} but {manager.id} does not speak it")
        if not math.isfinite(newcomer.travel_minutes.get(manager.id, math.nan)):
            problems.append(f"{newcomer.id} cannot reach {manager.id}")
    problems += [
        f"{m.id} carries {load[m.id]} participants, over their limit of {m.limit}"
        for m in managers
        if load[m.id] > max(m.limit, m.caseload)
    ]
    missing = {n.id for n in newcomers} - seen
    problems += [f"{pid} has no answer" for pid in sorted(missing)]
    return problems
