"""The desk's in-memory directory equals the decision view read from the database, after every
kind of change, as holds expire by the clock, and after the desk takes in its own writes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from api.db.models import Provider, utcnow
from api.services.asks import Ticket
from api.services.directory import Directory
from api.services.holds import expire_holds
from api.services.providers import local_now
from api.services.records import provider_records, wait_entries
from tests.api.test_placement_desk import tickets

LATER = (datetime.now() + timedelta(days=3)).replace(microsecond=0, second=0, minute=0)


def assert_current(api, directory: Directory, now: datetime | None = None, *, refresh: bool = True) -> None:
    """The directory (refreshed first unless ``refresh`` is False) holds exactly the decision view at
    ``now``: every provider not archived with its version and record, and every pool's waiting entries."""
    now = now or utcnow()
    with api.app.state.lookups() as session:
        if refresh:
            directory.refresh(session, now)
        providers = list(session.scalars(select(Provider).where(Provider.archived.is_(False)).order_by(Provider.id)))
        expected = {r.provider_id: r for r in provider_records(session, providers, view="decision", now=now)}
        waiting = wait_entries(session, {p.list_id for p in providers})
    cutoff = local_now().isoformat()
    assert directory.versions == {p.id: p.version for p in providers}
    assert {pid: directory.record(pid, now, cutoff) for pid in directory.rows} == expected
    free = directory.free(now, cutoff) if expected else []
    assert dict(zip(sorted(expected), map(bool, free))) == {pid: r.occupied < r.capacity for pid, r in expected.items()}
    lists = sorted({p.list_id for p in providers})
    assert {m for list_id in lists for m in directory.members[list_id]} == set(expected)
    assert Counter(map(repr, directory.waiting_of(lists))) == Counter(map(repr, waiting))


def test_directory_follows_every_kind_of_change(api):
    directory = Directory()
    assert_current(api, directory)
    api.provider("H1", capacity=2)
    api.provider("H2", capacity=1, list_id="H1")
    api.provider("C1", service="clinic", capacity=3, appointment_times=[LATER.isoformat()])
    for pid in ("LEAD-1", "LEAD-2", "LEAD-3"):
        api.participant(pid, needs=("housing", "clinic"))
    assert_current(api, directory)
    first = api.request("LEAD-1").json()
    assert_current(api, directory)
    held = [n["placement"]["id"] for n in first["needs"] if n["placement"]]
    assert held, "LEAD-1 got at least one hold"
    confirmed = api.call("POST", f"/v1/placements/{held[0]}/confirm", who="coord_north")
    assert confirmed.status_code == 200, confirmed.text
    assert_current(api, directory, utcnow() + timedelta(hours=2))  # confirmed: taken after the hold expiry too
    if len(held) > 1:
        released = api.call("POST", f"/v1/placements/{held[1]}/release", who="coord_north", json={"reason": "moved"})
        assert released.status_code == 200, released.text
    assert_current(api, directory)
    imported = api.call(
        "PUT", "/v1/wait-lists/H1", json={"entries": [{"person_id": "W-1"}, {"person_id": "W-2", "lead": True}]}
    )
    assert imported.status_code == 200, imported.text
    assert_current(api, directory)
    api.request("LEAD-2")
    entry = api.call("POST", "/v1/wait-lists/H1/entries", json={"person_id": "W-3", "priority": -1}).json()
    assert_current(api, directory)
    assert api.call("DELETE", f"/v1/wait-lists/H1/entries/{entry['id']}").status_code == 200
    assert api.call("PUT", "/v1/providers/H1/capacity", json={"capacity": 4, "occupied": 1}).status_code == 200
    assert_current(api, directory)
    assert api.call("PATCH", "/v1/providers/C1", json={"lon": -79.95, "appointment_times": []}).status_code == 200
    assert api.call("DELETE", "/v1/providers/H2").status_code == 200
    api.provider("T1", service="treatment", capacity=5)
    assert_current(api, directory)
    assert "H2" not in directory.rows and "T1" in directory.rows


def test_directory_follows_declines_reorders_rounds_and_the_sweeper(api):
    directory = Directory()
    api.provider("H1", capacity=1, occupied=1)
    api.provider("T1", service="treatment", capacity=2)
    for pid in ("LEAD-1", "LEAD-2", "LEAD-3"):
        api.participant(pid, needs=("housing", "treatment"))
    waiting = [api.request(pid).json() for pid in ("LEAD-1", "LEAD-2")]
    assert_current(api, directory)
    declined = next(n["placement"]["id"] for n in waiting[0]["needs"] if n["placement"])
    assert (
        api.call(
            "POST", f"/v1/placements/{declined}/decline", who="coord_north", json={"reason": "chose another"}
        ).status_code
        == 200
    )
    assert_current(api, directory)
    entries = api.call("PUT", "/v1/wait-lists/H1", json={"entries": [{"person_id": "W-1"}, {"person_id": "W-2"}]})
    ids = [e["id"] for e in entries.json()["entries"]]
    assert api.call("POST", "/v1/wait-lists/H1/order", json={"entry_ids": ids[::-1]}).status_code == 200
    assert_current(api, directory)
    api.call("PUT", "/v1/providers/H1/capacity", json={"capacity": 4, "occupied": 1})
    assert api.call("POST", "/v1/placement-rounds").json()["placements_held"] >= 1
    assert_current(api, directory)
    api.provider("T2", service="treatment", capacity=3)
    assert any(n["placement"] for n in api.request("LEAD-3", hold_minutes=5).json()["needs"])
    later = utcnow() + timedelta(minutes=6)
    assert expire_holds(api.app.state.sessions, now=later) >= 1
    assert_current(api, directory, later)


def test_holds_end_by_the_clock_without_a_refresh(api):
    directory = Directory()
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    api.request("LEAD-1", hold_minutes=5)
    now = utcnow()
    assert_current(api, directory, now)
    assert directory.record("H1", now, local_now().isoformat()).occupied == 1
    later = now + timedelta(minutes=6)
    assert_current(api, directory, later, refresh=False)
    assert directory.record("H1", later, local_now().isoformat()).occupied == 0


def test_the_desk_takes_in_its_own_writes_as_the_database_has_them(api):
    api.provider("H1", capacity=2)
    api.provider("H2", capacity=2, list_id="H1")
    api.provider("T1", service="treatment", capacity=1)
    ids = [f"LEAD-{i}" for i in range(1, 5)]
    for pid in ids:
        api.participant(pid, needs=("housing", "treatment"))
    desk = api.app.state.desk
    batch: list[Ticket] = tickets(api, *ids)
    desk.serve(batch)
    assert sum(len(t.future.result(timeout=0)[1]) for t in batch) == 5, "four housing seats and one treatment seat"
    assert_current(api, desk.directory, refresh=False)
    with api.app.state.lookups() as session:
        assert desk.directory.refresh(session, utcnow()) == 0, "nothing left to read again"
