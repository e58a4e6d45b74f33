"""Complementary suppression chosen to withhold as little as possible (cut generation over the cells).

Given the published cells of a :class:`~scenarios.reports.privacy.Publication` and its primary
(small) cells, find the set of cells to withhold that

1. contains every primary cell and every cell showing the same count as a withheld one (a *twin*:
   the same microcells summed in another table), and
2. leaves every primary cell's attacker interval -- min and max of the cell over nonnegative
   microcells that reproduce every published cell (two linear programs, HiGHS) -- at least
   ``width`` wide,

with the fewest withheld cells, then the fewest people in them. This is the model statistical
agencies' tools solve (tau-Argus' optimal method, Fischetti and Salazar-González 1999) in its
simplest exact form: a master problem (CP-SAT) chooses the withheld cells subject to *cuts*; each
round, the attacker's linear programs are solved for every primary cell and a cell whose interval
is too narrow yields a cut "withhold at least one of the published cells its LP certificate uses"
(the cells with a nonzero dual value in either LP). The cut is valid: while none of those cells is
withheld, the same dual solution stays feasible and keeps the interval as narrow. The loop ends
when every interval is wide enough; a narrow cell also gets up to ``FURTHER_CUTS`` more cuts in its
round, from attacking it again with the earlier cuts' cells withheld on trial (each valid the same
way; they save rounds of the master, whose cost grows with the cuts). Then the answer is safe by the same LPs, and minimal among
all answers meeting the cuts (CP-SAT proves each master optimal unless its time limit ends the
search first, which is reported).

*Insiders* are readers who know some microcells exactly besides what is published (an officer
knows their own referrals). Each insider is one more attacker: the same linear programs with the
insider's microcells fixed to their values, for every small cell the insider does not know whole;
its cuts go to the same master, so one withheld set protects against the public and every insider.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from scenarios.reports.attacker import Attacker, Insider

FURTHER_CUTS = 2  # cuts per narrow target and round beyond the first (fewer master rounds)


@dataclass
class SuppressionResult:
    """Which cells to withhold (one flag per cell), the rounds it took and whether each master was proven."""

    withheld: np.ndarray
    rounds: int
    proven: bool


def twin_groups(members: list[np.ndarray]) -> np.ndarray:
    """Group id per cell: cells summing the same microcells share a group."""
    keys: dict[bytes, int] = {}
    return np.array([keys.setdefault(np.asarray(m, dtype=np.int64).tobytes(), len(keys)) for m in members], dtype=int)


def constraint_matrix(n_micro: int, rows: list[np.ndarray]) -> sparse.csr_matrix:
    """The published cells as a sparse 0/1 matrix (cells x microcells)."""
    indptr = np.cumsum([0] + [len(r) for r in rows])
    columns = np.concatenate(rows) if rows else np.zeros(0, dtype=int)
    return sparse.csr_matrix((np.ones(indptr[-1]), columns, indptr), shape=(len(rows), n_micro))


def attack(
    n_micro: int,
    rows: list[np.ndarray] | sparse.csr_matrix,
    values: np.ndarray,
    target: np.ndarray,
    *,
    known: Insider | None = None,
) -> tuple[float, float, set[int]]:
    """The attacker's (min, max) of the sum over ``target`` and the rows with a nonzero dual in either LP.

    ``rows`` are the published cells' microcells (or their :func:`constraint_matrix`), ``values``
    their published counts (people); ``known`` fixes an insider's microcells to their counts. For
    many targets over the same cells, build one :class:`~scenarios.reports.attacker.Attacker`.
    """
    a_eq = rows if isinstance(rows, sparse.csr_matrix) else constraint_matrix(n_micro, rows)
    found = Attacker(n_micro, a_eq, values).interval(target, known=known)
    return found.low, found.high, found.binding


def optimal_suppression(
    n_micro: int,
    members: list[np.ndarray],
    values: np.ndarray,
    primary: np.ndarray,
    *,
    width: float,
    time_limit_s: float = 10.0,
    max_rounds: int = 200,
    insiders: Sequence[Insider] = (),
    threshold: float = math.inf,
    further_cuts: int = FURTHER_CUTS,
) -> SuppressionResult:
    """The fewest cells to withhold (then the fewest people) so no primary cell is pinned narrower than ``width``.

    ``members[i]`` are cell ``i``'s microcells, ``values[i]`` its count, ``primary[i]`` whether it
    is small. For each of the ``insiders``, every cell it does not know whole whose remainder
    (count minus the insider's part) is under ``threshold`` and above 0 must keep that remainder
    at least ``width`` wide too. ``further_cuts``: cuts per narrow cell and round beyond the first
    (any number gives a safe and minimal answer). Returns one flag per cell. Raises ``RuntimeError`` if the rounds
    run out.
    """
    values = np.asarray(values, dtype=float)
    group = twin_groups(members)
    n_groups = int(group.max()) + 1 if group.size else 0
    group_members = [np.zeros(0, dtype=int)] * n_groups
    for i, g in enumerate(group):
        group_members[g] = np.asarray(members[i], dtype=int)
    group_cost = np.zeros(n_groups, dtype=np.int64)
    big = int(values.sum()) + 1
    np.add.at(group_cost, group, big + np.rint(values).astype(np.int64))
    forced = np.zeros(n_groups, dtype=bool)
    forced[group[np.asarray(primary, dtype=bool)]] = True
    group_value = np.zeros(n_groups)
    group_value[group] = values
    targets: list[tuple[Insider | None, np.ndarray]] = [(None, group_members[g]) for g in range(n_groups) if forced[g]]
    targets += _insider_targets(n_micro, group_members, group_value, insiders, threshold)
    cuts: list[list[int]] = []
    withheld = forced.copy()
    proven = True
    # a cell found wide enough stays so while every cell withheld then is still withheld (fewer
    # published equations only widen the attacker's interval): its LPs are skipped until then
    wide_while: dict[int, np.ndarray] = {}
    for rounds in range(1, max_rounds + 1):
        published = [g for g in range(n_groups) if not withheld[g] and group_members[g].size]
        attacker = Attacker(
            n_micro, constraint_matrix(n_micro, [group_members[g] for g in published]), group_value[published]
        )
        new_cuts = []
        for k, (insider, target) in enumerate(targets):
            if k in wide_while and not (wide_while[k] & ~withheld).any():
                continue
            found = attacker.interval(target, known=insider)
            lo, hi, binding = found.low, found.high, found.binding
            if hi - lo >= width:
                wide_while[k] = withheld.copy()
            else:
                cut = sorted(published[i] for i in binding)
                if not cut:
                    raise RuntimeError("a small cell is pinned but no published cell constrains it")
                new_cuts.append(cut)
                new_cuts += _further_cuts(
                    n_micro, group_members, group_value, withheld, cut, target, insider, width, further_cuts
                )
        if not new_cuts:
            return SuppressionResult(withheld[group], rounds, proven)
        cuts += new_cuts
        withheld, optimal = _master(n_groups, group_cost, forced, cuts, hint=withheld, time_limit_s=time_limit_s)
        proven = proven and optimal
    raise RuntimeError(f"complementary suppression did not settle in {max_rounds} rounds")


def _further_cuts(
    n_micro: int,
    group_members: list[np.ndarray],
    group_value: np.ndarray,
    withheld: np.ndarray,
    cut: list[int],
    target: np.ndarray,
    insider: Insider | None,
    width: float,
    most: int,
) -> list[list[int]]:
    """Up to ``most`` more cuts for a target found too narrow: with the cells of the cuts so far
    withheld too, attack again and take the certificate of the next narrow interval.

    Each is valid as the round's cut is: its LP certificate uses published cells only, and while
    none of them is withheld the interval stays as narrow (withholding the earlier cuts' cells was
    a trial, not a choice). More cuts a round mean fewer rounds of the master problem."""
    trial = withheld.copy()
    trial[cut] = True
    cuts: list[list[int]] = []
    while len(cuts) < most:
        published = [g for g in range(len(group_members)) if not trial[g] and group_members[g].size]
        rows = constraint_matrix(n_micro, [group_members[g] for g in published])
        lo, hi, binding = attack(n_micro, rows, group_value[published], target, known=insider)
        if hi - lo >= width or not binding:
            return cuts
        cuts.append(sorted(published[i] for i in binding))
        trial[cuts[-1]] = True
    return cuts


def _insider_targets(
    n_micro: int,
    group_members: list[np.ndarray],
    group_value: np.ndarray,
    insiders: Sequence[Insider],
    threshold: float,
) -> list[tuple[Insider | None, np.ndarray]]:
    """(insider, the microcells it does not know) of every cell whose remainder the insider must not pin.

    Only cells linked by some chain of cells to a microcell the insider knows can be narrowed by
    that knowledge; the rest are the public attacker's targets already."""
    if not insiders:
        return []
    linked = constraint_matrix(n_micro, [m for m in group_members if m.size])
    _, component = connected_components(linked.T @ linked, directed=False)
    targets: list[tuple[Insider | None, np.ndarray]] = []
    for insider in insiders:
        counts = np.zeros(n_micro)
        counts[insider.micro] = insider.counts
        near = set(component[insider.micro].tolist())
        for value, microcells in zip(group_value, group_members):
            unknown = np.setdiff1d(microcells, insider.micro)
            remainder = value - counts[microcells].sum()
            if unknown.size and component[microcells[0]] in near and 0 < remainder < threshold:
                targets.append((insider, unknown))
    return targets


def _master(
    n_groups: int, cost: np.ndarray, forced: np.ndarray, cuts: list[list[int]], *, hint: np.ndarray, time_limit_s: float
) -> tuple[np.ndarray, bool]:
    """Cheapest withheld set containing the forced groups and meeting every cut (CP-SAT).

    The search starts from ``hint`` completed with the cheapest group of each cut it misses, a
    set meeting every cut, which is the answer (not proven) if the time limit ends the search
    before it finds one (a loaded machine).
    """
    free = sorted({g for cut in cuts for g in cut if not forced[g]})
    start = forced | hint
    for cut in cuts:
        if not start[cut].any():
            start[min(cut, key=lambda g: cost[g])] = True
    model = cp_model.CpModel()
    x = {g: model.NewBoolVar(f"w{g}") for g in free}
    for cut in cuts:
        if not any(forced[g] for g in cut):
            model.AddBoolOr([x[g] for g in cut])
    for g in free:
        model.AddHint(x[g], bool(start[g]))
    model.Minimize(sum(int(cost[g]) * x[g] for g in free))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    # one search thread with the full LP relaxation: these covering models are proven optimal in
    # a tenth of the time two default threads take, and one thread gives the same answer each run
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    status = solver.Solve(model)
    if status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"the suppression model found no answer ({solver.StatusName(status)})")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return start, False
    withheld = forced.copy()
    for g in free:
        withheld[g] = bool(solver.Value(x[g]))
    return withheld, status == cp_model.OPTIMAL
