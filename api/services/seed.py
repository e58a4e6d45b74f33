"""Loading a region's providers and wait lists into an empty database (``handoff serve --demo``)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import Provider, WaitListEntry
from api.schemas.participants import ParticipantAttributes
from api.schemas.providers import Eligibility
from api.services import audit

SEEDER = "system:seed"


def _known(model, values: dict) -> dict:
    """Keep the keys a model knows, drop empty values, validate through the model."""
    kept = {k: v for k, v in (values or {}).items() if k in model.model_fields and v is not None}
    return model.model_validate(kept).model_dump(exclude_none=True)


def load_region_into_db(session: Session, region_dir: str | Path) -> dict[str, int]:
    """Insert the region's providers and waiting entries when the database has no provider yet.

    Returns counts inserted (both 0 when providers exist already). Audited as ``system:seed``."""
    from geodata.region import load_region

    if session.scalar(select(func.count()).select_from(Provider)):
        return {"providers": 0, "wait_list_entries": 0}
    region = load_region(region_dir)
    providers = region.providers
    lists = {}
    for row in providers.itertuples(index=False):
        list_id = getattr(row, "list_id", "") or row.provider_id
        lists[row.provider_id] = list_id
        session.add(Provider(id=row.provider_id, name=row.name, service=row.service, subtype=row.subtype or "",
                             capacity=int(row.capacity), occupied=int(row.occupied),
                             monthly_turnover=float(row.monthly_turnover),
                             eligibility=_known(Eligibility, row.eligibility), open_hours=row.open_hours or "",
                             appointment_times=[t.isoformat() for t in row.appointment_times],
                             municipality=row.municipality or "", lon=float(row.lon), lat=float(row.lat),
                             list_id=list_id))
    session.flush()
    entries = 0
    waits = region.wait_lists
    if waits is not None:
        waits = waits[waits["status"] == "waiting"].sort_values(["list_id", "priority"], kind="stable")
        for position, row in enumerate(waits.itertuples(index=False)):
            session.add(WaitListEntry(list_id=row.list_id, person_id=row.person_id, lead=bool(row.lead),
                                      priority=float(row.priority), position=position, added=row.added.date(),
                                      status="waiting", attributes=_known(ParticipantAttributes, row.attributes)))
            entries += 1
    audit.record(session, SEEDER, "region.load", "region", region.name, providers=len(providers),
                 wait_list_entries=entries, folder=str(region_dir))
    return {"providers": len(providers), "wait_list_entries": entries}
