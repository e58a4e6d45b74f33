"""Console sign-in and sign-out pages, and ``/console`` sending each role to its first page."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from api.errors import ApiError
from api.web.render import page
from api.web.session import (
    COOKIE,
    SIGN_IN_COOKIE,
    SignInNeeded,
    Visit,
    current_visit,
    end_session,
    poster,
    refused,
    session_minutes,
    set_cookie,
    start_session,
)

router = APIRouter()
HOMES = {
    "coordinator": "/console/participants",
    "provider": "/console/provider",
    "planner": "/console/results",
    "pcg": "/console/report",
    "officer": "/console/referrals/new",
    "admin": "/console/participants",
}
SIGN_IN_SECONDS = 3600


def safe_next(path: str) -> str:
    """A path inside the console to go to after sign-in (anything else: the role's first page)."""
    return path if path.startswith("/console/") and not path.startswith("//") and "\\" not in path else ""


@router.get("/console", include_in_schema=False)
def home(request: Request):
    """The signed-in user's first page, or the sign-in page."""
    try:
        visit = current_visit(request)
    except SignInNeeded:
        return RedirectResponse("/console/sign-in", status_code=303)
    return RedirectResponse(HOMES[visit.principal.role], status_code=303)


@router.get("/console/sign-in", include_in_schema=False)
def sign_in_page(request: Request, next: str = "", reason: str = ""):
    """The sign-in form; sets the short-lived cookie holding the form's CSRF secret."""
    secret = secrets.token_urlsafe(32)
    response = page(
        request,
        "sign_in.html",
        None,
        sign_in_csrf=secret,
        next_path=safe_next(next),
        reason=reason[:200],
        minutes=round(session_minutes()),
    )
    set_cookie(request, response, SIGN_IN_COOKIE, secret, SIGN_IN_SECONDS)
    return response


@router.post("/console/sign-in", include_in_schema=False)
def sign_in(request: Request, token: str = Form("", max_length=200), csrf: str = Form(""), next: str = Form("")):
    """Exchange a bearer token for a session cookie, then go to ``next`` or the role's first page."""
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf, expected):
        raise refused("The sign-in form is out of date; open the sign-in page again and send it from there.")
    started = start_session(request, token.strip())
    if started is None:
        return sign_in_failed(request, next)
    secret, principal = started
    response = RedirectResponse(safe_next(next) or HOMES[principal.role], status_code=303)
    set_cookie(request, response, COOKIE, secret, int(session_minutes() * 60))
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


def sign_in_failed(request: Request, next_path: str):
    """The sign-in form again, saying the token was not accepted (401)."""
    secret = secrets.token_urlsafe(32)
    error = ApiError(
        401,
        "Token not accepted",
        "That token is unknown or revoked. Check it, or ask an administrator for a new one (`handoff users add`).",
        slug="not-authenticated",
    )
    response = page(
        request,
        "sign_in.html",
        None,
        error=error,
        sign_in_csrf=secret,
        next_path=safe_next(next_path),
        reason="",
        minutes=round(session_minutes()),
    )
    set_cookie(request, response, SIGN_IN_COOKIE, secret, SIGN_IN_SECONDS)
    return response


@router.post("/console/sign-out", include_in_schema=False)
def sign_out(request: Request, visit: Visit = Depends(poster())):
    """End the session everywhere and clear the cookie."""
    end_session(request, visit.session_id)
    response = RedirectResponse("/console/sign-in?reason=You+are+signed+out.", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
