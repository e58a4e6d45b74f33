"""The append-only audit log: one row per state change, in the same transaction as the change, and
one row per person-level record read (who read which participant or wait list, when), as HIPAA's
access logging expects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import AuditEntry, utcnow


def row(actor: str, action: str, record_type: str, record_id: str, **detail: Any) -> dict:
    """The column values of the audit row :func:`record` would add, for a Core insert."""
    return dict(
        at=utcnow(), actor=actor, action=action, record_type=record_type, record_id=str(record_id), detail=detail
    )


def record(session: Session, actor: str, action: str, record_type: str, record_id: str, **detail: Any) -> None:
    """Add an audit row: ``actor`` did ``action`` to ``record_type`` ``record_id``."""
    session.add(
        AuditEntry(actor=actor, action=action, record_type=record_type, record_id=str(record_id), detail=detail)
    )


def reads(session: Session, actor: str, record_type: str, record_ids: list[str], **detail: Any) -> None:
    """Add one ``<record_type>.read`` row per record ``actor`` read (``detail`` says through what)."""
    session.add_all(
        [
            AuditEntry(
                actor=actor,
                action=f"{record_type}.read",
                record_type=record_type,
                record_id=str(record_id),
                detail=detail,
            )
            for record_id in dict.fromkeys(record_ids)
        ]
    )


def query(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    record_type: str | None = None,
    record_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[int, list[AuditEntry]]:
    """Audit rows matching every given filter, newest first; returns (total, page)."""
    conditions = []
    if actor:
        conditions.append(AuditEntry.actor == actor)
    if action:
        conditions.append(AuditEntry.action == action)
    if record_type:
        conditions.append(AuditEntry.record_type == record_type)
    if record_id:
        conditions.append(AuditEntry.record_id == record_id)
    if since:
        conditions.append(AuditEntry.at >= since)
    if until:
        conditions.append(AuditEntry.at < until)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    rows = session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
    ).all()
    return total, list(rows)
