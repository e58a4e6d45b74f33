"""Random placement rounds for tests and benchmarks (deterministic for a seed).

Participants and providers are scattered over a square sized so each need has about
``reach`` providers within the travel limit; transit minutes grow with distance.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

import numpy as np

from matcher.types import Instance, Need, Participant, Provider, WaitListEntry

SHARE = {"housing": 0.4, "treatment": 0.35, "clinic": 0.25}
MINUTES_PER_KM = 4.0
WAIT_MINUTES = 8.0
MAX_LISTED_MINUTES = 75.0  # pairs farther than this are left out (unreachable)


def _minutes(a, b, rng: random.Random) -> float:
    return round(WAIT_MINUTES + MINUTES_PER_KM * math.dist(a, b) * rng.uniform(0.9, 1.3), 1)


def _row(home, xy: np.ndarray, noise: np.random.Generator) -> np.ndarray:
    """Transit minutes from ``home`` to every provider (km coordinates)."""
    km = np.hypot(xy[:, 0] - home[0], xy[:, 1] - home[1])
    return np.round(WAIT_MINUTES + MINUTES_PER_KM * km * noise.uniform(0.9, 1.3, len(km)), 1)


def generate_instance(
    n_participants: int = 40,
    n_providers: int = 12,
    n_entries: int = 120,
    *,
    seed: int = 0,
    ties: bool = False,
    reach: float = 8.0,
    appointments: bool = True,
    set_aside: bool = True,
    bundle: bool = False,
    preferences: bool = False,
    as_of: str = "2026-01-05",
) -> Instance:
    """A random instance: ``n_entries`` waiting entries in all (about a third are participants' own).

    ``ties=True`` draws priorities from three scores (large tie groups); otherwise priorities are
    distinct. ``reach`` is the mean number of providers per service within 45 min. ``bundle`` adds
    housing-to-provider minutes; ``preferences`` gives participants ranked choices.
    """
    rng = random.Random(seed)
    per_service = max(n_providers * 0.3, 1.0)
    radius_km = (45 - WAIT_MINUTES) / MINUTES_PER_KM / 1.1
    side = math.sqrt(per_service * math.pi * radius_km**2 / max(reach, 0.5))
    services = rng.choices(list(SHARE), weights=list(SHARE.values()), k=n_providers)
    start = datetime.fromisoformat(as_of) + timedelta(days=1, hours=9)
    providers, where = [], {}
    for i, service in enumerate(services):
        sid = f"S{i}"
        where[sid] = (rng.uniform(0, side), rng.uniform(0, side))
        capacity = rng.randint(4, 30)
        lead = rng.randint(0, 2) if set_aside and service != "clinic" else 0
        occupied = capacity - rng.randint(0, 4) - lead
        times: tuple[str, ...] = ()
        if service == "clinic" and appointments:
            times = tuple(
                sorted(
                    {
                        (start + timedelta(days=rng.randint(0, 9), hours=rng.randint(0, 7))).isoformat(
                            timespec="minutes"
                        )
                        for _ in range(rng.randint(2, 6))
                    }
                )
            )
        eligibility: dict[str, list[str] | bool] = {}
        if service == "housing" and rng.random() < 0.3:
            eligibility["gender"] = [rng.choice(["female", "male"])]
        if rng.random() < 0.2:
            eligibility["pets"] = False
        if service != "housing" and rng.random() < 0.3:
            eligibility["insurance"] = ["medicaid"]
        providers.append(
            Provider(
                provider_id=sid,
                name=f"{service.title()} {i}",
                service=service,
                capacity=capacity,
                occupied=max(occupied, 0),
                lead_slots=lead,
                monthly_turnover=round(rng.uniform(0.5, 4), 1),
                intake_days=float(rng.randint(0, 14)) if service != "clinic" else 0.0,
                eligibility=eligibility,
                appointment_times=times,
                lon=where[sid][0],
                lat=where[sid][1],
            )
        )
    participants = []
    travel: dict[tuple[str, str], float | None] = {}
    arrive: dict[tuple[str, str, str], float | None] = {}
    xy = np.array([where[s.provider_id] for s in providers])
    noise = np.random.default_rng(seed)
    near_of = {}
    for i in range(n_participants):
        pid = f"P{i}"
        home = (rng.uniform(0, side), rng.uniform(0, side))
        needs = tuple(Need(s, rng.randint(1, 5)) for s in SHARE if rng.random() < 0.6) or (Need("housing", 3),)
        attributes = {
            "gender": rng.choice(["female", "male"]),
            "age": rng.randint(18, 70),
            "insurance": rng.choice(["medicaid", "medicaid", "none"]),
            "pets": rng.random() < 0.15,
            "moud": rng.random() < 0.3,
        }
        limit = float(rng.choice([30, 45, 45, 60]))
        near = []
        row = _row(home, xy, noise)
        for j in np.flatnonzero(row <= MAX_LISTED_MINUTES):
            s, m = providers[j], float(row[j])
            travel[(pid, s.provider_id)] = m
            near.append((m, s.provider_id))
            for t in s.appointment_times:
                arrive[(pid, s.provider_id, t)] = None if rng.random() < 0.1 else round(m * rng.uniform(1.0, 1.2), 1)
        near_of[pid] = near
        prefs: tuple[str, ...] = ()
        if preferences:
            wanted = {n.service for n in needs}
            prefs = tuple(sid for m, sid in sorted(near) if m <= limit and services[int(sid[1:])] in wanted)
            prefs = tuple(rng.sample(prefs, len(prefs)))
        participants.append(Participant(pid, needs, limit, attributes, prefs, home[0], home[1]))
    entries = _entries(rng, participants, near_of, services, n_entries, ties, as_of)
    provider_travel: dict[tuple[str, str], float | None] = {}
    if bundle:
        for h in providers:
            if h.service == "housing":
                for s in providers:
                    if s.service != "housing":
                        provider_travel[(h.provider_id, s.provider_id)] = _minutes(
                            where[h.provider_id], where[s.provider_id], rng
                        )
    return Instance(participants, providers, entries, travel, provider_travel, arrive, as_of)


def _entries(rng, participants, near_of, services, n_entries, ties, as_of) -> list[WaitListEntry]:
    """Participants join lists of nearby providers they need; community members fill the rest."""
    day0 = date.fromisoformat(as_of)
    entries: list[WaitListEntry] = []

    def priority() -> float:
        return float(rng.randint(1, 3)) if ties else rng.random() * 1000

    own = n_entries // 3
    for p in rng.sample(participants, len(participants)):
        wanted = {n.service for n in p.needs}
        for m, sid in near_of[p.participant_id]:
            if len(entries) >= own:
                break
            if services[int(sid[1:])] in wanted and m <= p.max_transit_minutes and rng.random() < 0.5:
                entries.append(
                    WaitListEntry(
                        sid,
                        p.participant_id,
                        priority(),
                        lead=True,
                        added=(day0 - timedelta(days=rng.randint(1, 300))).isoformat(),
                    )
                )
    k = 0
    while len(entries) < n_entries:
        sid = f"S{rng.randrange(len(services))}"
        person = f"C{k}"
        k += 1
        attributes = {"gender": rng.choice(["female", "male"]), "age": rng.randint(18, 80)}
        entries.append(
            WaitListEntry(
                sid,
                person,
                priority(),
                lead=rng.random() < 0.1,
                added=(day0 - timedelta(days=rng.randint(1, 300))).isoformat(),
                attributes=attributes,
            )
        )
    return entries
