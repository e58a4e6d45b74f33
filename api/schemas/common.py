"""Field types shared by the request and response models."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Service = Literal["housing", "treatment", "clinic"]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(max_length=200)]
Lon = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False, description="longitude, degrees (EPSG:4326)")]
Lat = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False, description="latitude, degrees (EPSG:4326)")]
Minutes = Annotated[float, Field(ge=0.0, le=24 * 60.0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=100_000)]


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a typo is a 422 naming it, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class Page(BaseModel):
    """Paging of a list response."""

    total: int
    offset: int
    limit: int
