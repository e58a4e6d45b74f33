"""The hand-off answer an officer gets with a referral: is LEAD available now, and the best way.

LEAD is available when the cohort's covered hours include this moment (on site or on call) and
someone can take the person: a case-management facility that is open, or a case manager on duty.
The two ways of a warm hand-off are compared in minutes: the officer drives the person to an
open facility (drive minutes from the officer's position), or an on-duty case manager comes to
the scene (their drive minutes from their base, plus ``callout_minutes`` to get going when on
call). The least minutes wins; ties go to the facility (services are there). When LEAD is not
available the answer says when it next is and what the officer can do meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from scenarios.frontdoor.availability import WeeklyHours, hour_steps

DriveMinutes = Callable[[np.ndarray, np.ndarray], np.ndarray]
MEANWHILE = (
    "Give the person the LEAD card and number, and file a social-contact referral with their "
    "consent: a case manager will look for them at the next covered hour."
)


@dataclass(frozen=True)
class Facility:
    """A case-management facility at ``lon``/``lat``; ``hours`` when it is open (None: the
    cohort's on-site hours)."""

    id: str
    name: str
    lon: float
    lat: float
    hours: WeeklyHours | None = None


@dataclass(frozen=True)
class CaseManagerShift:
    """A case manager, their base (``lon``/``lat``: their facility) and their working hours."""

    id: str
    name: str
    lon: float
    lat: float
    hours: WeeklyHours


@dataclass
class HandoffOption:
    """One way to hand the person over: ``kind`` is ``"drive to facility"`` or ``"case manager
    comes"``; ``minutes`` until the person is with a case manager."""

    kind: str
    id: str
    name: str
    minutes: float
    explanation: str


@dataclass
class HandoffAnswer:
    """The answer to the officer: ``available`` now (``mode`` on site / on call), the ``best``
    option and the others by minutes, and when not available the next covered instant."""

    available: bool
    mode: str | None
    best: HandoffOption | None
    options: list[HandoffOption] = field(default_factory=list)
    next_available: datetime | None = None
    covered_hours: str = ""
    advice: str = ""


def _when(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%a %d %b %H:%M %Z")


def handoff_options(
    position: tuple[float, float],
    now: datetime,
    facilities: list[Facility],
    managers: list[CaseManagerShift],
    coverage: WeeklyHours,
    drive: DriveMinutes,
    *,
    callout_minutes: float = 0.0,
) -> list[HandoffOption]:
    """Every hand-off possible at ``now`` from the officer's ``position`` (lon, lat), best first."""
    here = np.array([position], dtype=float)
    site = WeeklyHours(coverage.on_site, timezone=coverage.timezone)
    open_now = [f for f in facilities if (f.hours or site).mode_at(now) == "on site"]
    on_duty = [(m, m.hours.mode_at(now)) for m in managers if m.hours.mode_at(now) is not None]
    options = []
    if open_now:
        minutes = drive(here, np.array([[f.lon, f.lat] for f in open_now]))[0]
        options += [
            HandoffOption(
                "drive to facility",
                f.id,
                f.name,
                float(t),
                f"Drive the person to {f.name}: {t:.0f} minutes from where you are; it is open now.",
            )
            for f, t in zip(open_now, minutes)
            if np.isfinite(t)
        ]
    if on_duty:
        minutes = drive(np.array([[m.lon, m.lat] for m, _ in on_duty]), here)[:, 0]
        for (m, mode), t in zip(on_duty, minutes):
            if not np.isfinite(t):
                continue
            extra = callout_minutes if mode == "on call" else 0.0
            wait = f"{t:.0f} minutes' drive" + (f" plus {extra:.0f} to set out (on call)" if extra else "")
            options.append(
                HandoffOption(
                    "case manager comes",
                    m.id,
                    m.name,
                    float(t + extra),
                    f"{m.name} comes to you: {wait}; wait with the person.",
                )
            )
    return sorted(options, key=lambda o: (o.minutes, o.kind != "drive to facility", o.id))


def handoff_answer(
    position: tuple[float, float],
    now: datetime,
    facilities: list[Facility],
    managers: list[CaseManagerShift],
    coverage: WeeklyHours,
    drive: DriveMinutes,
    *,
    callout_minutes: float = 0.0,
) -> HandoffAnswer:
    """The hand-off answer at ``now`` (UTC, aware) for an officer at ``position`` (lon, lat)."""
    mode = coverage.mode_at(now)
    options = (
        handoff_options(position, now, facilities, managers, coverage, drive, callout_minutes=callout_minutes)
        if mode
        else []
    )
    described = coverage.describe()
    if mode and options:
        return HandoffAnswer(
            True,
            mode,
            options[0],
            options,
            covered_hours=described,
            advice=f"LEAD is available now ({mode}). {options[0].explanation}",
        )
    next_at = _next_with_someone(coverage, facilities, managers, now)
    reason = (
        "outside the cohort's covered hours"
        if mode is None
        else "inside covered hours but no facility is open and no case manager is on duty"
    )
    when = (
        f"LEAD is next available {_when(next_at, coverage.timezone)}. "
        if next_at
        else "No covered hour is configured in the coming week. "
    )
    return HandoffAnswer(
        False,
        mode,
        None,
        [],
        next_available=next_at,
        covered_hours=described,
        advice=f"LEAD is not available now ({reason}). {when}{MEANWHILE}",
    )


def _next_with_someone(
    coverage: WeeklyHours, facilities: list[Facility], managers: list[CaseManagerShift], now: datetime
) -> datetime | None:
    """The first instant within a week after ``now`` that is covered and has a facility open or a
    case manager on duty (None when there is none)."""
    site = WeeklyHours(coverage.on_site, timezone=coverage.timezone)
    for moment in hour_steps(now, coverage.timezone):
        if coverage.mode_at(moment) and (
            any((f.hours or site).mode_at(moment) == "on site" for f in facilities)
            or any(m.hours.mode_at(moment) for m in managers)
        ):
            return moment
    return None
