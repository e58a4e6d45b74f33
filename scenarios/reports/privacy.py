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

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scenarios.reports.suppression import attack, optimal_suppression

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

    @property
    def reason(self) -> str | None:
        """Why the cell is withheld: ``"small"`` (under the threshold), ``"protects"`` (a small one) or ``None``."""
        return None if not self.suppressed else "small" if self.primary else "protects"


@dataclass
class Publication:
    """Every count a report publishes, over one vector of microcell counts (people, >= 0)."""

    micro: np.ndarray
    threshold: int = THRESHOLD
    cells: list[Cell] = field(default_factory=list)
    protected: bool = False

    def add_cell(self, table: str, row: str, column: str, members) -> Cell:
        """Register one published count summing the microcells ``members`` (integer indices)."""
        members = np.unique(np.asarray(members, dtype=int))
        cell = Cell(table, str(row), str(column), members, float(self.micro[members].sum()))
        self.cells.append(cell)
        self.protected = False
        return cell

    def add_table(
        self, table: str, rows, columns, *, mask=None, row_order=None, column_order=None, margins: bool = True
    ) -> None:
        """Register a two-way table: microcell ``i`` falls in row ``rows[i]`` and column ``columns[i]``.

        Only microcells where ``mask`` is true count (all by default). Adds every row x column cell
        (zeros too) and, with ``margins``, the row totals, column totals and the grand total, as
        published tables show them. ``row_order``/``column_order`` fix the labels shown.
        """
        rows = pd.Series(rows).astype(str).to_numpy()
        columns = pd.Series(columns).astype(str).to_numpy()
        keep = np.ones(rows.size, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        row_labels = [str(r) for r in row_order] if row_order is not None else list(dict.fromkeys(rows[keep]))
        column_labels = (
            [str(c) for c in column_order] if column_order is not None else list(dict.fromkeys(columns[keep]))
        )
        for r in row_labels:
            for c in column_labels:
                self.add_cell(table, r, c, np.flatnonzero(keep & (rows == r) & (columns == c)))
            if margins:
                self.add_cell(table, r, TOTAL, np.flatnonzero(keep & (rows == r) & np.isin(columns, column_labels)))
        if margins:
            in_rows = np.isin(rows, row_labels)
            for c in column_labels:
                self.add_cell(table, TOTAL, c, np.flatnonzero(keep & in_rows & (columns == c)))
            self.add_cell(table, TOTAL, TOTAL, np.flatnonzero(keep & in_rows & np.isin(columns, column_labels)))

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

    def is_suppressed(self, table: str, row: str, column: str) -> bool:
        """Whether the cell ``table``/``row``/``column`` is withheld."""
        for c in self.cells:
            if c.table == table and c.row == str(row) and c.column == str(column):
                return c.suppressed
        raise KeyError(f"no cell {table}/{row}/{column}")

    def interval(self, cell: Cell) -> tuple[float, float]:
        """The attacker's feasible (min, max) of ``cell`` from every published cell (people)."""
        published = [c for c in self.cells if not c.suppressed]
        lo, hi, _ = _solve(self.micro.size, [c.members for c in published], [c.value for c in published], cell.members)
        return lo, hi

    def protect(
        self, *, min_width: float | None = None, method: str = "optimal", time_limit_s: float = 1.0
    ) -> "Publication":
        """Apply primary and complementary suppression in place; returns ``self``.

        ``method="optimal"`` withholds as few cells (then people) as protect every small cell;
        ``"greedy"`` is the earlier one-cell-at-a-time rule. ``time_limit_s`` bounds each CP-SAT
        master solve (seconds); the result is safe either way (checked by the attacker's LPs).
        """
        width_needed = self.threshold - 1 if min_width is None else min_width
        for c in self.cells:
            c.suppressed = c.primary = bool(0 < c.value < self.threshold)
        if method == "optimal":
            result = optimal_suppression(
                self.micro.size,
                [c.members for c in self.cells],
                np.array([c.value for c in self.cells]),
                np.array([c.primary for c in self.cells]),
                width=width_needed,
                time_limit_s=time_limit_s,
            )
            for c, withheld in zip(self.cells, result.withheld):
                c.suppressed = bool(withheld)
            self.protected = True
            return self
        if method != "greedy":
            raise ValueError(f"method must be optimal or greedy, got {method!r}")
        to_check = [c for c in self.cells if c.suppressed]
        while to_check:
            published = [c for c in self.cells if not c.suppressed]
            members = [c.members for c in published]
            values = [c.value for c in published]
            narrow = []
            for c in to_check:
                lo, hi, binding = _solve(self.micro.size, members, values, c.members)
                if hi - lo < width_needed:
                    narrow.append((hi - lo, c, [published[i] for i in binding]))
            if not narrow:
                break
            width, cell, binding = min(narrow, key=lambda t: t[0])
            partner = _complement(cell, binding, published)
            for twin in self.cells:
                if twin.members.size == partner.members.size and np.array_equal(twin.members, partner.members):
                    twin.suppressed = True
            to_check = [t[1] for t in narrow]
        self.protected = True
        return self


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


def _solve(
    n_micro: int, published_members: list[np.ndarray], published_values: list[float], target_members: np.ndarray
) -> tuple[float, float, list[int]]:
    """Min, max of the target sum and the indices of published cells binding either bound."""
    lo, hi, binding = attack(
        n_micro,
        list(published_members),
        np.asarray(published_values, dtype=float),
        np.asarray(target_members, dtype=int),
    )
    return lo, hi, sorted(binding)


def attacker_interval(
    n_micro: int, published_members: list[np.ndarray], published_values: list[float], target_members: np.ndarray
) -> tuple[float, float]:
    """Min and max of the sum over ``target_members`` given the published sums and microcells >= 0.

    Solved as two linear programs (scipy HiGHS); an unbounded maximum is ``inf``.
    """
    lo, hi, _ = _solve(n_micro, published_members, published_values, target_members)
    return lo, hi


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
