"""The observation period of an encounter file: the span its records really cover.

Rates (arrests per week, hand-offs per week) divide by the weeks a file covers. Real extracts
carry stray records far outside their span (the WPRDC arrest file of Aug 2016-Mar 2017 has 35
rows back to 2014-11): dividing by first-to-last record would spread 34 weeks of arrests over
123. The period is therefore either given (``FROM..TO``, ISO dates, both days included) or
detected as the *dense span*: records are counted per calendar month, a month is dense when it
holds at least ``DENSE_SHARE`` of the median count of the months that have records, and the
period runs from the first to the last record of the longest run of consecutive dense months
(so a file that starts or ends mid-month keeps its partial months). Records outside the period
are left out, and counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

DENSE_SHARE = 0.25
UNITS = {"arrests": "arrests", "blotter": "incidents"}
AUTO, ALL = "auto", "all"
HOW = {"detected": "the dense span of the records", "given": "set by hand", "whole": "first to last record"}


@dataclass(frozen=True)
class ObservationPeriod:
    """The days an encounter file covers (``start``..``end``, both included) and what was left out.

    ``unit`` is what a record is (``"arrests"``, or ``"incidents"`` for an incident blotter);
    ``records`` the records inside, ``left_out`` those outside; ``how`` says how the period was
    found (:data:`DETECTED`, :data:`GIVEN` or :data:`WHOLE`).
    """

    start: dt.date
    end: dt.date
    records: int
    left_out: int
    unit: str = "arrests"
    how: str = "detected"

    @property
    def weeks(self) -> float:
        """Length in weeks (days included / 7)."""
        return ((self.end - self.start).days + 1) / 7.0

    @property
    def text(self) -> str:
        """``"2016-08-01..2017-03-29"``, the form ``--period`` and the manifest take."""
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def per_week(self) -> str:
        """``"per week over 34.4 weeks (2016-08-01 to 2017-03-29)"``: how every rate is stated."""
        return f"per week over {self.weeks:.1f} weeks ({self.start:%Y-%m-%d} to {self.end:%Y-%m-%d})"

    def describe(self) -> str:
        """One sentence for summaries: span, how it was found, and what was left out."""
        how = HOW[self.how]
        out = f"; {self.left_out:,} {self.unit} outside it left out" if self.left_out else ""
        return (
            f"{self.records:,} {self.unit} from {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d} "
            f"({self.weeks:.1f} weeks, {how}){out}"
        )


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """``"2016-08-01..2017-03-29"`` to (start, end); ``ValueError`` saying what is expected."""
    start, sep, end = str(text).partition("..")
    try:
        if not sep:
            raise ValueError
        first, last = dt.date.fromisoformat(start.strip()), dt.date.fromisoformat(end.strip())
    except ValueError:
        raise ValueError(
            f"expected a period FROM..TO of ISO dates, e.g. 2016-08-01..2017-03-29; got {text!r}"
        ) from None
    if last < first:
        raise ValueError(f"the period {text!r} ends before it starts")
    return first, last


def dense_span(times: pd.Series, *, dense_share: float = DENSE_SHARE) -> tuple[dt.date, dt.date] | None:
    """First and last day of the records in the longest run of consecutive dense months (``None`` without records)."""
    times = pd.to_datetime(pd.Series(times)).dropna()
    if times.empty:
        return None
    month = times.dt.year * 12 + times.dt.month - 1
    counts = month.value_counts().sort_index()
    dense = counts >= dense_share * float(np.median(counts.to_numpy()))
    best, run = (0, 0, 0), None
    for index, is_dense in dense.items():
        if is_dense and run is not None and index - run[1] == 1:
            run = (run[0], index, run[2] + 1)
        elif is_dense:
            run = (index, index, 1)
        else:
            run = None
        if run is not None and run[2] > best[2]:
            best = run
    first, last, _ = best
    inside = times[(month >= first) & (month <= last)]
    return inside.min().date(), inside.max().date()


def observation_period(
    times: pd.Series, *, period: str = AUTO, unit: str = "arrests"
) -> tuple[ObservationPeriod | None, np.ndarray]:
    """The period and a boolean mask of the records inside it (``None`` and no records without times).

    ``period`` is ``"auto"`` (the dense span), ``"all"`` (first to last record) or ``FROM..TO``.
    """
    times = pd.to_datetime(pd.Series(times)).reset_index(drop=True)
    if period == AUTO:
        span, how = dense_span(times), "detected"
    elif period == ALL:
        span = (times.min().date(), times.max().date()) if times.notna().any() else None
        how = "whole"
    else:
        span, how = parse_period(period), "given"
    if span is None:
        return None, np.zeros(len(times), dtype=bool)
    day = times.dt.date
    inside = ((day >= span[0]) & (day <= span[1])).to_numpy()
    return ObservationPeriod(span[0], span[1], int(inside.sum()), int((~inside).sum()), unit, how), inside
