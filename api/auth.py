"""Bearer tokens and roles.

A token is 32 random bytes (URL-safe text) shown once when made; the database keeps only its
sha256 hex digest. Roles: ``coordinator`` (participants of one cohort), ``provider`` (its own
capacity, wait list and placements), ``planner`` (providers and aggregate data), ``pcg``
(aggregate reports only) and ``admin`` (everything).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Token, User, WebSession, utcnow
from api.errors import ApiError

ROLES = ("coordinator", "provider", "planner", "pcg", "admin")

bearer = HTTPBearer(auto_error=False, description="A token made with `handoff users add NAME --role ROLE`.")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user's name, role and scope."""

    name: str
    role: str
    cohort: str | None = None
    provider_id: str | None = None


def hash_token(token: str) -> str:
    """The sha256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(session: Session, name: str, role: str, *, cohort: str | None = None,
             provider_id: str | None = None) -> tuple[User, str]:
    """Create a user with one token; returns the user and the token text (shown only now).

    Raises ``ValueError`` naming the option when the role or its scope is wrong.
    """
    if role not in ROLES:
        raise ValueError(f"--role must be one of {', '.join(ROLES)}, got {role!r}")
    if role == "coordinator" and not cohort:
        raise ValueError("--cohort is required for a coordinator (the cohort whose participants they see)")
    if role == "provider" and not provider_id:
        raise ValueError("--provider is required for a provider user (the provider id they manage)")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise ValueError(f"a user named {name!r} exists already; pick another NAME")
    user = User(name=name, role=role, cohort=cohort if role == "coordinator" else None,
                provider_id=provider_id if role == "provider" else None)
    session.add(user)
    session.flush()
    token = secrets.token_urlsafe(32)
    session.add(Token(user_id=user.id, token_hash=hash_token(token)))
    return user, token


def unauthorized(detail: str = "The bearer token is unknown or revoked; ask an admin for a new one.") -> ApiError:
    """401: no bearer token, or one that is unknown or revoked."""
    return ApiError(401, "Not authenticated", detail, slug="not-authenticated",
                    errors=[("header.Authorization", "missing or unknown bearer token")],
                    headers={"WWW-Authenticate": "Bearer"})


def principal_for_token(session: Session, token: str) -> Principal | None:
    """The principal owning ``token``, or None when it is unknown or revoked."""
    return principals_for_tokens(session, [token]).get(token)


def principals_for_tokens(session: Session, tokens: list[str]) -> dict[str, Principal]:
    """The principals owning ``tokens`` (one query); unknown or revoked tokens are left out."""
    by_hash = {hash_token(t): t for t in tokens}
    rows = session.execute(
        select(Token.token_hash, User.name, User.role, User.cohort, User.provider_id)
        .join(Token, Token.user_id == User.id)
        .where(Token.token_hash.in_(list(by_hash)), Token.revoked_at.is_(None))
    ).all()
    return {by_hash[row[0]]: Principal(*row[1:]) for row in rows}


def principal_for_session(session: Session, session_hash: str) -> tuple[Principal, str] | None:
    """The principal of a web console session and its CSRF secret, or None when the session is
    unknown, ended, expired or its token revoked (the console's counterpart of a bearer token)."""
    row = session.execute(
        select(User.name, User.role, User.cohort, User.provider_id, WebSession.csrf)
        .join(Token, Token.user_id == User.id).join(WebSession, WebSession.token_id == Token.id)
        .where(WebSession.id == session_hash, WebSession.ended_at.is_(None), WebSession.expires_at > utcnow(),
               Token.revoked_at.is_(None))
    ).first()
    return None if row is None else (Principal(*row[:4]), row[4])


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
    return ApiError(403, "Forbidden", f"Role {principal.role!r} may not {what}.", slug="forbidden",
                    errors=[("header.Authorization", f"role {principal.role} is not allowed here")])


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
    tokens = session.scalars(select(Token).join(User, Token.user_id == User.id)
                             .where(User.name == name, Token.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
    return len(tokens)
