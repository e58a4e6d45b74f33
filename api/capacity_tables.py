"""The placement service's live capacity state as report tables (``handoff report --state DB``).

Providers come with ``occupied`` raised by the seats Handoff has confirmed or holds (unexpired),
so the report sees the seats really free; wait-list entries are attached to the provider whose
list they are on (for a shared list: the first provider, by id, that places from it). The tables
have the columns of the region files (docs/region-format.md).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.engine import make_engine
from api.db.models import Placement, Provider, WaitListEntry
from api.services.providers import slot_counts


def read_capacity_state(database_url: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Providers (GeoDataFrame) and wait-list entries (DataFrame) from the service's database."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return capacity_state(session)
    finally:
        engine.dispose()


def read_declines(database_url: str) -> pd.DataFrame:
    """:func:`declines` from the service's database."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return declines(session)
    finally:
        engine.dispose()


def declines(session: Session) -> pd.DataFrame:
    """One row per declined placement: its ``service`` and reason ``category`` (no person)."""
    rows = session.execute(
        select(Placement.service, Placement.decline_reason).where(Placement.status == "declined")
    ).all()
    return pd.DataFrame([(s, c or "other") for s, c in rows], columns=["service", "category"])


def capacity_state(session: Session) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Providers (GeoDataFrame) and wait-list entries (DataFrame) read in ``session``."""
    providers = session.scalars(select(Provider).where(Provider.archived.is_(False)).order_by(Provider.id)).all()
    taken = slot_counts(session, [p.id for p in providers])
    entries = session.scalars(select(WaitListEntry).order_by(WaitListEntry.list_id, WaitListEntry.position)).all()
    provider_rows = [
        {
            "provider_id": p.id,
            "name": p.name,
            "service": p.service,
            "subtype": p.subtype,
            "capacity": p.capacity,
            "occupied": min(
                p.capacity, p.occupied + (taken[p.id].held + taken[p.id].confirmed if p.id in taken else 0)
            ),
            "monthly_turnover": p.monthly_turnover,
            "eligibility": dict(p.eligibility),
            "municipality": p.municipality,
            "list_id": p.list_id,
            "geometry": Point(p.lon, p.lat),
        }
        for p in providers
    ]
    first_provider: dict[str, str] = {}
    for row in provider_rows:
        first_provider.setdefault(row["list_id"], row["provider_id"])
    entry_rows = [
        {
            "list_id": e.list_id,
            "provider_id": first_provider[e.list_id],
            "person_id": e.person_id,
            "lead": int(e.lead),
            "priority": e.priority,
            "added": e.added.isoformat(),
            "status": e.status,
            "attributes": dict(e.attributes),
        }
        for e in entries
        if e.list_id in first_provider
    ]
    columns = ["list_id", "provider_id", "person_id", "lead", "priority", "added", "status", "attributes"]
    frame = (
        gpd.GeoDataFrame(provider_rows, geometry="geometry", crs="EPSG:4326")
        if provider_rows
        else gpd.GeoDataFrame({"provider_id": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    )
    return frame, pd.DataFrame(entry_rows, columns=columns)
