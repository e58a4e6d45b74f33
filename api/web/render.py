"""Rendering console pages: one Jinja2 environment, the layout's context, notices and errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.errors import ApiError
from api.services.providers import LOCAL_ZONE
from api.web.session import Visit

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


def local_clock(instant: datetime) -> str:
    """A UTC instant as the program's local clock time, e.g. ``9:15 pm`` (America/New_York)."""
    return instant.astimezone(LOCAL_ZONE).strftime("%-I:%M %p").lower()


def local_date(instant: datetime) -> str:
    """A UTC instant as the program's local date and clock time, e.g. ``Wed 2 Dec, 9:15 pm``."""
    local = instant.astimezone(LOCAL_ZONE)
    return f"{local.strftime('%a %-d %b')}, {local_clock(instant)}"


def minutes(value: float) -> str:
    """A duration in whole minutes for a sentence: ``1 minute``, ``12 minutes``."""
    whole = max(1, round(value))
    return f"{whole} minute" if whole == 1 else f"{whole} minutes"


templates.env.filters.update(local_clock=local_clock, local_date=local_date, minutes=minutes)

NOTICES = {
    "signed-out": "You are signed out.",
    "requested": "Placements requested; the answer for each need is below.",
    "confirmed": "Placement confirmed. The provider can expect the participant.",
    "declined": "Placement declined; the slot goes back to the next person.",
    "joined": "The participant is on the wait list now; their place is shown below.",
    "consent": "Release of information recorded.",
    "capacity": "Capacity saved.",
    "added": "Person added to the wait list.",
    "removed": "Person taken off the wait list.",
    "moved": "Wait list order saved.",
    "uploaded": "Wait list replaced by the uploaded spreadsheet.",
    "snapshot": "Snapshot saved; the next report is compared with it.",
}


def page(
    request: Request, template: str, visit: Visit | None, *, status: int = 200, error: ApiError | None = None, **context
) -> HTMLResponse:
    """The page ``template`` for ``visit`` with the notice named by ``?done=`` and an optional error."""
    notice = NOTICES.get(request.query_params.get("done", ""))
    return templates.TemplateResponse(
        request,
        template,
        {"visit": visit, "notice": notice, "error": error, **context},
        status_code=error.status if error else status,
    )


def done(path: str, notice: str) -> RedirectResponse:
    """303 to ``path`` after a successful post, showing notice ``notice`` there (post/redirect/get)."""
    return RedirectResponse(f"{path}?done={notice}", status_code=303)
