"""``solve``: one placement round with CP-SAT, returned as an explained :class:`Result`."""
from __future__ import annotations

import os
import time

from matcher.baselines import da_choice
from matcher.check import check
from matcher.explain import build_result
from matcher.model import solve_model
from matcher.prep import prepare
from matcher.types import MODES, Instance, Result, validate_instance


def solve(instance: Instance, *, mode: str = "coverage", time_limit_s: float = 10.0, seed: int = 0,
          workers: int | None = None, max_mean_transit_minutes: float | None = None, hint: Result | None = None) -> Result:
    """Place participants under capacity, eligibility, travel limits, appointments and no-bump.

    ``mode="coverage"`` maximises urgency-weighted needs met, then minimises transit minutes plus
    days to start; ``mode="preference"`` returns the largest weakly stable matching, best for
    participants by their ranked preferences. ``time_limit_s`` is wall seconds for data preparation,
    model building and search (explanations come after), ``seed`` fixes the
    search's randomisation and the DA lottery (a run proven OPTIMAL reproduces its objective; one stopped by
    the wall-clock limit may end elsewhere on a busy machine), ``workers`` is search threads
    (default: one per CPU core, at most 8; below CP-SAT's full portfolio the LP-heavy worker comes
    first, which proves needs met optimal on generated M in about a second even with 2).
    ``max_mean_transit_minutes`` is an optional service standard: the mean transit minutes (from
    where participants are now) over all placements may not exceed it. The search starts from
    ``hint`` (an earlier result: a previous round, a baseline) or else from deferred acceptance,
    which (or, in coverage mode, the hint) is returned instead, status HEURISTIC, if CP-SAT finds
    no solution in time and it passes the checker and the transit standard.
    """
    start = time.perf_counter()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    validate_instance(instance)
    workers = workers or default_workers()
    prep = prepare(instance)
    warm = da_choice(prep, seed=seed)
    if hint is not None:
        wanted = {(p.participant_id, p.provider_id, p.category, p.appointment) for p in hint.placements}
        start_from = [o.index for o in prep.options if (prep.participants[o.p].participant_id,
                      prep.providers[o.s].provider_id, o.category, o.appointment) in wanted]
    else:
        start_from = warm
    solved = solve_model(prep, mode=mode, time_limit_s=time_limit_s, seed=seed, workers=workers, start=start,
                         max_mean_transit_minutes=max_mean_transit_minutes, hint=start_from)
    if solved.status in ("OPTIMAL", "FEASIBLE"):
        return build_result(prep, solved.chosen, mode=mode, method="cp-sat", status=solved.status,
                            objective=solved.objective, bound=solved.bound, gap=solved.gap, seconds=solved.seconds)
    for candidate in (start_from, warm) if mode == "coverage" else (warm,):
        fallback = build_result(prep, candidate, mode=mode, method="cp-sat (no solution in time: warm start)",
                                status="HEURISTIC", seconds=solved.seconds)
        if not check(instance, fallback) and _within(fallback, max_mean_transit_minutes):
            return fallback
    return build_result(prep, [], mode=mode, method="cp-sat", status=solved.status, seconds=solved.seconds)


def default_workers() -> int:
    """CP-SAT search threads to use when none are asked for: one per CPU core, at most 8."""
    return min(8, os.cpu_count() or 1)


def _within(result: Result, max_mean_transit_minutes: float | None) -> bool:
    """Whether a result meets the mean-transit standard (minutes), if one is set."""
    if max_mean_transit_minutes is None or not result.placements:
        return True
    minutes = [p.transit_minutes for p in result.placements]
    return sum(minutes) / len(minutes) <= max_mean_transit_minutes
