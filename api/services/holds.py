"""Keeping holds admissible: re-check after changes, release what no longer fits, expire old holds.

After every commit the active holds must pass ``matcher.check`` against the current capacity and
wait lists (the check view of :mod:`api.services.records`). A change a provider makes for real
(fewer beds, someone added ahead on the list) can make a hold bump someone: such holds are
released, newest first, with the reason in the audit log. Confirmed placements are never undone.
Consent is live: a participant whose release of information is revoked or has expired loses
every hold at once (:func:`release_participant_holds`, and the sweeper for expiry).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime

import matcher
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, sessionmaker

from api.db.models import Consent, Placement, Provider, utcnow
from api.services import audit
from api.services.providers import bump, lock_providers
from api.services.region import RegionContext
from api.services.records import check_view

log = logging.getLogger("handoff.api")
SWEEPER = "system:sweeper"


def violations(
    session: Session, region: RegionContext, provider_ids: Iterable[str] | None = None, now: datetime | None = None
) -> tuple[list[matcher.Violation], dict[str, list[Placement]]]:
    """``matcher.check`` on the check view of the pools of ``provider_ids`` (all when None)."""
    instance, result, rows = check_view(session, region, provider_ids, now)
    return matcher.check(instance, result), rows


def _culprit(
    violation: matcher.Violation, rows: dict[str, list[Placement]], list_of: dict[str, str]
) -> Placement | None:
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

    Runs inside the caller's transaction, the providers' pools already locked
    (``providers.lock_providers``), so the check reads them as they stay; each hold is locked and
    read again before it is released (:func:`still_held`). Returns released ids."""
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
        if still_held(session, hold) is None:
            continue  # decided meanwhile: check again on what is stored now
        release(session, hold, "released", actor, f"no longer admissible: {found[0].message}")
        session.flush()
        released.append(hold.id)


def still_held(session: Session, hold: Placement) -> Placement | None:
    """``hold`` locked and read afresh, or None when it is no longer held (confirmed, declined,
    released or expired meanwhile): a release never overwrites what another transaction decided."""
    current = session.scalars(
        select(Placement).where(Placement.id == hold.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    return current if current.status == "held" else None


def release(session: Session, hold: Placement, status: str, actor: str, reason: str) -> None:
    """Move a placement to ``status`` (released, declined or expired) with ``reason``; audited."""
    before = hold.status
    hold.status, hold.reason, hold.updated_at = status, reason, utcnow()
    bump(session, [hold.provider_id])
    audit.record(
        session,
        actor,
        f"placement.{status}",
        "placement",
        hold.id,
        before=before,
        reason=reason,
        provider_id=hold.provider_id,
        participant_id=hold.participant_id,
    )


def expire_holds(sessions: sessionmaker[Session], now: datetime | None = None, batch: int = 200) -> int:
    """Mark holds past their expiry as expired and release those whose participant's consent
    lapsed (audited, actor ``system:sweeper``); returns how many."""
    now = now or utcnow()
    total = release_lapsed_consent(sessions)
    while True:
        with sessions() as session, session.begin():
            due = session.execute(
                select(Placement.id, Placement.provider_id)
                .where(Placement.status == "held", Placement.hold_expires_at <= now)
                .order_by(Placement.id)
                .limit(batch)
            ).all()
            if not due:
                return total
            lock_providers(session, {provider_id for _, provider_id in due})
            rows = session.scalars(
                select(Placement)
                .where(Placement.id.in_([i for i, _ in due]))
                .with_for_update()
                .execution_options(populate_existing=True)
            ).all()
            for hold in rows:
                expires = hold.hold_expires_at
                if hold.status == "held" and expires is not None and expires <= now:
                    release(
                        session,
                        hold,
                        "expired",
                        SWEEPER,
                        f"hold expired at {expires.isoformat()} without confirmation",
                    )
                    total += 1


def consent_covers(today: date, participant_id=Placement.participant_id):
    """SQL condition: the participant ``participant_id`` (a column; by default the placement's) has
    a placement release of information that covers ``today`` and is not revoked (the rule of
    ``participants.consent_active``)."""
    return exists().where(
        Consent.participant_id == participant_id,
        Consent.scope == "placement",
        Consent.revoked_at.is_(None),
        Consent.granted_on <= today,
        Consent.expires_on >= today,
    )


def release_participant_holds(session: Session, participant_id: str, actor: str, reason: str) -> list[str]:
    """Release every held placement of a participant (providers locked in id order); audited
    with ``reason``. Returns the released ids."""
    due = session.execute(
        select(Placement.id, Placement.provider_id).where(
            Placement.participant_id == participant_id, Placement.status == "held"
        )
    ).all()
    return _release_due(session, due, actor, reason)


def _release_due(session: Session, due, actor: str, reason: str) -> list[str]:
    if not due:
        return []
    lock_providers(session, {provider_id for _, provider_id in due})
    rows = session.scalars(
        select(Placement)
        .where(Placement.id.in_([i for i, _ in due]))
        .order_by(Placement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    released = []
    for hold in rows:
        if hold.status == "held":
            release(session, hold, "released", actor, reason)
            released.append(hold.id)
    return released


def release_lapsed_consent(sessions: sessionmaker[Session], today: date | None = None, batch: int = 200) -> int:
    """Release holds whose participant no longer has a release of information covering ``today``
    (expired or revoked; actor ``system:sweeper``); returns how many."""
    today = today or date.today()
    total = 0
    while True:
        with sessions() as session, session.begin():
            due = session.execute(
                select(Placement.id, Placement.provider_id)
                .where(Placement.status == "held", ~consent_covers(today))
                .order_by(Placement.id)
                .limit(batch)
            ).all()
            if not due:
                return total
            total += len(
                _release_due(
                    session,
                    due,
                    SWEEPER,
                    "the participant's release of information has "
                    f"lapsed (no placement consent covers {today.isoformat()})",
                )
            )
