"""Loading a region's providers and wait lists into an empty database (``handoff serve --region DIR``,
``--demo`` and the walk-through), through the same validation as the API and file imports."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import Provider
from api.services.imports import PROVIDER_KINDS, WAIT_KINDS, import_providers, import_wait_lists
from api.services.region import RegionContext
from api.services.tables import frame_table

SEEDER = "system:seed"


def _source(region, part: str) -> str:
    specs = region.manifest.files.get(part) or []
    return str(specs[0].path) if specs else part


def _records(frame, known: dict) -> list[dict]:
    """Rows of a region table as plain records with the columns an import knows."""
    columns = [c for c in frame.columns if c in known]
    return [dict(zip(columns, values)) for values in frame[columns].itertuples(index=False, name=None)]


def load_region_into_db(
    session: Session, region_dir: str | Path, context: RegionContext | None = None
) -> dict[str, int]:
    """Import the region's providers and waiting entries when the database has no provider yet
    (all or nothing, :class:`api.services.tables.ImportRejected` naming file, row and column).

    Returns counts inserted (both 0 when providers exist already). Audited as ``system:seed``."""
    from geodata.region import load_region

    if session.scalar(select(func.count()).select_from(Provider)):
        return {"providers": 0, "wait_list_entries": 0}
    region = load_region(region_dir)
    context = context or RegionContext(name=region.name)
    providers = frame_table(_source(region, "providers"), _records(region.providers, PROVIDER_KINDS))
    created = import_providers(session, SEEDER, providers, context).created
    entries = 0
    waits = region.wait_lists
    if waits is not None:
        waits = waits[waits["status"] == "waiting"]
        if len(waits):
            table = frame_table(_source(region, "wait_lists"), _records(waits, WAIT_KINDS))
            entries = import_wait_lists(session, SEEDER, table, context).created
    return {"providers": created, "wait_list_entries": entries}
