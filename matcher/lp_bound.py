"""An upper bound on a CP-SAT model's maximum from its linear relaxation, solved by HiGHS.

CP-SAT bounds a large round by the LP it builds at the root, but on a county-scale part (tens of
thousands of options) the time can end before that LP is done, and the bound left is far above the
optimum. :func:`lp_bound` takes the model as written -- every linear row, at-most-one, clause and
implication, with literals ``x`` or ``1 - x`` -- relaxes each variable to its interval and solves
the LP with HiGHS. Constraints it cannot write as rows (an enforced linear row, say) are left out:
dropping constraints only raises an LP's maximum, so the bound stays valid.
"""

from __future__ import annotations

import math

import highspy
import numpy as np
from ortools.sat.python import cp_model

from matcher.highs import quiet_highs

ROW_KINDS = ("linear", "bool_or", "at_most_one", "exactly_one", "bool_and")
INFINITE = 2**62  # CP-SAT writes unbounded linear domains as +-(2**63 - 1)


class _Rows:
    """Rows ``lower <= sum(coefficient * literal) <= upper`` over literals (``-1 - v`` is ``1 - x[v]``)."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.start: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []

    def add(self, terms: list[tuple[int, float]], lower: float, upper: float) -> None:
        constant, row = 0.0, dict[int, float]()
        for literal, coefficient in terms:
            if literal >= 0:
                row[literal] = row.get(literal, 0.0) + coefficient
            else:
                row[-1 - literal] = row.get(-1 - literal, 0.0) - coefficient
                constant += coefficient
        self.lower.append(lower - constant)
        self.upper.append(upper - constant)
        self.index.extend(row)
        self.value.extend(row.values())
        self.start.append(len(self.index))


def _rows(proto) -> _Rows:
    """The rows of every constraint of ``proto`` an LP can hold; the others are left out."""
    rows = _Rows()
    for ct in proto.constraints:
        kind = next((k for k in ROW_KINDS if getattr(ct, f"has_{k}")()), None)
        enforced = list(ct.enforcement_literal)
        if kind == "bool_and" and len(enforced) == 1:  # e implies each literal: literal - e >= 0
            for literal in ct.bool_and.literals:
                rows.add([(literal, 1.0), (enforced[0], -1.0)], 0.0, math.inf)
        elif kind is None or enforced:
            continue
        elif kind == "linear":
            domain = list(ct.linear.domain)
            lower = -math.inf if domain[0] <= -INFINITE else float(domain[0])
            upper = math.inf if domain[-1] >= INFINITE else float(domain[-1])
            rows.add([(v, float(c)) for v, c in zip(ct.linear.vars, ct.linear.coeffs)], lower, upper)
        else:
            literals = [(literal, 1.0) for literal in getattr(ct, kind).literals]
            lower, upper = {"bool_or": (1.0, math.inf), "at_most_one": (-math.inf, 1.0), "exactly_one": (1.0, 1.0)}[
                kind
            ]
            rows.add(literals, lower, upper)
    return rows


def lp_bound(model: cp_model.CpModel, *, time_limit_s: float) -> float | None:
    """An upper bound on the maximum of ``model``'s objective (its own units), or None when HiGHS
    does not prove the LP optimal within ``time_limit_s`` wall seconds. The model must maximise."""
    proto = model.Proto()
    objective = proto.objective
    if not len(objective.vars):  # a constant objective (a round with no options)
        return objective.scaling_factor * objective.offset
    if objective.scaling_factor >= 0 or proto.has_floating_point_objective():
        raise ValueError("lp_bound needs a model that maximises an integer objective")
    n = len(proto.variables)
    domains = [list(v.domain) for v in proto.variables]
    cost = np.zeros(n)
    np.add.at(cost, np.asarray(list(objective.vars), dtype=int), np.asarray(list(objective.coeffs), dtype=float))
    rows = _rows(proto)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows.lower)
    lp.col_cost_ = cost  # CP-SAT stores a maximum as the minimum of the negated objective
    lp.col_lower_ = np.array([d[0] for d in domains], dtype=float)
    lp.col_upper_ = np.array([d[-1] for d in domains], dtype=float)
    lp.row_lower_ = np.array(rows.lower)
    lp.row_upper_ = np.array(rows.upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(rows.start, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(rows.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(rows.value)
    highs = quiet_highs()
    highs.setOptionValue("time_limit", max(time_limit_s, 0.01))
    highs.passModel(lp)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return objective.scaling_factor * (highs.getInfo().objective_function_value + objective.offset)
