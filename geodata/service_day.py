"""The one rule for the transit service day a travel-time request is computed on.

* An asked date must lie within the dates the feeds publish (``calendar.txt`` ranges and
  ``calendar_dates.txt`` additions); otherwise :class:`ServiceDayError` says which dates the feeds
  cover and what to do. A date inside that range on which no trip runs (a holiday without
  service, a Sunday on a weekday-only feed) is refused the same way: minutes on a day without
  service would be walking only, never what a planner means.
* No date ("typical weekday"): of the Monday-to-Friday dates in the first 28 days all feeds
  cover (from the latest first date to the earliest last date; when the feeds do not overlap, the
  first feed's range), the one with the most trips running; ties go to the earliest. Counting trips
  steps over holidays with reduced service. When no weekday in that span has a trip, every day of
  the span is tried; a feed with no trip on any of them is refused.

docs/transit.md ("Which day") says the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from geodata.errors import DataError
from geodata.gtfs import GtfsFeed, parse_date

SPAN_DAYS = 28


class ServiceDayError(DataError):
    """The asked date is not a day the feeds run service on (or the feeds have no service)."""


def _ranges(feeds: Sequence[GtfsFeed]) -> list[tuple[dt.date, dt.date]]:
    return [r for feed in feeds if (r := feed.service_dates())]


def covered(feeds: Sequence[GtfsFeed]) -> str:
    """The feeds' service dates as text, e.g. ``gtfs.zip: 2025-01-01..2027-12-31``."""
    return ", ".join(
        f"{f.path.name}: {r[0]}..{r[1]}" if (r := f.service_dates()) else f"{f.path.name}: none" for f in feeds
    )


def trips_on(feeds: Sequence[GtfsFeed], day: dt.date) -> int:
    """Number of trips of all ``feeds`` that run on ``day``."""
    total = 0
    for feed in feeds:
        services = feed.service_ids_on(day)
        if services:
            total += int(feed.trips["service_id"].isin(services).sum())
    return total


def typical_weekday(feeds: Sequence[GtfsFeed]) -> dt.date:
    """The typical service day of ``feeds`` (see the module docstring for the rule)."""
    ranges = _ranges(feeds)
    if not ranges:
        raise ServiceDayError(
            ", ".join(str(f.path) for f in feeds) or "transit",
            "the feeds publish no service dates (calendar.txt / calendar_dates.txt)",
        )
    start, end = max(r[0] for r in ranges), min(r[1] for r in ranges)
    if end < start:
        start, end = ranges[0]
    end = min(end, start + dt.timedelta(days=SPAN_DAYS - 1))
    days = [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]
    for candidates in ([d for d in days if d.weekday() < 5], days):
        counted = {d: trips_on(feeds, d) for d in candidates}
        if counted and max(counted.values()) > 0:
            return max(counted, key=lambda d: (counted[d], -d.toordinal()))
    raise ServiceDayError(
        ", ".join(str(f.path) for f in feeds),
        f"no trip runs on any day from {start} to {end} (service dates: {covered(feeds)})",
    )


def service_day(feeds: Sequence[GtfsFeed], asked: dt.date | str | None) -> dt.date:
    """The day to compute transit on: ``asked`` checked against the feeds, or the typical weekday."""
    if asked is None or (isinstance(asked, str) and asked.strip().lower() in ("", "typical", "typical weekday")):
        return typical_weekday(feeds)
    try:
        day = parse_date(asked)
    except ValueError as exc:
        raise ServiceDayError("date", f"{asked!r} is not a date YYYY-MM-DD") from exc
    ranges = _ranges(feeds)
    if not any(a <= day <= b for a, b in ranges):
        raise ServiceDayError(
            "date",
            f"the transit feeds do not cover {day} (service dates: {covered(feeds)}); "
            "ask for a date inside them, or for the typical weekday",
        )
    if trips_on(feeds, day) == 0:
        raise ServiceDayError(
            "date", f"no transit trip runs on {day} ({day:%A}); ask for a day with service, or for the typical weekday"
        )
    return day
