"""Participants: pseudonymous records scoped to a cohort, their needs and consent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import Principal, forbidden
from api.db.models import Consent, Participant, utcnow
from api.errors import ApiError, conflict, invalid, not_found
from api.schemas.participants import ConsentIn, ConsentOut, ParticipantCreate, ParticipantOut, ParticipantUpdate
from api.services import audit
from api.services.holds import release_participant_holds
from api.services.region import RegionContext


def check_scope(principal: Principal, participant: Participant, field: str = "path.participant_id") -> None:
    """A coordinator sees only participants of their own cohort; another cohort's participant
    answers exactly as an unknown id (404), so ids of other cohorts cannot be probed."""
    if principal.role == "coordinator" and participant.cohort != principal.cohort:
        raise not_found("participant", participant.id, field)


def get(
    session: Session,
    principal: Principal,
    participant_id: str,
    *,
    lock: bool = False,
    field: str = "path.participant_id",
) -> Participant:
    """The participant (404 when unknown or outside the coordinator's cohort)."""
    query = select(Participant).where(Participant.id == participant_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    participant = session.scalar(query)
    if participant is None:
        raise not_found("participant", participant_id, field)
    check_scope(principal, participant, field)
    return participant


def consents(session: Session, participant_id: str) -> list[Consent]:
    """Every consent recorded for the participant, oldest first."""
    return list(session.scalars(select(Consent).where(Consent.participant_id == participant_id).order_by(Consent.id)))


def consent_active(consent: Consent, today: date | None = None) -> bool:
    """True when the release of information covers ``today`` and is not revoked."""
    today = today or date.today()
    return consent.revoked_at is None and consent.granted_on <= today <= consent.expires_on


def has_active_consent(session: Session, participant_id: str, scope: str = "placement") -> bool:
    """True when a release of information for ``scope`` covers today."""
    return any(c.scope == scope and consent_active(c) for c in consents(session, participant_id))


def consent_out(consent: Consent) -> ConsentOut:
    """The response body of a recorded consent, with whether it covers today."""
    return ConsentOut(
        id=consent.id,
        scope=consent.scope,
        granted_on=consent.granted_on,
        expires_on=consent.expires_on,
        revoked_at=consent.revoked_at,
        active=consent_active(consent),
    )


def to_out(session: Session, participant: Participant) -> ParticipantOut:
    """The response body of a participant with its consents."""
    consent_rows = [consent_out(c) for c in consents(session, participant.id)]
    return ParticipantOut(
        id=participant.id,
        cohort=participant.cohort,
        lon=participant.lon,
        lat=participant.lat,
        needs=participant.needs,
        attributes=participant.attributes,
        max_transit_minutes=participant.max_transit_minutes,
        preferences=list(participant.preferences),
        consents=consent_rows,
        created_at=participant.created_at,
        updated_at=participant.updated_at,
    )


def check_cohort(region: RegionContext, cohort: str, field: str) -> None:
    """422 naming ``field`` when the service runs on a region and ``cohort`` is not one of its cohorts."""
    if region.folder is not None or region.cohorts:
        if cohort not in region.cohorts:
            known = sorted(region.cohorts)
            shown = ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
            raise invalid(
                field,
                f"unknown cohort {cohort!r}",
                f"{region.name} has no cohort {cohort!r}; use one of: {shown or 'none defined'} "
                "(the [cohorts] of region.toml, else its municipalities).",
            )


def id_unavailable() -> ApiError:
    """409 for a participant id in use, the same whichever cohort uses it (nothing about the record)."""
    return conflict(
        "This participant id cannot be used; choose another pseudonymous id (ids are unique across every cohort).",
        "body.id",
        "id not available",
        slug="id-unavailable",
    )


def create(session: Session, principal: Principal, body: ParticipantCreate, region: RegionContext) -> Participant:
    """Add a participant; a coordinator can add only to their own cohort. Audited."""
    if principal.role == "coordinator" and body.cohort != principal.cohort:
        raise forbidden(principal, f"add participants to cohort {body.cohort!r} (only {principal.cohort!r})")
    check_cohort(region, body.cohort, "body.cohort")
    region.check_point(body.lon, body.lat)
    if session.get(Participant, body.id) is not None:
        raise id_unavailable()
    participant = Participant(
        id=body.id,
        cohort=body.cohort,
        lon=body.lon,
        lat=body.lat,
        needs=[n.model_dump(exclude_none=True) for n in body.needs],
        attributes=body.attributes.model_dump(exclude_none=True),
        max_transit_minutes=body.max_transit_minutes,
        preferences=list(body.preferences),
    )
    session.add(participant)
    audit.record(session, principal.name, "participant.create", "participant", body.id, cohort=body.cohort)
    return participant


def patch(
    session: Session, principal: Principal, participant_id: str, body: ParticipantUpdate, region: RegionContext
) -> Participant:
    """Change needs, location, constraints or preferences. Audited with the changed field names."""
    participant = get(session, principal, participant_id, lock=True)
    changes = body.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None:
            raise invalid(f"body.{key}", "may not be null; leave the field out to keep it")
    if "lon" in changes or "lat" in changes:
        region.check_point(changes.get("lon", participant.lon), changes.get("lat", participant.lat))
    if body.needs is not None:
        services = [n.service for n in body.needs]
        if len(set(services)) != len(services):
            raise invalid("body.needs", "a service is listed twice")
        changes["needs"] = keep_declines(participant.needs, [n.model_dump(exclude_none=True) for n in body.needs])
    if body.attributes is not None:
        changes["attributes"] = body.attributes.model_dump(exclude_none=True)
    if body.preferences is not None and len(set(body.preferences)) != len(body.preferences):
        raise invalid("body.preferences", "a provider is ranked twice")
    for key, value in changes.items():
        setattr(participant, key, value)
    participant.updated_at = utcnow()
    audit.record(session, principal.name, "participant.update", "participant", participant.id, fields=sorted(changes))
    return participant


def keep_declines(before: list[dict], after: list[dict]) -> list[dict]:
    """New needs keep the declines recorded on the same service before (a "no" is remembered)."""
    declined = {n["service"]: n["declined"] for n in before if n.get("declined")}
    return [{**n, "declined": declined[n["service"]]} if n["service"] in declined else n for n in after]


def add_consent(session: Session, principal: Principal, participant_id: str, body: ConsentIn) -> Consent:
    """Record a release of information. Audited."""
    get(session, principal, participant_id, lock=True)
    consent = Consent(
        participant_id=participant_id, scope=body.scope, granted_on=body.granted_on, expires_on=body.expires_on
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        principal.name,
        "consent.add",
        "participant",
        participant_id,
        consent_id=consent.id,
        scope=body.scope,
        granted_on=body.granted_on.isoformat(),
        expires_on=body.expires_on.isoformat(),
    )
    return consent


def revoke_consent(session: Session, principal: Principal, participant_id: str, consent_id: int) -> Consent:
    """Revoke a consent (it stays on record with the revocation time); when no other release of
    information covers today, the participant's holds are released at once. Audited."""
    get(session, principal, participant_id, lock=True)
    consent = session.get(Consent, consent_id)
    if consent is None or consent.participant_id != participant_id:
        raise not_found("consent", str(consent_id), "path.consent_id")
    if consent.revoked_at is not None:
        raise conflict(f"Consent {consent_id} is revoked already.", "path.consent_id", "already revoked")
    consent.revoked_at = utcnow()
    audit.record(session, principal.name, "consent.revoke", "participant", participant_id, consent_id=consent_id)
    session.flush()
    if not has_active_consent(session, participant_id):
        release_participant_holds(
            session,
            participant_id,
            principal.name,
            f"consent {consent_id} revoked: no release of information covers today",
        )
    return consent


def listing(
    session: Session, principal: Principal, *, cohort: str | None, offset: int, limit: int
) -> tuple[int, list[Participant]]:
    """A page of participants; a coordinator's listing is always limited to their cohort."""
    if principal.role == "coordinator":
        cohort = principal.cohort
    conditions = [Participant.cohort == cohort] if cohort else []
    total = session.scalar(select(func.count()).select_from(Participant).where(*conditions)) or 0
    rows = session.scalars(select(Participant).where(*conditions).order_by(Participant.id).offset(offset).limit(limit))
    return total, list(rows)
