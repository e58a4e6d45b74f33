"""Console sign-in: a bearer token exchanged for a session cookie, CSRF secrets, sign-out, expiry.

The browser keeps a random secret in the ``handoff_session`` cookie (HttpOnly, SameSite=Lax,
Secure when the page is served over TLS); the database keeps only its sha256 digest
(:class:`api.db.models.WebSession`) with the session's CSRF secret and expiry. The caller's role
and scope come from the token's user through :func:`api.auth.principal_for_session`, the same
:class:`api.auth.Principal` the JSON API builds from a bearer token, and pages check it with the
same :func:`api.auth.check_role` and service-level scope checks. Every form carries the session's
CSRF secret; the sign-in form, used before any session exists, a secret of its own in a short-lived
cookie (double submit).
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request
from sqlalchemy import select

from api.auth import Principal, check_role, hash_token, principal_for_session, principal_for_token, token_live
from api.db.models import Token, WebSession, utcnow
from api.errors import ApiError

COOKIE = "handoff_session"
SIGN_IN_COOKIE = "handoff_sign_in"
DEFAULT_SESSION_MINUTES = 8 * 60  # one shift


def session_minutes() -> float:
    """How long a console session lasts after sign-in (minutes; ``HANDOFF_SESSION_MINUTES``, default 480)."""
    return float(os.environ.get("HANDOFF_SESSION_MINUTES", DEFAULT_SESSION_MINUTES))


@dataclass(frozen=True)
class Visit:
    """A signed-in browser: who it is and the CSRF secret its forms must send back."""

    principal: Principal
    csrf: str
    session_id: str


class SignInNeeded(Exception):
    """No valid session: the console answers by sending the browser to the sign-in page."""

    def __init__(self, next_path: str, reason: str = ""):
        super().__init__(reason or "sign in first")
        self.next_path = next_path
        self.reason = reason


def refused(detail: str) -> ApiError:
    """403 for a form posted without the session's CSRF secret."""
    return ApiError(403, "Forbidden", detail, slug="csrf", errors=[("form.csrf", "missing or wrong form secret")])


def start_session(request: Request, token_text: str) -> tuple[str, Principal] | None:
    """Exchange a bearer token for a new session; returns (cookie secret, who signed in), or None
    when the token is unknown or revoked."""
    with request.app.state.sessions() as session:
        token = session.scalar(select(Token).where(Token.token_hash == hash_token(token_text), *token_live()))
        principal = principal_for_token(session, token_text) if token is not None else None
        if principal is None:
            return None
        secret = secrets.token_urlsafe(32)
        row = WebSession(
            id=hash_token(secret),
            token_id=token.id,
            csrf=secrets.token_urlsafe(32),
            expires_at=utcnow() + timedelta(minutes=session_minutes()),
        )
        session.add(row)
        session.commit()
        return secret, principal


def end_session(request: Request, session_id: str) -> None:
    """Sign out: the session is ended in the database, so its cookie no longer works anywhere."""
    with request.app.state.sessions() as session:
        row = session.get(WebSession, session_id)
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()
            session.commit()


def current_visit(request: Request) -> Visit:
    """The signed-in visit of this request (:class:`SignInNeeded` when there is none or it expired)."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        raise SignInNeeded(request.url.path)
    with request.app.state.lookups() as session:
        found = principal_for_session(session, hash_token(secret))
    if found is None:
        raise SignInNeeded(request.url.path, "Your session ended or expired; sign in again.")
    principal, csrf = found
    return Visit(principal=principal, csrf=csrf, session_id=hash_token(secret))


def visitor(*roles: str):
    """Dependency factory for a page: a signed-in visit whose role is one of ``roles`` (admin always
    may; no roles: any signed-in user), checked by :func:`api.auth.check_role` as the API does."""

    def dependency(request: Request) -> Visit:
        visit = current_visit(request)
        if roles:
            check_role(visit.principal, roles)
        return visit

    return dependency


def poster(*roles: str):
    """Dependency factory for a form post: like :func:`visitor`, and the form must carry the
    session's CSRF secret in its ``csrf`` field (403 otherwise, nothing is changed)."""
    page = visitor(*roles)

    async def dependency(request: Request) -> Visit:
        visit = page(request)
        form = await request.form()
        sent = form.get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, visit.csrf):
            raise refused(
                "This form is out of date or did not come from the console; reload the page and send it again."
            )
        return visit

    return dependency


def set_cookie(request: Request, response, name: str, value: str, max_age_s: int) -> None:
    """Set an HttpOnly, SameSite=Lax cookie for the whole site (Secure when served over TLS)."""
    response.set_cookie(
        name, value, max_age=max_age_s, httponly=True, samesite="lax", path="/", secure=request.url.scheme == "https"
    )
