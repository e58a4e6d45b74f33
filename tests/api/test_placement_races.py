"""A placement request that loses a race between its snapshot and its write, on SQLite and PostgreSQL.

The race is made deterministic: while the first request is solving (between its snapshot read and
its locked write), another change commits at the same provider. A change that still leaves room
must not cost a re-solve; a change that takes the last slot or puts someone ahead on the list must
not let the first request's hold through.
"""

from __future__ import annotations

import threading
import time

import pytest

import api.services.decide as decide
import api.services.placing as placing
from api.auth import principal_for_token
from api.schemas.providers import WaitListEntryIn
from api.services.asks import ParticipantChanged, Ticket, lock_asks, read_asks
from api.services.participants import revoke_consent
from api.services.waitlists import add_entry
from tests.api.helpers import stored_state_ok, waiting_on_a_lock


@pytest.fixture
def race(api, monkeypatch):
    """Run ``change`` once, inside the first request's solve; counts solves per participant."""
    solves: dict[str, int] = {}
    pending: list = []
    original = decide.place_one

    def place_one(instance, **options):
        pid = instance.participants[0].participant_id
        solves[pid] = solves.get(pid, 0) + 1
        if pending:
            pending.pop()()
        return original(instance, **options)

    monkeypatch.setattr(decide, "place_one", place_one)

    def arm(change) -> dict[str, int]:
        pending.append(change)
        return solves

    return arm


def other_request(api, participant_id: str) -> None:
    """A second coordinator's placement request, committed at once (the concurrent change)."""
    sessions = api.app.state.sessions
    with sessions() as session:
        principal = principal_for_token(session, api.tokens["coord_north"])
    settings = api.app.state.settings
    budget = placing.Budget(settings.hold_minutes, settings.candidates_per_need, settings.round_time_limit_s)
    request, holds = placing.request_placement(
        sessions, principal, participant_id, None, budget, api.app.state.region, api.app.state.lookups
    )
    assert len(holds) == 1, "the concurrent request itself takes a slot"


@pytest.mark.parametrize("capacity", [2, 1])
def test_concurrent_hold_is_checked_and_only_a_full_pool_forces_a_new_answer(api, race, capacity):
    api.provider("H1", capacity=capacity)
    api.participant("LEAD-1")
    api.participant("LEAD-2")
    solves = race(lambda: other_request(api, "LEAD-2"))
    need = api.request("LEAD-1").json()["needs"][0]
    if capacity == 2:
        assert need["placement"]["provider_id"] == "H1"
        assert solves["LEAD-1"] == 1, "the pool changed but the hold still fits: no second solve"
    else:
        assert need["placement"] is None and need["wait_positions"][0]["provider_id"] == "H1"
        assert solves["LEAD-1"] == 2, "LEAD-2 took the last slot: LEAD-1 is solved again"
    assert api.call("GET", "/v1/providers/H1").json()["free"] == 0
    stored_state_ok(api)


def test_person_added_ahead_during_the_solve_is_not_bumped(api, race):
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")

    def add_ahead() -> None:
        with api.app.state.sessions() as session:
            principal = principal_for_token(session, api.tokens["provider_h1"])
            add_entry(session, principal, "H1", WaitListEntryIn(person_id="W-1"))
            session.commit()

    solves = race(add_ahead)
    need = api.request("LEAD-1").json()["needs"][0]
    assert need["placement"] is None, "W-1 now waits ahead for the only slot"
    assert need["wait_positions"][0]["ahead"] == 1
    assert solves["LEAD-1"] == 2
    stored_state_ok(api)


def test_consent_revoked_during_the_solve_leaves_no_hold(api, race):
    api.provider("H1", capacity=2)
    api.participant("LEAD-1")
    consent_id = api.call("GET", "/v1/participants/LEAD-1", who="coord_north").json()["consents"][0]["id"]

    def revoke() -> None:
        with api.app.state.sessions() as session:
            principal = principal_for_token(session, api.tokens["coord_north"])
            revoke_consent(session, principal, "LEAD-1", consent_id)
            session.commit()

    race(revoke)
    answer = api.request("LEAD-1")
    assert answer.status_code == 409, answer.json()
    assert answer.json()["errors"][0]["message"] == "no active consent"
    held = api.call("GET", "/v1/placements?participant_id=LEAD-1", who="coord_north").json()
    assert [p for p in held if p["status"] == "held"] == [], "a hold written after the revocation"
    stored_state_ok(api)


def locked_write(session, asks, ticket) -> str:
    """The write transaction's check of asks read before the locks: 'changed' or 'unchanged'."""
    try:
        lock_asks(session, asks)
    except ParticipantChanged:
        return "changed"
    return "unchanged"


def locked_read(session, asks, ticket) -> str:
    """The last try of a request on its own, read under the locks: the refusal's slug, or 'asked'."""
    found = read_asks(session, [Ticket(ticket.principal, ticket.participant_id, None)], lock=True)
    return found.refused[0][1].slug if found.refused else "asked"


@pytest.mark.postgres
@pytest.mark.parametrize(("read_under_lock", "expected"), [(locked_write, "changed"), (locked_read, "no-consent")])
def test_a_read_under_the_lock_sees_a_revocation_committed_while_it_waited(pg_api, read_under_lock, expected):
    """A read under the participant's lock waits for a revocation in progress; once the lock is
    granted it must see the revocation (read committed: a statement sees what committed before it
    began, so the lock and the read are two statements)."""
    api = pg_api
    api.provider("H1", capacity=2)
    api.participant("LEAD-1")
    consent_id = api.call("GET", "/v1/participants/LEAD-1", who="coord_north").json()["consents"][0]["id"]
    with api.app.state.sessions() as session:
        principal = principal_for_token(session, api.tokens["coord_north"])
    ticket = Ticket(principal, "LEAD-1", None)
    with api.app.state.lookups() as read:
        asks = read_asks(read, [ticket]).asks
    outcome: list[str] = []

    def write() -> None:
        with api.app.state.sessions() as session:
            outcome.append(read_under_lock(session, asks, ticket))

    with api.app.state.sessions() as revoking:
        revoke_consent(revoking, principal, "LEAD-1", consent_id)
        revoking.flush()
        writer = threading.Thread(target=write)
        writer.start()
        deadline = time.monotonic() + 30
        while not waiting_on_a_lock(api):
            assert time.monotonic() < deadline, "the read never waited for the participant's lock"
        revoking.commit()
    writer.join(timeout=30)
    assert outcome == [expected]
