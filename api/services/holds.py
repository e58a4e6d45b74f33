"""Keeping holds admissible: re-check after changes, release what no longer fits, expire old holds.

After every commit the active holds must pass ``matcher.check`` against the current capacity and
wait lists (the check view of :mod:`api.services.state`). A change a provider makes for real
(fewer beds, someone added ahead on the list) can make a hold bump someone: such holds are
released, newest first, with the reason in the audit log. Confirmed placements are never undone.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import matcher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.db.models import Placement, Provider, utcnow
from api.services import audit
from api.services.providers import bump, lock_providers
from api.services.region import RegionContext
from api.services.state import check_view

log = logging.getLogger("handoff.api")
SWEEPER = "system:sweeper"


def violations(session: Session, region: RegionContext, provider_ids: Iterable[str] | None = None,
               now: datetime | None = None) -> tuple[list[matcher.Violation], dict[str, list[Placement]]]:
    """``matcher.check`` on the check view of the pools of ``provider_ids`` (all when None)."""
    instance, result, rows = check_view(session, region, provider_ids, now)
    return matcher.check(instance, result), rows


def _culprit(violation: matcher.Violation, rows: dict[str, list[Placement]],
             list_of: dict[str, str]) -> Placement | None:
    """The newest hold a violation points at (by participant and provider, or by list)."""
    if violation.provider_id in rows:
        candidates = rows[violation.provider_id]
    else:
        candidates = [h for pid, hs in rows.items() if list_of.get(pid) == violation.provider_id for h in hs]
    if violation.participant_id:
        mine = [h for h in candidates if h.participant_id == violation.participant_id]
        candidates = mine or candidates
    return max(candidates, key=lambda h: (h.created_at, h.id), default=None)


def revalidate(session: Session, provider_ids: Iterable[str], actor: str, region: RegionContext) -> list[str]:
    """Release holds at these providers' pools that ``matcher.check`` rejects, newest first.

    Runs inside the caller's transaction (providers already locked). Returns released ids."""
    released: list[str] = []
    ids = list(provider_ids)
    list_of = dict(session.execute(select(Provider.id, Provider.list_id)).all()) if ids else {}
    while True:
        found, rows = violations(session, region, ids)
        if not found:
            return released
        hold = next((h for v in found if (h := _culprit(v, rows, list_of)) is not None), None)
        if hold is None:
            log.error("check fails but no hold is to blame: %s", found)
            return released
        release(session, hold, "released", actor, f"no longer admissible: {found[0].message}")
        session.flush()
        released.append(hold.id)


def release(session: Session, hold: Placement, status: str, actor: str, reason: str) -> None:
    """Move a placement to ``status`` (released, declined or expired) with ``reason``; audited."""
    before = hold.status
    hold.status, hold.reason, hold.updated_at = status, reason, utcnow()
    bump(session, [hold.provider_id])
    audit.record(session, actor, f"placement.{status}", "placement", hold.id, before=before, reason=reason,
                 provider_id=hold.provider_id, participant_id=hold.participant_id)


def expire_holds(sessions: sessionmaker[Session], now: datetime | None = None, batch: int = 200) -> int:
    """Mark holds past their expiry as expired (audited, actor ``system:sweeper``); returns how many."""
    now = now or utcnow()
    total = 0
    while True:
        with sessions() as session, session.begin():
            due = session.execute(select(Placement.id, Placement.provider_id)
                                  .where(Placement.status == "held", Placement.hold_expires_at <= now)
                                  .order_by(Placement.id).limit(batch)).all()
            if not due:
                return total
            lock_providers(session, {provider_id for _, provider_id in due})
            rows = session.scalars(select(Placement).where(Placement.id.in_([i for i, _ in due]))
                                   .with_for_update().execution_options(populate_existing=True)).all()
            for hold in rows:
                if hold.status == "held" and hold.hold_expires_at <= now:
                    release(session, hold, "expired", SWEEPER,
                            f"hold expired at {hold.hold_expires_at.isoformat()} without confirmation")
                    total += 1
