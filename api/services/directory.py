"""The placement desk's directory: every provider's pool, kept in memory between batches.

Read whole on first use, then brought up to date before each batch with one query for every
provider's ``version``: only providers whose version moved, that came or that went are read again,
with their active placements and the waiting entries of their wait lists. A version grows with
every change to a provider's row, its wait list or its placements (``providers.bump``,
``placements.claim_pools``), so an equal version means an unchanged pool. Versions are read before
the rows they guard, so a cached version is never newer than the cached pool: a change in between
shows as a moved version at the next refresh or when the desk claims the pool, never as a stale
pool passing for current.

Holds also end by the clock: each cached placement keeps its expiry, and the decision view counts
a hold only while it is unexpired (as ``providers.active_condition`` does in SQL).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import matcher
import numpy as np
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from api.db.models import Participant, Placement, Provider, utcnow
from api.services.providers import local_now
from api.services.records import Taken, minutes_value, participant_record, provider_record, taken_slots, usage
from api.services.records import wait_entries
from api.services.region import RegionContext
from api.services.snapshot import Snapshot, choose_candidates

PROVIDER_COLUMNS = (
    Provider.id,
    Provider.name,
    Provider.service,
    Provider.subtype,
    Provider.capacity,
    Provider.occupied,
    Provider.lead_slots,
    Provider.lead_occupied,
    Provider.monthly_turnover,
    Provider.intake_days,
    Provider.eligibility,
    Provider.open_hours,
    Provider.appointment_times,
    Provider.by_appointment,
    Provider.lon,
    Provider.lat,
    Provider.list_id,
    Provider.version,
)


CHUNK = 5000  # ids per IN list when reading many providers or lists


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


class Directory:
    """Provider rows, versions, taken slots and wait lists of every provider not archived."""

    def __init__(self) -> None:
        self.rows: dict[str, Row[Any]] = {}  # provider id -> its PROVIDER_COLUMNS
        self.versions: dict[str, int] = {}
        self.taken: dict[str, list[Taken]] = {}
        self.waiting: dict[str, list[matcher.WaitListEntry]] = {}
        self.members: dict[str, list[str]] = {}
        self.list_of: dict[str, str] = {}  # provider id -> its wait list id
        self.clock: int | None = None
        self._records: dict[str, tuple[matcher.Provider, datetime | None]] = {}
        self._arrays: tuple[np.ndarray, ...] | None = None
        self._free: np.ndarray | None = None
        self._index: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._next_expiry: datetime | None = None

    def refresh(self, session: Session, now: datetime) -> int:
        """Bring the directory up to date; returns how many providers were read again.

        First one number: the sum of every provider's version, archived ones included. Versions
        only grow and providers are never deleted, so any change makes it grow; while it stays
        what the directory last saw (its own writes included), nothing is read again."""
        clock = session.scalar(select(func.coalesce(func.sum(Provider.version), 0)))
        if clock == self.clock:
            return 0
        current = dict(session.execute(select(Provider.id, Provider.version).where(Provider.archived.is_(False))).all())
        changed = sorted(pid for pid, version in current.items() if self.versions.get(pid) != version)
        gone = set(self.rows) - set(current)
        lists = {self.list_of[pid] for pid in gone | set(changed) if pid in self.list_of}
        moved = bool(gone)
        for pid in gone:
            del self.rows[pid], self.taken[pid], self.versions[pid], self.list_of[pid]
        for pid in gone | set(changed):
            self._records.pop(pid, None)
        self._dirty.update(changed)
        for chunk in _chunks(changed):
            rows = session.execute(
                select(*PROVIDER_COLUMNS).where(Provider.id.in_(chunk), Provider.archived.is_(False))
            ).all()
            taken = taken_slots(session, chunk, now)
            for slots in taken.values():
                for t in slots:
                    self._expires(t.expires_at)
            for row in rows:
                before = self.rows.get(row.id)
                moved = (
                    moved
                    or before is None
                    or (before.service, before.lon, before.lat, before.list_id)
                    != (row.service, row.lon, row.lat, row.list_id)
                )
                self.rows[row.id], self.versions[row.id], self.list_of[row.id] = row, row.version, row.list_id
                self.taken[row.id] = taken.get(row.id, [])
                lists.add(row.list_id)
        if moved:
            self._arrays = self._free = None
            members: dict[str, list[str]] = defaultdict(list)
            for pid, row in sorted(self.rows.items()):
                members[row.list_id].append(pid)
            self.members = dict(members)
        self._read_lists(session, lists)
        self.clock = clock
        return len(changed)

    def _read_lists(self, session: Session, lists: set[str]) -> None:
        ordered = sorted(lists)
        for list_id in ordered:
            self.waiting[list_id] = []
        for chunk in _chunks(ordered):
            for entry in wait_entries(session, chunk):
                self.waiting[entry.list_id].append(entry)

    def _expires(self, at: datetime | None) -> None:
        if at is not None and (self._next_expiry is None or at < self._next_expiry):
            self._next_expiry = at

    def record(self, provider_id: str, now: datetime, cutoff: str) -> matcher.Provider:
        """The decision-view record of a provider at ``now`` (appointments up to ``cutoff`` are past);
        kept until its row or placements change or its first active hold expires."""
        cached = self._records.get(provider_id)
        if cached is not None and (cached[1] is None or now < cached[1]):
            return cached[0]
        row = self.rows[provider_id]
        active = [t for t in self.taken[provider_id] if t.active(now)]
        record = provider_record(row, *usage(active), view="decision", cutoff=cutoff)
        if not row.appointment_times:  # appointment times pass with the clock: those are never kept
            self._records[provider_id] = (record, min((t.expires_at for t in active if t.expires_at), default=None))
        return record

    def candidates(
        self,
        region: RegionContext,
        participants: list[Participant],
        services_of: dict[str, set[str]],
        k: int,
        now: datetime,
        cutoff: str,
        minutes_of: dict[str, np.ndarray] | None = None,
    ) -> dict[str, set[str]]:
        """Per participant id, the candidate providers for its open needs (``snapshot.candidates_of``);
        ``minutes_of`` receives each participant's transit minutes to every provider (:meth:`minutes`)."""
        if not self.rows:
            return {}
        free = self.free(now, cutoff)
        if self._arrays is None:
            raise RuntimeError("Directory.free sets the provider arrays")
        ids, service, lons, lats = self._arrays
        return choose_candidates(
            region,
            participants,
            services_of,
            k,
            ids=ids,
            service=service,
            free=free,
            lons=lons,
            lats=lats,
            minutes_of=minutes_of,
        )

    def minutes(
        self, participant_id: str, minutes: np.ndarray, provider_ids: list[str]
    ) -> dict[tuple[str, str], float | None]:
        """Transit minutes of a participant to ``provider_ids`` out of its ``minutes`` to every provider
        (as :meth:`candidates` gave them), keyed and rounded as ``records.travel`` does."""
        index = self._index
        values = minutes[[index[pid] for pid in provider_ids]].tolist()
        return {(participant_id, pid): minutes_value(value) for pid, value in zip(provider_ids, values)}

    def free(self, now: datetime, cutoff: str) -> np.ndarray:
        """Whether each provider (in id order) has a free slot at ``now``: recomputed for the providers
        that changed, and for all once the first cached hold has expired."""
        if self._arrays is None:
            ids = sorted(self.rows)
            self._index = {pid: i for i, pid in enumerate(ids)}
            self._free = None
            self._arrays = (
                np.array(ids),
                np.array([self.rows[p].service for p in ids]),
                np.array([self.rows[p].lon for p in ids], float),
                np.array([self.rows[p].lat for p in ids], float),
            )
        if self._free is None or (self._next_expiry is not None and now >= self._next_expiry):
            self._next_expiry = None
            for taken in self.taken.values():
                for t in taken:
                    if t.expires_at is not None and t.expires_at > now:
                        self._expires(t.expires_at)
            self._free = np.array([self._has_free(p, now, cutoff) for p in self._index], dtype=bool)
        else:
            for pid in self._dirty:
                if pid in self._index:
                    self._free[self._index[pid]] = self._has_free(pid, now, cutoff)
        self._dirty.clear()
        return self._free

    def _has_free(self, provider_id: str, now: datetime, cutoff: str) -> bool:
        record = self.record(provider_id, now, cutoff)
        return record.occupied < record.capacity

    def pools(self, provider_ids: set[str]) -> list[str]:
        """The wait lists of ``provider_ids``, sorted."""
        list_of = self.list_of
        return sorted({list_of[pid] for pid in provider_ids if pid in list_of})

    def waiting_of(self, lists: list[str]) -> list[matcher.WaitListEntry]:
        """The waiting entries of ``lists``."""
        return [e for list_id in lists for e in self.waiting.get(list_id, ())]

    def absorb(self, versions: dict[str, int], holds: list[Placement]) -> None:
        """Take in the desk's own committed write: the pools' new ``versions`` (bumped once, by this
        write alone, as ``claim_pools`` verified) and the ``holds`` it added."""
        self.versions.update(versions)
        if self.clock is not None:
            self.clock += len(versions)
        for hold in holds:
            self._records.pop(hold.provider_id, None)
            self._dirty.add(hold.provider_id)
            self._expires(hold.hold_expires_at)
            self.taken[hold.provider_id].append(
                Taken(hold.category, hold.appointment.isoformat() if hold.appointment else None, hold.hold_expires_at)
            )

    def snapshot(
        self,
        read: Session,
        region: RegionContext,
        participants: list[Participant],
        services_of: dict[str, set[str]],
        k: int,
    ) -> Snapshot:
        """The snapshot for ``participants`` (open needs ``services_of``, ``k`` candidates per need and
        rule) from the directory, brought up to date through ``read`` first; each participant with
        the transit minutes to the providers of its own candidates' pools."""
        now, cutoff = utcnow(), local_now().isoformat()
        self.refresh(read, now)
        minutes_of: dict[str, np.ndarray] = {}
        wanted = self.candidates(region, participants, services_of, k, now, cutoff, minutes_of)
        providers: dict[str, matcher.Provider] = {}
        minutes: dict[tuple[str, str], float | None] = {}
        for p in participants:
            members = [m for list_id in self.pools(wanted.get(p.id, set())) for m in self.members[list_id]]
            for m in members:
                if m not in providers:
                    providers[m] = self.record(m, now, cutoff)
            if members:
                minutes.update(self.minutes(p.id, minutes_of[p.id], members))
        lists = self.pools(set(providers))
        known = set(providers)
        return Snapshot(
            people=[participant_record(p, services_of[p.id], known) for p in participants if services_of[p.id]],
            candidates=wanted,
            providers=providers,
            pools={list_id: self.members[list_id] for list_id in lists},
            waiting={list_id: list(self.waiting.get(list_id, ())) for list_id in lists},
            minutes=minutes,
            versions={m: self.versions[m] for m in providers},
            as_of=local_now().date().isoformat(),
        )
