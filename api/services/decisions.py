"""Deciding on a placement: confirm, decline or release; reading placements and requests."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal, check_role, principals_for_tokens, unauthorized
from api.db.models import Participant, Placement, PlacementRequest, WaitListEntry, utcnow
from api.errors import conflict, not_found
from api.services import audit
from api.services import participants as participant_service
from api.services.holds import release
from api.services.providers import bump
from api.services.providers import get as get_provider


def check_scope(session: Session, principal: Principal, placement: Placement) -> None:
    """Coordinators act on their cohort's placements, providers on placements at their provider; any
    other placement answers exactly as an unknown id (404)."""
    outside = (principal.role == "provider" and placement.provider_id != principal.provider_id) or (
        principal.role == "coordinator" and not _in_cohort(session, principal, placement.participant_id)
    )
    if outside:
        raise not_found("placement", placement.id, "path.placement_id")


def _in_cohort(session: Session, principal: Principal, participant_id: str) -> bool:
    return session.scalar(select(Participant.cohort).where(Participant.id == participant_id)) == principal.cohort


def get_placement(session: Session, principal: Principal, placement_id: str, *, lock: bool = False) -> Placement:
    """A placement the caller may see (404 unknown); with ``lock`` its provider row is locked first."""
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise not_found("placement", placement_id, "path.placement_id")
    check_scope(session, principal, placement)
    if lock:
        get_provider(session, placement.provider_id, lock=True)
        placement = session.scalars(
            select(Placement)
            .where(Placement.id == placement_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
    return placement


def confirm(session: Session, principal: Principal, placement_id: str) -> Placement:
    """Confirm a held, unexpired placement of a participant with active consent (else 409 and the
    hold is released); the participant leaves that provider's wait list."""
    placement = get_placement(session, principal, placement_id, lock=True)
    now = utcnow()
    expires = placement.hold_expires_at
    if placement.status == "held" and expires is not None and expires <= now:
        release(session, placement, "expired", principal.name, "hold expired before confirmation")
        session.commit()
        raise conflict(
            f"The hold on placement {placement_id} expired at {expires.isoformat()}; send a new placement request.",
            "path.placement_id",
            "hold expired",
            slug="hold-expired",
        )
    if placement.status != "held":
        raise conflict(
            f"Placement {placement_id} is {placement.status}; only a held placement can be confirmed.",
            "path.placement_id",
            f"placement is {placement.status}",
            slug="not-held",
        )
    if not participant_service.has_active_consent(session, placement.participant_id):
        release(session, placement, "released", principal.name, "no active consent at confirmation")
        session.commit()
        raise conflict(
            f"Participant {placement.participant_id!r} has no release of information covering today, so "
            f"placement {placement_id} cannot be confirmed and its hold is released; record a consent "
            f"with POST /v1/participants/{placement.participant_id}/consents and request again.",
            "path.placement_id",
            "no active consent",
            slug="no-consent",
        )
    placement.status, placement.updated_at, placement.hold_expires_at = "confirmed", now, None
    provider = get_provider(session, placement.provider_id)
    for entry in session.scalars(
        select(WaitListEntry).where(
            WaitListEntry.list_id == provider.list_id,
            WaitListEntry.person_id == placement.participant_id,
            WaitListEntry.status == "waiting",
        )
    ):
        entry.status, entry.updated_at = "placed", now
    bump(session, [placement.provider_id])  # the hold no longer expires, and the list lost a waiting entry
    audit.record(
        session,
        principal.name,
        "placement.confirm",
        "placement",
        placement.id,
        provider_id=placement.provider_id,
        participant_id=placement.participant_id,
    )
    return placement


def decide(
    session: Session, principal: Principal, placement_id: str, status: str, reason: str, category: str | None = None
) -> Placement:
    """Decline a held placement or release a held or confirmed one, with the reason. A decline is
    remembered on the participant's need (that provider is not proposed again for it) with its
    ``category`` (default other); the participant keeps every place on every wait list."""
    participant = None
    if status == "declined":  # the participant before the provider, as placement requests lock them
        found = session.get(Placement, placement_id)
        if found is not None:
            participant = session.scalar(
                select(Participant)
                .where(Participant.id == found.participant_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
    placement = get_placement(session, principal, placement_id, lock=True)
    allowed = ("held",) if status == "declined" else ("held", "confirmed")
    if placement.status not in allowed:
        verb = "declined" if status == "declined" else "released"
        raise conflict(
            f"Placement {placement_id} is {placement.status}; only {' or '.join(allowed)} can be {verb}.",
            "path.placement_id",
            f"placement is {placement.status}",
            slug="wrong-state",
        )
    release(session, placement, status, principal.name, reason or status)
    if status == "declined" and participant is not None:
        placement.decline_reason = category or "other"
        remember_decline(participant, placement, reason)
    return placement


def visible_placements(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    participant_id: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Placement]:
    """Placements the caller may see, oldest first: a provider's at its provider, a coordinator's in
    their cohort; optionally only one status or one participant's."""
    query = select(Placement)
    if principal.role == "provider":
        query = query.where(Placement.provider_id == principal.provider_id)
    if principal.role == "coordinator":
        query = query.join(Participant, Participant.id == Placement.participant_id).where(
            Participant.cohort == principal.cohort
        )
    if status:
        query = query.where(Placement.status == status)
    if participant_id:
        query = query.where(Placement.participant_id == participant_id)
    return list(session.scalars(query.order_by(Placement.created_at, Placement.id).offset(offset).limit(limit)))


def latest_request(session: Session, principal: Principal, participant_id: str) -> PlacementRequest | None:
    """The participant's newest placement request (None before the first), scope checked."""
    participant_service.get(session, principal, participant_id)
    return session.scalar(
        select(PlacementRequest)
        .where(PlacementRequest.participant_id == participant_id)
        .order_by(PlacementRequest.created_at.desc(), PlacementRequest.id.desc())
        .limit(1)
    )


def remember_decline(participant: Participant, placement: Placement, reason: str) -> None:
    """Record on the participant's need for that service that they declined the provider."""
    mark = {
        "provider_id": placement.provider_id,
        "category": placement.decline_reason or "other",
        "reason": reason,
        "at": utcnow().isoformat(timespec="seconds"),
    }
    needs = []
    for need in participant.needs:
        if need["service"] == placement.service:
            kept = [d for d in need.get("declined") or () if d["provider_id"] != placement.provider_id]
            need = {**need, "declined": kept + [mark]}
        needs.append(need)
    participant.needs, participant.updated_at = needs, utcnow()


def reconsider(session: Session, principal: Principal, participant_id: str, provider_ids: list[str]) -> list[str]:
    """The coordinator asks again, by name, for providers the participant declined: they are
    proposed again. Returns the ids that were declined; audited."""
    participant = participant_service.get(session, principal, participant_id, lock=True, field="body.participant_id")
    wanted = set(provider_ids)
    again = sorted({d["provider_id"] for n in participant.needs for d in n.get("declined") or ()} & wanted)
    if again:
        participant.needs = [
            {**n, "declined": [d for d in n.get("declined") or () if d["provider_id"] not in wanted]}
            if n.get("declined")
            else n
            for n in participant.needs
        ]
        participant.updated_at = utcnow()
        audit.record(session, principal.name, "participant.reconsider", "participant", participant.id, providers=again)
    return again


def reconsider_by_token(
    sessions: sessionmaker[Session], token: str, participant_id: str, provider_ids: list[str]
) -> list[str]:
    """:func:`reconsider` for the owner of bearer ``token`` (401 unknown, 403 unless a coordinator
    or admin), committed before the placement request that names the providers is placed."""
    with sessions() as session:
        principal = principals_for_tokens(session, [token]).get(token)
        if principal is None:
            raise unauthorized()
        check_role(principal, ("coordinator",))
        again = reconsider(session, principal, participant_id, provider_ids)
        session.commit()
        return again


def get_request(session: Session, principal: Principal, request_id: str) -> PlacementRequest:
    """A placement request the caller may see."""
    request = session.get(PlacementRequest, request_id)
    if request is None or (
        principal.role == "coordinator" and not _in_cohort(session, principal, request.participant_id)
    ):
        raise not_found("placement request", request_id, "path.request_id")
    return request


def placements_of(session: Session, request_id: str) -> dict[str, Placement]:
    """The placements made for a request, by id."""
    return {p.id: p for p in session.scalars(select(Placement).where(Placement.request_id == request_id))}
