"""Covered hours follow the coverage schedule across week boundaries, time zones and daylight saving."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from scenarios.coverage.costs import Shift
from scenarios.coverage.demand import HOURS_PER_WEEK
from scenarios.frontdoor.availability import WeeklyHours, adopted_hours, hour_of_week_at, weekly_hours

NY = "America/New_York"


def at(text: str, zone: str = NY) -> datetime:
    """A local wall-clock time in ``zone`` as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def test_window_past_sunday_midnight_covers_monday_morning():
    # Sunday 22:00 for 4 hours: Su 22-24 and Mo 00-02, in the same (wrapped) week.
    hours = weekly_hours([Shift("late", 22, 4, (6,))], NY)
    assert hours.on_site == frozenset({166, 167, 0, 1})
    assert hours.mode_at(at("2026-03-01T23:30")) == "on site"  # Sunday
    assert hours.mode_at(at("2026-03-02T01:59")) == "on site"  # Monday
    assert hours.mode_at(at("2026-03-02T02:00")) is None
    assert hours.next_covered(at("2026-03-02T02:00")) == at("2026-03-08T22:00")  # the next Sunday


def test_next_covered_crosses_the_week_boundary():
    hours = weekly_hours([Shift("weekdays", 8, 8, (0, 1, 2, 3, 4))], NY)
    friday_evening = at("2026-03-06T18:15")
    assert hours.mode_at(friday_evening) is None
    assert hours.next_covered(friday_evening) == at("2026-03-09T08:00")  # Monday 08:00 local
    assert hours.next_covered(at("2026-03-09T09:10")) == at("2026-03-09T09:10")  # covered now


def test_the_same_utc_instant_is_a_different_hour_in_another_zone():
    instant = datetime(2026, 3, 2, 3, 30, tzinfo=timezone.utc)  # Monday 03:30 UTC
    assert hour_of_week_at(instant, "UTC") == 3
    assert hour_of_week_at(instant, NY) == 6 * 24 + 22  # Sunday 22:30 in New York (EST)
    assert hour_of_week_at(instant, "Asia/Kolkata") == 9  # Monday 09:00 (+05:30)
    evening = weekly_hours([Shift("Sunday evening", 20, 4, (6,))], NY)
    assert evening.mode_at(instant) == "on site"
    assert WeeklyHours(evening.on_site, timezone="UTC").mode_at(instant) is None


def test_daylight_saving_changes_keep_local_hours():
    mornings = weekly_hours([Shift("mornings", 8, 4, tuple(range(7)))], NY)
    # 08:00 local is 13:00 UTC before the spring change (EST) and 12:00 UTC after it (EDT).
    assert mornings.mode_at(datetime(2026, 3, 7, 13, 0, tzinfo=timezone.utc)) == "on site"
    assert mornings.mode_at(datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)) == "on site"
    assert mornings.mode_at(datetime(2026, 3, 8, 16, 0, tzinfo=timezone.utc)) is None  # 12:00 EDT
    # From Saturday 20:00 EST, the next 08:00 local is Sunday 12:00 UTC (a 23-hour day between).
    assert mornings.next_covered(at("2026-03-07T20:00")) == datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)
    night = weekly_hours([Shift("night", 1, 1, (6,))], NY)  # Sunday 01:00-02:00, twice in autumn
    assert night.mode_at(datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)) == "on site"  # 01:30 EDT
    assert night.mode_at(datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc)) == "on site"  # 01:30 EST


def test_on_call_hours_and_adopted_schedule(tmp_path):
    windows = [Shift("day", 8, 12, tuple(range(7))), Shift("night call", 18, 14, tuple(range(7)), on_call=True)]
    hours = weekly_hours(windows, NY)
    assert hours.mode_at(at("2026-03-04T19:00")) == "on site"  # on site wins where both cover
    assert hours.mode_at(at("2026-03-04T23:00")) == "on call"
    assert hours.mode_at(at("2026-03-05T07:00")) == "on call"
    assert len(hours.on_site) + len(hours.on_call) == HOURS_PER_WEEK
    table = pd.DataFrame(
        {
            "hour": range(HOURS_PER_WEEK),
            "covered_on_site": [h in hours.on_site for h in range(HOURS_PER_WEEK)],
            "covered_on_call": [h in hours.on_call for h in range(HOURS_PER_WEEK)],
        }
    )
    table.to_csv(tmp_path / "schedule.csv", index=False)
    assert adopted_hours(tmp_path / "schedule.csv", NY) == hours
    from typer.testing import CliRunner

    from api.schemas.frontdoor import FrontDoorIn
    from cli import app

    printed = CliRunner().invoke(app, ["referrals", "hours", str(tmp_path / "schedule.csv")])
    assert printed.exit_code == 0, printed.output
    body = FrontDoorIn.model_validate_json(printed.stdout.strip().splitlines()[-1])  # what PUT .../front-door takes
    assert set(body.adopted.on_site) == hours.on_site and set(body.adopted.on_call) == hours.on_call
    table.iloc[:10].to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(ValueError, match="168 rows"):
        adopted_hours(tmp_path / "short.csv")


def test_no_hours_is_never_available_and_naive_times_are_refused():
    never = WeeklyHours(frozenset())
    assert never.next_covered(at("2026-03-04T12:00")) is None
    assert never.describe() == "no covered hours"
    with pytest.raises(ValueError, match="timezone-aware"):
        never.mode_at(datetime(2026, 3, 4, 12, 0))
