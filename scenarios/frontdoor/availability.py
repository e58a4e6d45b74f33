"""When LEAD can take a hand-off: a cohort's covered hours of the week in its local time zone.

A :class:`WeeklyHours` says which hours of the week (0 = Monday 00:00-01:00 local, 167 = Sunday
23:00-24:00, as in ``scenarios.coverage``) are covered on site and which on call. It comes from
windows (the coverage scenario's :class:`~scenarios.coverage.costs.Shift`: a start hour, a length
in hours and days; a window may run past midnight and past Sunday into Monday) or from an adopted
coverage scenario's ``schedule.csv``. Instants are UTC and turned into local wall-clock time with
``zoneinfo``, so the hour of week follows daylight saving time: 01:30 on the autumn change day is
the same local hour twice, 02:30 on the spring change day never happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from scenarios.coverage.costs import Shift
from scenarios.coverage.demand import DAY_NAMES, HOURS_PER_WEEK

DEFAULT_TIMEZONE = "America/New_York"
LOOKAHEAD_HOURS = HOURS_PER_WEEK + 26  # one week plus a daylight-saving day


@dataclass(frozen=True)
class WeeklyHours:
    """Covered hours of the week (local time in ``timezone``): on site and on call."""

    on_site: frozenset[int]
    on_call: frozenset[int] = frozenset()
    timezone: str = DEFAULT_TIMEZONE

    def mode_at(self, instant: datetime) -> str | None:
        """``"on site"``, ``"on call"`` or None (not covered) at the UTC ``instant``."""
        hour = hour_of_week_at(instant, self.timezone)
        if hour in self.on_site:
            return "on site"
        if hour in self.on_call:
            return "on call"
        return None

    def next_covered(self, instant: datetime) -> datetime | None:
        """The first instant at or after ``instant`` that is covered (None: never in a week)."""
        return next((t for t in hour_steps(instant, self.timezone) if self.mode_at(t) is not None), None)

    def describe(self) -> str:
        """The covered hours in words, e.g. ``"on site Mo-Fr 08:00-24:00; on call Sa 00:00-08:00"``."""
        parts = [
            f"{label} {spans}"
            for label, hours in (("on site", self.on_site), ("on call", self.on_call))
            if (spans := describe_hours(hours))
        ]
        return "; ".join(parts) or "no covered hours"


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware (UTC)")
    return instant.astimezone(timezone.utc)


def hour_steps(instant: datetime, zone: str, hours: int = LOOKAHEAD_HOURS) -> Iterator[datetime]:
    """``instant`` (UTC), then the start of each following local hour in ``zone``, ``hours`` in all.

    Steps are taken on the UTC time line, so a daylight-saving change gives a 23- or 25-hour day."""
    local_zone = ZoneInfo(zone)
    moment = _utc(instant)
    for _ in range(hours):
        yield moment
        local = moment.astimezone(local_zone)
        moment = moment + timedelta(minutes=60 - local.minute, seconds=-local.second, microseconds=-local.microsecond)


def hour_of_week_at(instant: datetime, zone: str) -> int:
    """Hour of the week (0 = Monday 00:00 local) of the aware ``instant`` in time zone ``zone``."""
    local = _utc(instant).astimezone(ZoneInfo(zone))
    return local.weekday() * 24 + local.hour


def hours_from_windows(windows: list[Shift]) -> frozenset[int]:
    """Hours of the week covered by ``windows`` (each on each of its days; wrapping past Sunday)."""
    return frozenset(int(h) for w in windows for day in w.days for h in w.hours_on(day))


def weekly_hours(windows: list[Shift], zone: str = DEFAULT_TIMEZONE) -> WeeklyHours:
    """Covered hours from windows: on-call windows cover on call, the others on site."""
    return WeeklyHours(
        hours_from_windows([w for w in windows if not w.on_call]),
        hours_from_windows([w for w in windows if w.on_call])
        - hours_from_windows([w for w in windows if not w.on_call]),
        zone,
    )


def adopted_hours(schedule_csv: Path, zone: str = DEFAULT_TIMEZONE) -> WeeklyHours:
    """Covered hours of a coverage scenario's ``schedule.csv`` (columns ``covered_on_site`` and
    ``covered_on_call``, one row per hour of week 0..167). Raises ValueError naming the problem."""
    table = pd.read_csv(schedule_csv)
    missing = {"covered_on_site", "covered_on_call"} - set(table.columns)
    if missing or len(table) != HOURS_PER_WEEK:
        raise ValueError(
            f"{schedule_csv}: expected 168 rows with covered_on_site and covered_on_call "
            "(the schedule.csv of `handoff scenario run` on a coverage scenario)"
        )
    on_site = table["covered_on_site"].astype(bool).to_numpy()
    on_call = table["covered_on_call"].astype(bool).to_numpy()
    return WeeklyHours(
        frozenset(int(h) for h in on_site.nonzero()[0]),
        frozenset(int(h) for h in (on_call & ~on_site).nonzero()[0]),
        zone,
    )


def describe_hours(hours: frozenset[int]) -> str:
    """Covered hours as day spans, e.g. ``"Mo 08:00-24:00, Tu 08:00-24:00"`` (empty when none)."""
    spans = []
    for day in range(7):
        start = None
        for hour in range(25):
            inside = hour < 24 and day * 24 + hour in hours
            if inside and start is None:
                start = hour
            elif not inside and start is not None:
                spans.append(f"{DAY_NAMES[day]} {start:02d}:00-{hour:02d}:00")
                start = None
    return ", ".join(spans)
