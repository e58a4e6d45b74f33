"""Providers and their capacity: create, update, archive, capacity changes, live slot counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db.models import Placement, Provider, utcnow
from api.errors import conflict, invalid, not_found
from api.schemas.providers import Capacity, ProviderCreate, ProviderOut, ProviderUpdate
from api.services import audit
from api.services.region import RegionContext

LOCAL_ZONE = ZoneInfo("America/New_York")


def local_now() -> datetime:
    """Now as naive local time (America/New_York), the convention for appointment times."""
    return datetime.now(LOCAL_ZONE).replace(tzinfo=None)


@dataclass(frozen=True)
class SlotCounts:
    """Placements made through Handoff that take a slot now (held and not expired, or confirmed)."""

    held: int = 0
    confirmed: int = 0
    held_set_aside: int = 0
    confirmed_set_aside: int = 0

    @property
    def taken(self) -> int:
        return self.held + self.confirmed

    @property
    def taken_set_aside(self) -> int:
        return self.held_set_aside + self.confirmed_set_aside


def active_condition(now: datetime):
    """SQL condition for a placement that takes a slot at ``now``: confirmed, or held and unexpired."""
    return (Placement.status == "confirmed") | ((Placement.status == "held") & (Placement.hold_expires_at > now))


def slot_counts(
    session: Session, provider_ids: Iterable[str] | None = None, now: datetime | None = None
) -> dict[str, SlotCounts]:
    """Held (unexpired) and confirmed placements per provider; expired holds count as free."""
    now = now or utcnow()
    set_aside = Placement.category == "set-aside"
    query = (
        select(
            Placement.provider_id,
            func.sum(case((Placement.status == "held", 1), else_=0)),
            func.sum(case((Placement.status == "confirmed", 1), else_=0)),
            func.sum(case(((Placement.status == "held") & set_aside, 1), else_=0)),
            func.sum(case(((Placement.status == "confirmed") & set_aside, 1), else_=0)),
        )
        .where(active_condition(now))
        .group_by(Placement.provider_id)
    )
    if provider_ids is not None:
        ids = list(provider_ids)
        if not ids:
            return {}
        query = query.where(Placement.provider_id.in_(ids))
    return {row[0]: SlotCounts(*(int(v or 0) for v in row[1:])) for row in session.execute(query)}


def lock_providers(session: Session, provider_ids: Iterable[str]) -> dict[str, Provider]:
    """Lock these providers' pools (each provider and every provider sharing its wait list) with
    ``SELECT ... FOR UPDATE`` in id order, as placements claim them (no deadlocks between
    requests); returns the providers asked for, loaded afresh.

    Admissibility is a property of the pool (people waiting on a shared list keep a claim on every
    seat of it), so a change at one provider that is then re-checked (``holds.revalidate``) must
    keep the pool's other providers and their holds still: two cuts at two providers of one list
    could otherwise each pass on what the other had not yet committed. On SQLite the transaction
    already holds the write lock (``BEGIN IMMEDIATE``)."""
    ids = sorted(set(provider_ids))
    if not ids:
        return {}
    pools = select(Provider.list_id).where(Provider.id.in_(ids))
    session.execute(select(Provider.id).where(Provider.list_id.in_(pools)).order_by(Provider.id).with_for_update())
    rows = session.scalars(
        select(Provider).where(Provider.id.in_(ids)).order_by(Provider.id).execution_options(populate_existing=True)
    ).all()
    return {p.id: p for p in rows}


def bump(session: Session, provider_ids: Iterable[str]) -> None:
    """Mark a change at these providers (their ``version`` grows), in id order."""
    ids = sorted(set(provider_ids))
    if ids:
        session.execute(
            update(Provider).where(Provider.id.in_(ids)).values(version=Provider.version + 1, updated_at=utcnow())
        )


def to_out(provider: Provider, counts: SlotCounts) -> ProviderOut:
    """The response body of a provider with its live counts."""
    free = provider.capacity - provider.occupied - counts.taken
    return ProviderOut(
        id=provider.id,
        name=provider.name,
        service=provider.service,
        subtype=provider.subtype,
        capacity=provider.capacity,
        occupied=provider.occupied,
        lead_slots=provider.lead_slots,
        lead_occupied=provider.lead_occupied,
        held=counts.held,
        confirmed=counts.confirmed,
        free=free,
        monthly_turnover=provider.monthly_turnover,
        intake_days=provider.intake_days,
        eligibility=provider.eligibility,
        open_hours=provider.open_hours,
        appointment_times=upcoming(provider.appointment_times),
        by_appointment=provider.by_appointment,
        municipality=provider.municipality,
        lon=provider.lon,
        lat=provider.lat,
        list_id=provider.list_id,
        archived=provider.archived,
        version=provider.version,
        updated_at=provider.updated_at,
    )


def get(session: Session, provider_id: str, *, lock: bool = False) -> Provider:
    """The provider ``provider_id`` (404 when unknown)."""
    provider = lock_providers(session, [provider_id]).get(provider_id) if lock else session.get(Provider, provider_id)
    if provider is None:
        raise not_found("provider", provider_id)
    return provider


def check_scope(principal: Principal, provider_id: str, what: str) -> None:
    """A provider user may ``what`` only its own provider; another answers as an unknown id (404)."""
    if principal.role == "provider" and principal.provider_id != provider_id:
        raise not_found("provider", provider_id)


def upcoming(times: list[str], now: datetime | None = None) -> list[str]:
    """The listed appointment times (ISO, naive local) still ahead of ``now`` (default local now):
    past times drop out of every view."""
    cutoff = (now or local_now()).isoformat()
    return [t for t in times if t > cutoff]


def booking(service: str, times: list[str], by_appointment: bool | None, field: str) -> bool:
    """Whether a provider sees people only at listed times: as given, else a clinic that lists times;
    422 when a provider that is not a clinic is said to book times."""
    if by_appointment and service != "clinic":
        raise invalid(
            field,
            f"only a clinic books appointment times, not a {service} provider",
            "Leave by_appointment out, or set service to clinic.",
        )
    return bool(times) if by_appointment is None else by_appointment


def appointments(times: list[datetime], field: str) -> list[str]:
    """Appointment times as stored (ISO, naive local, sorted); 422 naming ``field.i`` for a time
    in the past or listed twice. The one rule for every way times come in (API, files, regions)."""
    now = local_now()
    out = []
    for i, t in enumerate(times):
        naive = t.astimezone(LOCAL_ZONE).replace(tzinfo=None) if t.tzinfo else t
        if naive <= now:
            raise invalid(
                f"{field}.{i}",
                f"appointment time {naive.isoformat()} is in the past",
                "Appointment times must be in the future (local time, America/New_York); drop past ones.",
            )
        out.append(naive.replace(microsecond=0).isoformat())
    if len(set(out)) != len(out):
        raise invalid(field, "an appointment time is listed twice")
    return sorted(out)


def create(session: Session, body: ProviderCreate, actor: str, region: RegionContext) -> Provider:
    """Add a provider (409 when the id exists); audited."""
    region.check_point(body.lon, body.lat)
    if session.get(Provider, body.id) is not None:
        raise conflict(
            f"Provider {body.id!r} exists already; PATCH it or choose another id.",
            "body.id",
            "id already in use",
            slug="exists",
        )
    values = body.model_dump(exclude={"eligibility", "appointment_times", "by_appointment"})
    values["list_id"] = body.list_id or body.id
    times = appointments(body.appointment_times, "body.appointment_times")
    provider = Provider(
        **values,
        eligibility=body.eligibility.model_dump(exclude_none=True),
        appointment_times=times,
        by_appointment=booking(body.service, times, body.by_appointment, "body.by_appointment"),
    )
    session.add(provider)
    audit.record(session, actor, "provider.create", "provider", body.id, capacity=body.capacity, service=body.service)
    return provider


def patch(session: Session, provider_id: str, body: ProviderUpdate, actor: str, region: RegionContext) -> Provider:
    """Change descriptive fields of a provider; audited with the changed field names."""
    provider = get(session, provider_id, lock=True)
    changes = body.model_dump(exclude_unset=True)
    if "lon" in changes or "lat" in changes:
        region.check_point(changes.get("lon", provider.lon), changes.get("lat", provider.lat))
    for key, value in changes.items():
        if value is None:
            raise invalid(f"body.{key}", "may not be null; leave the field out to keep it")
        if key == "eligibility" and body.eligibility is not None:
            value = body.eligibility.model_dump(exclude_none=True)
        elif key == "appointment_times" and body.appointment_times is not None:
            value = appointments(body.appointment_times, "body.appointment_times")
        setattr(provider, key, value)
    if "appointment_times" in changes or "by_appointment" in changes:
        provider.by_appointment = booking(
            provider.service,
            provider.appointment_times,
            changes.get("by_appointment", provider.by_appointment or None),
            "body.by_appointment",
        )
    bump(session, [provider.id])
    audit.record(session, actor, "provider.update", "provider", provider.id, fields=sorted(changes))
    return provider


def set_capacity(session: Session, provider_id: str, body: Capacity, actor: str) -> Provider:
    """Set slot counts under a row lock; refuse (409) a capacity below what is occupied, held or confirmed."""
    provider = get(session, provider_id, lock=True)
    counts = slot_counts(session, [provider_id]).get(provider_id, SlotCounts())
    if body.occupied + counts.taken > body.capacity:
        raise conflict(
            f"Capacity {body.capacity} is below the {body.occupied} occupied plus {counts.taken} held "
            "or confirmed through Handoff; release placements first or raise the capacity.",
            "body.capacity",
            "below slots in use",
            slug="impossible-capacity",
        )
    general_in_use = (body.occupied - body.lead_occupied) + (counts.taken - counts.taken_set_aside)
    if (
        general_in_use > body.capacity - body.lead_slots
        or body.lead_occupied + counts.taken_set_aside > body.lead_slots
    ):
        raise conflict(
            "The set-aside split leaves more slots in use than exist on one side; adjust lead_slots or lead_occupied.",
            "body.lead_slots",
            "split below slots in use",
            slug="impossible-capacity",
        )
    before = {"capacity": provider.capacity, "occupied": provider.occupied}
    for key, value in body.model_dump().items():
        setattr(provider, key, value)
    bump(session, [provider.id])
    audit.record(session, actor, "provider.capacity", "provider", provider.id, before=before, after=body.model_dump())
    return provider


def archive(session: Session, provider_id: str, actor: str) -> Provider:
    """Archive a provider (kept for history); refused while it has held or confirmed placements."""
    provider = get(session, provider_id, lock=True)
    counts = slot_counts(session, [provider_id]).get(provider_id, SlotCounts())
    if counts.taken:
        raise conflict(
            f"Provider {provider_id!r} has {counts.taken} held or confirmed placements; release them first.",
            "path.provider_id",
            "placements in use",
            slug="in-use",
        )
    provider.archived = True
    bump(session, [provider.id])
    audit.record(session, actor, "provider.archive", "provider", provider.id)
    return provider


def listing(
    session: Session, *, service: str | None, include_archived: bool, offset: int, limit: int
) -> tuple[int, list[Provider]]:
    """A page of providers ordered by id."""
    conditions = []
    if service:
        conditions.append(Provider.service == service)
    if not include_archived:
        conditions.append(Provider.archived.is_(False))
    total = session.scalar(select(func.count()).select_from(Provider).where(*conditions)) or 0
    rows = session.scalars(select(Provider).where(*conditions).order_by(Provider.id).offset(offset).limit(limit))
    return total, list(rows)
