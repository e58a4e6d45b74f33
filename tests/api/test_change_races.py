"""Changes at providers and wait lists racing each other (PostgreSQL, read committed): a change
re-checks the holds of the whole pool it touched, so it locks the whole pool first; a release
never overwrites a decision; a console move reads the order under the list's locks.

Each test makes one interleaving deterministic: either two transactions left open side by side in
one thread (when neither waits for the other), or a second transaction in a thread that is let go
once PostgreSQL reports it waiting for a row lock (``pg_stat_activity.wait_event_type = 'Lock'``,
polled: an observable state, never a sleep). On SQLite every write transaction starts with
``BEGIN IMMEDIATE`` and the interleavings cannot happen, so these tests run on PostgreSQL only.
"""

from __future__ import annotations

import threading
import time

import matcher
import pytest
from sqlalchemy import select

from api.auth import principal_for_token
from api.db.models import Placement
from api.schemas.providers import Capacity
from api.services import decisions
from api.services import providers as provider_service
from api.services.holds import revalidate
from api.services.records import check_view
from api.services.region import RegionContext
from tests.api.helpers import waiting_on_a_lock

pytestmark = pytest.mark.postgres


def until_waiting(api, thread: threading.Thread) -> None:
    """Poll until some backend waits for a lock (the thread's transaction); fail after 30 s."""
    deadline = time.monotonic() + 30
    while not waiting_on_a_lock(api):
        assert thread.is_alive(), "the concurrent transaction finished without waiting for a lock"
        assert time.monotonic() < deadline, "the concurrent transaction never waited for a lock"


def check_violations(api) -> list[matcher.Violation]:
    """``matcher.check`` on the stored state (every active hold against capacity and wait lists)."""
    with api.app.state.sessions() as session:
        instance, result, _ = check_view(session, RegionContext())
        return matcher.check(instance, result)


def shared_list(api, capacities: dict[str, int]) -> None:
    """Providers sharing the wait list CE, with community member W-1 waiting on it."""
    for pid, capacity in capacities.items():
        api.provider(pid, capacity=capacity, list_id="CE")
    response = api.call("POST", "/v1/wait-lists/CE/entries", json={"person_id": "W-1"})
    assert response.status_code == 201, response.text


def hold_at(api, participant_id: str, provider_id: str) -> str:
    """Request a placement for the participant (who ranks only ``provider_id``); the hold's id."""
    api.participant(participant_id, preferences=[provider_id])
    need = api.request(participant_id).json()["needs"][0]
    assert need["placement"] and need["placement"]["provider_id"] == provider_id, need
    return need["placement"]["id"]


def capacity_change(session, provider_id: str, capacity: int, region) -> list[str]:
    """What PUT /v1/providers/{id}/capacity does before its commit: set_capacity, then revalidate."""
    provider_service.set_capacity(session, provider_id, Capacity(capacity=capacity), "admin")
    return revalidate(session, [provider_id], "admin", region)


def test_two_capacity_cuts_on_one_shared_list_never_leave_a_hold_that_bumps(pg_api):
    """revalidate checks the whole pool (every provider of the wait list), so set_capacity locks
    the whole pool: of two cuts at two providers of one list, the second waits for the first and
    is checked against it (with only the locked provider, each passed on the other's old capacity
    and together they left a hold that bumps W-1)."""
    api = pg_api
    region = api.app.state.region
    shared_list(api, {"H1": 1, "H2": 1, "H3": 1})
    held = hold_at(api, "LEAD-1", "H2")  # 1 placed + W-1 ahead <= 3 seats on CE
    assert check_violations(api) == []

    outcome: list[list[str]] = []

    def cut_h3() -> None:
        with api.app.state.sessions() as session:
            outcome.append(capacity_change(session, "H3", 0, region))
            session.commit()

    with api.app.state.sessions() as first:
        assert capacity_change(first, "H1", 0, region) == []  # 1 + 1 <= 2 seats (H2, H3 as committed)
        second = threading.Thread(target=cut_h3)
        second.start()
        deadline = time.monotonic() + 30  # the second cut either finishes or waits for the first's locks
        while second.is_alive() and not waiting_on_a_lock(api):
            assert time.monotonic() < deadline, "the second cut neither finished nor waited for a lock"
        first.commit()
    second.join(timeout=30)
    assert outcome, "the second cut did not finish"

    status = api.call("GET", f"/v1/placements/{held}", who="coord_north").json()["status"]
    found = check_violations(api)
    assert found == [], f"hold {held} is {status} and the stored state fails matcher.check: {found}"


def test_revalidate_never_undoes_a_confirmation_committed_while_it_waited(pg_api):
    """revalidate releases the newest hold of the pool, also one at another provider than the
    one changed: it waits for the pool's locks while the hold is being confirmed, then sees it
    confirmed (it used to read the hold as held and overwrite 'confirmed' with 'released')."""
    api = pg_api
    region = api.app.state.region
    shared_list(api, {"H1": 1, "H2": 1})
    held = hold_at(api, "LEAD-1", "H2")  # 1 placed + W-1 ahead <= 2 seats on CE
    with api.app.state.sessions() as session:
        coordinator = principal_for_token(session, api.tokens["coord_north"])
    released: list[list[str]] = []

    def cut_h1() -> None:  # 1 + 1 > 1 seat on CE: revalidate releases the hold at H2
        with api.app.state.sessions() as session:
            released.append(capacity_change(session, "H1", 0, region))
            session.commit()

    with api.app.state.sessions() as confirming:
        answer = decisions.confirm(confirming, coordinator, held)
        confirming.flush()
        assert answer.status == "confirmed"
        cutter = threading.Thread(target=cut_h1)
        cutter.start()
        until_waiting(api, cutter)
        confirming.commit()  # the client is told: confirmed
    cutter.join(timeout=30)
    assert released, "the capacity cut did not finish"

    with api.app.state.sessions() as session:
        status = session.scalar(select(Placement.status).where(Placement.id == held))
    assert status == "confirmed", f"a confirmed placement was undone: it is now {status} (released {released})"


def test_a_move_up_in_the_console_keeps_a_reorder_committed_meanwhile(pg_api, monkeypatch):
    """The console's "move up" (waitlists.move) reads the list's order under the list's locks, so
    another user's reorder is either before it or after it, never lost (the order used to be read
    before the locks and a reorder committed in between was silently undone)."""
    from fastapi.testclient import TestClient

    import api.web.provider as web_provider
    from tests.console.conftest import form_secret, sign_in

    api = pg_api
    api.provider("H1", capacity=0)
    ids = {}
    for person in ("W-1", "W-2", "W-3"):
        ids[person] = api.call("POST", "/v1/wait-lists/H1/entries", json={"person_id": person}).json()["id"]
    original = web_provider.list_service.reorder
    with api.app.state.sessions() as session:
        other_user = principal_for_token(session, api.tokens["admin"])
    done: list[list[str]] = []

    def other_reorder() -> None:  # what POST /v1/wait-lists/H1/order does: W-3 to the front
        with api.app.state.sessions() as session:
            done.append(original(session, other_user, "H1", [ids["W-3"], ids["W-1"], ids["W-2"]]))
            session.commit()

    pending = [other_reorder]

    def reorder(session, principal, list_id, entry_ids):
        if pending:  # another user's reorder, after this move read the order
            other = threading.Thread(target=pending.pop())
            other.start()
            deadline = time.monotonic() + 30  # it commits, or waits for this move's locks
            while other.is_alive() and not waiting_on_a_lock(api):
                assert time.monotonic() < deadline, "the other reorder neither finished nor waited for a lock"
            threads.append(other)
        return original(session, principal, list_id, entry_ids)

    threads: list[threading.Thread] = []
    monkeypatch.setattr(web_provider.list_service, "reorder", reorder)
    with TestClient(api.app, follow_redirects=True) as browser:
        sign_in(browser, api.tokens["provider_h1"])
        secret = form_secret(browser.get("/console/provider").text)
        moved = browser.post(
            f"/console/provider/wait-list/entries/{ids['W-2']}/move", data={"csrf": secret, "direction": "up"}
        )
        assert moved.status_code == 200, moved.text
    for other in threads:
        other.join(timeout=30)
    assert done, "the other reorder did not finish"
    order = [e["person_id"] for e in api.call("GET", "/v1/wait-lists/H1").json()["entries"]]
    assert order in (["W-3", "W-1", "W-2"], ["W-3", "W-2", "W-1"]), (  # reorder then move, move then reorder
        f"W-2 moved up on a stale order: the list reads {order}, the concurrent reorder to W-3, W-1, W-2 is lost"
    )
