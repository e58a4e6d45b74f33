"""Provider directories and wait lists from files (CSV or .xlsx), all or nothing.

The rows are validated by the API's own schemas (:class:`ProviderCreate`, :class:`WaitListEntryIn`)
and written by the API's own service functions (create, capacity, wait-list import), so a file
and a request obey the same rules: appointment times in the past are refused the same way, points
outside the region too. Every bad cell is reported with its file, row and column; one bad row
and nothing changes. A dry run does the whole import in the transaction and rolls it back,
answering what would change. Used by ``handoff providers import``, ``handoff wait-lists import``,
``POST /v1/provider-imports``, ``POST /v1/wait-list-imports`` and the region loader.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.db.models import Provider
from api.errors import ApiError
from api.schemas.providers import Capacity, ProviderCreate, WaitListEntryIn
from api.services import audit
from api.services import providers as provider_service
from api.services import waitlists as waitlist_service
from api.services.holds import revalidate
from api.services.region import RegionContext
from api.services.tables import (
    ImportRejected,
    RowError,
    Table,
    check_columns,
    convert,
    to_bool,
    to_day,
    to_float,
    to_int,
    to_object,
    to_text,
    to_times,
)

PROVIDER_KINDS = {
    "id": to_text,
    "provider_id": to_text,
    "name": to_text,
    "service": to_text,
    "subtype": to_text,
    "capacity": to_int,
    "occupied": to_int,
    "lead_slots": to_int,
    "lead_occupied": to_int,
    "monthly_turnover": to_float,
    "intake_days": to_float,
    "eligibility": to_object,
    "open_hours": to_text,
    "appointment_times": to_times,
    "by_appointment": to_bool,
    "municipality": to_text,
    "lon": to_float,
    "lat": to_float,
    "list_id": to_text,
}
ATTRIBUTES = {
    "gender": to_text,
    "age": to_int,
    "insurance": to_text,
    "moud": to_bool,
    "pets": to_bool,
    "language": to_text,
}
WAIT_KINDS = {
    "list_id": to_text,
    "provider_id": to_text,
    "person_id": to_text,
    "priority": to_float,
    "lead": to_bool,
    "lead_priority": to_float,
    "added": to_day,
    "attributes": to_object,
    **ATTRIBUTES,
}
CAPACITY = ("capacity", "occupied", "lead_slots", "lead_occupied")
DESCRIPTIVE = (
    "name",
    "service",
    "subtype",
    "monthly_turnover",
    "intake_days",
    "open_hours",
    "municipality",
    "lon",
    "lat",
    "list_id",
)


@dataclass
class ImportSummary:
    """What an import changed (or, in a dry run, would change)."""

    file: str
    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    lists: int = 0
    replaced: int = 0
    released_holds: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        """The summary as a JSON object."""
        return asdict(self)


def _column(field: str) -> str:
    """The file column of an API field path (``body.appointment_times.2`` -> ``appointment_times``)."""
    parts = [p for p in field.split(".") if p and p not in ("body", "entries") and not p.isdigit()]
    return parts[0] if parts else ""


def _schema_errors(table: Table, number: int, exc: ValidationError, renamed: dict[str, str]) -> list[RowError]:
    out = []
    for err in exc.errors():
        column = str(err["loc"][0]) if err["loc"] else ""
        out.append(RowError(table.name, number, renamed.get(column, column), err["msg"]))
    return out


def parse_providers(table: Table, region: RegionContext) -> tuple[list[tuple[int, ProviderCreate]], list[RowError]]:
    """Rows of a provider directory validated as API bodies (with the same appointment, booking
    and region checks as ``POST /v1/providers``), and every bad cell."""
    errors = check_columns(table, set(PROVIDER_KINDS), {"name", "service", "capacity", "lon", "lat"})
    if not ({"id", "provider_id"} & set(table.columns)):
        errors.append(RowError(table.name, 1, "", "missing column: id (or provider_id)"))
    if errors:
        return [], errors
    parsed: list[tuple[int, ProviderCreate]] = []
    seen: dict[str, int] = {}
    for number, row in table.rows:
        values = convert(table, number, row, PROVIDER_KINDS, errors)
        renamed = {"id": "provider_id"} if "provider_id" in values else {}
        if "provider_id" in values:
            values["id"] = values.pop("provider_id")
        try:
            body = ProviderCreate.model_validate(values)
            times = provider_service.appointments(body.appointment_times, "appointment_times")
            provider_service.booking(body.service, times, body.by_appointment, "by_appointment")
            region.check_point(body.lon, body.lat, "")
        except ValidationError as exc:
            errors.extend(_schema_errors(table, number, exc, renamed))
            continue
        except ApiError as exc:
            errors.append(RowError(table.name, number, _column(exc.errors[0].field), exc.errors[0].message))
            continue
        if body.id in seen:
            errors.append(
                RowError(
                    table.name,
                    number,
                    renamed.get("id", "id"),
                    f"provider {body.id!r} is listed twice (first on row {seen[body.id]})",
                )
            )
            continue
        seen[body.id] = number
        parsed.append((number, body))
    return parsed, errors


def _update(session: Session, provider: Provider, body: ProviderCreate, actor: str) -> bool:
    """Bring an existing provider to the row ``body`` (capacity through the capacity rule); False
    when nothing differs."""
    values = body.model_dump(include=set(DESCRIPTIVE))
    values["list_id"] = body.list_id or body.id
    values["eligibility"] = body.eligibility.model_dump(exclude_none=True)
    values["appointment_times"] = provider_service.appointments(body.appointment_times, "appointment_times")
    values["by_appointment"] = provider_service.booking(
        body.service, values["appointment_times"], body.by_appointment, "by_appointment"
    )
    capacity = {k: getattr(body, k) for k in CAPACITY}
    changed = sorted(k for k, v in values.items() if getattr(provider, k) != v)
    if any(getattr(provider, k) != v for k, v in capacity.items()):
        provider_service.set_capacity(session, provider.id, Capacity(**capacity), actor)
        changed.append("capacity")
    if not changed:
        return False
    for key, value in values.items():
        setattr(provider, key, value)
    provider_service.bump(session, [provider.id])
    audit.record(session, actor, "provider.import", "provider", provider.id, fields=changed)
    return True


def import_providers(
    session: Session, actor: str, table: Table, region: RegionContext, *, dry_run: bool = False
) -> ImportSummary:
    """Create or update every provider of ``table`` in ``session``'s transaction (the caller
    commits); :class:`ImportRejected` with every bad cell, after rolling back, when any row fails."""
    parsed, errors = parse_providers(table, region)
    if errors:
        raise ImportRejected(errors)
    summary = ImportSummary(table.name, "providers", len(table.rows), dry_run=dry_run)
    touched = []
    locked = provider_service.lock_providers(session, [body.id for _, body in parsed])  # id order, before any change
    for number, body in parsed:
        try:
            existing = locked.get(body.id)
            if existing is None:
                provider_service.create(session, body, actor, region)
                summary.created += 1
            elif _update(session, existing, body, actor):
                summary.updated += 1
                touched.append(body.id)
            else:
                summary.unchanged += 1
        except ApiError as exc:
            errors.append(RowError(table.name, number, _column(exc.errors[0].field) if exc.errors else "", exc.detail))
    session.flush()
    if not errors and touched:
        summary.released_holds = len(revalidate(session, touched, actor, region))
    return _finish(session, actor, summary, errors)


def _finish(session: Session, actor: str, summary: ImportSummary, errors: list[RowError]) -> ImportSummary:
    if errors:
        session.rollback()
        raise ImportRejected(errors)
    if summary.dry_run:
        session.rollback()
    else:
        audit.record(session, actor, f"{summary.kind}.import", "import", summary.file[-64:], **summary.as_dict())
    return summary


def parse_wait_lists(
    table: Table,
) -> tuple[dict[tuple[str, str], list[tuple[float, int, WaitListEntryIn]]], list[RowError]]:
    """Entries per (list_id or provider_id column, value), validated as API bodies, and every bad cell."""
    errors = check_columns(table, set(WAIT_KINDS), {"person_id"})
    if not ({"list_id", "provider_id"} & set(table.columns)):
        errors.append(RowError(table.name, 1, "", "missing column: list_id (or provider_id)"))
    lists: dict[tuple[str, str], list] = defaultdict(list)
    if errors:
        return lists, errors
    for number, row in table.rows:
        values = convert(table, number, row, WAIT_KINDS, errors)
        named = {k: values.pop(k) for k in ("list_id", "provider_id") if k in values}
        key = ("list_id", named["list_id"]) if "list_id" in named else ("provider_id", named.get("provider_id", ""))
        attributes = {**values.pop("attributes", {}), **{k: values.pop(k) for k in ATTRIBUTES if k in values}}
        priority = values.pop("priority", float(number))
        if not key[1]:
            errors.append(RowError(table.name, number, key[0], "names no list"))
            continue
        try:
            entry = WaitListEntryIn.model_validate({**values, "attributes": attributes})
        except ValidationError as exc:
            errors.extend(_schema_errors(table, number, exc, {}))
            continue
        lists[key].append((priority, number, entry))
    return lists, errors


def import_wait_lists(
    session: Session, actor: str, table: Table, region: RegionContext, *, dry_run: bool = False
) -> ImportSummary:
    """Replace who waits on every list the file names (in the file's ``priority`` order, else its
    row order; people left out are marked removed), all or nothing like :func:`import_providers`."""
    lists, errors = parse_wait_lists(table)
    if errors:
        raise ImportRejected(errors)
    summary = ImportSummary(table.name, "wait_lists", len(table.rows), dry_run=dry_run)
    principal = Principal(name=actor, role="admin")
    touched: list[str] = []
    for (column, value), items in lists.items():
        items.sort(key=lambda item: (item[0], item[1]))
        first = items[0][1]
        provider = session.get(Provider, value) if column == "provider_id" else None
        list_id = provider.list_id if provider is not None else value
        try:
            before = len(waitlist_service.waiting(session, list_id))
            touched += waitlist_service.import_list(session, principal, list_id, [e for _, _, e in items])
        except ApiError as exc:
            field = exc.errors[0].field if exc.errors else ""
            index = next((int(p) for p in field.split(".") if p.isdigit()), None)
            number = items[index][1] if index is not None and index < len(items) else first
            column_name = _column(field) if index is not None else column
            errors.append(RowError(table.name, number, column_name if column_name != "list_id" else column, exc.detail))
            continue
        summary.lists += 1
        summary.created += len(items)
        summary.replaced += before
    session.flush()
    if not errors and touched:
        summary.released_holds = len(revalidate(session, touched, actor, region))
    return _finish(session, actor, summary, errors)
