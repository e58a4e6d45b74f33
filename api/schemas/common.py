"""Field types shared by the request and response models."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints

from api import limits

Service = Literal["housing", "treatment", "clinic"]
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _refuse(pattern: re.Pattern, value: str) -> str:
    found = pattern.search(value)
    if found:
        raise ValueError(
            f"contains the control character U+{ord(found.group(0)):04X} at position {found.start()}; "
            "send printable text only"
        )
    return value


def _printable(value: str) -> str:
    """Labels and names: no control characters (NUL, escapes, DEL, C1) and no lone surrogates."""
    return _refuse(CONTROL, value)


def _text(value: str) -> str:
    """Free text: as :func:`_printable`, but line breaks and tabs are allowed."""
    return _refuse(CONTROL_IN_TEXT, value)


def _text_type(max_length: int, min_length: int = 0, check=_printable):
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(check)]


Identifier = Annotated[str, StringConstraints(pattern=rf"^[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{limits.ID - 1}}}$")]
Name = _text_type(limits.NAME, 1)
LongLabel = _text_type(limits.NAME)
Place = _text_type(limits.PLACE)
Label = _text_type(limits.LABEL)
Reason = _text_type(limits.REASON, check=_text)
Lon = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False, description="longitude, degrees (EPSG:4326)")]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False, description="latitude, degrees (EPSG:4326)")]
Minutes = Annotated[float, Field(ge=0.0, le=24 * 60.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=100_000)]
RowId = Annotated[int, Field(ge=1, le=limits.INT_MAX, description="a row id (32-bit column)")]


ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_text(value: object) -> object:
    """Dates and times only as ISO 8601 text (pydantic would also read numbers as Unix times)."""
    if isinstance(value, date) or (isinstance(value, str) and ISO_START.match(value)):
        return value
    raise ValueError("expected an ISO 8601 text like 2026-03-01 or 2026-03-01T09:30")


def _calendar_date(value: date) -> date:
    if not limits.EARLIEST <= value <= limits.LATEST:
        raise ValueError(f"must lie between {limits.EARLIEST} and {limits.LATEST}")
    return value


def _calendar_time(value: datetime) -> datetime:
    """Both the wall-clock time and its UTC instant within the calendar window (an offset of
    +14:00 on 0001-01-01 has no UTC instant at all)."""
    try:
        instant = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    except OverflowError:
        instant = None
    window = (limits.EARLIEST_TIME, limits.LATEST_TIME)
    if instant is None or not all(window[0] <= t <= window[1] for t in (instant, value.replace(tzinfo=None))):
        raise ValueError(f"must lie between {window[0].isoformat()} and {window[1].isoformat()}, in UTC too")
    return value


IsoDate = Annotated[date, Strict(False), BeforeValidator(_iso_text), AfterValidator(_calendar_date)]
IsoDateTime = Annotated[datetime, Strict(False), BeforeValidator(_iso_text), AfterValidator(_calendar_time)]


class StrictBody(BaseModel):
    """Request bodies are strict: unknown fields and wrong JSON types (``"3"`` for 3) are a 422
    naming the field, never silently coerced or ignored."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Page(BaseModel):
    """Paging of a list response."""

    total: int
    offset: int
    limit: int
