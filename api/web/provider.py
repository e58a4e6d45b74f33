"""Provider pages: my capacity (occupied, held, confirmed, free), appointment times, held placements,
and my wait list (add, remove, move up or down, replace from an uploaded spreadsheet).

Each change calls the services the JSON API's routers call, in the same order (scope check, the
change under row locks, holds re-checked with ``revalidate``, commit), with the signed-in principal."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.routers.deps import RegionDep, SessionDep, read_logged
from api.schemas.providers import Capacity, WaitListEntryIn
from api.services import decisions
from api.services import providers as provider_service
from api.services import waitlists as list_service
from api.services.holds import revalidate
from api.services.imports import parse_wait_lists
from api.services.region import RegionContext
from api.services.tables import ImportRejected, read_table
from api.web.forms import validated, whole
from api.web.render import done, page
from api.web.session import Visit, poster, visitor

router = APIRouter(prefix="/console/provider", include_in_schema=False)
providers = visitor("provider")
provider_posts = poster("provider")
MAX_UPLOAD_BYTES = 900_000


def my_provider_id(visit: Visit, request: Request) -> str:
    """The provider a provider user manages (an admin names one with ``?id=``)."""
    if visit.principal.role == "provider":
        return visit.principal.provider_id or ""
    return request.query_params.get("id", "")


def provider_page(request: Request, session: Session, visit: Visit, error: ApiError | None = None):
    """My provider's counts, appointment times, held placements and wait list."""
    provider_id = my_provider_id(visit, request)
    provider_service.check_scope(visit.principal, provider_id, "see")
    provider = provider_service.get(session, provider_id)
    counts = provider_service.slot_counts(session, [provider.id]).get(provider.id, provider_service.SlotCounts())
    held = [
        p for p in decisions.visible_placements(session, visit.principal, status="held") if p.provider_id == provider.id
    ]
    shown = page(
        request,
        "provider.html",
        visit,
        error=error,
        p=provider_service.to_out(provider, counts),
        entries=list_service.waiting(session, provider.list_id),
        held=held,
    )
    return read_logged(session, visit.principal.name, "wait_list", [provider.list_id], shown, via="console /provider")


@router.get("")
def provider(request: Request, session: Session = SessionDep, visit: Visit = Depends(providers)):
    """The provider page."""
    return provider_page(request, session, visit)


def _changed(request: Request, session: Session, visit: Visit, change, notice: str):
    """Run ``change()`` (the service calls), commit and redirect; on an ApiError roll back and show it."""
    try:
        change()
        session.commit()
    except ApiError as exc:
        session.rollback()
        return provider_page(request, session, visit, exc)
    return done("/console/provider", notice)


@router.post("/capacity")
def capacity(
    request: Request,
    capacity: str = Form(""),
    occupied: str = Form("0"),
    lead_slots: str = Form("0"),
    lead_occupied: str = Form("0"),
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    visit: Visit = Depends(provider_posts),
):
    """Set capacity and occupied counts (as ``PUT /v1/providers/{id}/capacity``)."""
    provider_id = my_provider_id(visit, request)

    def change():
        body = validated(
            Capacity,
            {
                "capacity": whole(capacity, "capacity"),
                "occupied": whole(occupied, "occupied"),
                "lead_slots": whole(lead_slots, "lead_slots"),
                "lead_occupied": whole(lead_occupied, "lead_occupied"),
            },
        )
        provider_service.check_scope(visit.principal, provider_id, "update capacity")
        provider_service.set_capacity(session, provider_id, body, visit.principal.name)
        revalidate(session, [provider_id], visit.principal.name, region)

    return _changed(request, session, visit, change, "capacity")


def _list_id(session: Session, visit: Visit, request: Request) -> str:
    return provider_service.get(session, my_provider_id(visit, request)).list_id


@router.post("/wait-list/entries")
def add_entry(
    request: Request,
    person_id: str = Form(""),
    lead: str = Form(""),
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    visit: Visit = Depends(provider_posts),
):
    """Add a person behind everyone (as ``POST /v1/wait-lists/{id}/entries``)."""

    def change():
        list_id = _list_id(session, visit, request)
        body = validated(WaitListEntryIn, {"person_id": person_id.strip(), "lead": bool(lead)})
        list_service.add_entry(session, visit.principal, list_id, body)
        revalidate(session, list_service.providers_of(session, list_id), visit.principal.name, region)

    return _changed(request, session, visit, change, "added")


@router.post("/wait-list/entries/{entry_id}/remove")
def remove_entry(
    entry_id: int,
    request: Request,
    reason: str = Form("", max_length=200),
    session: Session = SessionDep,
    visit: Visit = Depends(provider_posts),
):
    """Take a person off the list (as ``DELETE /v1/wait-lists/{id}/entries/{entry}``)."""

    def change():
        list_service.remove_entry(
            session,
            visit.principal,
            _list_id(session, visit, request),
            entry_id,
            reason.strip() or "removed in the console",
        )

    return _changed(request, session, visit, change, "removed")


@router.post("/wait-list/entries/{entry_id}/move")
def move_entry(
    entry_id: int,
    request: Request,
    direction: str = Form(""),
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    visit: Visit = Depends(provider_posts),
):
    """Move a person one place up or down (as ``POST /v1/wait-lists/{id}/order`` with the new order)."""

    def change():
        if direction not in ("up", "down"):
            raise ApiError(
                422,
                "Please check the form",
                "Choose a waiting person and up or down.",
                slug="validation",
                errors=[("direction", "direction: up or down")],
            )
        list_id = _list_id(session, visit, request)
        ids = list_service.move(session, visit.principal, list_id, entry_id, up=direction == "up")
        revalidate(session, ids, visit.principal.name, region)

    return _changed(request, session, visit, change, "moved")


def uploaded_entries(filename: str, content: bytes, provider_id: str, list_id: str) -> list[WaitListEntryIn]:
    """The entries of an uploaded wait list (CSV or .xlsx, read and checked as ``handoff wait-lists
    import`` does; rows naming no list are this provider's), ahead first; 422 naming each bad row
    and column, 403 for a row of another provider's list."""
    table = read_table(filename or "upload.csv", content)
    if not {"list_id", "provider_id"} & set(table.columns):
        table.columns.append("provider_id")
        for _, row in table.rows:
            row["provider_id"] = provider_id
    lists, errors = parse_wait_lists(table)
    if errors:
        raise ImportRejected(errors)
    mine = {("provider_id", provider_id), ("list_id", list_id)}
    if set(lists) - mine:
        other = sorted(value for _, value in set(lists) - mine)[0]
        raise ApiError(
            403,
            "Forbidden",
            f"The file has rows for {other!r}; upload only your own wait list.",
            slug="forbidden",
            errors=[("spreadsheet", f"rows for another list: {other}")],
        )
    items = sorted((item for key in mine for item in lists.get(key, [])), key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in items]


@router.post("/wait-list/upload")
async def upload(
    request: Request,
    spreadsheet: UploadFile = File(...),
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    visit: Visit = Depends(provider_posts),
):
    """Replace the wait list by an uploaded CSV or Excel file, ahead first (as ``PUT /v1/wait-lists/{id}``)."""
    content = await spreadsheet.read(MAX_UPLOAD_BYTES + 1)

    def change():
        if len(content) > MAX_UPLOAD_BYTES:
            raise ApiError(
                413,
                "File too large",
                f"The file is over {MAX_UPLOAD_BYTES:,} bytes; split it.",
                slug="too-large",
                errors=[("spreadsheet", "spreadsheet: file too large")],
            )
        provider = provider_service.get(session, my_provider_id(visit, request))
        try:
            entries = uploaded_entries(spreadsheet.filename or "", content, provider.id, provider.list_id)
        except ImportRejected as exc:
            raise exc.problem() from None
        ids = list_service.import_list(session, visit.principal, provider.list_id, entries)
        revalidate(session, ids, visit.principal.name, region)

    return _changed(request, session, visit, change, "uploaded")
