"""``POST /v1/provider-imports`` and ``POST /v1/wait-list-imports``: files (CSV or .xlsx) for admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.routers.deps import closed, RegionDep, SessionDep
from api.services.imports import import_providers, import_wait_lists
from api.services.region import RegionContext
from api.services.tables import ImportRejected, read_table

router = APIRouter(tags=["imports"])
admins = require()


class ImportOut(BaseModel):
    """What an import changed (or, with ``dry_run``, would change)."""

    file: str
    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    lists: int
    replaced: int
    released_holds: int
    dry_run: bool


def _import(
    run, upload: UploadFile, dry_run: bool, session: Session, principal: Principal, region: RegionContext
) -> ImportOut:
    data = upload.file.read()  # the body limit (api.errors.MAX_BODY_BYTES) applies to uploads too
    try:
        summary = run(
            session, principal.name, read_table(upload.filename or "upload.csv", data), region, dry_run=dry_run
        )
    except ImportRejected as exc:
        session.rollback()
        raise exc.problem() from None
    if not dry_run:
        session.commit()
    return closed(session, ImportOut(**summary.as_dict()))


@router.post("/provider-imports", response_model=ImportOut, summary="Import a provider directory file")
def providers_import(
    file: UploadFile = File(..., description="a .csv or .xlsx file, header in row 1"),
    dry_run: bool = Query(False, description="check and report; change nothing"),
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(admins),
) -> ImportOut:
    """Create or update providers, one per row (columns as `handoff providers import --help`),
    validated as `POST /v1/providers`. All or nothing: a 422 names every bad file, row and column."""
    return _import(import_providers, file, dry_run, session, principal, region)


@router.post("/wait-list-imports", response_model=ImportOut, summary="Import wait lists from a file")
def wait_lists_import(
    file: UploadFile = File(..., description="a .csv or .xlsx file, header in row 1"),
    dry_run: bool = Query(False, description="check and report; change nothing"),
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(admins),
) -> ImportOut:
    """Replace who waits on every list the file names, ahead first (columns as `handoff wait-lists
    import --help`). All or nothing: a 422 names every bad file, row and column."""
    return _import(import_wait_lists, file, dry_run, session, principal, region)
