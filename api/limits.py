"""Storage limits shared by the database columns (:mod:`api.db.models`) and the request types
(:mod:`api.schemas.common`): one constant per kind of field, so a value that validates always fits
its column (characters for text, the column's integer range, a calendar window for dates)."""

from __future__ import annotations

from datetime import date, datetime

ID = 64  # pseudonymous ids, provider and wait-list ids (characters)
UUID = 36  # request and placement ids the service makes (characters)
LABEL = 60  # short labels: subtypes, consent scopes, attribute values, audit actions (characters)
PLACE = 120  # municipality, cohort and user names (characters)
NAME = 200  # provider names, opening hours (characters)
REASON = 2000  # free-text reasons and explanations (characters; ``Text`` columns, bounded here)
STATE = 20  # status and service words (characters)
KIND = 40  # record types in the audit log (characters)
INT_MAX = 2**31 - 1  # ``Integer`` columns are 32-bit on PostgreSQL
EARLIEST = date(1900, 1, 1)  # dates and times before this are refused (no LEAD record is older)
LATEST = date(2199, 12, 31)  # dates and times after this are refused
EARLIEST_TIME = datetime.combine(EARLIEST, datetime.min.time())
LATEST_TIME = datetime.combine(LATEST, datetime.max.time())
