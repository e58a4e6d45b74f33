"""Choosing what the matcher sees for a request: candidate providers and the decision-view instance.

Per need the matcher sees the ``k`` providers of that service nearest by transit minutes, plus
the ``k`` nearest that have a free slot now, plus every provider the participant ranked, plus
every provider sharing a wait list with one of those (the whole *pool*, so the no-bump rule is
decided on everyone waiting for it). This keeps a request's instance small on a county-sized
directory without hiding a free slot in reach. Provider rows are read before placements and wait
lists, so a version read here is never newer than the counts: a concurrent change makes the
versions differ at write time and the request retries.
"""

from __future__ import annotations

from dataclasses import dataclass

import matcher
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import Participant, Placement, Provider, utcnow
from api.services.providers import active_condition, local_now
from api.services.region import RegionContext
from api.services.records import arrive_by, participant_record, provider_records, travel, wait_entries

SHOWN_OVER_LIMIT = 3


@dataclass
class Snapshot:
    """A decision-view instance, the provider versions it was built from and each provider's list."""

    instance: matcher.Instance
    versions: dict[str, int]
    list_of: dict[str, str]


def candidate_ids(
    session: Session, region: RegionContext, participants: list[Participant], services_of: dict[str, set[str]], k: int
) -> set[str]:
    """Provider ids the matcher should consider for these participants' open needs."""
    return set().union(*candidates_of(session, region, participants, services_of, k).values())


def candidates_of(
    session: Session, region: RegionContext, participants: list[Participant], services_of: dict[str, set[str]], k: int
) -> dict[str, set[str]]:
    """Per participant id: the provider ids the matcher should consider for its open needs."""
    services = sorted({s for v in services_of.values() for s in v})
    if not services:
        return {}
    taken = (
        select(Placement.provider_id, func.count().label("taken"))
        .where(active_condition(utcnow()))
        .group_by(Placement.provider_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Provider.id,
            Provider.service,
            Provider.lon,
            Provider.lat,
            Provider.capacity - Provider.occupied - func.coalesce(taken.c.taken, 0),
        )
        .outerjoin(taken, taken.c.provider_id == Provider.id)
        .where(Provider.service.in_(services), Provider.archived.is_(False))
    ).all()
    if not rows:
        return {}
    return choose_candidates(
        region,
        participants,
        services_of,
        k,
        ids=np.array([r[0] for r in rows]),
        service=np.array([r[1] for r in rows]),
        free=np.array([r[4] for r in rows]) > 0,
        lons=np.array([r[2] for r in rows], float),
        lats=np.array([r[3] for r in rows], float),
    )


def choose_candidates(
    region: RegionContext,
    participants: list[Participant],
    services_of: dict[str, set[str]],
    k: int,
    *,
    ids: np.ndarray,
    service: np.ndarray,
    free: np.ndarray,
    lons: np.ndarray,
    lats: np.ndarray,
    minutes_of: dict[str, np.ndarray] | None = None,
) -> dict[str, set[str]]:
    """Per participant id, the candidates among providers ``ids`` (with their ``service``, whether
    they have a ``free`` slot now, and ``lons``/``lats`` in degrees): see the module docstring.
    ``minutes_of``, when given, receives each participant's transit minutes to every provider."""
    out: dict[str, set[str]] = {}
    known = set(ids.tolist())
    for p in participants:
        minutes = region.travel_minutes(p.lon, p.lat, lons, lats, ids.tolist())
        if minutes_of is not None:
            minutes_of[p.id] = minutes
        chosen = out.setdefault(p.id, set())
        chosen.update(x for x in p.preferences if x in known)
        for s in services_of[p.id]:
            mask = service == s
            within = mask & (minutes <= p.max_transit_minutes)
            for subset, count in ((within, k), (within & free, k), (mask, SHOWN_OVER_LIMIT)):
                idx = np.flatnonzero(subset)
                chosen.update(ids[idx[np.argsort(minutes[idx], kind="stable")[:count]]].tolist())
    return out


def snapshot(
    session: Session,
    region: RegionContext,
    participants: list[Participant],
    services_of: dict[str, set[str]],
    provider_ids: set[str],
) -> Snapshot:
    """The decision-view instance for ``participants`` (open needs ``services_of``) over the pools of
    ``provider_ids`` (they and every provider sharing a wait list with them)."""
    pools = select(Provider.list_id).where(Provider.id.in_(sorted(provider_ids)))
    providers = list(
        session.scalars(
            select(Provider)
            .where(Provider.list_id.in_(pools), Provider.archived.is_(False))
            .order_by(Provider.id)
            .execution_options(populate_existing=True)
        )
    )
    versions = {p.id: p.version for p in providers}
    records = provider_records(session, providers, view="decision")
    instance = decision_instance(
        region, participants, services_of, records, wait_entries(session, {p.list_id for p in providers})
    )
    return Snapshot(instance, versions, {p.id: p.list_id for p in providers})


def decision_instance(
    region: RegionContext,
    participants: list[Participant],
    services_of: dict[str, set[str]],
    records: list[matcher.Provider],
    waiting: list[matcher.WaitListEntry],
    minutes: dict[tuple[str, str], float | None] | None = None,
) -> matcher.Instance:
    """The decision-view instance of ``participants`` (open needs ``services_of``) over the
    providers ``records`` and the ``waiting`` entries of their lists, with transit minutes
    (``minutes`` when given: every participant x provider pair, as :func:`state.travel` makes them),
    arrive-by minutes for clinic appointments and housing-to-provider minutes (the same tables as
    ``handoff match``: :func:`records.arrive_by`, :meth:`RegionContext.provider_travel_minutes`)."""
    known = {r.provider_id for r in records}
    people = [participant_record(p, services_of[p.id], known) for p in participants if services_of[p.id]]
    minutes = travel(region, people, records) if minutes is None else minutes
    return matcher.Instance(
        participants=people,
        providers=records,
        wait_list=waiting,
        travel_minutes=minutes,
        arrive_by_minutes=arrive_by(region, people, records, minutes),
        provider_travel_minutes=region.provider_travel_minutes(records),
        as_of=local_now().date().isoformat(),
        region=region.name,
    )
