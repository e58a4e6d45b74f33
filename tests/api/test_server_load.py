"""The real server (uvicorn subprocess) on PostgreSQL under concurrent load, and after a crash.

Many clients at once send placement requests, confirmations, declines (with reasons), consent
revocations and capacity updates, at providers that include clinics with one to three listed
appointment times. On PostgreSQL a checker reads the committed state over and over during the
load (each read one REPEATABLE READ snapshot) and runs ``matcher.check`` on its check view: no
appointment violation, no over-capacity, no bump at any state it sees. Afterwards the stored
state must pass ``matcher.check`` and direct SQL counts must agree, a declined provider is not
proposed again for that need and nobody whose consent was revoked keeps a hold; after SIGKILL and
restart every placement a client saw confirmed is still confirmed and no hold outlives its expiry.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import threading
from collections import Counter
from datetime import date, timedelta

import httpx
import matcher
import psutil
import pytest
from sqlalchemy import func, select

from api.auth import Principal, add_user
from api.db.engine import make_engine, make_sessionmaker
from api.db.migrate import upgrade
from api.db.models import Consent, Placement, Provider, utcnow
from api.schemas.participants import ConsentIn, ParticipantCreate
from api.schemas.providers import ProviderCreate, WaitListEntryIn
from api.services import participants, providers, waitlists
from api.services.providers import local_now
from api.services.region import RegionContext
from api.services.records import check_view
from tests.api.server import start_server

pytestmark = pytest.mark.slow
ADMIN = Principal("seed", "admin")
SERVICES = ("housing", "treatment", "clinic")


def seed(url: str, *, n_participants: int, seed_value: int = 3) -> tuple[dict[str, str], list[str], list[str]]:
    """Providers (some with people waiting), consenting participants and users; returns
    (tokens, participant ids, provider ids)."""
    rng = random.Random(seed_value)
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    region = RegionContext()
    tokens: dict[str, str] = {}
    provider_ids = []
    with sessions() as session:
        for i in range(12):
            pid = f"{SERVICES[i % 3][0].upper()}{i:02d}"
            provider_ids.append(pid)
            providers.create(
                session,
                ProviderCreate(
                    id=pid,
                    name=f"Provider {pid}",
                    service=SERVICES[i % 3],
                    capacity=4,
                    occupied=rng.randint(0, 2),
                    monthly_turnover=2.0,
                    lon=-80.0 + rng.uniform(-0.03, 0.03),
                    lat=40.44 + rng.uniform(-0.02, 0.02),
                ),
                "seed",
                region,
            )
        soon = local_now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
        for k in range(3):  # clinics that book one, two and three listed times
            pid = f"A{k:02d}"
            provider_ids.append(pid)
            providers.create(
                session,
                ProviderCreate(
                    id=pid,
                    name=f"Clinic {pid}",
                    service="clinic",
                    capacity=4,
                    appointment_times=[soon + timedelta(hours=h) for h in range(k + 1)],
                    lon=-80.0 + rng.uniform(-0.01, 0.01),
                    lat=40.44 + rng.uniform(-0.01, 0.01),
                ),
                "seed",
                region,
            )
        session.flush()
        for pid in provider_ids[:6]:
            entries = [WaitListEntryIn(person_id=f"W-{pid}-{k}") for k in range(rng.randint(1, 2))]
            waitlists.import_list(session, ADMIN, pid, entries)
        people = []
        for i in range(n_participants):
            pid = f"LEAD-{i:04d}"
            needs = [{"service": s} for s in rng.sample(SERVICES, rng.randint(1, 2))]
            participants.create(
                session,
                ADMIN,
                ParticipantCreate(
                    id=pid,
                    cohort="North",
                    lon=-80.0 + rng.uniform(-0.03, 0.03),
                    lat=40.44 + rng.uniform(-0.02, 0.02),
                    needs=needs,
                ),
                region,
            )
            session.flush()
            participants.add_consent(
                session,
                ADMIN,
                pid,
                ConsentIn(granted_on=date.today() - timedelta(days=1), expires_on=date.today() + timedelta(days=90)),
            )
            people.append(pid)
        for k in range(8):
            _, tokens[f"coord{k}"] = add_user(session, f"coord{k}", "coordinator", cohort="North")
        for pid in provider_ids:
            _, tokens[pid] = add_user(session, f"user-{pid}", "provider", provider_id=pid)
        session.commit()
    engine.dispose()
    return tokens, people, provider_ids


def check_once(session) -> Counter:
    """Violation kinds of ``matcher.check`` on the check view read in ``session``, plus over-capacity
    counted by SQL (``capacity-sql``)."""
    now = utcnow()
    instance, result, _ = check_view(session, RegionContext(), now=now)
    found = Counter(v.kind for v in matcher.check(instance, result))
    active = (Placement.status == "confirmed") | ((Placement.status == "held") & (Placement.hold_expires_at > now))
    used = dict(
        session.execute(select(Placement.provider_id, func.count()).where(active).group_by(Placement.provider_id)).all()
    )
    for p in session.scalars(select(Provider)):
        if p.occupied + used.get(p.id, 0) > p.capacity:
            found["capacity-sql"] += 1
    return found


class Watcher:
    """Runs :func:`check_once` on committed snapshots (PostgreSQL REPEATABLE READ) in a thread,
    again and again until stopped; ``violations`` counts every kind found, ``checks`` the states read."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.violations: Counter = Counter()
        self.checks = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="load-test-watcher", daemon=True)

    def _run(self) -> None:
        from sqlalchemy.orm import Session

        while not self.stop.is_set():
            try:
                with (
                    self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
                    Session(bind=connection) as session,
                ):
                    self.violations += check_once(session)
                    self.checks += 1
            except Exception as exc:  # reported by the test as a violation, not lost with the thread
                self.violations[f"error: {exc}"] += 1
                return

    def close(self) -> None:
        """Stop after the check in progress."""
        self.stop.set()
        self.thread.join(timeout=120)
        self.engine.dispose()


def consent_ids(url: str) -> dict[str, int]:
    """Each participant's consent id."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        out = dict(session.execute(select(Consent.participant_id, Consent.id)).all())
    engine.dispose()
    return out


def assert_consistent(url: str) -> dict[str, int]:
    """matcher.check on the stored holds, plus independent SQL counts of every slot in use."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    now = utcnow()
    with sessions() as session:
        instance, result, _ = check_view(session, RegionContext(), now=now)
        assert matcher.check(instance, result) == []
        active = (Placement.status == "confirmed") | ((Placement.status == "held") & (Placement.hold_expires_at > now))
        used = dict(
            session.execute(
                select(Placement.provider_id, func.count()).where(active).group_by(Placement.provider_id)
            ).all()
        )
        for p in session.scalars(select(Provider)):
            assert p.occupied + used.get(p.id, 0) <= p.capacity, f"{p.id} over capacity"
        per_need = Counter(session.execute(select(Placement.participant_id, Placement.service).where(active)).all())
        assert all(n == 1 for n in per_need.values()), "a participant holds two slots for one need"
        counts = dict(session.execute(select(Placement.status, func.count()).group_by(Placement.status)).all())
    engine.dispose()
    return counts


async def _call(client: httpx.AsyncClient, method: str, path: str, token: str, **kwargs) -> httpx.Response:
    response = await client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response


async def _load(
    url: str,
    tokens: dict,
    people: list[str],
    provider_ids: list[str],
    seed_value: int,
    consents: dict[str, int] | None = None,
    room: int = 0,
) -> dict:
    """Placement requests and capacity updates at once, then confirmations, declines (with reasons)
    and, given ``consents``, revocations for every seventh participant, with more updates; then
    the decliners ask again. The capacity updates draw 2-6 slots plus ``room``, so that a load that
    follows another starts with free slots rather than with the earlier load's confirmations."""
    rng = random.Random(seed_value)
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as client:

        async def request(i, pid):
            return await _call(
                client, "POST", "/v1/placement-requests", tokens[f"coord{i % 8}"], json={"participant_id": pid}
            )

        async def capacity(pid):
            return await _call(
                client,
                "PUT",
                f"/v1/providers/{pid}/capacity",
                tokens[pid],
                json={"capacity": rng.randint(2, 6) + room, "occupied": rng.randint(0, 1)},
            )

        if room:
            await asyncio.gather(*[capacity(pid) for pid in provider_ids])
        jobs = [request(i, pid) for i, pid in enumerate(people)]
        jobs += [capacity(rng.choice(provider_ids)) for _ in range(40)]
        rng.shuffle(jobs)
        first = await asyncio.gather(*jobs)
        held = [
            n["placement"]["id"]
            for r in first
            if r.request.url.path.endswith("placement-requests") and r.status_code == 201
            for n in r.json()["needs"]
            if n["placement"]
        ]

        async def decide(i, placement_id):
            action = "confirm" if i % 4 else "decline"
            return await _call(
                client,
                "POST",
                f"/v1/placements/{placement_id}/{action}",
                tokens[f"coord{i % 8}"],
                json={} if action == "confirm" else {"reason": "load test", "category": "too-far"},
            )

        revoked = [pid for pid in people[::7] if consents and pid in consents]

        async def revoke(pid):
            return await _call(client, "DELETE", f"/v1/participants/{pid}/consents/{consents[pid]}", tokens["coord0"])

        second = await asyncio.gather(
            *[decide(i, h) for i, h in enumerate(held)],
            *[capacity(rng.choice(provider_ids)) for _ in range(20)],
            *[revoke(pid) for pid in revoked],
        )
        declined = {
            (r.json()["participant_id"], r.json()["service"], r.json()["provider_id"])
            for r in second
            if r.request.url.path.endswith("/decline") and r.status_code == 200
        }
        asked = sorted({pid for pid, _, _ in declined} - set(revoked))
        third = await asyncio.gather(*[request(i, pid) for i, pid in enumerate(asked)])
    again = {
        (r.json()["participant_id"], n["service"], n["placement"]["provider_id"])
        for r in third
        if r.status_code == 201
        for n in r.json()["needs"]
        if n["placement"]
    }
    statuses = Counter(r.status_code for r in first + second + third)
    return {
        "requests": len(first) + len(second) + len(third),
        "held": len(held),
        "statuses": statuses,
        "confirmed": sum(1 for r in second if r.status_code == 200 and r.json().get("status") == "confirmed"),
        "declined": len(declined),
        "proposed_again": len(again & declined),
        "asked_again": len(asked),
        "held_again": len(again),
        "revoked": revoked,
    }


def _load_and_check(url: str, n_participants: int, watcher: Watcher | None = None) -> dict:
    tokens, people, provider_ids = seed(url, n_participants=n_participants)
    server = start_server(url)
    try:
        if watcher is not None:
            watcher.thread.start()
        outcome = asyncio.run(_load(server.url, tokens, people, provider_ids, seed_value=11, consents=consent_ids(url)))
    finally:
        if watcher is not None:
            watcher.close()
        server.stop()
    assert outcome["requests"] >= 200
    assert outcome["held"] > 10, outcome
    assert outcome["confirmed"] > 5, outcome
    assert outcome["declined"] > 5 and outcome["held_again"] > 0, outcome
    assert outcome["proposed_again"] == 0, "a declined provider was proposed again for the same need"
    counts = assert_consistent(url)
    assert counts.get("confirmed", 0) == outcome["confirmed"]
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        kept = session.scalar(
            select(func.count())
            .select_from(Placement)
            .where(Placement.participant_id.in_(outcome["revoked"]), Placement.status == "held")
        )
        booked = session.execute(
            select(Placement.provider_id, Placement.appointment).where(
                Placement.provider_id.like("A%"), Placement.status.in_(("held", "confirmed"))
            )
        ).all()
    engine.dispose()
    assert outcome["revoked"] and kept == 0, "a participant whose consent was revoked keeps a hold"
    assert booked and all(when is not None for _, when in booked), booked
    assert len(set(booked)) == len(booked) and len(booked) <= 6, "a listed time was booked twice"
    return outcome


@pytest.mark.postgres
def test_concurrent_load_on_postgres_keeps_every_rule(postgres_url):
    watcher = Watcher(postgres_url)
    outcome = _load_and_check(postgres_url, n_participants=180, watcher=watcher)
    print(
        f"\nload: {outcome['requests']} requests, {outcome['held']} held, {outcome['declined']} declined, "
        f"{len(outcome['revoked'])} consents revoked; {watcher.checks} committed states checked, "
        f"violations {dict(watcher.violations)}"
    )
    assert watcher.checks >= 5, "the watcher saw the state during the load"
    assert watcher.violations == Counter(), watcher.violations  # 0 appointment, capacity, no-bump violations


@pytest.mark.postgres
def test_two_workers_share_the_desk_process_which_comes_back_after_its_death(postgres_url):
    """`handoff serve --workers 2`: the workers send placement requests to the desk process; when it
    is killed they place on their own desks until it is started again, then use the new one. The
    stored state keeps every rule throughout."""
    tokens, people, provider_ids = seed(postgres_url, n_participants=240)
    server = start_server(postgres_url, workers=2)
    closed = "placement desk process closed the connection"
    try:
        desk = int(server.wait_for(r"Placement desk process (\d+)").group(1))
        outcomes = [asyncio.run(_load(server.url, tokens, people[:80], provider_ids, seed_value=5))]
        os.kill(desk, signal.SIGKILL)
        again = int(server.wait_for(rf"placement desk process {desk} ended .* started again as (\d+)").group(1))
        outcomes.append(asyncio.run(_load(server.url, tokens, people[80:160], provider_ids, seed_value=6, room=12)))
        seen = len(server.log)
        os.kill(again, signal.SIGKILL)
        server.wait_for(closed, after=seen)
        server.wait_for(rf"placement desk process {again} ended")
        outcomes.append(asyncio.run(_load(server.url, tokens, people[160:], provider_ids, seed_value=7, room=24)))
    finally:
        server.stop()
    assert sum(closed in line for line in server.log[:seen]) >= 1, "a worker was connected to the first desk"
    for outcome in outcomes:
        assert outcome["held"] > 5, outcomes
        assert set(outcome["statuses"]) <= {200, 201, 409, 422}, "nothing was in flight when a desk died"
    counts = assert_consistent(postgres_url)
    assert counts.get("confirmed", 0) == sum(o["confirmed"] for o in outcomes)


@pytest.mark.postgres
def test_the_desk_process_ends_with_its_parent(postgres_url):
    """SIGKILL of `handoff serve` leaves no desk process behind (it watches its parent)."""
    seed(postgres_url, n_participants=1)
    server = start_server(postgres_url, workers=2)
    children = psutil.Process(server.process.pid).children(recursive=True)
    desk = psutil.Process(int(server.wait_for(r"Placement desk process (\d+)").group(1)))
    server.kill()
    try:
        desk.wait(timeout=30)
    finally:
        for child in children:  # uvicorn's workers outlive a killed supervisor; end them here
            if child.pid != desk.pid and child.is_running():
                child.kill()


def test_concurrent_load_on_sqlite_keeps_every_rule(tmp_path):
    """The embedded store serialises writers (BEGIN IMMEDIATE): the same rules hold under load."""
    _load_and_check(f"sqlite:///{tmp_path / 'handoff.db'}", n_participants=180)


async def _load_until_kill(server, tokens: dict, people: list[str], kill_after: int) -> set[str]:
    """Request and confirm at once (every third participant leaves the hold unconfirmed); SIGKILL
    the server after ``kill_after`` confirmations. Returns the placement ids the clients saw confirmed."""
    confirmed: set[str] = set()
    async with httpx.AsyncClient(base_url=server.url, timeout=60.0, limits=httpx.Limits(max_connections=32)) as client:

        async def one(i, pid):
            token = tokens[f"coord{i % 8}"]
            try:
                response = await _call(client, "POST", "/v1/placement-requests", token, json={"participant_id": pid})
                for need in response.json().get("needs", []) if response.status_code == 201 else []:
                    if need["placement"] and i % 3:
                        done = await _call(client, "POST", f"/v1/placements/{need['placement']['id']}/confirm", token)
                        if done.status_code == 200:
                            confirmed.add(done.json()["id"])
                            if len(confirmed) == kill_after:
                                server.kill()
            except httpx.TransportError:
                pass

        await asyncio.gather(*[one(i, pid) for i, pid in enumerate(people)])
    return confirmed


def _hold_unconfirmed(server, token: str, people: list[str]) -> list[str]:
    """Hold placements for ``people`` one by one and leave them unconfirmed; returns their ids."""
    held = []
    for pid in people:
        response = httpx.post(
            f"{server.url}/v1/placement-requests",
            json={"participant_id": pid},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60.0,
        )
        held += [n["placement"]["id"] for n in response.json()["needs"] if n["placement"]]
    return held


@pytest.mark.postgres
def test_sigkill_during_load_loses_no_confirmed_placement(postgres_url):
    tokens, people, _ = seed(postgres_url, n_participants=120, seed_value=5)
    env = {"HANDOFF_HOLD_MINUTES": "0.1", "HANDOFF_SWEEP_SECONDS": "0.5"}
    server = start_server(postgres_url, env=env)
    unconfirmed = _hold_unconfirmed(server, tokens["coord0"], people[:4])
    assert unconfirmed, "some holds are left open when the server dies"
    confirmed = asyncio.run(_load_until_kill(server, tokens, people[4:], kill_after=8))
    assert server.process.poll() is not None, "the server was killed during the load"
    assert len(confirmed) >= 8
    restarted = start_server(postgres_url, env=env)
    try:
        engine = make_engine(postgres_url)
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            rows = session.scalars(select(Placement).where(Placement.id.in_(confirmed))).all()
            assert {r.id for r in rows} == confirmed and all(r.status == "confirmed" for r in rows)
        assert asyncio.run(_until_holds_drain(sessions)), "holds did not all end after the restart"
        with sessions() as session:
            statuses = set(session.scalars(select(Placement.status).where(Placement.id.in_(unconfirmed))))
        assert statuses == {"expired"}
        engine.dispose()
        assert_consistent(postgres_url)
    finally:
        restarted.stop()


async def _until_holds_drain(sessions, deadline_s: float = 40.0, slack_s: float = 2.0) -> bool:
    """Poll (deadline) until no placement is 'held'; at every poll no hold may be past its expiry
    by more than ``slack_s`` (the sweeper runs every 0.5 s, and once before the server is ready)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while loop.time() < end:
        with sessions() as session:
            held = session.scalar(select(func.count()).select_from(Placement).where(Placement.status == "held"))
            overdue = session.scalar(
                select(func.count())
                .select_from(Placement)
                .where(Placement.status == "held", Placement.hold_expires_at <= utcnow() - timedelta(seconds=slack_s))
            )
        assert overdue == 0, f"{overdue} holds outlived their expiry"
        if not held:
            return True
        await asyncio.sleep(0.2)
    return False
