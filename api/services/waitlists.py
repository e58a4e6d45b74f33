"""Wait lists: import a provider's list in order, add, remove and reorder entries.

Order is ``priority`` (lower is ahead) then ``position``. An import or reorder rewrites both so
that the list reads exactly in the order given. Every change bumps the version of every provider
serving the list, so a placement decided on the old order is re-checked before it is written.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db.models import Provider, WaitListEntry, utcnow
from api.errors import conflict, invalid, not_found
from api.schemas.providers import EntryAttributes, WaitListEntryIn, WaitListEntryOut, WaitListOut
from api.services import audit
from api.services import participants as participant_service
from api.services.providers import bump, lock_providers

DAYS_PER_MONTH = 30.44


def providers_of(session: Session, list_id: str) -> list[str]:
    """Ids of the providers serving wait list ``list_id`` (404 when none)."""
    ids = list(session.scalars(select(Provider.id).where(Provider.list_id == list_id).order_by(Provider.id)))
    if not ids:
        raise not_found("wait list", list_id, "path.list_id")
    return ids


def check_scope(principal: Principal, provider_ids: list[str], list_id: str) -> None:
    """A provider user may manage only a list its own provider serves; another answers as an unknown
    list (404)."""
    if principal.role == "provider" and principal.provider_id not in provider_ids:
        raise not_found("wait list", list_id, "path.list_id")


def waiting(session: Session, list_id: str) -> list[WaitListEntry]:
    """The waiting entries of ``list_id``, ahead first."""
    return list(
        session.scalars(
            select(WaitListEntry)
            .where(WaitListEntry.list_id == list_id, WaitListEntry.status == "waiting")
            .order_by(WaitListEntry.priority, WaitListEntry.position, WaitListEntry.id)
        )
    )


def to_out(session: Session, list_id: str, provider_ids: list[str]) -> WaitListOut:
    """The response body of a wait list."""
    entries = [
        WaitListEntryOut(
            id=e.id,
            list_id=e.list_id,
            person_id=e.person_id,
            lead=e.lead,
            priority=e.priority,
            lead_priority=e.lead_priority,
            position=e.position,
            added=e.added,
            status=e.status,
            attributes=e.attributes,
        )
        for e in waiting(session, list_id)
    ]
    return WaitListOut(list_id=list_id, providers=provider_ids, entries=entries)


def _lock(session: Session, principal: Principal, list_id: str) -> list[str]:
    ids = providers_of(session, list_id)
    check_scope(principal, ids, list_id)
    lock_providers(session, ids)
    return ids


def _new_entry(list_id: str, body: WaitListEntryIn, priority: float, position: int) -> WaitListEntry:
    return WaitListEntry(
        list_id=list_id,
        person_id=body.person_id,
        lead=body.lead,
        priority=priority,
        lead_priority=body.lead_priority,
        position=position,
        added=body.added or date.today(),
        status="waiting",
        attributes=body.attributes.model_dump(exclude_none=True),
    )


def import_list(session: Session, principal: Principal, list_id: str, entries: list[WaitListEntryIn]) -> list[str]:
    """Replace the waiting entries of ``list_id`` by ``entries`` in the given order (ahead first).

    Entries' own ``priority`` is ignored: the order of the import is the order of the list. People
    no longer on the list are marked ``removed`` (kept for history)."""
    ids = _lock(session, principal, list_id)
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.person_id in seen:
            raise invalid(f"body.entries.{i}.person_id", f"person {entry.person_id!r} is listed twice")
        seen.add(entry.person_id)
    for old in waiting(session, list_id):
        old.status, old.updated_at = "removed", utcnow()
    session.flush()
    for i, entry in enumerate(entries):
        session.add(_new_entry(list_id, entry, float(i), i))
    bump(session, ids)
    audit.record(session, principal.name, "wait_list.import", "wait_list", list_id, entries=len(entries))
    return ids


def add_entry(session: Session, principal: Principal, list_id: str, body: WaitListEntryIn) -> WaitListEntry:
    """Add a person to ``list_id`` (behind everyone unless ``priority`` says otherwise)."""
    ids = _lock(session, principal, list_id)
    current = waiting(session, list_id)
    if any(e.person_id == body.person_id for e in current):
        raise conflict(
            f"Person {body.person_id!r} already waits on list {list_id!r}; reorder instead.",
            "body.person_id",
            "already on this list",
            slug="exists",
        )
    last = max((e.priority for e in current), default=-1.0)
    position = (
        session.scalar(select(func.max(WaitListEntry.position)).where(WaitListEntry.list_id == list_id)) or 0
    ) + 1
    entry = _new_entry(list_id, body, body.priority if body.priority is not None else last + 1.0, position)
    session.add(entry)
    session.flush()
    bump(session, ids)
    audit.record(
        session,
        principal.name,
        "wait_list.add",
        "wait_list_entry",
        str(entry.id),
        list_id=list_id,
        person_id=body.person_id,
        priority=entry.priority,
    )
    return entry


def place_of(session: Session, entry: WaitListEntry) -> int:
    """How many waiting entries of the list are strictly ahead of ``entry``."""
    return sum(
        1
        for e in waiting(session, entry.list_id)
        if (e.priority, e.position, e.id) < (entry.priority, entry.position, entry.id)
    )


def estimated_start(session: Session, provider_ids: list[str], ahead: int) -> date | None:
    """When the person behind ``ahead`` others could start, from the list's providers' turnover
    (seats freed per month; 30.44 days a month); None without turnover."""
    turnover = sum(
        float(t or 0) for t in session.scalars(select(Provider.monthly_turnover).where(Provider.id.in_(provider_ids)))
    )
    if turnover <= 0:
        return None
    return date.today() + timedelta(days=math.ceil((ahead + 1) / turnover * DAYS_PER_MONTH))


def join_for_participant(
    session: Session, principal: Principal, list_id: str, participant_id: str
) -> tuple[WaitListEntry, int, date | None]:
    """A coordinator puts their participant on a wait list (at the back, with the participant's
    eligibility attributes): needs an active release of information (409 otherwise) and refuses
    a second entry. Audited. Returns the entry, how many are ahead and the estimated start."""
    participant = participant_service.get(session, principal, participant_id, lock=True, field="body.participant_id")
    if not participant_service.has_active_consent(session, participant.id):
        raise conflict(
            f"Participant {participant.id!r} has no release of information covering today; record one "
            f"with POST /v1/participants/{participant.id}/consents before joining a wait list.",
            "body.participant_id",
            "no active consent",
            slug="no-consent",
        )
    ids = providers_of(session, list_id)
    lock_providers(session, ids)
    current = waiting(session, list_id)
    if any(e.person_id == participant.id for e in current):
        raise conflict(
            f"Participant {participant.id!r} already waits on list {list_id!r}.",
            "body.participant_id",
            "already on this list",
            slug="exists",
        )
    position = (
        session.scalar(select(func.max(WaitListEntry.position)).where(WaitListEntry.list_id == list_id)) or 0
    ) + 1
    attributes = {k: v for k, v in participant.attributes.items() if k in EntryAttributes.model_fields}
    entry = WaitListEntry(
        list_id=list_id,
        person_id=participant.id,
        lead=True,
        priority=max((e.priority for e in current), default=-1.0) + 1.0,
        position=position,
        added=date.today(),
        status="waiting",
        attributes=attributes,
    )
    session.add(entry)
    session.flush()
    bump(session, ids)
    ahead = place_of(session, entry)
    audit.record(
        session,
        principal.name,
        "wait_list.join",
        "wait_list_entry",
        str(entry.id),
        list_id=list_id,
        participant_id=participant.id,
        position=ahead + 1,
    )
    return entry, ahead, estimated_start(session, ids, ahead)


def remove_entry(session: Session, principal: Principal, list_id: str, entry_id: int, reason: str) -> WaitListEntry:
    """Take a waiting entry off the list (status ``removed``)."""
    ids = _lock(session, principal, list_id)
    entry = session.get(WaitListEntry, entry_id)
    if entry is None or entry.list_id != list_id:
        raise not_found("wait-list entry", str(entry_id), "path.entry_id")
    if entry.status != "waiting":
        raise conflict(f"Entry {entry_id} is {entry.status}, not waiting.", "path.entry_id", f"entry is {entry.status}")
    entry.status, entry.updated_at = "removed", utcnow()
    bump(session, ids)
    audit.record(
        session, principal.name, "wait_list.remove", "wait_list_entry", str(entry.id), list_id=list_id, reason=reason
    )
    return entry


def move(session: Session, principal: Principal, list_id: str, entry_id: int, *, up: bool) -> list[str]:
    """Move the waiting entry ``entry_id`` one place up (ahead) or down, as :func:`reorder` with the
    new order; the order is read under the list's locks, so a reorder committed meanwhile is kept."""
    _lock(session, principal, list_id)
    order = [e.id for e in waiting(session, list_id)]
    if entry_id not in order:
        raise invalid("entry_id", f"entry {entry_id} is not waiting on list {list_id}; choose a waiting person")
    i = order.index(entry_id)
    j = max(0, i - 1) if up else min(len(order) - 1, i + 1)
    order[i], order[j] = order[j], order[i]
    return reorder(session, principal, list_id, order)


def reorder(session: Session, principal: Principal, list_id: str, entry_ids: list[int]) -> list[str]:
    """Put the waiting entries in the order given (every waiting entry exactly once, ahead first)."""
    ids = _lock(session, principal, list_id)
    current = {e.id: e for e in waiting(session, list_id)}
    if sorted(entry_ids) != sorted(current):
        missing = sorted(set(current) - set(entry_ids))
        extra = sorted(set(entry_ids) - set(current))
        raise invalid(
            "body.entry_ids",
            f"must list every waiting entry once; missing {missing}, not waiting or repeated {extra or 'none'}",
        )
    for i, entry_id in enumerate(entry_ids):
        current[entry_id].priority, current[entry_id].position = float(i), i
        current[entry_id].updated_at = utcnow()
    bump(session, ids)
    audit.record(session, principal.name, "wait_list.reorder", "wait_list", list_id, order=entry_ids)
    return ids
