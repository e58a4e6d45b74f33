"""The LEAD front door: when a cohort can take a hand-off, and the best warm hand-off for an officer.

Modules: ``availability`` (covered hours of the week in a time zone, from windows or an adopted
coverage schedule), ``handoff`` (drive to an open facility or an on-duty case manager comes),
``travel`` (the one drive-minutes function, on the region's street network). See docs/referrals.md.
"""

from __future__ import annotations

from scenarios.faces import lazy_face

EXPORTS = {
    "warm_up": "scenarios.frontdoor.travel",
    "drive_minutes": "scenarios.frontdoor.travel",
    "travel_service": "scenarios.frontdoor.travel",
    "DEFAULT_TIMEZONE": "scenarios.frontdoor.availability",
    "WeeklyHours": "scenarios.frontdoor.availability",
    "weekly_hours": "scenarios.frontdoor.availability",
    "adopted_hours": "scenarios.frontdoor.availability",
    "handoff_answer": "scenarios.frontdoor.handoff",
}
__all__ = sorted(EXPORTS)
__getattr__ = lazy_face(__name__, EXPORTS)
