"""Shifts and what staffing them costs: wages with differentials, on-call, facility and overtime.

All money is US dollars; rates per hour; the planning unit is one week of 168 hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenarios.coverage.demand import DAY_NAMES, HOURS_PER_WEEK

WEEKS_PER_YEAR = 52.0
FTE_HOURS_PER_WEEK = 40.0


@dataclass(frozen=True)
class Shift:
    """A shift pattern: ``start`` hour of day (0-23), ``length`` hours, on ``days`` (0 = Monday).

    An ``on_call`` shift pays a premium per hour instead of the wage; its case managers come out
    when called (paid a callout at overtime), so the facility need not be open.
    """

    name: str
    start: int
    length: int
    days: tuple[int, ...]
    on_call: bool = False

    def hours_on(self, day: int, *, week_hours: int = HOURS_PER_WEEK) -> np.ndarray:
        """Hours of the week this shift covers when it starts on ``day`` (wrapping past Sunday)."""
        first = day * 24 + self.start
        return np.arange(first, first + self.length) % week_hours


@dataclass(frozen=True)
class Wages:
    """Pay and cost assumptions (USD). Differentials are fractions added to the base wage."""

    case_manager_hourly: float = 27.0  # base wage, before benefits
    benefits_rate: float = 0.30  # fringe as a fraction of wages
    night_differential: float = 0.10  # hours from night_start to night_end
    weekend_differential: float = 0.10  # Saturday and Sunday
    night_start: int = 22
    night_end: int = 6
    handover_hours: float = 0.5  # paid hand-over time per on-site shift (notes, briefing)
    on_call_hourly: float = 4.0  # on-call premium per hour on call
    callout_hours: float = 2.0  # hours paid per callout, at overtime
    overtime_multiplier: float = 1.5
    facility_hourly: float = 30.0  # facility cost per open hour (utilities, security)
    police_overtime_hourly: float = 60.0  # officer overtime rate
    police_overtime_hours: float = 0.5  # overtime hours per warm hand-off (transport)
    caseload: float = 15.0  # active participants per case manager (never over 25)
    engagement_rate: float = 0.6  # share of hand-offs who become active participants
    enrollment_weeks: float = 26.0  # weeks a participant stays on a caseload

    def hourly_pay(self, hour: int) -> float:
        """Cost of one case manager in hour-of-week ``hour``: wage x differentials x benefits."""
        day, clock = divmod(hour % HOURS_PER_WEEK, 24)
        night = clock >= self.night_start or clock < self.night_end
        factor = 1.0 + (self.night_differential if night else 0.0) + (self.weekend_differential if day >= 5 else 0.0)
        return self.case_manager_hourly * factor * (1.0 + self.benefits_rate)

    def callout_cost(self) -> float:
        """Cost of calling an on-call case manager out for one hand-off."""
        return self.callout_hours * self.case_manager_hourly * self.overtime_multiplier * (1.0 + self.benefits_rate)

    def police_cost(self) -> float:
        """Police overtime per warm hand-off."""
        return self.police_overtime_hours * self.police_overtime_hourly

    def caseload_hours_per_handoff(self) -> float:
        """Weekly case-manager hours that one weekly hand-off adds to caseloads (steady state)."""
        return FTE_HOURS_PER_WEEK * self.engagement_rate * self.enrollment_weeks / self.caseload

    def caseload_cost(self) -> float:
        """Weekly cost of the caseload one weekly hand-off brings: case managers at the caseload limit."""
        return self.caseload_hours_per_handoff() * self.case_manager_hourly * (1.0 + self.benefits_rate)

    def handoff_cost(self, *, on_call: bool) -> float:
        """Cost per captured hand-off per week: caseload, police overtime and (on call) a callout."""
        return self.caseload_cost() + self.police_cost() + (self.callout_cost() if on_call else 0.0)


def shift_cost(shift: Shift, day: int, wages: Wages) -> float:
    """Weekly cost of one case manager working ``shift`` starting on ``day``."""
    hours = shift.hours_on(day)
    if shift.on_call:
        return wages.on_call_hourly * len(hours)
    handover = wages.handover_hours * wages.hourly_pay(int(hours[0]))
    return float(sum(wages.hourly_pay(int(h)) for h in hours)) + handover


def parse_days(value) -> tuple[int, ...]:
    """Days from ``"Mo-Fr"``, ``"Sa,Su"``, ``"daily"`` or a list of day names; raises ValueError."""
    if value in (None, "daily", "all"):
        return tuple(range(7))
    items = value if isinstance(value, list) else [part.strip() for part in str(value).split(",")]
    days: list[int] = []
    for item in items:
        if "-" in str(item):
            first, last = (DAY_NAMES.index(part.strip()[:2].title()) for part in str(item).split("-"))
            days.extend(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
        else:
            days.append(DAY_NAMES.index(str(item).strip()[:2].title()))
    return tuple(sorted(set(days)))


def generated_shifts(*, lengths: list[int], every_hours: int = 1, on_call: bool = False) -> list[Shift]:
    """Every shift of the given ``lengths`` starting each ``every_hours`` hours, every day."""
    return [
        Shift(f"{'on-call ' if on_call else ''}{length}h from {start:02d}:00", start, length, tuple(range(7)), on_call)
        for length in lengths
        for start in range(0, 24, every_hours)
    ]


def overlapping(shifts: list[Shift]) -> tuple[int, int, int] | None:
    """The first pair of shift definitions that cover the same hour of the week, as (i, j, hour)."""
    owner = np.full(HOURS_PER_WEEK, -1)
    for i, shift in enumerate(shifts):
        for day in shift.days:
            for hour in shift.hours_on(day):
                if owner[hour] >= 0:
                    return int(owner[hour]), i, int(hour)
                owner[hour] = i
    return None
