"""Small-cell suppression for every count a report publishes.

A report publishes counts of people (wait-list entries, participants, arrests by group). Each
published count is a *cell*: the sum of some *microcells* (e.g. one provider's LEAD entries, or
the arrests of one race x gender x age band x zone combination). All cells of a report live in one
:class:`Publication`, so a reader who combines every table (row totals, column totals, the same
counts by municipality and by cohort) is the attacker we protect against.

1. Primary suppression: every cell with ``1 <= count < threshold`` (11) is withheld.
2. Complementary suppression: for each small (primary) cell we solve the *interval LP* an
   attacker would solve -- minimise and maximise the cell subject to every published cell's value
   and microcells >= 0 (scipy ``linprog``, HiGHS). Every small cell's feasible interval must be at
   least ``min_width`` wide (default ``threshold - 1``: at least as many possible values as the
   whole small-cell range 0..10), and a withheld count is withheld in every table that shows it.
   ``protect()`` (``method="optimal"``, the default) withholds the fewest cells, then the fewest
   people, that achieve this (:mod:`scenarios.reports.suppression`: a CP-SAT master problem with
   cuts from the attacker's LPs). ``method="greedy"`` is the earlier rule, kept for comparison:
   while some small cell is too narrow, withhold one of the published cells that pin it (nonzero
   dual value in either LP), an interior one before a margin, the finest and smallest.
   Complementary cells are not small, so only the small cells' intervals are checked.

Microcells that are empty may be left out: the attacker is then assumed to know they are empty,
which only makes the check stricter.

For two-way tables with margins the constraint matrix is totally unimodular, so the LP interval
equals what an attacker could infer with integers; for overlapping hierarchies it is an outer bound.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scenarios.reports.attacker import Attacker
from scenarios.reports.suppression import Insider, constraint_matrix, optimal_suppression

THRESHOLD = 11
TOTAL = "Total"
SUPPRESSED_MARK = "withheld"
PSEUDONYM = re.compile(r"\b(?:CM|P)-\d{3,}\b")


@dataclass
class Cell:
    """One published count: ``table``/``row``/``column`` name it, ``members`` are its microcells."""

    table: str
    row: str
    column: str
    members: np.ndarray
    value: float
    suppressed: bool = False
    primary: bool = False


@dataclass
class Publication:
    """Every count a report publishes, over one vector of microcell counts (people, >= 0)."""

    micro: np.ndarray
    threshold: int = THRESHOLD
    cells: list[Cell] = field(default_factory=list)
    protected: bool = False

    def add_cell(self, table: str, row: str, column: str, members: ArrayLike) -> Cell:
        """Register one published count summing the microcells ``members`` (integer indices)."""
        chosen = np.unique(np.asarray(members, dtype=int))
        cell = Cell(table, str(row), str(column), chosen, float(self.micro[chosen].sum()))
        self.cells.append(cell)
        self.protected = False
        return cell

    def add_table(
        self,
        table: str,
        rows: ArrayLike,
        columns: ArrayLike,
        *,
        mask: ArrayLike | None = None,
        row_order: Sequence[object] | None = None,
        column_order: Sequence[object] | None = None,
        margins: bool = True,
        offset: int = 0,
    ) -> None:
        """Register a two-way table: microcell ``offset + i`` falls in row ``rows[i]`` and column ``columns[i]``.

        Only microcells where ``mask`` is true count (all by default). Adds every row x column cell
        (zeros too) and, with ``margins``, the row totals, column totals and the grand total, as
        published tables show them. ``row_order``/``column_order`` fix the labels shown; ``offset``
        places the table's microcells in a longer publication (e.g. one shared by several reports).
        """
        row_of = pd.Series(rows).astype(str).to_numpy()
        column_of = pd.Series(columns).astype(str).to_numpy()
        keep = np.ones(row_of.size, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        row_labels = [str(r) for r in row_order] if row_order is not None else list(dict.fromkeys(row_of[keep]))
        column_labels = (
            [str(c) for c in column_order] if column_order is not None else list(dict.fromkeys(column_of[keep]))
        )

        def add(row: str, column: str, where: np.ndarray) -> None:
            self.add_cell(table, row, column, offset + np.flatnonzero(keep & where))

        in_columns = np.isin(column_of, column_labels)
        for r in row_labels:
            for c in column_labels:
                add(r, c, (row_of == r) & (column_of == c))
            if margins:
                add(r, TOTAL, (row_of == r) & in_columns)
        if margins:
            in_rows = np.isin(row_of, row_labels)
            for c in column_labels:
                add(TOTAL, c, in_rows & (column_of == c))
            add(TOTAL, TOTAL, in_rows & in_columns)

    def table(self, name: str) -> pd.DataFrame:
        """The published table ``name`` as numbers, NaN where a cell is suppressed."""
        if not self.protected:
            raise RuntimeError("call protect() before publishing")
        cells = [c for c in self.cells if c.table == name]
        if not cells:
            raise KeyError(f"no table {name!r}")
        rows = list(dict.fromkeys(c.row for c in cells))
        columns = list(dict.fromkeys(c.column for c in cells))
        frame = pd.DataFrame(np.nan, index=rows, columns=columns)
        for c in cells:
            frame.loc[c.row, c.column] = np.nan if c.suppressed else c.value
        return frame

    def interval(self, cell: Cell) -> tuple[float, float]:
        """The attacker's feasible (min, max) of ``cell`` from every published cell (people)."""
        published = [c for c in self.cells if not c.suppressed]
        return attacker_interval(
            self.micro.size, [c.members for c in published], [c.value for c in published], cell.members
        )

    def protect(
        self,
        *,
        min_width: float | None = None,
        method: str = "optimal",
        time_limit_s: float = 1.0,
        insiders: Sequence[ArrayLike] = (),
    ) -> "Publication":
        """Apply primary and complementary suppression in place; returns ``self``.

        ``method="optimal"`` withholds as few cells (then people) as protect every small cell;
        ``"greedy"`` is the earlier one-cell-at-a-time rule. ``time_limit_s`` bounds each CP-SAT
        master solve (seconds); the result is safe either way (checked by the attacker's LPs).
        ``insiders`` are readers who know some microcells exactly (one index array each: an
        officer's own referrals): no small remainder of a cell they do not know whole may be
        pinned by them either (optimal method only).
        """
        width_needed = self.threshold - 1 if min_width is None else min_width
        for c in self.cells:
            c.suppressed = c.primary = bool(0 < c.value < self.threshold)
        if method == "greedy" and not insiders:
            self._protect_greedy(width_needed)
        elif method == "optimal":
            known = [np.asarray(m, dtype=int) for m in insiders]
            result = optimal_suppression(
                self.micro.size,
                [c.members for c in self.cells],
                np.array([c.value for c in self.cells]),
                np.array([c.primary for c in self.cells]),
                width=width_needed,
                time_limit_s=time_limit_s,
                insiders=[Insider(m, self.micro[m]) for m in known],
                threshold=self.threshold,
            )
            for c, withheld in zip(self.cells, result.withheld):
                c.suppressed = bool(withheld)
        else:
            raise ValueError(f"method must be optimal, or greedy without insiders, got {method!r}")
        self.protected = True
        return self

    def _protect_greedy(self, width_needed: float) -> None:
        """The earlier rule: while a small cell is too narrow, withhold one cell that pins it (and its twins)."""
        to_check = [c for c in self.cells if c.suppressed]
        while to_check:
            published = [c for c in self.cells if not c.suppressed]
            rows = constraint_matrix(self.micro.size, [c.members for c in published])
            attacker = Attacker(self.micro.size, rows, np.array([c.value for c in published]))
            narrow = []
            for c in to_check:
                found = attacker.interval(c.members)
                if found.high - found.low < width_needed:
                    narrow.append((found.high - found.low, c, [published[i] for i in sorted(found.binding)]))
            if not narrow:
                return
            _, cell, pinning = min(narrow, key=lambda t: t[0])
            partner = _complement(cell, pinning, published)
            for twin in self.cells:
                if twin.members.size == partner.members.size and np.array_equal(twin.members, partner.members):
                    twin.suppressed = True
            to_check = [t[1] for t in narrow]


def _complement(cell: Cell, binding: list[Cell], published: list[Cell]) -> Cell:
    """The published cell to withhold next so that ``cell``'s interval widens.

    Prefers an interior (not a margin) cell, then the finest, smallest nonzero one, among the
    constraints that pin ``cell`` in the attacker's LP (nonzero dual value), so that totals stay
    published where possible; falls back to the smallest published total containing it.
    """
    if binding:
        return min(binding, key=lambda c: (TOTAL in (c.row, c.column), c.members.size, c.value == 0, c.value))
    member_set = set(cell.members.tolist())
    containers = [c for c in published if member_set <= set(c.members.tolist())]
    if not containers:
        raise RuntimeError(f"cell {cell.table}/{cell.row}/{cell.column} is narrow but nothing constrains it")
    return min(containers, key=lambda c: c.members.size)


def attacker_interval(
    n_micro: int, published_members: list[np.ndarray], published_values: list[float], target_members: np.ndarray
) -> tuple[float, float]:
    """Min and max of the sum over ``target_members`` given the published sums and microcells >= 0.

    Solved as two linear programs through scipy's own HiGHS interface, apart from the
    :class:`~scenarios.reports.attacker.Attacker` the suppression search uses, so that audits of a
    publication check it by a second path; an unbounded maximum is ``inf``.
    """
    from scipy.optimize import linprog  # imported here: audits only, and scipy.optimize takes ~0.7 s to import

    objective = np.zeros(n_micro)
    objective[np.asarray(target_members, dtype=int)] = 1.0
    a_eq = constraint_matrix(n_micro, list(published_members))
    equations = {"A_eq": a_eq, "b_eq": np.asarray(published_values, dtype=float)} if a_eq.shape[0] else {}
    low = linprog(objective, bounds=(0, None), method="highs", **equations)
    high = linprog(-objective, bounds=(0, None), method="highs", **equations)
    if low.status != 0:
        raise RuntimeError(f"published counts are inconsistent: {low.message}")
    return float(low.fun), math.inf if high.status == 3 else float(-high.fun)


def table_interval(published: pd.DataFrame, row: str, column: str) -> tuple[float, float]:
    """The attacker's (min, max) of one withheld interior cell of a published table with margins.

    Reads only the published numbers (NaN = withheld) and the ``Total`` row and column, as a
    reader of the report would; used to audit a table independently of :class:`Publication`.
    """
    rows = [r for r in published.index if r != TOTAL]
    columns = [c for c in published.columns if c != TOTAL]
    index = {(r, c): i for i, (r, c) in enumerate((r, c) for r in rows for c in columns)}
    members, values = [], []
    for r in published.index:
        for c in published.columns:
            value = published.loc[r, c]
            if pd.isna(value):
                continue
            row_set = rows if r == TOTAL else [r]
            column_set = columns if c == TOTAL else [c]
            members.append(np.array([index[(a, b)] for a in row_set for b in column_set], dtype=int))
            values.append(float(value))
    return attacker_interval(len(index), members, values, np.array([index[(row, column)]]))


def format_count(value: float) -> str:
    """A published count as text: withheld cells show ``withheld`` (small, or withheld so a small one cannot be worked out)."""
    return SUPPRESSED_MARK if pd.isna(value) else f"{int(round(value)):,}"


def assert_no_pseudonyms(text: str, *, where: str = "report") -> None:
    """Raise ``ValueError`` if ``text`` contains a pseudonymous person id (``P-000045``, ``CM-000123``)."""
    found = PSEUDONYM.search(text)
    if found:
        raise ValueError(f"{where} contains a pseudonymous id ({found.group(0)!r}); reports must be aggregate only")
