"""What a placement is decided on: the candidate providers' pools as read at one moment.

Per need the matcher sees the ``k`` providers of that service nearest by transit minutes, plus
the ``k`` nearest that have a free slot now, plus every provider the participant ranked, plus
every provider sharing a wait list with one of those (the whole *pool*, so the no-bump rule is
decided on everyone waiting for it). This keeps a request's instance small on a county-sized
directory without hiding a free slot in reach.

A :class:`Snapshot` is plain data (matcher records, versions, minutes): :mod:`api.services.decide`
turns it into matcher instances without the database. It is read here from the database
(:func:`read_snapshot`, :func:`read_pools`) or from the desk's in-memory directory
(:meth:`api.services.directory.Directory.snapshot`). Provider rows are read before placements
and wait lists, so a version read here is never newer than the counts: a concurrent change makes
the versions differ at write time (:func:`api.services.placements.claim_pools`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import matcher
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import Participant, Placement, Provider, utcnow
from api.services.providers import active_condition, local_now
from api.services.records import participant_record, provider_records, travel, wait_entries
from api.services.region import RegionContext

SHOWN_OVER_LIMIT = 3


@dataclass(frozen=True)
class Snapshot:
    """The decision view of the asked participants' candidate pools.

    ``people``: the participants as matcher records (open needs only), in arrival order;
    ``candidates``: per participant id, the provider ids chosen for it; ``providers``: decision-view
    records (holds count as occupied) of every provider of those pools, by id; ``pools``: list id ->
    its providers' ids in id order; ``waiting``: list id -> its waiting entries; ``minutes``: transit
    minutes per (participant, provider) pair, None unreachable; ``versions``: each provider's version
    as read; ``as_of``: the local date (ISO) the snapshot was read on."""

    people: list[matcher.Participant]
    candidates: dict[str, set[str]]
    providers: dict[str, matcher.Provider]
    pools: dict[str, list[str]]
    waiting: dict[str, list[matcher.WaitListEntry]]
    minutes: dict[tuple[str, str], float | None]
    versions: dict[str, int]
    as_of: str

    def pools_of(self, provider_ids: set[str]) -> list[str]:
        """The wait lists (sorted) of those of ``provider_ids`` that are in the snapshot."""
        return sorted({self.providers[p].list_id for p in provider_ids if p in self.providers})


def candidates_of(
    session: Session, region: RegionContext, participants: list[Participant], services_of: dict[str, set[str]], k: int
) -> dict[str, set[str]]:
    """Per participant id: the provider ids the matcher should consider for its open needs
    (``services_of``), ``k`` per need and rule (see the module docstring)."""
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
    if not participants:
        return out
    id_list = ids.tolist()
    known = set(id_list)
    matrix = region.travel_matrix(np.array([[p.lon, p.lat] for p in participants], float), lons, lats, id_list)
    masks: dict[str, np.ndarray] = {}
    for p, minutes in zip(participants, matrix):
        if minutes_of is not None:
            minutes_of[p.id] = minutes
        chosen = out.setdefault(p.id, set())
        chosen.update(x for x in p.preferences if x in known)
        nearest = np.argsort(minutes, kind="stable")  # a subset's nearest are in this order too
        reach = (minutes <= p.max_transit_minutes)[nearest]
        free_nearest = free[nearest]
        for s in services_of[p.id]:
            mask = masks[s] if s in masks else masks.setdefault(s, service == s)
            of_service = mask[nearest]
            within = of_service & reach
            for subset, count in ((within, k), (within & free_nearest, k), (of_service, SHOWN_OVER_LIMIT)):
                chosen.update(ids[nearest[subset][:count]].tolist())
    return out


def lock_pools(session: Session, provider_ids: set[str]) -> None:
    """Lock the pools of ``provider_ids`` (they and their wait-list mates) in id order."""
    if provider_ids:
        pools = select(Provider.list_id).where(Provider.id.in_(sorted(provider_ids)))
        session.execute(select(Provider.id).where(Provider.list_id.in_(pools)).order_by(Provider.id).with_for_update())


def read_snapshot(
    session: Session,
    region: RegionContext,
    participants: list[Participant],
    services_of: dict[str, set[str]],
    k: int,
    *,
    lock: bool = False,
) -> Snapshot:
    """The snapshot for ``participants`` (open needs ``services_of``) read through ``session``: their
    candidates (``k`` per need and rule) and those candidates' pools, locked first when ``lock``."""
    wanted = candidates_of(session, region, participants, services_of, k)
    ids: set[str] = set().union(*wanted.values())
    if lock:
        lock_pools(session, ids)
    return read_pools(session, region, participants, services_of, ids, wanted)


def read_pools(
    session: Session,
    region: RegionContext,
    participants: list[Participant],
    services_of: dict[str, set[str]],
    provider_ids: set[str],
    candidates: dict[str, set[str]] | None = None,
) -> Snapshot:
    """The snapshot of the pools of ``provider_ids`` (they and every provider sharing a wait list with
    them) for ``participants``, with transit minutes for every participant x provider pair."""
    pools = select(Provider.list_id).where(Provider.id.in_(sorted(provider_ids)))
    rows = list(
        session.scalars(
            select(Provider)
            .where(Provider.list_id.in_(pools), Provider.archived.is_(False))
            .order_by(Provider.id)
            .execution_options(populate_existing=True)
        )
    )
    records = provider_records(session, rows, view="decision")
    members: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        members[row.list_id].append(row.id)
    waiting: dict[str, list[matcher.WaitListEntry]] = {list_id: [] for list_id in members}
    for entry in wait_entries(session, members):
        waiting[entry.list_id].append(entry)
    known = {r.provider_id for r in records}
    people = [participant_record(p, services_of[p.id], known) for p in participants if services_of[p.id]]
    return Snapshot(
        people=people,
        candidates=candidates if candidates is not None else {p.participant_id: set() for p in people},
        providers={r.provider_id: r for r in records},
        pools=dict(members),
        waiting=waiting,
        minutes=dict(travel(region, people, records)),
        versions={row.id: row.version for row in rows},
        as_of=local_now().date().isoformat(),
    )
