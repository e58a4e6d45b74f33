"""Bearer tokens and roles.

A token is 32 random bytes (URL-safe text) shown once when made; the database keeps only its
sha256 hex digest. Tokens expire (``handoff users add/token --days``, default 90 days); rotating a
user's token (``handoff users token NAME``) makes a new one and lets the older ones run out after
a grace period, so clients can switch without an outage. Expired or revoked tokens are a 401. Roles: ``coordinator`` (participants of one cohort), ``provider`` (its own
capacity, wait list and placements), ``planner`` (providers and aggregate data), ``pcg``
(aggregate reports only), ``officer`` (a police officer: makes referrals and sees only their
outcome fields; scope: their police department) and ``admin`` (everything).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.db.models import Token, User, WebSession, utcnow
from api.errors import ApiError

ROLES = ("coordinator", "provider", "planner", "pcg", "officer", "admin")
DEFAULT_TOKEN_DAYS = 90.0
MAX_TOKEN_DAYS = 3660.0

bearer = HTTPBearer(auto_error=False, description="A token made with `handoff users add NAME --role ROLE`.")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user's name, role and scope."""

    name: str
    role: str
    cohort: str | None = None
    provider_id: str | None = None
    department: str | None = None


def hash_token(token: str) -> str:
    """The sha256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(
    session: Session,
    name: str,
    role: str,
    *,
    cohort: str | None = None,
    provider_id: str | None = None,
    department: str | None = None,
    days: float | None = None,
) -> tuple[User, str]:
    """Create a user with one token valid ``days`` days (None: no expiry); returns the user and the
    token text (shown only now).

    Raises ``ValueError`` naming the option when the role or its scope is wrong.
    """
    if role not in ROLES:
        raise ValueError(f"--role must be one of {', '.join(ROLES)}, got {role!r}")
    if role == "coordinator" and not cohort:
        raise ValueError("--cohort is required for a coordinator (the cohort whose participants they see)")
    if role == "provider" and not provider_id:
        raise ValueError("--provider is required for a provider user (the provider id they manage)")
    if role == "officer" and not department:
        raise ValueError("--department is required for an officer (the police department whose referrals they make)")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise ValueError(f"a user named {name!r} exists already; pick another NAME")
    user = User(
        name=name,
        role=role,
        cohort=cohort if role == "coordinator" else None,
        provider_id=provider_id if role == "provider" else None,
        department=department if role == "officer" else None,
    )
    session.add(user)
    session.flush()
    return user, _new_token(session, user, days)


def _new_token(session: Session, user: User, days: float | None) -> str:
    if days is not None and not 0 < days <= MAX_TOKEN_DAYS:
        raise ValueError(f"--days must be between 1 and {MAX_TOKEN_DAYS}, got {days:g}")
    token = secrets.token_urlsafe(32)
    expires = None if days is None else utcnow() + timedelta(days=days)
    session.add(Token(user_id=user.id, token_hash=hash_token(token), expires_at=expires))
    return token


def rotate_token(
    session: Session, name: str, *, days: float = 90.0, grace_hours: float = 24.0
) -> tuple[str, datetime, int]:
    """A new token for user ``name`` valid ``days`` days; the user's other live tokens expire within
    ``grace_hours`` hours (0: now). Returns the token text, its expiry (UTC) and how many older
    tokens were cut short. Raises ``ValueError`` for an unknown user or bad numbers."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise ValueError(f"no user named {name!r}; list users in the audit log or add one with `handoff users add`")
    if grace_hours < 0:
        raise ValueError(f"--grace-hours must be 0 or more, got {grace_hours:g}")
    cutoff = utcnow() + timedelta(hours=grace_hours)
    older = session.scalars(select(Token).where(Token.user_id == user.id, Token.revoked_at.is_(None))).all()
    shortened = 0
    for token in older:
        if token.expires_at is None or token.expires_at > cutoff:
            token.expires_at, shortened = cutoff, shortened + 1
    text = _new_token(session, user, days)
    session.flush()
    return text, utcnow() + timedelta(days=days), shortened


def unauthorized(
    detail: str = "The bearer token is unknown, revoked or expired; ask an admin for a new one "
    "(`handoff users token NAME`).",
) -> ApiError:
    """401: no bearer token, or one that is unknown, revoked or expired."""
    return ApiError(
        401,
        "Not authenticated",
        detail,
        slug="not-authenticated",
        errors=[("header.Authorization", "missing, unknown, revoked or expired bearer token")],
        headers={"WWW-Authenticate": "Bearer"},
    )


def principal_for_token(session: Session, token: str) -> Principal | None:
    """The principal owning ``token``, or None when it is unknown, revoked or expired."""
    return principals_for_tokens(session, [token]).get(token)


def token_live() -> tuple:
    """SQL conditions for a token that still works: not revoked, not expired."""
    return Token.revoked_at.is_(None), or_(Token.expires_at.is_(None), Token.expires_at > utcnow())


def principals_for_tokens(session: Session, tokens: list[str]) -> dict[str, Principal]:
    """The principals owning ``tokens`` (one query); unknown, revoked or expired tokens are left out."""
    by_hash = {hash_token(t): t for t in tokens}
    rows = session.execute(
        select(Token.token_hash, User.name, User.role, User.cohort, User.provider_id, User.department)
        .join(Token, Token.user_id == User.id)
        .where(Token.token_hash.in_(list(by_hash)), *token_live())
    ).all()
    return {by_hash[row[0]]: Principal(*row[1:]) for row in rows}


def principal_for_session(session: Session, session_hash: str) -> tuple[Principal, str] | None:
    """The principal of a web console session and its CSRF secret, or None when the session is
    unknown, ended or expired, or its token revoked or expired (the console's counterpart of a
    bearer token)."""
    row = session.execute(
        select(User.name, User.role, User.cohort, User.provider_id, User.department, WebSession.csrf)
        .join(Token, Token.user_id == User.id)
        .join(WebSession, WebSession.token_id == Token.id)
        .where(
            WebSession.id == session_hash,
            WebSession.ended_at.is_(None),
            WebSession.expires_at > utcnow(),
            *token_live(),
        )
    ).first()
    return None if row is None else (Principal(*row[:5]), row[5])


async def bearer_token(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str:
    """FastAPI dependency: the ``Authorization: Bearer`` token, checked later (401 when missing)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Send `Authorization: Bearer TOKEN`; make a token with `handoff users add`.")
    return credentials.credentials


def current_principal(request: Request, token: str = Depends(bearer_token)) -> Principal:
    """FastAPI dependency: the caller, from the ``Authorization: Bearer`` header (401 otherwise)."""
    with request.app.state.lookups() as session:
        principal = principal_for_token(session, token)
    if principal is None:
        raise unauthorized()
    return principal


def forbidden(principal: Principal, what: str) -> ApiError:
    """403: the caller's role or scope does not cover ``what``."""
    return ApiError(
        403,
        "Forbidden",
        f"Role {principal.role!r} may not {what}.",
        slug="forbidden",
        errors=[("header.Authorization", f"role {principal.role} is not allowed here")],
    )


def require(*roles: str):
    """Dependency factory: the caller must have one of ``roles`` (admin always may)."""

    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        check_role(principal, roles)
        return principal

    return dependency


def check_role(principal: Principal, roles: tuple[str, ...]) -> None:
    """403 unless the principal has one of ``roles`` (admin always may)."""
    allowed = set(roles) | {"admin"}
    if principal.role not in allowed:
        raise forbidden(principal, f"use this endpoint (allowed: {', '.join(sorted(allowed))})")


def revoke_tokens(session: Session, name: str) -> int:
    """Revoke every token of user ``name``; returns how many were revoked."""
    tokens = session.scalars(
        select(Token).join(User, Token.user_id == User.id).where(User.name == name, Token.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)
