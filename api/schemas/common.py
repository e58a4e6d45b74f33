"""Field types shared by the request and response models."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, StringConstraints

Service = Literal["housing", "treatment", "clinic"]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(max_length=200)]
Lon = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False, description="longitude, degrees (EPSG:4326)")]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False, description="latitude, degrees (EPSG:4326)")]
Minutes = Annotated[float, Field(ge=0.0, le=24 * 60.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=100_000)]




ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_text(value: object) -> object:
    """Dates and times only as ISO 8601 text (pydantic would also read numbers as Unix times)."""
    if isinstance(value, date) or (isinstance(value, str) and ISO_START.match(value)):
        return value
    raise ValueError("expected an ISO 8601 text like 2026-03-01 or 2026-03-01T09:30")


IsoDate = Annotated[date, Strict(False), BeforeValidator(_iso_text)]
IsoDateTime = Annotated[datetime, Strict(False), BeforeValidator(_iso_text)]


class StrictBody(BaseModel):
    """Request bodies are strict: unknown fields and wrong JSON types (``"3"`` for 3) are a 422
    naming the field, never silently coerced or ignored."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Page(BaseModel):
    """Paging of a list response."""

    total: int
    offset: int
    limit: int
