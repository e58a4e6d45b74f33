"""The linear relaxation of a CP-SAT placement model, and the search it guides on large parts.

A part of 50,000-75,000 options (generated XL) is where CP-SAT's own search climbs slowly: on
XL's largest part its bound reached 42,163 urgency units in 13 s, while its best solution was
40,842 after 60 s. The relaxation (HiGHS' dual simplex, about 5 s there) puts weight on 13,315
options (18 %); CP-SAT restricted to those options ("RENS": relaxation-enforced neighbourhood
search) proved its optimum, 41,925, in 2.8 s, 0.7 % under the relaxation's bound, and the whole
part's search then starts from that solution (:func:`matcher.solve.solve`).

The relaxation is read off the model's proto, so it is the model of :func:`matcher.model.build_model`
and no second one: at-most-one, exactly-one, clause and implication constraints and unconditional
linear rows; rows it cannot express (linear rows with an enforcement literal) are left out, which
only loosens it. Its bound is computed from the duals (a "safe" dual bound: valid for any dual
values, whatever the LP solver's tolerances), so a solver's rounding never makes it claim too much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.optimize import linprog

SUPPORT = 1e-6  # options whose relaxed value is at most this are left out of the restricted search
BOUND_MARGIN = 1e-9  # relative margin added to the dual bound for floating-point rounding
_WIDE = 2**62  # CP-SAT writes unbounded sides as +-2**63


@dataclass
class Relaxation:
    """The relaxation's optimum ``values`` (one per model variable) and ``bound``, an upper
    bound on the maximised objective over the model's integer solutions."""

    values: np.ndarray
    bound: float


@dataclass
class _Rows:
    """Linear rows ``lower <= matrix @ x <= upper`` collected from the proto."""

    rows: list[int]
    cols: list[int]
    coefs: list[float]
    lower: list[float]
    upper: list[float]

    def add(self, terms, lower: float, upper: float) -> None:
        """Add one row over literal ``terms`` ((coefficient, literal reference) pairs: a negative
        reference ``-i - 1`` is ``1 - x[i]``)."""
        row, constant = len(self.lower), 0.0
        for coef, ref in terms:
            self.rows.append(row)
            if ref >= 0:
                self.cols.append(ref)
                self.coefs.append(coef)
            else:
                self.cols.append(-ref - 1)
                self.coefs.append(-coef)
                constant += coef
        self.lower.append(lower - constant)
        self.upper.append(upper - constant)


def _side(value: int) -> float:
    return -math.inf if value <= -_WIDE else math.inf if value >= _WIDE else float(value)


def _rows(model: cp_model.CpModel) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """The model's constraints as sparse rows (matrix, lower, upper)."""
    proto = model.Proto()
    out = _Rows([], [], [], [], [])
    for ct in proto.constraints:
        enforced = list(ct.enforcement_literal)
        if ct.has_at_most_one() and not enforced:
            out.add([(1, ref) for ref in ct.at_most_one.literals], -math.inf, 1)
        elif ct.has_exactly_one() and not enforced:
            out.add([(1, ref) for ref in ct.exactly_one.literals], 1, 1)
        elif ct.has_bool_or() and not enforced:
            out.add([(1, ref) for ref in ct.bool_or.literals], 1, math.inf)
        elif ct.has_bool_and() and len(enforced) == 1:  # enforced => literal: literal - enforced >= 0
            for ref in ct.bool_and.literals:
                out.add([(1, ref), (-1, enforced[0])], 0, math.inf)
        elif ct.has_linear() and not enforced:
            domain = list(ct.linear.domain)
            out.add(list(zip(ct.linear.coeffs, ct.linear.vars)), _side(domain[0]), _side(domain[-1]))
    shape = (len(out.lower), len(proto.variables))
    matrix = sparse.csr_matrix((out.coefs, (out.rows, out.cols)), shape=shape)
    return matrix, np.asarray(out.lower), np.asarray(out.upper)


def relax(model: cp_model.CpModel, objective: np.ndarray, *, time_limit_s: float) -> Relaxation | None:
    """Maximise ``objective`` (a coefficient per model variable) over the linear relaxation of
    ``model`` with HiGHS' dual simplex within ``time_limit_s`` seconds; None when it does not reach
    its optimum in that time."""
    matrix, lower, upper = _rows(model)
    domains = [list(v.domain) for v in model.Proto().variables]
    low = np.array([_side(d[0]) for d in domains])
    high = np.array([_side(d[-1]) for d in domains])
    equal = lower == upper
    above, below = np.isfinite(upper) & ~equal, np.isfinite(lower) & ~equal
    a_ub = sparse.vstack([matrix[above], -matrix[below]]).tocsr()
    b_ub = np.concatenate([upper[above], -lower[below]])
    a_eq, b_eq = matrix[equal], upper[equal]
    answer = linprog(
        -objective,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq if equal.any() else None,
        b_eq=b_eq if equal.any() else None,
        bounds=np.column_stack([low, high]),
        method="highs-ds",
        options={"time_limit": max(time_limit_s, 0.1)},
    )
    if answer.status != 0:
        return None
    y_ub = np.maximum(-answer.ineqlin.marginals, 0.0)
    y_eq = -answer.eqlin.marginals if equal.any() else np.zeros(0)
    reduced = objective - a_ub.T @ y_ub - (a_eq.T @ y_eq if equal.any() else 0.0)
    bound = _dual_bound(y_ub, b_ub, y_eq, b_eq, reduced, low, high)
    return Relaxation(np.asarray(answer.x), bound)


def _dual_bound(y_ub, b_ub, y_eq, b_eq, reduced, low, high) -> float:
    """max c.x <= y_ub.b_ub + y_eq.b_eq + sum_j max(d_j low_j, d_j high_j) for any y_ub >= 0 and
    reduced costs d = c - A_ub' y_ub - A_eq' y_eq (weak duality), with a margin for rounding."""
    with np.errstate(invalid="ignore"):  # 0 * inf in the branch np.where does not take
        columns = np.where(reduced > 0, reduced * high, np.where(reduced < 0, reduced * low, 0.0))
    total = math.fsum(y_ub * b_ub) + math.fsum(y_eq * b_eq) + math.fsum(columns)
    return total + BOUND_MARGIN * abs(total) + BOUND_MARGIN


def restricted(model: cp_model.CpModel, place: list, values: np.ndarray) -> tuple[cp_model.CpModel, list]:
    """A copy of ``model`` in which every ``place`` variable the relaxation leaves at zero (at most
    :data:`SUPPORT`) is fixed to 0, with the copy's ``place`` variables; the copy has the same
    variables, so its solutions are solutions of ``model``."""
    copy = model.Clone()
    copied = [copy.GetBoolVarFromProtoIndex(var.Index()) for var in place]
    for var in copied:
        if values[var.Index()] <= SUPPORT:
            copy.Add(var == 0)
    return copy, copied
