"""Solve a mixed-integer program given as sparse arrays with OR-Tools' MIP backends.

Models in this package are built as numpy/scipy arrays (fast to assemble for 10^5-10^6 nonzeros)
and handed to OR-Tools ``model_builder``, which runs HiGHS (default), SCIP or CBC.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder as mb

SOLVERS = ("highs", "scip", "cbc")


@dataclass
class MipResult:
    """Status (``optimal``, ``feasible``, ``infeasible``, ``unknown``), values, objective, bound, seconds."""

    status: str
    x: np.ndarray | None
    objective: float
    bound: float
    seconds: float


def solve_mip(
    c: np.ndarray,
    A: sp.spmatrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    maximize: bool = False,
    hint: np.ndarray | None = None,
    cutoff: float | None = None,
    time_limit_s: float = 60.0,
    solver: str = "highs",
    threads: int = 1,
    log: bool = False,
) -> MipResult:
    """Solve ``min/max c·x`` s.t. ``row_lower <= A x <= row_upper``, ``lower <= x <= upper``.

    ``integer`` is a boolean mask of integer variables; ``hint`` a starting solution (given to SCIP
    and CBC; HiGHS' hint entry point crashes in this OR-Tools build, so HiGHS gets ``cutoff``
    instead: the objective of a known solution, which prunes every node that cannot beat it when
    minimising). ``time_limit_s`` in seconds.
    """
    started = time.perf_counter()
    model = mb.Model()
    model.helper.fill_model_from_sparse_data(
        np.asarray(lower, float),
        np.asarray(upper, float),
        np.asarray(c, float),
        np.asarray(row_lower, float),
        np.asarray(row_upper, float),
        sp.csr_matrix(A, dtype=float),
    )
    for index in np.flatnonzero(integer):
        model.helper.set_var_integrality(int(index), True)
    if maximize:
        model.helper.set_maximize(True)
    if hint is not None and solver != "highs":
        for index in np.flatnonzero(integer):
            model.add_hint(model.var_from_index(int(index)), float(hint[index]))
    engine = mb.Solver(solver)
    if not engine.solver_is_supported():
        raise RuntimeError(f"MIP solver {solver!r} is not available in this OR-Tools build")
    engine.set_time_limit_in_seconds(max(time_limit_s, 0.01))
    if solver == "highs":
        options = [f"threads={threads}", "mip_rel_gap=1e-9", "mip_abs_gap=1e-6", f"output_flag={str(log).lower()}"]
        if cutoff is not None and not maximize and np.any(integer):
            options.append(f"objective_bound={float(cutoff)!r}")
        engine.set_solver_specific_parameters("\n".join(options))
    elif solver == "scip":
        engine.set_solver_specific_parameters("limits/gap = 1e-9\nlimits/absgap = 1e-6")
    engine.enable_output(log)
    status = engine.solve(model)
    seconds = time.perf_counter() - started
    name = {
        mb.SolveStatus.OPTIMAL: "optimal",
        mb.SolveStatus.FEASIBLE: "feasible",
        mb.SolveStatus.INFEASIBLE: "infeasible",
    }.get(status, "unknown")
    if name not in ("optimal", "feasible"):
        return MipResult(name, None, float("nan"), float("nan"), seconds)
    variables = model.get_variables()
    values = engine.values(variables).to_numpy()
    objective = float(engine.objective_value)
    bound = objective if name == "optimal" else float(engine.best_objective_bound)
    return MipResult(name, values, objective, bound, seconds)
