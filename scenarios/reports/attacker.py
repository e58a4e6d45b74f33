"""The attacker's linear programs over one set of published cells, built once and solved per target (HiGHS).

An attacker who sees the published counts (people) knows that the microcells behind them are
nonnegative and add up to every published cell. The least and the most a withheld cell can be
under those equations is its *interval*; a narrow interval gives a small count away. One
:class:`Attacker` holds the equations of one publication as a HiGHS model; each target changes the
objective (and, for an insider, the bounds of the microcells the insider knows) and is solved from
the previous basis, so a round of the suppression search costs one model build, not two per target.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from dataclasses import dataclass

import highspy
import numpy as np
from scipy import sparse

DUAL_TOLERANCE = 1e-9  # a published cell with a larger dual value is part of the LP certificate

_first_instance = True
_first_instance_lock = threading.Lock()


@dataclass
class Insider:
    """A reader who knows microcells ``micro`` exactly (their ``counts``, people) besides what is published."""

    micro: np.ndarray
    counts: np.ndarray


@dataclass
class Interval:
    """The attacker's least and most for a target (people; ``high`` is inf when unbounded) and the
    published rows with a nonzero dual value in either linear program (its certificate)."""

    low: float
    high: float
    binding: set[int]


def _highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing.

    HiGHS prints its banner on standard output when a process builds its first instance, before any
    option can be set (ERGO-Code/HiGHS#2749); that one construction runs with the standard output
    descriptor pointed at /dev/null so that a command's output stays its own.
    """
    global _first_instance
    with _first_instance_lock:
        if _first_instance:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    highs = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _first_instance = False
        else:
            highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


class Attacker:
    """The published cells ``published`` (a cells x microcells 0/1 matrix) and their counts
    ``values`` (people) as one linear model; :meth:`interval` attacks one target at a time."""

    def __init__(self, n_micro: int, published: sparse.csr_matrix, values: np.ndarray) -> None:
        self.n_micro = n_micro
        self.n_rows = published.shape[0]
        columns = published.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_ = n_micro
        lp.num_row_ = self.n_rows
        lp.col_cost_ = np.zeros(n_micro)
        lp.col_lower_ = np.zeros(n_micro)
        lp.col_upper_ = np.full(n_micro, highspy.kHighsInf)
        lp.row_lower_ = np.asarray(values, dtype=float)
        lp.row_upper_ = np.asarray(values, dtype=float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = columns.indptr.astype(np.int32)
        lp.a_matrix_.index_ = columns.indices.astype(np.int32)
        lp.a_matrix_.value_ = columns.data.astype(float)
        self._highs = _highs()
        self._highs.passModel(lp)

    def interval(self, target: np.ndarray, *, known: Insider | None = None) -> Interval:
        """Min and max of the sum of microcells ``target`` (people), with an insider's microcells
        ``known`` fixed to their counts. Raises ``RuntimeError`` if the published counts admit no
        microcells at all (they contradict each other)."""
        highs = self._highs
        target = np.asarray(target, dtype=np.int32)
        highs.changeColsCost(target.size, target, np.ones(target.size))
        if known is not None:
            micro = np.asarray(known.micro, dtype=np.int32)
            counts = np.asarray(known.counts, dtype=float)
            highs.changeColsBounds(micro.size, micro, counts, counts)
        try:
            low, binding = self._solve(highspy.ObjSense.kMinimize)
            if low is None:
                raise RuntimeError("published counts are inconsistent: the attacker's linear program is infeasible")
            high, more = self._solve(highspy.ObjSense.kMaximize)
        finally:
            highs.changeColsCost(target.size, target, np.zeros(target.size))
            if known is not None:
                highs.changeColsBounds(micro.size, micro, np.zeros(micro.size), np.full(micro.size, highspy.kHighsInf))
        return Interval(low, math.inf if high is None else high, binding | more)

    def _solve(self, sense: highspy.ObjSense) -> tuple[float | None, set[int]]:
        """(objective, rows with a nonzero dual) in ``sense``; objective None if infeasible or unbounded."""
        highs = self._highs
        highs.changeObjectiveSense(sense)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None, set()
        binding: set[int] = set()
        if self.n_rows:
            duals = np.asarray(highs.getSolution().row_dual)
            binding = set(np.flatnonzero(np.abs(duals) > DUAL_TOLERANCE).tolist())
        return float(highs.getInfo().objective_function_value), binding
