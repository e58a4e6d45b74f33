"""``solve``: one placement round with CP-SAT, returned as an explained :class:`Result`.

The search: a round splits into independent parts (:func:`matcher.model.independent_parts`: on
generated M a few large parts and a tail of small ones), solved one by one, smallest first. Each
part first maximises urgency-weighted needs met, then, from that solution, the single objective
``urgency * weight - cost`` (``weight`` above any cost total: the lexicographic optimum). The
former search, two phases on the whole round holding needs met with one global row (a knapsack
row that weakens the cost phase's LP bound and joins all parts into one), took about four times
as long on generated M. Generated L (three parts of 10,000-15,000 options) was proven optimal
in 43 s in one run; at load 4 on 2 cores it stops at 60 s with a 0.9-1.3% gap. A mean-transit
standard joins all parts: there the two phases run on the whole model (needs met, then cost),
which proved tie-heavy M held to FCFS's transit optimal within 30 s where one objective did not.
A part of :data:`LARGE_PART` options or more starts from its linear relaxation instead of that
first search (:func:`matcher.search.relaxed_start`): on generated XL's largest part (74,323
options) CP-SAT alone stood 3.2 % under its bound after 60 s, the relaxation's start 0.7 % under
the relaxation's bound after 13 s (see :mod:`matcher.relaxation`).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from matcher.baselines import da_choice
from matcher.check import check
from matcher.explain import build_result
from matcher.model import build_model, independent_parts, lexicographic_weight, option_costs
from matcher.prep import Prepared, prepare, restrict
from matcher.search import relaxed_start, search
from matcher.types import MODES, Instance, Result, validate_instance

PRIMARY_SHARE = 0.7  # at most this share of a search's time goes to maximising urgency-weighted needs met
SMALL_PART = 1000  # parts with fewer options are solved together, up to this many options a model
# From this many options a part starts from its linear relaxation, and its searches run one presolve
# pass, not CP-SAT's default three: on generated XL's 74,000-option part the three passes took 6.9 s of a 24 s first search (and again
# in the second), one pass 3.8 s; with one pass the first searches of XL's three large parts ended
# 1.2 % below their bounds on average over four runs, against 2.3 % over three runs with three.
# Smaller parts (generated L's 10,000-15,000 options, proven optimal) keep the default.
LARGE_PART = 20_000


@dataclass
class Solved:
    """Chosen option indices and the solver's report (objective and bound on the scale
    ``urgency * weight - cost``)."""

    chosen: list[int]
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    weight: int
    started_parts: int = 0  # parts answered by their start (CP-SAT found no solution there in time)


def solve(
    instance: Instance,
    *,
    mode: str = "coverage",
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    max_mean_transit_minutes: float | None = None,
    hint: Result | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Result:
    """Place participants under capacity, eligibility, travel limits, appointments and no-bump.

    ``mode="coverage"`` maximises urgency-weighted needs met, then minimises transit minutes plus
    days to start; ``mode="preference"`` returns the largest weakly stable matching, best for
    participants by their ranked preferences. ``time_limit_s`` is wall seconds for data preparation,
    model building and search (explanations come after), ``seed`` fixes the
    search's randomisation and the DA lottery (a run proven OPTIMAL reproduces its objective; one stopped by
    the wall-clock limit may end elsewhere on a busy machine), ``workers`` is search threads
    (default: one per CPU core, at most 8; below CP-SAT's full portfolio the LP-heavy worker comes
    first: generated M is proven optimal in about 2 s with 2), and processes explaining the unmet
    needs of a round of 10,000 participants or more (:data:`matcher.explain.PARALLEL_FROM`).
    ``max_mean_transit_minutes`` is an optional service standard: the mean transit minutes (from
    where participants are now) over all placements may not exceed it. The search starts from
    ``hint`` (an earlier result: a previous round, a baseline) or else from deferred acceptance
    (in coverage mode breaking ties on a list by urgency: ``da_choice(urgency_first=True)``),
    which (or, in coverage mode, the hint) is returned instead, status HEURISTIC, if CP-SAT finds
    no solution in time and it passes the checker and the transit standard. Solved part by part, a
    part where CP-SAT finds none in its time keeps its share of that start (the others keep theirs
    from CP-SAT, and the bound stays valid); the whole is then checked before it is returned.
    ``on_step``, if given, is called with a sentence as each step begins (preparing, searching a
    part, explaining), for a progress display.
    """
    start = time.perf_counter()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    validate_instance(instance)
    workers = workers or default_workers()
    step = on_step or _quiet
    step(f"preparing options for {len(instance.participants):,} participants, {len(instance.providers):,} providers")
    prep = prepare(instance)
    warm = da_choice(prep, seed=seed, urgency_first=mode == "coverage")
    if hint is not None:
        wanted = {(p.participant_id, p.provider_id, p.category, p.appointment) for p in hint.placements}
        start_from = [
            o.index
            for o in prep.options
            if (prep.participants[o.p].participant_id, prep.providers[o.s].provider_id, o.category, o.appointment)
            in wanted
        ]
    else:
        start_from = warm
    solved = solve_model(
        prep,
        mode=mode,
        time_limit_s=time_limit_s,
        seed=seed,
        workers=workers,
        start=start,
        max_mean_transit_minutes=max_mean_transit_minutes,
        hint=start_from,
        on_step=step,
    )
    step(f"explaining {len(solved.chosen):,} placements and every unmet need")
    if solved.status in ("OPTIMAL", "FEASIBLE"):
        started = solved.started_parts
        result = build_result(
            prep,
            solved.chosen,
            mode=mode,
            method=f"cp-sat ({started} part(s) from the warm start: no solution there in time)"
            if started
            else "cp-sat",
            status=solved.status,
            objective=solved.objective,
            bound=solved.bound,
            gap=solved.gap,
            seconds=solved.seconds,
            workers=workers,
        )
        if not started or not check(instance, result):  # a start (a caller's hint) may break a rule
            return result
    for candidate in (start_from, warm) if mode == "coverage" else (warm,):
        fallback = build_result(
            prep,
            candidate,
            mode=mode,
            method="cp-sat (no solution in time: warm start)",
            status="HEURISTIC",
            seconds=solved.seconds,
            workers=workers,
        )
        if not check(instance, fallback) and _within(fallback, max_mean_transit_minutes):
            return fallback
    return build_result(
        prep, [], mode=mode, method="cp-sat", status=solved.status, seconds=solved.seconds, workers=workers
    )


def _quiet(_step: str) -> None:
    """No progress display."""


def default_workers() -> int:
    """CP-SAT search threads to use when none are asked for: one per CPU core, at most 8."""
    return min(8, os.cpu_count() or 1)


def _within(result: Result, max_mean_transit_minutes: float | None) -> bool:
    """Whether a result meets the mean-transit standard (minutes), if one is set."""
    if max_mean_transit_minutes is None or not result.placements:
        return True
    minutes = [p.transit_minutes for p in result.placements if p.transit_minutes is not None]
    return not minutes or sum(minutes) / len(minutes) <= max_mean_transit_minutes


def solve_model(
    prep: Prepared,
    *,
    mode: str,
    time_limit_s: float,
    seed: int,
    workers: int,
    start: float | None = None,
    max_mean_transit_minutes: float | None = None,
    hint: list[int] | None = None,
    on_step: Callable[[str], None] = _quiet,
) -> Solved:
    """Build and solve within ``time_limit_s`` wall seconds counted from ``start`` (a
    ``time.perf_counter()`` value, default now): urgency-weighted needs met first, then the least
    cost. ``workers`` search threads; ``hint`` lists option indices to start from. Part by part
    (see the module docstring), or, with ``max_mean_transit_minutes``, in two phases on the whole;
    ``on_step`` is called with a sentence as each part's search begins."""
    start = time.perf_counter() if start is None else start
    deadline = start + time_limit_s
    if max_mean_transit_minutes is not None:
        on_step(
            f"searching {len(prep.options):,} options as one model (mean transit at most {max_mean_transit_minutes:g} min)"
        )
        return _two_phases(
            prep,
            mode=mode,
            deadline=deadline,
            seed=seed,
            workers=workers,
            start=start,
            max_mean_transit_minutes=max_mean_transit_minutes,
            hint=hint or [],
        )
    return _by_parts(
        prep, mode=mode, deadline=deadline, seed=seed, workers=workers, start=start, hint=hint or [], on_step=on_step
    )


def _batches(parts: list[list[int]]) -> list[list[int]]:
    """Parts smallest first, consecutive small ones merged up to ``SMALL_PART`` options a batch."""
    batches: list[list[int]] = []
    for part in sorted(parts, key=len):
        if batches and len(batches[-1]) + len(part) <= SMALL_PART:
            batches[-1] = batches[-1] + part
        else:
            batches.append(part)
    return batches


def _rescaled_bound(bound: float, weight: int, scale: int) -> int:
    """An upper bound on ``urgency * scale - cost`` from ``bound`` on ``urgency * weight - cost``
    (0 <= cost < weight <= scale): urgency is at most (bound + weight - 1) // weight, and at that
    urgency cost is at least urgency * weight - bound."""
    bound = math.floor(bound + 0.5)  # integral objective: a bound within rounding of an integer is that integer
    urgency = (bound + weight - 1) // weight
    return urgency * scale - max(0, urgency * weight - bound)


def _counting_bound(part: Prepared, urgency: list[int]) -> int:
    """An upper bound on urgency-weighted needs met by counting alone: every need met at its most
    urgent option, and every seat of a provider's category filled at its most urgent option
    (a placement uses one need and one seat)."""
    needs = sum(max(urgency[j] for j in need) for need in part.by_need.values() if need)
    top: dict[tuple[int, str], int] = {}
    for o, u in zip(part.options, urgency):
        top[(o.s, o.category)] = max(top.get((o.s, o.category), 0), u)
    return min(needs, sum(part.seats[key] * u for key, u in top.items()))


def _by_parts(
    prep: Prepared,
    *,
    mode: str,
    deadline: float,
    seed: int,
    workers: int,
    start: float,
    hint: list[int],
    on_step: Callable[[str], None],
) -> Solved:
    """Each batch of independent parts gets the time left in proportion to its options: first
    ``PRIMARY_SHARE`` of it to maximise urgency alone, then the rest to ``urgency * weight - cost``
    from that solution (any solution better on this scale meets at least as much urgency, so no row
    has to hold it)."""
    weight = lexicographic_weight(prep, option_costs(prep, mode))
    hinted = set(hint)
    batches = _batches(independent_parts(prep))
    remaining = sum(len(batch) for batch in batches)
    chosen, objective, bound, optimal, started_parts = [], 0, 0, True, 0
    for number, batch in enumerate(batches, 1):
        on_step(f"searching part {number} of {len(batches)} ({len(batch):,} options)")
        budget_end = time.perf_counter() + (deadline - time.perf_counter()) * len(batch) / remaining
        remaining -= len(batch)
        part = restrict(prep, batch)
        built = build_model(part, mode=mode)
        urgency = sum(u * x for u, x in zip(built.urgency, built.place))
        cost = sum(c * x for c, x in zip(built.cost, built.place))

        def value(picked: list[int], scale: int) -> int:
            return sum(built.urgency[j] for j in picked) * scale - sum(built.cost[j] for j in picked)

        passes = 1 if len(batch) >= LARGE_PART else None
        part_hint = [j for j, i in enumerate(batch) if i in hinted]
        guided = (
            relaxed_start(
                built,
                part_hint,
                seconds=(budget_end - time.perf_counter()) * PRIMARY_SHARE,
                seed=seed,
                workers=workers,
            )
            if len(batch) >= LARGE_PART
            else None
        )
        first: list[int] | None
        assignment: list[int] | None
        if guided is not None:
            first, assignment, lexicographic_bound = guided
        else:
            built.model.Maximize(urgency)
            status, solver, first = search(
                built.model,
                built.place,
                part_hint,
                seconds=(budget_end - time.perf_counter()) * PRIMARY_SHARE,
                seed=seed,
                workers=workers,
                presolve_iterations=passes,
            )
            assignment = None if first is None else list(solver.ResponseProto().solution)
            # CP-SAT reports a bound of 0 when it has no solution: then count
            urgency_bound = _counting_bound(part, built.urgency) if first is None else solver.BestObjectiveBound()
            lexicographic_bound = math.floor(urgency_bound + 0.5) * built.weight
        from_start = first is None
        if first is None:  # no solution in this part's time: go on from its share of the start
            first = part_hint
        built.model.Maximize(built.weight * urgency - cost)
        status, solver, second = search(
            built.model,
            built.place,
            first,
            seconds=budget_end - time.perf_counter(),
            seed=seed,
            workers=workers,
            presolve_iterations=passes,
            assignment=assignment,
        )
        picked = second if second is not None and value(second, built.weight) >= value(first, built.weight) else first
        started_parts += from_start and picked is first  # the start's placements, checked by solve()
        chosen += [batch[j] for j in picked]
        objective += value(picked, weight)
        if status == "OPTIMAL":
            bound += value(picked, weight)
        else:
            found = solver.BestObjectiveBound() if second is not None else math.inf
            bound += _rescaled_bound(min(found, lexicographic_bound), built.weight, weight)
        optimal = optimal and status == "OPTIMAL"
    gap = (bound - objective) / max(abs(objective), 1)
    status = "OPTIMAL" if optimal else "FEASIBLE"
    return Solved(sorted(chosen), status, objective, bound, gap, time.perf_counter() - start, weight, started_parts)


def _two_phases(
    prep: Prepared,
    *,
    mode: str,
    deadline: float,
    seed: int,
    workers: int,
    start: float,
    max_mean_transit_minutes: float,
    hint: list[int],
) -> Solved:
    """Maximise urgency-weighted needs met (``PRIMARY_SHARE`` of the time left), then, holding it,
    the least cost, on the whole model with the mean-transit standard."""
    built = build_model(prep, mode=mode, max_mean_transit_minutes=max_mean_transit_minutes)
    model, place = built.model, built.place
    primary = sum(u * x for u, x in zip(built.urgency, place))
    secondary = sum(c * x for c, x in zip(built.cost, place))
    model.Maximize(primary)
    status1, solver, chosen = search(
        model, place, hint, seconds=(deadline - time.perf_counter()) * PRIMARY_SHARE, seed=seed, workers=workers
    )
    if chosen is None:
        return Solved([], status1, None, None, None, time.perf_counter() - start, built.weight)
    best, best_bound = round(solver.ObjectiveValue()), solver.BestObjectiveBound()
    model.Add(primary >= best)
    model.Minimize(secondary)
    status2, solver, second = search(
        model,
        place,
        chosen,
        seconds=deadline - time.perf_counter(),
        seed=seed,
        workers=workers,
        assignment=list(solver.ResponseProto().solution),
    )
    if second is not None:
        chosen, cost, cost_bound = second, solver.ObjectiveValue(), solver.BestObjectiveBound()
    else:
        cost, cost_bound = sum(built.cost[i] for i in chosen), 0.0
    optimal = status1 == status2 == "OPTIMAL"
    objective = best * built.weight - cost
    bound = best_bound * built.weight - (cost_bound if status1 == "OPTIMAL" else 0.0)
    gap = abs(bound - objective) / max(abs(objective), 1.0)
    return Solved(
        chosen, "OPTIMAL" if optimal else "FEASIBLE", objective, bound, gap, time.perf_counter() - start, built.weight
    )
