"""The placement desk serves concurrent requests as one batch, on SQLite and PostgreSQL.

Batches are handed to ``Desk.serve`` directly (the desk thread is idle meanwhile), so which
tickets share a batch is deterministic; a change between the batch's snapshot and its write is
made inside its place step, as in test_placement_races. The last test sends concurrent requests
through HTTP to the desk thread itself.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import api.services.decide as decide
import api.services.placing as placing
from api.auth import principal_for_token
from api.errors import ApiError
from api.services.asks import Ticket
from api.services.directory import Directory
from tests.api.helpers import stored_state_ok
from tests.api.test_placement_races import other_request


def tickets(api, *participant_ids: str, who: str = "coord_north") -> list[Ticket]:
    """One ticket per participant id, as coordinator ``who``."""
    with api.app.state.sessions() as session:
        principal = principal_for_token(session, api.tokens[who])
    return [Ticket(principal, pid, None) for pid in participant_ids]


@pytest.fixture
def singles(monkeypatch) -> list[str]:
    """Participant ids served through the single path ``request_placement``, in order."""
    served: list[str] = []
    original = placing.request_placement

    def request_placement(sessions, principal, participant_id, *args, **kwargs):
        served.append(participant_id)
        return original(sessions, principal, participant_id, *args, **kwargs)

    monkeypatch.setattr(placing, "request_placement", request_placement)
    return served


def placed_at(answer) -> list[str]:
    """Provider ids of a (request, holds) answer."""
    return [h.provider_id for h in answer[1]]


def test_batch_competing_for_fewer_slots_books_each_seat_once(api, singles):
    api.provider("H1", capacity=2)
    ids = [f"LEAD-{i}" for i in range(1, 6)]
    for pid in ids:
        api.participant(pid)
    batch = tickets(api, *ids)
    api.app.state.desk.serve(batch)
    answers = [t.future.result(timeout=0) for t in batch]
    assert [len(placed_at(a)) for a in answers] == [1, 1, 0, 0, 0], "arrival order takes the two seats"
    assert [a[0].status for a in answers] == ["placed", "placed", "waiting", "waiting", "waiting"]
    assert all(a[0].result["needs"][0]["wait_positions"] for a in answers[2:])
    assert singles == [], "one snapshot and one write for the whole batch"
    assert api.call("GET", "/v1/providers/H1").json()["free"] == 0
    stored_state_ok(api)


def test_failing_tickets_fail_alone_with_the_single_path_errors(api, singles):
    api.provider("H1", capacity=3)
    api.participant("LEAD-1")
    api.participant("LEAD-2", consent=False)
    api.participant("LEAD-3")
    api.participant("LEAD-C", cohort="Central", who="coord_central")
    batch = tickets(api, "LEAD-1", "NOBODY", "LEAD-2", "LEAD-C", "LEAD-3", "LEAD-1")
    api.app.state.desk.serve(batch)
    errors = {}
    for ticket in batch[1:4] + batch[5:]:
        with pytest.raises(ApiError) as caught:
            ticket.future.result(timeout=0)
        errors[ticket.participant_id] = (caught.value.status, caught.value.slug)
    assert errors == {
        "NOBODY": (404, "not-found"),
        "LEAD-2": (409, "no-consent"),
        "LEAD-C": (404, "not-found"),
        "LEAD-1": (409, "no-open-need"),
    }
    assert placed_at(batch[0].future.result(timeout=0)) == ["H1"]
    assert placed_at(batch[4].future.result(timeout=0)) == ["H1"]
    assert singles == ["LEAD-1"], "only the second ticket of LEAD-1 takes the single path, after the batch"
    stored_state_ok(api)


def test_tickets_with_bearer_tokens_are_authenticated_at_the_desk(api, singles):
    api.provider("H1", capacity=3)
    api.participant("LEAD-1")
    api.participant("LEAD-2")
    batch = [
        Ticket(None, "LEAD-1", None, api.tokens["coord_north"]),
        Ticket(None, "LEAD-2", None, "unknown"),
        Ticket(None, "LEAD-2", None, api.tokens["planner"]),
        Ticket(None, "LEAD-2", None, api.tokens["admin"]),
        Ticket(None, "LEAD-1", None, api.tokens["coord_north"]),
    ]
    api.app.state.desk.serve(batch)
    assert placed_at(batch[0].future.result(timeout=0)) == ["H1"]
    assert placed_at(batch[3].future.result(timeout=0)) == ["H1"], "an admin may place anyone"
    refused = {
        i: (batch[i].future.exception(timeout=0).status, batch[i].future.exception(timeout=0).slug) for i in (1, 2, 4)
    }
    assert refused == {1: (401, "not-authenticated"), 2: (403, "forbidden"), 4: (409, "no-open-need")}
    assert batch[0].principal.name == "coord_north" and batch[3].principal.role == "admin"
    assert singles == ["LEAD-1"], "LEAD-1's second ticket, authenticated, went the single path"
    stored_state_ok(api)


@pytest.fixture
def during_place(monkeypatch):
    """Run each queued change once, when a batch places LEAD-1; returns (queue, batch participants placed)."""
    pending: list = []
    places: list[str] = []
    original = decide.place_one

    def place_one(instance, **options):
        pid = instance.participants[0].participant_id
        if pid in ("LEAD-1", "LEAD-2"):
            places.append(pid)
        if pid == "LEAD-1" and pending:
            pending.pop(0)()
        return original(instance, **options)

    monkeypatch.setattr(decide, "place_one", place_one)
    return pending, places


@pytest.mark.parametrize("capacity", [3, 2])
def test_pool_changed_between_snapshot_and_write(api, singles, during_place, capacity):
    """While the batch places LEAD-1, LEAD-3 takes a seat at H1 through the single path."""
    api.provider("H1", capacity=capacity)
    for pid in ("LEAD-1", "LEAD-2", "LEAD-3"):
        api.participant(pid)
    pending, places = during_place
    pending.append(lambda: other_request(api, "LEAD-3"))
    batch = tickets(api, "LEAD-1", "LEAD-2")
    api.app.state.desk.serve(batch)
    answers = [t.future.result(timeout=0) for t in batch]
    assert singles == ["LEAD-3"], "only the concurrent change went through the single path"
    if capacity == 3:
        assert places == ["LEAD-1", "LEAD-2"], "the pool changed but both holds still fit: placed once"
        assert [placed_at(a) for a in answers] == [["H1"], ["H1"]]
    else:
        assert places == ["LEAD-1", "LEAD-2"] * 2, "LEAD-3 took a seat the batch counted on: placed again, locked"
        assert [placed_at(a) for a in answers] == [["H1"], []]
    assert api.call("GET", "/v1/providers/H1").json()["free"] == 0
    stored_state_ok(api)


def test_participant_changed_during_the_batch_takes_the_single_path(api, singles, during_place):
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    api.participant("LEAD-2")
    pending, _ = during_place
    pending.append(
        lambda: api.call("PATCH", "/v1/participants/LEAD-2", who="coord_north", json={"max_transit_minutes": 50})
    )
    batch = tickets(api, "LEAD-1", "LEAD-2")
    api.app.state.desk.serve(batch)
    answers = [t.future.result(timeout=0) for t in batch]
    assert singles == ["LEAD-1", "LEAD-2"], "LEAD-2's record changed: each ticket on its own"
    assert [placed_at(a) for a in answers] == [["H1"], []]
    stored_state_ok(api)


def test_unexpected_error_serves_each_ticket_on_its_own(api, singles, monkeypatch):
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    api.participant("LEAD-2")

    def broken(*args, **kwargs):
        raise RuntimeError("directory refresh failed")

    monkeypatch.setattr(Directory, "refresh", broken)
    batch = tickets(api, "LEAD-1", "NOBODY", "LEAD-2")
    api.app.state.desk.serve(batch)
    assert placed_at(batch[0].future.result(timeout=0)) == ["H1"]
    assert isinstance(batch[1].future.exception(timeout=0), ApiError)
    assert placed_at(batch[2].future.result(timeout=0)) == []
    assert singles == ["LEAD-1", "LEAD-2"]
    response = api.request("LEAD-2")
    assert response.status_code == 201, "the desk thread keeps serving"
    stored_state_ok(api)


def test_concurrent_http_requests_are_all_answered_once(api):
    api.provider("H1", capacity=3)
    ids = [f"LEAD-{i}" for i in range(1, 9)]
    for pid in ids:
        api.participant(pid)
    with ThreadPoolExecutor(len(ids)) as pool:
        responses = list(pool.map(api.request, ids + ids[:2]))
    created = [r.json() for r in responses if r.status_code == 201]
    refused = [r.json() for r in responses if r.status_code != 201]
    assert len(created) >= len(ids), "a repeat is refused only when the first request got a hold"
    assert all(r["status"] == 409 and "held or confirmed placement" in r["detail"] for r in refused)
    held = [c["participant_id"] for c in created if c["needs"][0]["placement"]]
    assert len(held) == len(set(held)) == 3
    assert api.call("GET", "/v1/providers/H1").json()["free"] == 0
    stored_state_ok(api)
